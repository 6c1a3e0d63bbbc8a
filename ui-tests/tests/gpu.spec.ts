/**
 * Run on GPU against the real bridge and its local queue (one slot; no GPU here, so jobs run on the CPU): the cell
 * toolbar button sends a long cell, its printed lines stream into the cell while it runs; a second cell sent with
 * the shortcut waits in line behind it (its place shown under the cell, in the GPU panel and the status bar);
 * Cancel stops the first, the second runs and leaves "ran on CPU (no GPU here)"; the notes survive a save and
 * reload; a job running while the page reloads is re-attached; no GPU time left shows a dialog and sends nothing; a
 * queue that refuses every job (`isolate_jobs = on` without isolation) says so in the GPU panel before anything is
 * sent, and sends nothing.
 */
import * as path from 'path';
import type {
  IJupyterLabPageFixture as Page,
  JupyterLabPage
} from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';

test.use({ autoGoto: false });

const LONG = [
  'import time',
  'for i in range(120):',
  "    print('tick', i, flush=True)",
  '    time.sleep(0.5)'
].join('\n');

async function newNotebook(page: Page, tmpPath: string, name: string) {
  await page.goto();
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.createNew(name);
  await expect(
    page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
  ).toBeVisible();
  await expect(page.locator('.jp-DebuggerBugButton')).toBeEnabled();
}

/**
 * Save the notebook (its outputs may still be changing, so the document can stay "dirty") and wait until the file
 * holds these GPU note states, cell by cell (null: no note).
 */
async function saveWithNotes(
  page: Page,
  file: string,
  states: (string | null)[]
) {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('docmanager:save')
  );
  await expect
    .poll(() =>
      page.evaluate(async path => {
        const base = (window as any).jupyterapp.serviceManager.serverSettings
          .baseUrl;
        const reply = await fetch(
          `${base}api/contents/${path}?type=notebook&content=1`
        );
        const model = await reply.json();
        return model.content.cells.map(
          (cell: any) => cell.metadata?.classlab?.gpu?.state ?? null
        );
      }, file)
    )
    .toEqual(states);
}

/** Reload the page; the workspace opens the notebook again instead of the Launcher Galata would wait for. */
async function reloadLab(page: Page) {
  // (Galata's own reload, whose options the fixture type hides behind Playwright's.)
  await (page as unknown as JupyterLabPage).reload({ waitForIsReady: false });
}

/** The line under a cell sent to the GPU. */
async function bar(page: Page, index: number) {
  const cell = await page.notebook.getCellLocator(index);
  return cell!.locator('.jp-classlab-gpu-cellBar');
}

/** How many jobs the GPU panel lists now (the bridge's own list, newest first). */
async function jobsListed(page: Page, baseURL: string): Promise<number> {
  const response = await page.request.get(`${baseURL}/classlab/api/gpu/jobs`, {
    headers: { Authorization: `token ${process.env.CLASSLAB_UI_TOKEN}` }
  });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { jobs: unknown[] }).jobs.length;
}

test('Run on GPU: streamed output, a place in line, cancel, the "ran on CPU" note after a reload', async ({
  page,
  tmpPath,
  baseURL
}) => {
  // The panel lists every job of this server's user, also those of specs that ran before on the same server.
  const earlier = await jobsListed(page, baseURL!);
  await newNotebook(page, tmpPath, 'gpu.ipynb');
  // Console errors, except JupyterLab asking for "Untitled.ipynb", which Galata renamed (a 404 that is not ours).
  const errors: string[] = [];
  page.on('console', message => {
    const where = message.location().url;
    if (message.type() === 'error' && !/\/Untitled\.ipynb\?/.test(where)) {
      errors.push(`${message.text()} ${where}`);
    }
  });
  page.on('pageerror', error => errors.push(String(error)));
  await page.notebook.setCell(0, 'code', "print('quick job')");
  await page.notebook.addCell('code', LONG);

  // The cell toolbar's one icon button sends the long cell (cell 0 goes along as context).
  await page.notebook.selectCells(1);
  const long = await page.notebook.getCellLocator(1);
  const button = long!.locator(
    '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
  );
  // (One narrow icon: with it the cell toolbar still fits in half the cell, so JupyterLab shows it.)
  await expect(button).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-toolbar.png') });
  await button.click();
  const longBar = await bar(page, 1);
  await expect(longBar).toContainText('Running on the CPU (no GPU here)', {
    timeout: 30000
  });
  await expect(long!.locator('.jp-OutputArea-output')).toContainText('tick 1', {
    timeout: 30000
  });
  await expect(longBar.locator('.jp-classlab-gpu-cancel')).toBeVisible();

  // The shortcut sends the first cell: the only slot is taken, so it waits in line.
  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+Enter');
  const quickBar = await bar(page, 0);
  await expect(quickBar).toContainText(
    'Waiting for your turn — you are number 1 in line'
  );
  await expect(page.locator('.jp-classlab-gpu-status')).toHaveText(
    'GPU: 1 queued · 1 running'
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-queued.png') });

  // The GPU panel lists both, newest first, with the live log of the running one.
  await page.locator('.jp-classlab-gpu-status').click();
  const panel = page.locator('#classlab-gpu-panel');
  await expect(panel).toBeVisible();
  const items = panel.locator('.jp-classlab-gpu-job');
  await expect(items).toHaveCount(earlier + 2);
  await expect(items.nth(0)).toHaveAttribute('data-state', 'queued');
  await expect(items.nth(1)).toHaveAttribute('data-state', 'running');
  await expect(items.nth(1).locator('.jp-classlab-gpu-jobLog')).toContainText(
    'tick'
  );
  await expect(panel.locator('.jp-classlab-gpu-cpu')).toHaveText(
    'No GPU on this server: jobs run on the CPU.'
  );
  await expect(panel.locator('.jp-classlab-gpu-quotaText')).toContainText(
    'of 10 h used'
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-panel.png') });

  // Cancel the long one under its cell: it ends "cancelled", and the waiting one runs.
  await longBar.locator('.jp-classlab-gpu-cancel').click();
  await expect(longBar).toHaveText('cancelled', { timeout: 20000 });
  await expect(quickBar).toContainText('ran on CPU (no GPU here) · ', {
    timeout: 60000
  });
  await expect
    .poll(() => page.notebook.getCellTextOutput(0))
    .toEqual(['quick job\n']);
  await expect(page.locator('.jp-classlab-gpu-status')).toHaveText('GPU free');
  await expect(items.nth(0)).toHaveAttribute('data-state', 'succeeded');
  await expect(items.nth(1)).toHaveAttribute('data-state', 'cancelled');
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-done.png') });

  // Go to cell selects the job's cell; Run again sends the same cell again.
  await items.nth(1).getByRole('button', { name: 'Go to cell' }).click();
  await expect(long!).toHaveClass(/jp-mod-active/);
  await items.nth(0).getByRole('button', { name: 'Run again' }).click();
  await expect(items).toHaveCount(earlier + 3);
  await expect(items.nth(0)).toHaveAttribute('data-state', 'succeeded', {
    timeout: 60000
  });
  await expect(quickBar).toContainText('ran on CPU (no GPU here) · ');

  // The notes are the cells' metadata: saved, they are there again after a reload.
  await saveWithNotes(page, `${tmpPath}/gpu.ipynb`, ['succeeded', 'cancelled']);
  await reloadLab(page);
  await page.notebook.activate('gpu.ipynb');
  await expect(await bar(page, 0)).toContainText('ran on CPU (no GPU here)');
  await expect(await bar(page, 1)).toHaveText('cancelled');
  expect(errors).toEqual([]);
});

test('a job still running when the page reloads is re-attached and its output keeps coming', async ({
  page,
  tmpPath
}) => {
  await newNotebook(page, tmpPath, 'reattach.ipynb');
  await page.notebook.setCell(0, 'code', LONG);
  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+Enter');
  const cell = await page.notebook.getCellLocator(0);
  await expect(cell!.locator('.jp-OutputArea-output')).toContainText('tick 1', {
    timeout: 30000
  });
  await saveWithNotes(page, `${tmpPath}/reattach.ipynb`, ['running']);
  await reloadLab(page);
  await page.notebook.activate('reattach.ipynb');
  const again = await page.notebook.getCellLocator(0);
  await expect(again!.locator('.jp-classlab-gpu-cellBar')).toContainText(
    'Running on the CPU',
    { timeout: 30000 }
  );
  // Replayed from the first event, then live: later ticks arrive in the same cell.
  await expect(again!.locator('.jp-OutputArea-output')).toContainText(
    'tick 12',
    { timeout: 30000 }
  );
  // The time so far counts from the job's start, not from the reload (tick 12 is 6 s in).
  await expect(again!.locator('.jp-classlab-gpu-cellBar')).toContainText(
    /Running on the CPU \(no GPU here\) · ([6-9]|\d{2,}) s/
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-reattached.png') });
  await again!.locator('.jp-classlab-gpu-cancel').click();
  await expect(again!.locator('.jp-classlab-gpu-cellBar')).toHaveText(
    'cancelled',
    { timeout: 20000 }
  );
});

test('with no GPU time left, Run on GPU shows a dialog and sends nothing', async ({
  page,
  tmpPath
}) => {
  // The quota answer of a user who has used everything (a real tiny quota would hold for every test here).
  await page.route('**/classlab/api/gpu/quota*', route =>
    route.fulfill({
      json: {
        used_seconds: 36000,
        limit_seconds: 36000,
        remaining_seconds: 0,
        period: 'none',
        resets: null,
        running_seconds: 0
      }
    })
  );
  let posted = false;
  await page.route('**/classlab/api/gpu/jobs*', route => {
    if (route.request().method() === 'POST') {
      posted = true;
    }
    return route.continue();
  });
  await newNotebook(page, tmpPath, 'quota.ipynb');
  await page.notebook.setCell(0, 'code', "print('hi')");
  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+Enter');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('No GPU time left');
  await expect(dialog).toContainText(
    'You have used all your GPU time (10 h of 10 h). Ask your teacher if you need more.'
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-quota.png') });
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(dialog).toBeHidden();
  expect(posted).toBe(false);
  const cell = await page.notebook.getCellLocator(0);
  await expect(cell!.locator('.jp-classlab-gpu-cellBar')).toHaveCount(0);
});

test('a queue that refuses every job says why in the GPU panel, and Run on GPU sends nothing', async ({
  page,
  tmpPath
}) => {
  // The server's `GET info` with `isolate_jobs = on` and no way to isolate jobs (a real one needs root here).
  const why =
    'GPU jobs are switched off: they must run under accounts of their own, but this service may not switch users.';
  await page.route('**/classlab/api/gpu/info*', async route => {
    const response = await route.fetch();
    const info = await response.json();
    await route.fulfill({
      response,
      json: { ...info, isolated: false, message: why }
    });
  });
  // One finished job of a notebook deep in folders, with a long name (the list as the server would give it).
  const notebook =
    'course/week-07/lessons/a-very-long-notebook-name-about-convolutional-networks.ipynb';
  let posted = false;
  await page.route('**/classlab/api/gpu/jobs*', route => {
    if (route.request().method() === 'POST') {
      posted = true;
      return route.continue();
    }
    return route.fulfill({
      json: {
        jobs: [
          {
            id: 'j_long',
            user: 'me',
            notebook,
            kernel: 'python3',
            targets: ['c1'],
            state: 'succeeded',
            position: 0,
            estimate_seconds: null,
            reason: null,
            created: new Date().toISOString(),
            started: null,
            ended: null,
            elapsed_seconds: 42,
            time_limit_seconds: 1800,
            device: 'cpu',
            error: null,
            output_truncated: false,
            backend: 'local',
            backend_job_id: null
          }
        ]
      }
    });
  });
  await newNotebook(page, tmpPath, 'refused.ipynb');
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-gpu:open-panel')
  );
  const panel = page.locator('#classlab-gpu-panel');
  await expect(panel).toBeVisible();
  const refused = panel.locator('.jp-classlab-gpu-refused');
  await expect(refused).toContainText(
    'GPU jobs are switched off on this server for now, so nothing can be sent to the GPU. Ask your teacher.'
  );
  await expect(refused.locator('.jp-classlab-gpu-refusedWhy')).toHaveText(why);
  const name = panel.locator('.jp-classlab-gpu-jobName');
  await expect(name).toHaveText(
    'a-very-long-notebook-name-about-convolutional-networks.ipynb'
  );
  await expect(name).toHaveAttribute('title', notebook);
  await page.screenshot({
    path: path.join(ARTIFACTS, 'gpu-panel-refused.png')
  });

  await page.notebook.setCell(0, 'code', "print('hi')");
  await page.notebook.selectCells(0);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+Enter');
  // (JupyterLab cuts a notification at 140 characters: the panel above has the server's whole reason.)
  await expect(
    page.locator('.Toastify__toast', {
      hasText:
        'GPU jobs are switched off on this server for now, so this was not sent. Ask your teacher. (GPU jobs are switched off'
    })
  ).toBeVisible();
  expect(posted).toBe(false);
  const cell = await page.notebook.getCellLocator(0);
  await expect(cell!.locator('.jp-classlab-gpu-cellBar')).toHaveCount(0);
});
