/**
 * The GPU queue in a real JupyterHub: the queue is the Hub's managed service `classlab-gpu` with one slot
 * (ui-tests/hub/jupyterhub_config.py), and each user's bridge forwards to it with its own server token
 * (`gpu_backend = "remote"`).
 *
 * At the API level: two students share the one slot: the second job waits until the first ends, neither student
 * sees the other's job, and the job runs in a copy of the student's own folder on the service.
 *
 * Through the UI, as students use it: each clicks "Run on GPU" in a cell's toolbar in their own JupyterLab;
 * student1's job runs and its printed lines stream into the cell, student2's waits and says "number 1 in line"
 * under the cell and in the GPU panel; student1's cell gets its "ran on CPU … · N s" note, then student2's job runs
 * and its output lands in student2's cell. Each GPU panel lists only its own student's jobs, with the GPU time bar;
 * student2 can neither read nor cancel student1's job through their own server.
 */
import * as path from 'path';
import { Page, expect, test } from '@playwright/test';

import { ARTIFACTS } from '../../harness';
import { IHubUser, callFrom, logIn, openNotebook } from '../session';

const TERMINAL = [
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'quota_exhausted',
  'interrupted'
];

function gpu(user: IHubUser, path: string): string {
  return `/user/${user.name}/classlab/api/gpu/${path}`;
}

function job(source: string) {
  return {
    notebook: 'gpu-api-test.ipynb',
    kernel: 'python3',
    cells: [{ id: 'c1', source, target: true }]
  };
}

/** Polls the job until `done(job)`; the last job JSON and outputs. */
async function waitFor(
  user: IHubUser,
  id: string,
  done: (job: any) => boolean
): Promise<{ job: any; outputs: any }> {
  let last: any;
  await expect
    .poll(
      async () => {
        last = (await callFrom(user, gpu(user, `jobs/${id}`))).body;
        return done(last.job);
      },
      { timeout: 60_000 }
    )
    .toBe(true);
  return last;
}

test('two students share the class GPU service: one slot, their own jobs, their own files', async ({
  browser
}) => {
  const [s1, s2] = await Promise.all(
    ['student1', 'student2'].map(name => logIn(browser, name))
  );

  await test.step('the bridge reports the Hub service', async () => {
    const info = await callFrom(s1, gpu(s1, 'info'));
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      backend: 'remote',
      reachable: true,
      slots: 1
    });
  });

  // A file in student2's home that goes with their job (and exists nowhere else).
  const saved = await callFrom(
    s2,
    `/user/student2/api/contents/data-of-student2.txt`,
    'PUT',
    { type: 'file', format: 'text', content: 'only mine' }
  );
  expect([200, 201]).toContain(saved.status);

  const first = await callFrom(
    s1,
    gpu(s1, 'jobs'),
    'POST',
    job('import time; time.sleep(120)')
  );
  expect(first.status).toBe(201);
  expect(first.body.job.user).toBe('student1');
  const id1 = first.body.job.id;
  await waitFor(s1, id1, j => j.state === 'running');

  const second = await callFrom(
    s2,
    gpu(s2, 'jobs'),
    'POST',
    job("print(open('data-of-student2.txt').read())")
  );
  expect(second.status).toBe(201);
  const id2 = second.body.job.id;
  expect(second.body.job).toMatchObject({ state: 'queued', position: 1 });

  await test.step('neither student sees the other’s job', async () => {
    expect((await callFrom(s2, gpu(s2, `jobs/${id1}`))).status).toBe(404);
    expect((await callFrom(s2, gpu(s2, `jobs/${id1}`), 'DELETE')).status).toBe(
      404
    );
    const listed = await callFrom(s2, gpu(s2, 'jobs?all=1'));
    expect(listed.body.jobs.map((j: any) => j.id)).toEqual([id2]);
  });

  await test.step('the slot frees: the waiting job runs in student2’s folder', async () => {
    const cancelled = await callFrom(s1, gpu(s1, `jobs/${id1}`), 'DELETE');
    expect(cancelled.body.job.state).toBe('cancelled');
    const { job: done, outputs } = await waitFor(s2, id2, j =>
      TERMINAL.includes(j.state)
    );
    expect(done.state).toBe('succeeded');
    expect(outputs.c1.map((o: any) => o.text).join('')).toBe('only mine\n');
  });

  for (const user of [s1, s2]) {
    await user.page.context().close();
  }
});

// --- Through the UI ---------------------------------------------------------------------------------------------

/** student1's cell: 12 lines, one a second, so that they can be seen arriving while the job runs. */
const SLOW = [
  'import time',
  'for i in range(12):',
  "    print('step', i, flush=True)",
  '    time.sleep(1)'
].join('\n');
const QUICK = "print('student2 was here')";

/** The notebook's one cell. */
function cellOf(page: Page) {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').first();
}

/** The line under that cell sent to the GPU. */
function barOf(page: Page) {
  return cellOf(page).locator('.jp-classlab-gpu-cellBar');
}

/**
 * From now on, every state the line under the cell takes, in order, and each number of output lines the cell showed
 * while that line said "running" (read back with `seenInPage`): what the student saw, whenever the test looks.
 */
async function recordWhatIsSeen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { states: [] as string[], linesWhileRunning: [] as number[] };
    (window as any).classlabGpuSeen = seen;
    const look = () => {
      const state = document.querySelector<HTMLElement>(
        '.jp-classlab-gpu-cellBar'
      )?.dataset.state;
      // ("connecting": the cell's record is written before the job's first state arrives.)
      if (
        state &&
        state !== 'connecting' &&
        seen.states[seen.states.length - 1] !== state
      ) {
        seen.states.push(state);
      }
      if (state === 'running') {
        const text = [
          ...document.querySelectorAll('.jp-Cell .jp-OutputArea-output')
        ]
          .map(node => node.textContent)
          .join('');
        const lines = text.split('\n').filter(line => line).length;
        if (!seen.linesWhileRunning.includes(lines)) {
          seen.linesWhileRunning.push(lines);
        }
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state']
    });
  });
}

function seenInPage(
  page: Page
): Promise<{ states: string[]; linesWhileRunning: number[] }> {
  return page.evaluate(() => (window as any).classlabGpuSeen);
}

/** Click the cell toolbar's "Run on GPU" button of the notebook's cell. */
async function clickRunOnGpu(page: Page): Promise<void> {
  const cell = cellOf(page);
  // The cell toolbar shows on the active cell.
  await cell.locator('.jp-InputPrompt').click();
  const button = cell.locator(
    '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
  );
  await expect(button).toBeVisible();
  await button.click();
}

/** Open the GPU panel in the left side bar. */
async function openGpuPanel(page: Page) {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-gpu:open-panel')
  );
  const panel = page.locator('#classlab-gpu-panel');
  await expect(panel).toBeVisible();
  return panel;
}

/** The ids of the jobs in the GPU panel, newest first. */
function panelJobIds(page: Page): Promise<string[]> {
  return page
    .locator('#classlab-gpu-panel .jp-classlab-gpu-job')
    .evaluateAll(items =>
      items.map(item => (item as HTMLElement).dataset.jobId!)
    );
}

/** The user's own jobs, newest first, as their server answers. */
async function ownJobs(user: IHubUser): Promise<any[]> {
  const listed = await callFrom(user, gpu(user, 'jobs'));
  expect(listed.status).toBe(200);
  return listed.body.jobs;
}

async function shoot(user: IHubUser, moment: string): Promise<void> {
  await user.page.screenshot({
    path: path.join(ARTIFACTS, `gpu-hub-${moment}-${user.name}.png`)
  });
}

test('two students Run on GPU from their notebooks: one runs and streams, the other waits its turn', async ({
  browser
}) => {
  test.setTimeout(300_000);
  // A workspace of this test's own: what it opens is not restored in the next test's JupyterLab.
  const [s1, s2] = await Promise.all(
    ['student1', 'student2'].map(name =>
      logIn(browser, name, 'classlab-gpu-ui')
    )
  );
  await Promise.all([
    openNotebook(s1, 'gpu-ui-student1.ipynb', [SLOW]),
    openNotebook(s2, 'gpu-ui-student2.ipynb', [QUICK])
  ]);
  await recordWhatIsSeen(s1.page);
  await recordWhatIsSeen(s2.page);
  let id1 = '';
  let id2 = '';

  await test.step('student1 clicks Run on GPU: the job runs', async () => {
    await clickRunOnGpu(s1.page);
    await expect(barOf(s1.page)).toContainText(
      'Running on the CPU (no GPU here)',
      { timeout: 60_000 }
    );
    const mine = await ownJobs(s1);
    expect(mine[0]).toMatchObject({
      user: 'student1',
      notebook: 'gpu-ui-student1.ipynb',
      state: 'running'
    });
    id1 = mine[0].id;
  });

  await test.step('student2 clicks Run on GPU: the job waits, number 1 in line', async () => {
    await clickRunOnGpu(s2.page);
    await expect(barOf(s2.page)).toContainText(
      'Waiting for your turn — you are number 1 in line'
    );
    await expect(barOf(s2.page)).toHaveAttribute('data-state', 'queued');
    await expect(
      barOf(s2.page).locator('.jp-classlab-gpu-cancel')
    ).toBeVisible();
    const mine = await ownJobs(s2);
    expect(mine[0]).toMatchObject({
      user: 'student2',
      notebook: 'gpu-ui-student2.ipynb',
      state: 'queued',
      position: 1
    });
    id2 = mine[0].id;
    await expect(s2.page.locator('.jp-classlab-gpu-status')).toHaveText(
      'GPU: 1 queued'
    );
  });

  await test.step('each GPU panel lists only that student’s jobs, with the GPU time bar', async () => {
    const panels = await Promise.all([
      openGpuPanel(s1.page),
      openGpuPanel(s2.page)
    ]);
    for (const [user, panel, own, other, state] of [
      [s1, panels[0], id1, id2, 'running'],
      [s2, panels[1], id2, id1, 'queued']
    ] as const) {
      const newest = panel.locator('.jp-classlab-gpu-job').first();
      await expect(newest).toHaveAttribute('data-job-id', own);
      await expect(newest).toHaveAttribute('data-state', state);
      await expect(newest.locator('.jp-classlab-gpu-jobName')).toHaveText(
        `gpu-ui-${user.name}.ipynb`
      );
      const shown = await panelJobIds(user.page);
      expect(shown).not.toContain(other);
      expect(shown).toEqual((await ownJobs(user)).map(job => job.id));
      await expect(panel.locator('.jp-classlab-gpu-meter')).toBeVisible();
      await expect(panel.locator('.jp-classlab-gpu-quotaText')).toContainText(
        'of 10 h used'
      );
      await expect(panel.locator('.jp-classlab-gpu-cpu')).toHaveText(
        'No GPU on this server: jobs run on the CPU.'
      );
    }
    await expect(
      panels[1].locator('.jp-classlab-gpu-job').first()
    ).toContainText('Waiting for your turn — you are number 1 in line');
    await shoot(s1, 'waiting');
    await shoot(s2, 'waiting');
  });

  await test.step('student2 can neither read nor cancel student1’s job through their own server', async () => {
    const read = await callFrom(s2, gpu(s2, `jobs/${id1}`));
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('not_found');
    expect(JSON.stringify(read.body)).not.toContain('step');
    const cancelled = await callFrom(s2, gpu(s2, `jobs/${id1}`), 'DELETE');
    expect(cancelled.status).toBe(404);
    expect(cancelled.body.error.code).toBe('not_found');
    // student1's job goes on.
    const still = await callFrom(s1, gpu(s1, `jobs/${id1}`));
    expect(still.body.job.state).toBe('running');
  });

  await test.step('student1’s printed lines stream into the cell while the job runs', async () => {
    const output = cellOf(s1.page).locator('.jp-OutputArea-output');
    await expect(output).toContainText('step 1', { timeout: 30_000 });
    await expect(barOf(s1.page)).toHaveAttribute('data-state', 'running');
    await expect(output).not.toContainText('step 11');
    await expect(barOf(s2.page)).toHaveAttribute('data-state', 'queued');
    // The panel's live log of the running job.
    await expect(
      s1.page.locator('#classlab-gpu-panel .jp-classlab-gpu-jobLog').first()
    ).toContainText('step');
    await shoot(s1, 'streaming');
    await shoot(s2, 'streaming');
  });

  await test.step('student1’s job ends with its note; then student2’s runs and its output lands in the cell', async () => {
    await expect(barOf(s1.page)).toHaveText(
      /^ran on CPU \(no GPU here\) · \d+ s$/,
      { timeout: 60_000 }
    );
    await expect
      .poll(async () =>
        (
          await cellOf(s1.page)
            .locator('.jp-OutputArea-output')
            .allTextContents()
        ).join('')
      )
      .toBe(Array.from({ length: 12 }, (_, i) => `step ${i}\n`).join(''));
    await expect(barOf(s2.page)).toHaveText(
      /^ran on CPU \(no GPU here\) · \d+ s$/,
      { timeout: 60_000 }
    );
    await expect(cellOf(s2.page).locator('.jp-OutputArea-output')).toHaveText(
      'student2 was here'
    );
    // What each student saw under the cell, in order (student1's job may show "queued" for a moment first).
    const seen1 = await seenInPage(s1.page);
    expect(seen1.states.slice(-2)).toEqual(['running', 'succeeded']);
    // Some lines, not all, were in the cell while it still said "running": they came as they were printed.
    expect(
      seen1.linesWhileRunning.filter(lines => lines >= 1 && lines < 12)
    ).not.toEqual([]);
    expect((await seenInPage(s2.page)).states).toEqual([
      'queued',
      'running',
      'succeeded'
    ]);
    // One slot: student2's job started only once student1's had ended.
    const one = (await callFrom(s1, gpu(s1, `jobs/${id1}`))).body.job;
    const two = (await callFrom(s2, gpu(s2, `jobs/${id2}`))).body.job;
    expect(one.state).toBe('succeeded');
    expect(two.state).toBe('succeeded');
    expect(Date.parse(two.started)).toBeGreaterThanOrEqual(
      Date.parse(one.ended)
    );
    for (const [user, id] of [
      [s1, id1],
      [s2, id2]
    ] as const) {
      const newest = user.page
        .locator('#classlab-gpu-panel .jp-classlab-gpu-job')
        .first();
      await expect(newest).toHaveAttribute('data-job-id', id);
      await expect(newest).toHaveAttribute('data-state', 'succeeded');
      await expect(newest.locator('.jp-classlab-gpu-jobText')).toContainText(
        'Finished on the CPU (no GPU here)'
      );
      await expect(user.page.locator('.jp-classlab-gpu-status')).toHaveText(
        'GPU free'
      );
    }
    await shoot(s1, 'done');
    await shoot(s2, 'done');
  });

  for (const user of [s1, s2]) {
    await user.page.context().close();
  }
});
