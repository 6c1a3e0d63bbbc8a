/**
 * What the Binder image has to bring for the example lessons, checked in a JupyterLab started from the venv that
 * scripts/binder-build.sh built from exactly binder/ (playwright.binder.config.ts): lesson 1's PyTorch cell runs
 * through Run on GPU on the embedded local queue (on the CPU: Binder has no GPU), and the "Tune the machine" sliders
 * (ipywidgets, scikit-learn) draw and answer a slider moved by keyboard. Screenshots: ui-tests/artifacts/binder-*.png.
 */
import * as path from 'path';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';

/** Open a file that start-lab.sh copied from examples/ (by command: see lessons.spec.ts). */
async function openExample(page: IJupyterLabPageFixture, file: string) {
  await page.evaluate(
    (path: string) =>
      (window as any).jupyterapp.commands.execute('docmanager:open', { path }),
    file
  );
  await expect(
    page.locator('.jp-NotebookPanel .jp-Cell').first()
  ).toBeVisible();
  // The kernel is up (its first start moves the focus, which would undo a selection).
  await expect(
    page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
  ).toBeVisible({ timeout: 60_000 });
}

/** The index of the first code cell whose source contains `text`. */
async function cellWith(page: IJupyterLabPageFixture, text: string) {
  const index = await page.evaluate((needle: string) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets as any[];
    return cells.findIndex(
      cell =>
        cell.model.type === 'code' &&
        cell.model.sharedModel.getSource().includes(needle)
    );
  }, text);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

const shot = (page: IJupyterLabPageFixture, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `binder-${name}.png`) });

test('lesson 1: the PyTorch training cell runs on the local GPU queue (the CPU here) and learns the digits', async ({
  page
}) => {
  test.setTimeout(240_000);
  await openExample(page, 'lessons/en/why-machines-learn.ipynb');
  const index = await cellWith(page, 'torch.nn.Sequential');
  await page.notebook.selectCells(index);
  const cell = (await page.notebook.getCellLocator(index))!;
  await cell.scrollIntoViewIfNeeded();
  const button = cell.locator(
    '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
  );
  await expect(button).toBeVisible();
  await button.click();
  // The gpu-setup cell goes along first (its own output stays out of this cell): PyTorch and scikit-learn's
  // digits come from the Binder venv.
  const output = cell.locator('.jp-OutputArea-output');
  await expect(output).toContainText('round 100: right for', {
    timeout: 180_000
  });
  await expect(output).toContainText('Trained on cpu in');
  await expect(cell.locator('.jp-classlab-gpu-cellBar')).toContainText(
    'ran on CPU (no GPU here)'
  );
  const last = await output.innerText();
  const percent = Number(/round 100: right for (\d+)%/.exec(last)![1]);
  expect(percent).toBeGreaterThanOrEqual(80);
  await cell.locator('.jp-classlab-gpu-cellBar').scrollIntoViewIfNeeded();
  await shot(page, 'lesson-gpu');
});

test('tune the machine: the sliders draw, and moving one retrains the tree', async ({
  page
}) => {
  test.setTimeout(180_000);
  await openExample(page, 'lessons/en/tune-the-machine.ipynb');
  await page.notebook.runCell(await cellWith(page, 'def make_model'));
  const index = await cellWith(page, 'interact(');
  await page.notebook.runCell(index);
  const cell = (await page.notebook.getCellLocator(index))!;
  const sliders = cell.locator('.widget-slider');
  await expect(sliders).toHaveCount(2, { timeout: 60_000 });
  const result = cell.locator('.widget-output');
  await expect(result).toContainText('on new test pictures:');
  const before = await result.innerText();

  // A student with the keyboard: focus the depth slider's handle and move it up.
  const depth = cell
    .locator('.widget-slider', { hasText: 'depth' })
    .locator('.noUi-handle');
  await depth.focus();
  for (let step = 0; step < 5; step++) {
    await page.keyboard.press('ArrowRight');
  }
  await expect(
    cell
      .locator('.widget-slider', { hasText: 'depth' })
      .locator('.widget-readout')
  ).toHaveText('8');
  await expect
    .poll(() => result.innerText(), { timeout: 30_000 })
    .not.toBe(before);
  await shot(page, 'sliders');
});
