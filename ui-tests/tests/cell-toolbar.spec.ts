/**
 * The cell toolbar with every ClassLab item in it stays visible: JupyterLab hides the WHOLE toolbar when it is wider
 * than half the cell. A code cell carries the slides select and the GPU button; a cell whose run failed also the
 * help button. Checked at Galata's 1024-px viewport and at 1280 px.
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';

test.use({ autoGoto: false });

for (const width of [1024, 1280]) {
  test(`the cell toolbar keeps our items at ${width} px, also on a failing cell`, async ({
    page,
    tmpPath
  }) => {
    await page.setViewportSize({ width, height: 768 });
    await page.goto();
    await page.filebrowser.openDirectory(tmpPath);
    await page.notebook.createNew('toolbar.ipynb');
    await expect(
      page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
    ).toBeVisible();
    await page.notebook.setCell(0, 'code', 'print(undefined_name)');
    await page.notebook.runCell(0);
    const cell = page.locator('.jp-Notebook .jp-Cell').first();
    await expect(cell.locator('.jp-OutputArea-output')).toContainText(
      'NameError'
    );
    await page.notebook.enterCellEditingMode(0);
    const toolbar = cell.locator('.jp-cell-toolbar');
    await expect(toolbar).toBeVisible();
    await expect(
      toolbar.locator('[data-jp-item-name="classlab-help-ask"]')
    ).toBeVisible();
    await page.screenshot({
      path: path.join(ARTIFACTS, `cell-toolbar-failing-${width}.png`)
    });
  });
}
