/**
 * ClassLab in Jupyter Notebook 7: every extension activates on the tree page and on a notebook page, its main
 * commands exist, Run on GPU runs a cell on the embedded local queue (CPU here) with the output back in the cell,
 * the grader panel opens in the right-hand sidebar, a notebook is presented as slides (over the page: Notebook 7's
 * main area holds the notebook only), a helper joins a help request (the session in the right-hand sidebar), and
 * no ClassLab code logs an error. Screenshots: ui-tests/artifacts/notebook7-*.png.
 */
import * as path from 'path';
import {
  APIRequestContext,
  ConsoleMessage,
  expect,
  Page,
  test
} from '@playwright/test';

import { ARTIFACTS } from '../harness';
import { CURRENT, DECK } from '../slides';

const PLUGINS = [
  '@classlab/slides:plugin',
  '@classlab/slides:authoring',
  '@classlab/video:plugin',
  '@classlab/video:cells',
  '@classlab/video:renderer',
  '@classlab/help:plugin',
  '@classlab/help:requests',
  '@classlab/gpu:jobs',
  '@classlab/gpu:plugin',
  '@classlab/gpu:panel',
  '@classlab/grader:grader',
  '@classlab/grader:plugin',
  '@classlab/grader:panel'
];

const COMMANDS = [
  'classlab-slides:present',
  'classlab-video:insert',
  'classlab-help:ask',
  'classlab-gpu:run-cell',
  'classlab-grader:open-panel'
];

/** Errors the page logs or throws, with their stacks: ClassLab's code is served from labextensions/@classlab/. */
function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  const texts = async (message: ConsoleMessage) =>
    Promise.all(
      message
        .args()
        .map(arg =>
          arg
            .evaluate((value: unknown) =>
              value instanceof Error
                ? `${value}\n${value.stack}`
                : String(value)
            )
            .catch(() => '')
        )
    );
  page.on('console', async message => {
    if (message.type() === 'error') {
      const { url } = message.location();
      errors.push([message.text(), url, ...(await texts(message))].join('\n'));
    }
  });
  page.on('pageerror', error => errors.push(`${error}\n${error.stack}`));
  return errors;
}

const fromClassLab = (errors: string[]) =>
  errors.filter(error => /classlab/i.test(error));

/** Wait for Notebook 7's app (window.jupyterapp) to be started and restored. */
async function appReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).jupyterapp !== undefined);
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.started;
    await app.restored;
  });
}

async function activation(page: Page) {
  return page.evaluate(
    ({ plugins, commands }) => {
      const app = (window as any).jupyterapp;
      return {
        name: app.name as string,
        plugins: plugins.filter(id => !app.isPluginActivated(id)),
        commands: commands.filter(id => !app.commands.hasCommand(id))
      };
    },
    { plugins: PLUGINS, commands: COMMANDS }
  );
}

/** Write a one-code-cell Python notebook `name` at the server's root. */
async function createNotebook(
  request: APIRequestContext,
  name: string,
  source: string
): Promise<void> {
  const created = await request.put(`api/contents/${name}`, {
    data: {
      type: 'notebook',
      format: 'json',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3 (ipykernel)',
            language: 'python'
          }
        },
        cells: [
          {
            cell_type: 'code',
            id: 'the-cell',
            metadata: {},
            execution_count: null,
            outputs: [],
            source
          }
        ]
      }
    }
  });
  expect(created.ok()).toBe(true);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `notebook7-${name}.png`) });

test('the tree page: every ClassLab plugin activated, no ClassLab errors', async ({
  page
}) => {
  const errors = recordErrors(page);
  await page.goto('tree');
  await appReady(page);
  await expect(page.locator('.jp-DirListing-item').first()).toBeVisible();
  expect(await activation(page)).toEqual({
    name: 'Jupyter Notebook',
    plugins: [],
    commands: []
  });
  await shot(page, 'tree');
  expect(fromClassLab(errors)).toEqual([]);
});

test('a notebook page: ClassLab activated, Run on GPU gives the output on the local queue, the grader panel opens', async ({
  page,
  request
}) => {
  const errors = recordErrors(page);
  const name = `notebook7-gpu-${Date.now()}.ipynb`;
  await createNotebook(request, name, "print('answer', 6 * 7)");

  await page.goto(`notebooks/${name}`);
  await appReady(page);
  const cell = page.locator('.jp-Notebook .jp-CodeCell').first();
  await expect(cell).toBeVisible();
  expect(await activation(page)).toEqual({
    name: 'Jupyter Notebook',
    plugins: [],
    commands: []
  });

  // Run on GPU: the cell's toolbar button, as a student would.
  // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper -- Notebook 7: no Galata page helpers
  await cell.locator('.jp-InputArea-editor').click();
  const button = page.locator(
    '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
  );
  await expect(button).toBeVisible();
  await button.click();
  await expect(cell.locator('.jp-OutputArea-output')).toContainText(
    'answer 42',
    { timeout: 60_000 }
  );
  await expect(cell.locator('.jp-classlab-gpu-cellBar')).toContainText(
    'ran on CPU (no GPU here)',
    { timeout: 60_000 }
  );
  await shot(page, 'gpu');

  // The grader panel goes into Notebook 7's right-hand area.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-grader:open-panel')
  );
  await expect(page.locator('#classlab-grader-panel')).toBeVisible();
  await shot(page, 'grader');
  expect(fromClassLab(errors)).toEqual([]);
});

test('a notebook page: Alt+R presents the notebook as slides over the page, Escape comes back', async ({
  page
}) => {
  const errors = recordErrors(page);
  await page.goto('notebooks/slides-demo.ipynb');
  await appReady(page);
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible();
  expect(await activation(page)).toEqual({
    name: 'Jupyter Notebook',
    plugins: [],
    commands: []
  });
  // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper -- Notebook 7: no Galata page helpers
  await page.locator('.jp-Notebook .jp-Cell').first().click();
  await page.waitForFunction(
    () => !!document.activeElement?.closest('.jp-NotebookPanel')
  );
  await page.keyboard.press('Alt+r');
  await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
  await expect(page.locator(CURRENT)).toContainText('Slides with live code');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator(CURRENT)).toContainText('Python can do sums');
  await page.waitForTimeout(1000); // reveal.js's slide transition, for the screenshot
  await shot(page, 'slides');
  await page.keyboard.press('Escape');
  await expect(page.locator(DECK)).toHaveCount(0);
  await expect(
    page.locator('.jp-Notebook .jp-Cell.jp-mod-active')
  ).toContainText('Python can do sums');
  expect(fromClassLab(errors)).toEqual([]);
});

test('a notebook page: ask for help from a failing cell, join from the left sidebar, the session opens on the right', async ({
  page,
  request
}) => {
  const errors = recordErrors(page);
  const name = `notebook7-help-${Date.now()}.ipynb`;
  await createNotebook(request, name, 'print(undefined_name)');
  await page.goto(`notebooks/${name}`);
  await appReady(page);
  const cell = page.locator('.jp-Notebook .jp-CodeCell').first();
  await expect(cell).toBeVisible();
  // The kernel really connected (the debugger button turns on then), so the run is not lost.
  await expect(page.locator('.jp-DebuggerBugButton')).toBeEnabled();
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('notebook:run-cell')
  );
  const chip = cell.locator('.jp-classlab-help-chip');
  await expect(chip).toHaveText('Ask for help');
  await chip.click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-classlab-help-askError')).toContainText(
    'NameError'
  );
  await dialog.locator('.jp-classlab-help-askMessage').fill('Why?');
  await dialog.getByRole('button', { name: 'Ask' }).click();
  await expect(cell.locator('.jp-classlab-help-cellStatus')).toContainText(
    'Waiting for help'
  );

  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-help:open-requests')
  );
  const item = page.locator('.jp-classlab-help-request').first();
  await expect(item).toBeVisible();
  await expect(item.locator('.jp-classlab-help-requestMessage')).toHaveText(
    'Why?'
  );
  await shot(page, 'help-requests');
  await item.getByRole('button', { name: 'Join' }).click();
  const session = page.locator('.jp-classlab-help-session');
  await expect(session).toBeVisible();
  await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
    'Connected'
  );
  await expect(
    session.locator('.jp-classlab-help-editor .cm-content')
  ).toHaveText('print(undefined_name)');
  await shot(page, 'help-session');
  expect(fromClassLab(errors)).toEqual([]);
});
