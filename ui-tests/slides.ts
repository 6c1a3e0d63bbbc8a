/**
 * What the slides browser tests share: the deck's selectors, opening the demo deck, and presenting.
 */
import * as path from 'path';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect } from './fixtures';
import { REPO } from './harness';

export const DECK = '.jp-ClassLabSlides';
/** The subslide being shown. */
export const CURRENT = `${DECK} section.present > section.present`;

/** Upload examples/slides-demo.ipynb as `deck.ipynb` into the test's folder and open it. */
export async function openDemoDeck(
  page: IJupyterLabPageFixture,
  tmpPath: string
): Promise<void> {
  await page.contents.uploadFile(
    path.join(REPO, 'examples', 'slides-demo.ipynb'),
    `${tmpPath}/deck.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/deck.ipynb`);
  await page.notebook.activate('deck.ipynb');
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible();
}

/**
 * Alt+R, as a teacher would press it, once the notebook has the keyboard focus (it takes it a moment after
 * opening or selecting); then wait until the deck shows its slide and takes keys.
 */
export async function present(page: IJupyterLabPageFixture): Promise<void> {
  await page.waitForFunction(
    () => !!document.activeElement?.closest('.jp-NotebookPanel')
  );
  await page.keyboard.press('Alt+r');
  await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
}
