/**
 * What the Help browser tests share: a new notebook whose cell has just failed, and asking for help from it.
 */
import type { Locator } from '@playwright/test';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect } from './fixtures';

/** The failing code every Help test starts from. */
export const FAILING_CODE = 'print(undefined_name)';

/** An empty Python notebook, as a new one from the Launcher. */
const NEW_NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: ''
    }
  ],
  metadata: {
    kernelspec: {
      display_name: 'Python 3 (ipykernel)',
      language: 'python',
      name: 'python3'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
};

/**
 * Write a new notebook `name` into `tmpPath` and open it (written under its own name: with jupyter-collaboration, a
 * created-then-renamed Untitled.ipynb is still fetched at its old name, a 404 in the console), wait until its kernel
 * is really connected, put FAILING_CODE in the first cell and run it; return that cell once its "Ask for help"
 * chip shows.
 */
export async function failingCell(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string
): Promise<Locator> {
  await page.goto();
  await page.filebrowser.openDirectory(tmpPath);
  expect(
    await page.contents.uploadContent(
      JSON.stringify(NEW_NOTEBOOK),
      'text',
      `${tmpPath}/${name}`
    )
  ).toBe(true);
  expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
  await page.notebook.activate(name);
  await expect(
    page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
  ).toBeVisible();
  await expect(page.locator('.jp-DebuggerBugButton')).toBeEnabled();

  await page.notebook.setCell(0, 'code', FAILING_CODE);
  await page.notebook.runCell(0);
  const cell = (await page.notebook.getCellLocator(0))!;
  const chip = cell.locator('.jp-classlab-help-chip');
  await expect(chip).toBeVisible();
  await expect(chip).toHaveText('Ask for help');
  return cell;
}

/**
 * Click the cell's chip and ask with `message` (default audience, no context); `beforeAsk` runs while the dialog
 * is open. Returns once the cell shows it is waiting for help.
 */
export async function askForHelp(
  page: IJupyterLabPageFixture,
  cell: Locator,
  message: string,
  beforeAsk?: (dialog: Locator) => Promise<void>
): Promise<void> {
  await cell.locator('.jp-classlab-help-chip').click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('.jp-classlab-help-askError')).toContainText(
    'NameError'
  );
  await dialog.locator('.jp-classlab-help-askMessage').fill(message);
  await beforeAsk?.(dialog);
  await dialog.getByRole('button', { name: 'Ask' }).click();
  await expect(dialog).toBeHidden();
  await expect(cell.locator('.jp-classlab-help-chip')).toBeHidden();
  await expect(cell.locator('.jp-classlab-help-cellStatus')).toContainText(
    'Waiting for help'
  );
}
