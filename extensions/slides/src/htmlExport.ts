/**
 * Export the deck to one standalone HTML file: reveal.js (script and styles inlined), every slide with its
 * fragments and speaker notes, cells rendered statically with their current outputs, and the JupyterLab CSS
 * the cells use. It opens offline, by double-click, with reveal.js's usual keys.
 *
 * Loaded lazily (it carries reveal.js's source as text): never part of what JupyterLab loads at start.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Cell, CodeCell, MarkdownCell } from '@jupyterlab/cells';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { createCellView } from './cellViews';
import { collectUsedCss } from './exportCss';
import {
  buildHtmlDocument,
  escapeHtml,
  exportPath,
  IExportOutput,
  IExportSlide,
  renderOutputs,
  sanitizeElement,
  slidesMarkup,
  stripFontFaces
} from './htmlDocument';
import { readSlideCell } from './notebookSlideIndex';
import { IRiseOptions, readRiseOptions } from './riseOptions';
import { revealCss, revealJs, revealTheme } from './revealSources';
import { CellShow, DEFAULT_AUTO_HEADING_LEVEL, SlideIndex } from './slideIndex';
import { readTextScale } from './textScale';

const SCRATCH_CLASS = 'jp-ClassLabSlides-exportScratch';

/** Parts of a cell view that only make sense live (editing, collapsing, toolbars). */
const LIVE_ONLY = [
  '.jp-Collapser',
  '.jp-cell-toolbar',
  '.jp-Toolbar',
  '.jp-collapseHeadingButton',
  '.jp-showHiddenCellsButton',
  '.jp-InputPlaceholder',
  '.jp-OutputPlaceholder',
  '.lm-mod-hidden'
].join(', ');

/**
 * The HTML page of the deck of `panel`. `index` is the running deck's (it may follow a setting); without one,
 * the index is built with the default rules.
 */
export async function renderDeckHtml(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  index: SlideIndex | null
): Promise<string> {
  const model = panel.model!;
  index ??= SlideIndex.build([...model.cells].map(readSlideCell), {
    autoHeadingLevel: DEFAULT_AUTO_HEADING_LEVEL
  });
  const { options: rise } = readRiseOptions(model.metadata);
  const width = typeof rise.width === 'number' ? rise.width : 1280;
  const height = typeof rise.height === 'number' ? rise.height : 720;
  const languages = await app.resolveOptionalService(IEditorLanguageRegistry);

  document.querySelector(`.${SCRATCH_CLASS}`)?.remove(); // left by an interrupted export
  const scratch = document.createElement('div');
  scratch.className = SCRATCH_CLASS;
  scratch.setAttribute('aria-hidden', 'true');
  Object.assign(scratch.style, {
    position: 'fixed',
    left: '-100000px',
    top: '0',
    width: `${width}px`,
    visibility: 'hidden',
    pointerEvents: 'none'
  });
  document.body.appendChild(scratch); // cell widgets render only in the document
  const views: Cell[] = [];
  const view = (id: string, show: CellShow): Cell | null => {
    const cell = createCellView(panel, id, show);
    if (cell) {
      Widget.attach(cell, scratch);
      views.push(cell);
    }
    return cell;
  };
  try {
    const plan = index.slides.map(slide =>
      slide.subslides.map(sub => ({
        steps: sub.fragments.map(fragment =>
          fragment.cells.map(shown => ({
            cell: view(shown.id, shown.show),
            show: shown.show
          }))
        ),
        notes: sub.notes.map(id => view(id, 'all'))
      }))
    );
    await Promise.all(views.map(cell => cell.ready));
    await markdownRendered(views);

    const slides: IExportSlide[] = [];
    for (const subslides of plan) {
      const slide: IExportSlide = { subslides: [] };
      for (const sub of subslides) {
        const steps: string[] = [];
        for (const cells of sub.steps) {
          let html = '';
          for (const { cell, show } of cells) {
            if (cell) {
              html += (await staticCell(cell, show, panel, languages))
                .outerHTML;
            }
          }
          steps.push(html);
        }
        let notes = '';
        for (const cell of sub.notes) {
          if (cell) {
            notes += (await staticNotes(cell)).innerHTML;
          }
        }
        slide.subslides.push({ steps, notes });
      }
      slides.push(slide);
    }
    const markup = slidesMarkup(slides);

    // The CSS the static slides use, matched in this document (theme attributes on <body> included). Styles of
    // trusted HTML outputs are in the markup already; done in one task, so the page never paints them.
    const root = document.createElement('div');
    root.className = 'jp-ClassLabSlides-exportRoot';
    scratch.appendChild(root);
    root.innerHTML = markup;
    const ownCss = pageCss(rise, readTextScale(model.getMetadata('classlab')));
    const labCss = collectUsedCss(
      document,
      root,
      sheet => {
        const owner = sheet.ownerNode;
        return owner instanceof Node && root.contains(owner);
      },
      ownCss
    );
    root.remove();

    const themeCss = rise.theme
      ? stripFontFaces(await revealTheme(rise.theme))
      : undefined;
    const bodyAttributes: Record<string, string> = {};
    for (const attribute of [...document.body.attributes]) {
      if (attribute.name.startsWith('data-jp-theme')) {
        bodyAttributes[attribute.name] = attribute.value;
      }
    }
    return buildHtmlDocument({
      title: panel.title.label.replace(/\.ipynb$/i, ''),
      lang: document.documentElement.lang || 'en',
      revealJs,
      revealCss,
      themeCss,
      labCss,
      pageCss: ownCss,
      slides: markup,
      config: {
        width,
        height,
        margin: 0.04,
        center: false,
        hash: true,
        keyboard: true,
        controls: true,
        progress: true,
        slideNumber: 'c/t',
        transition: rise.transition,
        showNotes: false,
        plugins: []
      },
      bodyAttributes,
      header: rise.header,
      footer: rise.footer
    });
  } finally {
    for (const cell of views) {
      cell.dispose();
    }
    scratch.remove();
  }
}

/** Markdown cells render asynchronously (and typeset math after): wait until each shows its rendering. */
async function markdownRendered(
  views: Cell[],
  timeoutMs = 10000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = () =>
    views.some(
      cell =>
        cell instanceof MarkdownCell &&
        cell.model.sharedModel.getSource().trim() !== '' &&
        !cell.node.querySelector('.jp-RenderedMarkdown')?.childElementCount
    );
  while (pending() && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  await new Promise(resolve =>
    requestAnimationFrame(() => requestAnimationFrame(resolve))
  );
}

/** A static copy of a cell view: highlighted code instead of the editor, outputs from the model, sanitised. */
async function staticCell(
  cell: Cell,
  show: CellShow,
  panel: NotebookPanel,
  languages: IEditorLanguageRegistry | null
): Promise<HTMLElement> {
  const copy = cell.node.cloneNode(true) as HTMLElement;
  copy.classList.remove(
    'jp-ClassLabSlides-outputOnly',
    'jp-ClassLabSlides-inputOnly'
  );
  if (show === 'output') {
    copy.querySelector('.jp-Cell-inputWrapper')?.remove();
  } else if (show === 'input') {
    copy.querySelector('.jp-Cell-outputWrapper')?.remove();
  }
  copy.querySelectorAll(LIVE_ONLY).forEach(node => node.remove());

  const editor = copy.querySelector('.jp-InputArea-editor');
  if (editor && !(cell instanceof MarkdownCell && cell.rendered)) {
    const pre = document.createElement('pre');
    pre.className = 'jp-ClassLabSlides-code';
    const code = document.createElement('code');
    pre.appendChild(code);
    const source = cell.model.sharedModel.getSource();
    const language =
      cell instanceof CodeCell
        ? (languages?.findByMIME(panel.content.codeMimetype) ?? null)
        : null;
    if (languages && language) {
      await languages.highlight(source, language, code);
    } else {
      code.textContent = source;
    }
    editor.replaceChildren(pre);
  }
  if (cell instanceof CodeCell) {
    const area = copy.querySelector('.jp-OutputArea');
    if (area) {
      area.innerHTML = renderOutputs(
        cell.model.outputs.toJSON() as unknown as IExportOutput[],
        cell.model.trusted
      );
    }
  }
  sanitizeElement(copy);
  copy.removeAttribute('tabindex');
  copy.querySelectorAll('[tabindex]').forEach(node => {
    node.removeAttribute('tabindex');
  });
  await inlineImages(copy);
  return copy;
}

/** Speaker notes: the rendered markdown of a notes cell (or its source, for other cell types). */
async function staticNotes(cell: Cell): Promise<HTMLElement> {
  const rendered = cell.node.querySelector('.jp-RenderedMarkdown');
  const notes = document.createElement('div');
  if (cell instanceof MarkdownCell && rendered) {
    notes.innerHTML = rendered.innerHTML;
    sanitizeElement(notes);
    await inlineImages(notes);
  } else {
    notes.innerHTML = `<pre>${escapeHtml(cell.model.sharedModel.getSource())}</pre>`;
  }
  return notes;
}

/** Images from this server (notebook files, attachments) as data URIs, so the file needs no server. */
async function inlineImages(root: HTMLElement): Promise<void> {
  for (const img of [...root.querySelectorAll('img[src]')]) {
    const src = img.getAttribute('src') ?? '';
    if (src.startsWith('data:')) {
      continue;
    }
    let url: URL;
    try {
      url = new URL(src, document.baseURI);
    } catch {
      continue;
    }
    if (url.origin !== location.origin) {
      continue; // an image on the web stays a link to the web
    }
    try {
      const response = await fetch(url.href, { credentials: 'same-origin' });
      const blob = await response.blob();
      if (
        response.ok &&
        /^image\/(png|jpe?g|gif|webp|svg\+xml)$/.test(blob.type)
      ) {
        img.setAttribute('src', await dataUri(blob));
      }
    } catch {
      // leave the link; the image then shows only where the server is reachable
    }
  }
}

function dataUri(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The export's own layout: slide size and padding as in the deck, text size, code blocks, header/footer. */
function pageCss(rise: IRiseOptions, textScale: number): string {
  const themed = rise.theme !== undefined;
  return `
html, body { margin: 0; height: 100%; }
body.jp-ClassLabSlides-exported${themed ? '' : ', body.jp-ClassLabSlides-exported.reveal-viewport'} {
  ${themed ? '' : 'background: var(--jp-layout-color0); color: var(--jp-content-font-color1);'}
}
.reveal {
  --jp-classlab-slides-text-scale: ${textScale};
  --jp-content-font-size1: calc(14px * var(--jp-classlab-slides-text-scale));
  --jp-code-font-size: calc(13px * var(--jp-classlab-slides-text-scale));
  --jp-ui-font-size1: calc(13px * var(--jp-classlab-slides-text-scale));
  --jp-cell-prompt-width: calc(64px * var(--jp-classlab-slides-text-scale));
  ${
    themed
      ? `--jp-content-font-color0: var(--r-heading-color);
  --jp-content-font-color1: var(--r-main-color);
  --jp-content-link-color: var(--r-link-color);
  --jp-content-font-family: var(--r-main-font);
  --jp-layout-color0: transparent;
  --jp-rendermime-error-background: transparent;`
      : ''
  }
  font-family: var(--jp-content-font-family);
  font-size: var(--jp-content-font-size1);
  color: var(--jp-content-font-color1);
}
.reveal .controls, .reveal .progress { color: var(--jp-brand-color1); }
.reveal .slides { text-align: left; }
.reveal .slides > section { height: 100%; }
.reveal .slides section.jp-ClassLabSlides-slide {
  box-sizing: border-box;
  width: 100%;
  height: 100%;
  padding: 2em 3em 3em;
  overflow-y: ${rise.scroll ? 'auto' : 'hidden'};
}
.jp-ClassLabSlides-code {
  margin: 0;
  padding: 4px 8px;
  border: 0;
  background: transparent;
  color: var(--jp-content-font-color1);
  font-family: var(--jp-code-font-family);
  font-size: var(--jp-code-font-size);
  line-height: var(--jp-code-line-height);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
.jp-ClassLabSlides-code code { font: inherit; background: none; padding: 0; }
.reveal .jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-ClassLabSlides-header, .jp-ClassLabSlides-footer {
  position: fixed;
  left: 1em;
  z-index: 30;
  color: var(--jp-ui-font-color2);
  font-family: var(--jp-ui-font-family);
  font-size: 14px;
  pointer-events: none;
}
.jp-ClassLabSlides-header { top: 0.5em; }
.jp-ClassLabSlides-footer { bottom: 0.5em; }
`;
}

/** Offer the page as a download (from memory; nothing goes to the server). */
export function downloadHtml(html: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * The command: render the deck, save it next to the notebook as `<name>.slides.html` (asking before replacing
 * a file), and say where it is, with a download button. Resolves to the saved path, or null when cancelled.
 */
export async function exportSlidesToHtml(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  index: SlideIndex | null,
  trans: TranslationBundle
): Promise<string | null> {
  const path = exportPath(panel.context.path);
  const fileName = path.slice(path.lastIndexOf('/') + 1);
  const contents = app.serviceManager.contents;
  // Listed, not fetched: asking for a missing file logs a 404 in the console.
  const folder = await contents.get(path.slice(0, path.lastIndexOf('/') + 1), {
    type: 'directory',
    content: true
  });
  const exists = (folder.content as { path: string }[]).some(
    item => item.path === path
  );
  if (exists) {
    const answer = await showDialog({
      title: trans.__('Replace File?'),
      body: trans.__(
        '"%1" already exists. Replace it with the current slides?',
        fileName
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Replace') })
      ]
    });
    if (!answer.button.accept) {
      return null;
    }
  }
  const html = await renderDeckHtml(app, panel, index);
  await contents.save(path, { type: 'file', format: 'text', content: html });
  Notification.success(trans.__('Slides exported to %1', path), {
    autoClose: 10000,
    actions: [
      {
        label: trans.__('Download'),
        caption: trans.__('Save a copy on this computer'),
        callback: () => downloadHtml(html, fileName)
      }
    ]
  });
  return path;
}
