/**
 * The speaker view: a second browser window with the current slide, the next one, the speaker notes and a timer.
 *
 * The window is a blank same-origin popup filled from here (no second JupyterLab, no request to the server):
 * slides are copies of the deck's rendered DOM, notes are rendered with the notebook's own markdown renderer.
 * Its buttons and keys drive the deck, and the deck's moves update it, so both stay in step.
 */
import { MimeModel } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { SlideDeck } from './deck';
import { ISlidePosition } from './slideIndex';

export class SpeakerView implements IDisposable {
  constructor(
    private readonly _deck: SlideDeck,
    private readonly _trans: TranslationBundle
  ) {}

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Open the window (or focus it); false when the browser blocked the popup. */
  open(): boolean {
    if (this._window && !this._window.closed) {
      this._window.focus();
      return true;
    }
    const win = window.open(
      '',
      `classlab-speaker-${this._deck.id}`,
      'popup,width=1100,height=720'
    );
    if (!win) {
      return false;
    }
    this._window = win;
    this._build(win.document);
    this._deck.positionChanged.connect(this._update, this);
    // The next slide is mounted a moment after a move; copy it then.
    this._deck.slidesMounted.connect(this._update, this);
    this._startedAt = Date.now();
    this._timer = window.setInterval(() => this._tick(), 1000);
    win.addEventListener('beforeunload', () => this.dispose());
    win.document.addEventListener('keydown', event => this._onKey(event));
    this._update();
    this._tick();
    return true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearInterval(this._timer);
    this._deck.positionChanged.disconnect(this._update, this);
    this._deck.slidesMounted.disconnect(this._update, this);
    const win = this._window;
    this._window = null;
    if (win && !win.closed) {
      win.close();
    }
  }

  private _build(doc: Document): void {
    const t = this._trans;
    doc.title = t.__('Speaker view: %1', this._deck.panel.title.label);
    // JupyterLab's styles as text (theme variables included), so copied slides and rendered notes look as in
    // the deck at once, with no request for stylesheets.
    const style = doc.createElement('style');
    style.textContent = [...document.styleSheets].map(cssText).join('\n');
    doc.head.replaceChildren(style);
    for (const [key, value] of Object.entries(document.body.dataset)) {
      doc.body.dataset[key] = value;
    }
    doc.body.className = 'jp-ClassLabSlides-speaker';
    doc.body.innerHTML = '';
    const el = (tag: string, className: string, text = '') => {
      const node = doc.createElement(tag);
      node.className = className;
      node.textContent = text;
      return node;
    };
    const bar = el('div', 'jp-ClassLabSlides-speakerBar');
    const previous = el(
      'button',
      'jp-ClassLabSlides-speakerPrevious',
      t.__('Previous')
    );
    const next = el('button', 'jp-ClassLabSlides-speakerNext', t.__('Next'));
    const reset = el(
      'button',
      'jp-ClassLabSlides-speakerReset',
      t.__('Restart timer')
    );
    previous.addEventListener('click', () => this._deck.previous());
    next.addEventListener('click', () => this._deck.next());
    reset.addEventListener('click', () => {
      this._startedAt = Date.now();
      this._tick();
    });
    this._counter = el('span', 'jp-ClassLabSlides-speakerCounter');
    this._clock = el('span', 'jp-ClassLabSlides-speakerTimer');
    this._clock.setAttribute('aria-label', t.__('Elapsed time'));
    bar.append(previous, next, this._counter, this._clock, reset);

    const current = el('section', 'jp-ClassLabSlides-speakerCurrent');
    current.setAttribute('aria-label', t.__('Current slide'));
    const upcoming = el('section', 'jp-ClassLabSlides-speakerNextSlide');
    upcoming.setAttribute('aria-label', t.__('Next slide'));
    const notes = el('section', 'jp-ClassLabSlides-speakerNotes');
    notes.setAttribute('aria-label', t.__('Speaker notes'));
    this._current = el('div', 'jp-ClassLabSlides-speakerBody');
    this._next = el('div', 'jp-ClassLabSlides-speakerBody');
    this._notes = el('div', 'jp-ClassLabSlides-speakerBody');
    current.append(el('h2', '', t.__('Now')), this._current);
    upcoming.append(el('h2', '', t.__('Next')), this._next);
    notes.append(el('h2', '', t.__('Notes')), this._notes);
    doc.body.append(bar, current, upcoming, notes);
  }

  private _update(): void {
    const win = this._window;
    const position = this._deck.position;
    if (!win || win.closed || !position) {
      return;
    }
    const t = this._trans;
    const index = this._deck.slideIndex;
    this._counter!.textContent = t.__(
      'Slide %1 of %2',
      position.h + 1,
      index.length
    );
    this._showCopy(this._current!, position);
    const next = this._deck.nextPosition(position);
    if (next) {
      this._showCopy(this._next!, next);
    } else {
      this._next!.textContent = t.__('End of the slideshow');
    }
    void this._showNotes(position);
  }

  /** Copy of a subslide's rendered DOM, fragments up to `position.f` shown, into the speaker window. */
  private _showCopy(target: HTMLElement, position: ISlidePosition): void {
    const source = this._deck.subslideNode(position.h, position.v);
    target.replaceChildren();
    if (!source) {
      return;
    }
    const copy = target.ownerDocument.importNode(source, true);
    copy.removeAttribute('style');
    copy
      .querySelectorAll<HTMLElement>('.jp-ClassLabSlides-step')
      .forEach((step, f) => {
        step.classList.remove('fragment', 'visible');
        step.hidden = f > position.f;
      });
    staticCopy(copy);
    target.appendChild(copy);
  }

  private async _showNotes(position: ISlidePosition): Promise<void> {
    const target = this._notes!;
    const ids =
      this._deck.slideIndex.slides[position.h]?.subslides[position.v]?.notes ??
      [];
    const cells = [...(this._deck.panel.model?.cells ?? [])].filter(cell =>
      ids.includes(cell.id)
    );
    const { rendermime } = this._deck.panel.content;
    const rendered: HTMLElement[] = [];
    for (const cell of cells) {
      const renderer = rendermime.createRenderer('text/markdown');
      await renderer.renderModel(
        new MimeModel({
          data: { 'text/markdown': cell.sharedModel.getSource() },
          trusted: false
        })
      );
      rendered.push(renderer.node);
    }
    if (
      this._deck.position?.h !== position.h ||
      this._deck.position?.v !== position.v
    ) {
      return; // moved on while rendering
    }
    if (rendered.length === 0) {
      target.textContent = this._trans.__('No notes for this slide.');
    } else {
      target.replaceChildren(
        ...rendered.map(node => target.ownerDocument.importNode(node, true))
      );
    }
  }

  private _tick(): void {
    const seconds = Math.floor((Date.now() - this._startedAt) / 1000);
    const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
    const ss = String(seconds % 60).padStart(2, '0');
    if (this._clock) {
      this._clock.textContent = `${mm}:${ss}`;
    }
  }

  private _onKey(event: KeyboardEvent): void {
    if (
      ['ArrowRight', 'ArrowDown', 'PageDown', ' '].includes(event.key) &&
      !event.shiftKey
    ) {
      this._deck.next();
    } else if (
      ['ArrowLeft', 'ArrowUp', 'PageUp'].includes(event.key) ||
      (event.key === ' ' && event.shiftKey)
    ) {
      this._deck.previous();
    } else {
      return;
    }
    event.preventDefault();
  }

  private _window: Window | null = null;
  private _isDisposed = false;
  private _timer = 0;
  private _startedAt = 0;
  private _counter: HTMLElement | null = null;
  private _clock: HTMLElement | null = null;
  private _current: HTMLElement | null = null;
  private _next: HTMLElement | null = null;
  private _notes: HTMLElement | null = null;
}

/**
 * Make a copied slide a picture of it, read as text: the code editors' copies lose their editing role and focus stop
 * (screen readers would announce unnamed text boxes that type nowhere), and the copied buttons and fields are
 * disabled (nothing is wired to them in this window).
 */
function staticCopy(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('[contenteditable]').forEach(node => {
    node.removeAttribute('contenteditable');
    for (const name of [
      'role',
      'aria-multiline',
      'aria-autocomplete',
      'aria-readonly'
    ]) {
      node.removeAttribute(name);
    }
  });
  root
    .querySelectorAll<HTMLElement>('[tabindex]')
    .forEach(node => node.removeAttribute('tabindex'));
  root
    .querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>(
      'button, input, select, textarea'
    )
    .forEach(control => (control.disabled = true));
}

/** The rules of a stylesheet as text; empty for one the browser does not let us read. */
function cssText(sheet: CSSStyleSheet): string {
  try {
    // Font faces are left out: their URLs would not resolve in the blank window (system fonts do).
    return [...sheet.cssRules]
      .filter(rule => !(rule instanceof CSSFontFaceRule))
      .map(rule => rule.cssText)
      .join('\n');
  } catch {
    return '';
  }
}
