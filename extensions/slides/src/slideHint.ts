/**
 * "What is a slide?": a short explanation of the slide types, shown once per user (remembered in the workspace
 * state) — the first time a teacher sets a slide type, or presents a notebook whose slides came from headings.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

/** State key set once the user has closed the hint with "Got it". */
export const SLIDE_HINT_KEY = '@classlab/slides:slide-hint-seen';

export type SlideHintReason = 'authoring' | 'automatic';

export class SlideHint {
  constructor(
    private readonly _state: IStateDB | null,
    private readonly _trans: TranslationBundle
  ) {}

  /** Show the hint unless it was shown in this page already or the user said "Got it" before. */
  async showOnce(reason: SlideHintReason): Promise<void> {
    if (this._shown) {
      return;
    }
    this._shown = true;
    const seen = await this._state?.fetch(SLIDE_HINT_KEY).catch(() => false);
    if (seen === true) {
      return;
    }
    const trans = this._trans;
    const seenNow = () =>
      void this._state?.save(SLIDE_HINT_KEY, true).catch(() => undefined);
    Notification.info(
      reason === 'automatic'
        ? trans.__(
            'No slide types yet: each heading starts a slide. Pick types in the box above each cell.'
          )
        : trans.__('Slide types decide how cells appear in the slideshow.'),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('What is a slide?'),
            callback: () => {
              seenNow();
              void showDialog({
                title: trans.__('What is a slide?'),
                body: new Widget({ node: explanation(trans) }),
                buttons: [Dialog.okButton({ label: trans.__('Got it') })]
              });
            }
          },
          { label: trans.__('Got it'), callback: seenNow }
        ]
      }
    );
  }

  private _shown = false;
}

/** One line per slide type, in the words of the selector. */
function explanation(trans: TranslationBundle): HTMLElement {
  const rows: [string, string][] = [
    [trans.__('Slide'), trans.__('starts a new slide (Right key).')],
    [
      trans.__('Subslide'),
      trans.__('starts a slide below the last one (Down key).')
    ],
    [
      trans.__('Fragment'),
      trans.__('appears on the next key press, on the same slide.')
    ],
    [trans.__('Continue'), trans.__('stays on the same slide, shown at once.')],
    [trans.__('Skip'), trans.__('is not shown in the slideshow.')],
    [
      trans.__('Notes'),
      trans.__('only you see it, in the speaker view (S key).')
    ]
  ];
  const list = document.createElement('dl');
  list.className = 'jp-ClassLabSlides-hintList';
  for (const [name, meaning] of rows) {
    const term = document.createElement('dt');
    term.textContent = name;
    const description = document.createElement('dd');
    description.textContent = meaning;
    list.append(term, description);
  }
  const intro = document.createElement('p');
  intro.textContent = trans.__(
    'Each cell has a slide type, chosen in the box above the cell or with Alt+Shift and a letter. Without any slide types, each heading starts a slide.'
  );
  const body = document.createElement('div');
  body.append(intro, list);
  return body;
}
