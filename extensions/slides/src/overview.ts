/**
 * Overview and go-to-slide in one overlay over the deck: every slide as a numbered card with its title, and a box
 * that takes a slide number or words from a title. Plain DOM text only (titles come from notebook content).
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { matchSlides } from './slideTitles';

export const OVERVIEW_CLASS = 'jp-ClassLabSlides-overview';

export class SlideOverview {
  constructor(
    private readonly _host: HTMLElement,
    private readonly _trans: TranslationBundle,
    private readonly _choose: (h: number) => void
  ) {}

  get isOpen(): boolean {
    return this._node !== null;
  }

  /** Show the cards; `current` is highlighted and focused, or the search box when `search` is true. */
  open(titles: readonly string[], current: number, search: boolean): void {
    this.close();
    const trans = this._trans;
    const node = document.createElement('div');
    node.className = OVERVIEW_CLASS;
    node.setAttribute('role', 'dialog');
    node.setAttribute('aria-label', trans.__('All slides'));

    const input = document.createElement('input');
    input.type = 'search';
    input.className = `${OVERVIEW_CLASS}-search`;
    input.placeholder = trans.__('Slide number or words, then Enter');
    input.setAttribute('aria-label', trans.__('Go to slide'));

    const list = document.createElement('ol');
    list.className = `${OVERVIEW_CLASS}-list`;
    const cards = titles.map((title, h) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `${OVERVIEW_CLASS}-card`;
      button.dataset.slide = String(h);
      if (h === current) {
        button.setAttribute('aria-current', 'true');
      }
      const number = document.createElement('span');
      number.className = `${OVERVIEW_CLASS}-number`;
      number.textContent = String(h + 1);
      const text = document.createElement('span');
      text.className = `${OVERVIEW_CLASS}-title`;
      text.textContent = title || trans.__('(no text)');
      button.append(number, text);
      button.addEventListener('click', () => this._pick(h));
      item.appendChild(button);
      list.appendChild(item);
      return item;
    });

    const filter = () => {
      const shown = new Set(matchSlides(titles, input.value));
      cards.forEach((card, h) => (card.hidden = !shown.has(h)));
    };
    input.addEventListener('input', filter);
    input.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        const [best] = matchSlides(titles, input.value);
        if (best !== undefined) {
          event.preventDefault();
          this._pick(best);
        }
      }
    });

    node.append(input, list);
    this._host.appendChild(node);
    this._node = node;
    if (search) {
      input.focus();
    } else {
      const button = cards[current]?.querySelector('button');
      button?.focus();
      button?.scrollIntoView({ block: 'nearest' });
    }
  }

  close(): void {
    this._node?.remove();
    this._node = null;
  }

  private _pick(h: number): void {
    this.close();
    this._choose(h);
  }

  private _node: HTMLElement | null = null;
}
