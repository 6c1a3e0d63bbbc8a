/**
 * Help with jupyter-collaboration on (run by playwright.collab.config.ts, server from .venv-collab): the notebook's
 * own Y.Doc is synced with the server by jupyter-collaboration, and the help room's text is mirrored into that same
 * cell. A helper in a second browser joins and fixes the cell; the student sees the fix live, exactly once, adds
 * to it (the helper sees that), runs it, the helper sees the output; saving writes the fixed source once to disk,
 * and a reload shows it once.
 */
import * as path from 'path';

import type { Page } from '@playwright/test';
import type { JupyterLabPage } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import { askForHelp, FAILING_CODE, failingCell } from '../help';

test.use({ autoGoto: false });

const FIX = "print('fixed by helper')";
/** What the student adds to the fixed line: an edit in the notebook that must reach the helper. */
const NOTE = '  # thanks';

/**
 * The fix as a notebook's cell sources show it: the first cell's source, and how often "fixed by helper" occurs
 * in all of them together (Galata's runCell adds an empty cell below the one it runs).
 */
function fixOnce(sources: string[]): [string, number] {
  return [sources[0], sources.join('\n').split('fixed by helper').length - 1];
}

/** The sources of the notebook at `notebookPath` as its open widget's shared model holds them. */
function modelSources(page: Page, notebookPath: string): Promise<string[]> {
  return page.evaluate(notebookPath => {
    const app = (window as any).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === notebookPath) {
        return widget.content.model.sharedModel.cells.map((cell: any) =>
          cell.getSource()
        );
      }
    }
    return [];
  }, notebookPath);
}

test('a helper fixes a cell of a collaborative notebook: live once, saved once, reloaded once', async ({
  page,
  browser,
  tmpPath,
  consoleErrors
}, testInfo) => {
  const notebook = `${tmpPath}/help-collab.ipynb`;
  const sockets: string[] = [];
  page.on('websocket', socket => sockets.push(socket.url()));
  const roomSockets = () =>
    sockets.filter(url =>
      url.includes('/api/collaboration/room/json:notebook:')
    );

  const cell = await failingCell(page, tmpPath, 'help-collab.ipynb');

  // jupyter-collaboration is really on: its plugins are active, the notebook is a collaborative document whose
  // Y.Doc syncs over the collaboration room socket, and the document session API answers for the file.
  expect(
    await page.evaluate(() =>
      [
        '@jupyter/docprovider-extension:content-provider',
        '@jupyter/docprovider-extension:ynotebook'
      ].map(id => (window as any).jupyterapp.isPluginActivated(id))
    )
  ).toEqual([true, true]);
  expect(
    await page.evaluate(notebookPath => {
      const app = (window as any).jupyterapp;
      for (const widget of app.shell.widgets('main')) {
        if (widget.context?.path === notebookPath) {
          return widget.context.model.collaborative;
        }
      }
      return null;
    }, notebook)
  ).toBe(true);
  expect(roomSockets()).toHaveLength(1);
  const session = await page.request.put(
    `/api/collaboration/session/${notebook}`,
    { data: { format: 'json', type: 'notebook' } }
  );
  expect(session.ok()).toBe(true);
  expect((await session.json()).fileId).toBeTruthy();

  await askForHelp(page, cell, 'It fails with collaboration on');

  // The helper: a second browser (same server, same user: a teacher here), in a workspace of its own.
  const { baseURL, storageState } = testInfo.project.use;
  const helperContext = await browser.newContext({
    baseURL,
    storageState: storageState as string
  });
  const helper = await helperContext.newPage();
  helper.on('pageerror', error => consoleErrors.push(`helper: ${error}`));
  await helper.goto('/lab/workspaces/helper?reset');
  await helper.waitForFunction(() =>
    (window as any).jupyterapp?.commands.hasCommand(
      'classlab-help:open-requests'
    )
  );
  await helper.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.started;
    await app.restored;
    await app.commands.execute('classlab-help:open-requests');
  });
  const request = helper.locator('.jp-classlab-help-request').first();
  await expect(request.locator('.jp-classlab-help-requestMessage')).toHaveText(
    'It fails with collaboration on',
    { timeout: 15000 }
  );
  await request.getByRole('button', { name: 'Join' }).click();
  const helpSession = helper.locator('.jp-classlab-help-session');
  await expect(
    helpSession.locator('.jp-classlab-help-sessionState')
  ).toHaveText('Connected');
  const editor = helpSession.locator('.jp-classlab-help-editor .cm-content');
  await expect(editor).toHaveText(FAILING_CODE);

  // The helper fixes the cell.
  await editor.click();
  await helper.keyboard.press('Control+a');
  await helper.keyboard.type(FIX);
  await expect(editor).toHaveText(FIX);

  // The student's cell shows the fix live, exactly once, in the editor and in the collaborative model.
  const studentEditor = cell.locator('.jp-InputArea-editor .cm-content');
  await expect(studentEditor).toHaveText(FIX);
  await expect
    .poll(async () => fixOnce(await modelSources(page, notebook)))
    .toEqual([FIX, 1]);
  await page.screenshot({
    path: path.join(ARTIFACTS, 'help-collab-student-fixed.png')
  });

  // The other way: the student's own typing in the cell reaches the helper's editor, once.
  await cell
    .locator('.jp-InputArea-editor .cm-line')
    .first()
    .click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('End');
  await page.keyboard.type(NOTE);
  await expect(studentEditor).toHaveText(FIX + NOTE);
  await expect(editor).toHaveText(FIX + NOTE);

  // The student runs it; the helper sees the output.
  await page.notebook.runCell(0);
  await expect
    .poll(() => page.notebook.getCellTextOutput(0))
    .toEqual(['fixed by helper\n']);
  await expect(helpSession.locator('.jp-classlab-help-output')).toHaveText(
    'fixed by helper\n'
  );
  await helper.screenshot({
    path: path.join(ARTIFACTS, 'help-collab-helper.png')
  });

  // Saved: the file on disk holds the fixed source, once.
  await page.notebook.save();
  await expect
    .poll(async () => {
      const response = await page.request.get(
        `/api/contents/${notebook}?type=notebook&content=1`
      );
      const model = await response.json();
      return fixOnce(
        model.content.cells.map((c: { source: string | string[] }) =>
          Array.isArray(c.source) ? c.source.join('') : c.source
        )
      );
    })
    .toEqual([FIX + NOTE, 1]);

  // Reloaded: the cell holds the fix once (and the helper's room text has not changed). Not waiting for Galata's
  // Launcher (the workspace reopens the notebook; opening it again activates it): Galata's page takes
  // waitForIsReady, though its fixture type shows only Playwright's reload.
  await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await page.evaluate(
    notebookPath =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: notebookPath
      }),
    notebook
  );
  await page.notebook.activate('help-collab.ipynb');
  const reloaded = (await page.notebook.getCellLocator(0))!;
  await expect(reloaded.locator('.jp-InputArea-editor .cm-content')).toHaveText(
    FIX + NOTE
  );
  expect(fixOnce(await modelSources(page, notebook))).toEqual([FIX + NOTE, 1]);
  expect(roomSockets()).toHaveLength(2); // the reloaded notebook came through the collaboration room again
  await expect(editor).toHaveText(FIX + NOTE);
  await page.screenshot({
    path: path.join(ARTIFACTS, 'help-collab-reloaded.png')
  });

  await helperContext.close();
  expect(consoleErrors).toEqual([]);
});
