/**
 * Full screen for the deck. The whole page goes full screen and the deck covers it, rather than the deck's own
 * node: JupyterLab attaches dialogs, menus and the completer to `document.body`, and those would be invisible
 * outside a full-screen element. When the browser refuses full screen, the deck still covers the window.
 */
import { Widget } from '@lumino/widgets';

/** On the deck while it covers the page. */
export const FULLSCREEN_CLASS = 'jp-mod-fullscreen';
/** On `document.body` while a deck covers the page (hides nothing itself; scopes the deck's fixed layout). */
export const FULLSCREEN_BODY_CLASS = 'jp-mod-classlabSlidesFullscreen';
/** On each ancestor of the deck while it covers the page: lifts Lumino's `contain: strict` (see deck-look.css). */
export const FULLSCREEN_HOST_CLASS = 'jp-mod-classlabSlidesHost';

export async function toggleFullscreen(deck: Widget): Promise<void> {
  if (deck.hasClass(FULLSCREEN_CLASS)) {
    leaveFullscreen(deck);
    return;
  }
  deck.addClass(FULLSCREEN_CLASS);
  document.body.classList.add(FULLSCREEN_BODY_CLASS);
  for (
    let node = deck.node.parentElement;
    node && node !== document.body;
    node = node.parentElement
  ) {
    node.classList.add(FULLSCREEN_HOST_CLASS);
  }
  const onChange = () => {
    // Left by the browser (Esc, F11): the deck goes back into its tab.
    if (!document.fullscreenElement) {
      document.removeEventListener('fullscreenchange', onChange);
      uncover(deck);
    }
  };
  try {
    await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
    document.addEventListener('fullscreenchange', onChange);
  } catch {
    // No full screen here (iframe without allowfullscreen, no user gesture): covering the window still helps.
  }
  // Keys go to the deck again, unless the user has meanwhile opened something else (a dialog, the palette).
  const active = document.activeElement;
  if (!active || active === document.body || deck.node.contains(active)) {
    deck.node.focus();
  }
}

export function leaveFullscreen(deck: Widget): void {
  if (!deck.hasClass(FULLSCREEN_CLASS)) {
    return;
  }
  uncover(deck);
  if (document.fullscreenElement) {
    void document.exitFullscreen().catch(() => undefined);
  }
}

function uncover(deck: Widget): void {
  deck.removeClass(FULLSCREEN_CLASS);
  document.body.classList.remove(FULLSCREEN_BODY_CLASS);
  document
    .querySelectorAll(`.${FULLSCREEN_HOST_CLASS}`)
    .forEach(node => node.classList.remove(FULLSCREEN_HOST_CLASS));
  if (!deck.isDisposed) {
    deck.node.focus();
  }
}
