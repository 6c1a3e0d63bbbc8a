/**
 * Export to PDF through the browser's print dialog: every subslide on its own 16:9 page, all fragments shown,
 * with the cells' current outputs. The print view is a separate container of fresh cell views (the deck mounts
 * only a few slides); it is removed when printing ends.
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { createCellView } from './cellViews';
import { SlideIndex } from './slideIndex';

export const PRINT_CLASS = 'jp-ClassLabSlides-print';
export const PRINTING_BODY_CLASS = 'jp-mod-classlabPrinting';

/** Build the print view, open the print dialog, and clean up after it closes (`afterprint`). */
export async function printDeck(
  panel: NotebookPanel,
  index: SlideIndex,
  label: string
): Promise<void> {
  document.querySelector(`.${PRINT_CLASS}`)?.remove(); // a print view left by an interrupted print
  const container = document.createElement('div');
  container.className = PRINT_CLASS;
  container.setAttribute('aria-label', label);
  document.body.appendChild(container); // cell widgets attach only to nodes in the document
  const cells: Cell[] = [];
  for (const slide of index.slides) {
    for (const sub of slide.subslides) {
      const page = document.createElement('section');
      page.className = 'jp-ClassLabSlides-printPage';
      container.appendChild(page);
      for (const fragment of sub.fragments) {
        for (const shown of fragment.cells) {
          const cell = createCellView(panel, shown.id, shown.show);
          if (cell) {
            cells.push(cell);
            Widget.attach(cell, page);
          }
        }
      }
    }
  }
  document.body.classList.add(PRINTING_BODY_CLASS);
  await Promise.all(cells.map(cell => cell.ready));
  await new Promise(resolve =>
    requestAnimationFrame(() => requestAnimationFrame(resolve))
  );

  const cleanup = () => {
    document.body.classList.remove(PRINTING_BODY_CLASS);
    for (const cell of cells) {
      cell.dispose();
    }
    container.remove();
  };
  window.addEventListener('afterprint', cleanup, { once: true });
  window.print();
}
