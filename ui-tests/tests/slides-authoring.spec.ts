/**
 * Slides authoring in the notebook: badges show each cell's slide type; the cell-toolbar selector and the
 * shortcuts write the standard `slideshow.slide_type` metadata.
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { REPO } from '../harness';

const cellNode = (page: any, index: number) =>
  page.locator('.jp-Notebook .jp-Cell').nth(index);

async function slideType(
  page: any,
  index: number
): Promise<string | undefined> {
  return page.evaluate((i: number) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel.content.widgets[i].model.getMetadata('slideshow')?.slide_type;
  }, index);
}

test('badges show slide types; the selector and shortcuts set them', async ({
  page,
  tmpPath,
  consoleErrors
}) => {
  await page.contents.uploadFile(
    path.join(REPO, 'examples', 'slides-demo.ipynb'),
    `${tmpPath}/deck.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/deck.ipynb`);
  await page.notebook.activate('deck.ipynb');

  await expect(cellNode(page, 0)).toHaveAttribute(
    'data-classlab-slide-label',
    'Slide'
  );
  await expect(cellNode(page, 1)).toHaveAttribute(
    'data-classlab-slide-label',
    'Notes'
  );
  await expect(cellNode(page, 3)).not.toHaveAttribute(
    'data-classlab-slide-label'
  );

  // The selector in the active cell's toolbar.
  await page.notebook.selectCells(3);
  const selector = cellNode(page, 3).getByRole('combobox', {
    name: 'Slide type'
  });
  await expect(selector).toHaveValue('-');
  await selector.selectOption('fragment');
  await expect(cellNode(page, 3)).toHaveAttribute(
    'data-classlab-slide-label',
    'Fragment'
  );
  expect(await slideType(page, 3)).toBe('fragment');

  // A shortcut in command mode.
  await page.notebook.selectCells(2);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Alt+Shift+KeyK');
  await expect(cellNode(page, 2)).toHaveAttribute(
    'data-classlab-slide-label',
    'Skip'
  );
  expect(await slideType(page, 2)).toBe('skip');
  await page.screenshot({
    path: path.join(REPO, 'ui-tests/artifacts/slides-authoring.png')
  });
  expect(consoleErrors).toEqual([]);
});

test('the "show on slide" button of a code cell sets Jupyter Book tags the slide follows', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadFile(
    path.join(REPO, 'examples', 'slides-demo.ipynb'),
    `${tmpPath}/deck.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/deck.ipynb`);
  await page.notebook.activate('deck.ipynb');
  await page.notebook.runCell(3);

  await page.notebook.selectCells(3);
  const show = cellNode(page, 3).getByRole('button', {
    name: /^On the slide:/
  });
  await expect(show).toHaveAttribute(
    'aria-label',
    'On the slide: Code and output (click to change)'
  );
  await show.click();
  await expect(show).toHaveAttribute(
    'aria-label',
    'On the slide: Output only (click to change)'
  );
  expect(
    await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      return panel.content.widgets[3].model.getMetadata('tags');
    })
  ).toEqual(['hide-input']);
  // Markdown cells have no such choice.
  await page.notebook.selectCells(2);
  await expect(
    cellNode(page, 2).getByRole('button', { name: /^On the slide:/ })
  ).toHaveCount(0);

  await page.notebook.selectCells(3);
  await page.waitForFunction(
    () => !!document.activeElement?.closest('.jp-NotebookPanel')
  );
  await page.keyboard.press('Alt+r');
  const slide = page.locator(
    '.jp-ClassLabSlides section.present > section.present'
  );
  await expect(slide.locator('.jp-OutputArea-output').first()).toBeVisible();
  await expect(
    slide.locator('.jp-CodeCell .jp-Cell-inputWrapper')
  ).toBeHidden();
  await expect(slide).toContainText('42');
});
