/**
 * "Run on GPU" on Slurm in a real JupyterHub: student3's bridge forwards to the Hub's managed service
 * `classlab-gpu-slurm` (ui-tests/hub/jupyterhub_config.py), which sends the class's jobs to the single-node Slurm
 * 22.05 test cluster of scripts/slurm-single-node.sh (two fake GPUs as gres) as the cluster account classlab-svc
 * (gpu/slurm/SLURM.md, mode b: one service account, the quota is the service's own ledger).
 *
 * This spec brings the cluster up itself (the Hub and the other hub specs do not need it): it joins the Slurm
 * suite's test sessions (server-ext-bridge/tests/slurm/conftest.py: a file per session in
 * /tmp/classlab-slurm.sessions, taken under its lock), and the first session brings the cluster up and notes which
 * daemons it started; the last one out stops those, and only those, so a cluster that was up before stays up. When
 * the cluster cannot be brought up, the test FAILS with the script's reason; it is never skipped.
 *
 * Through the UI: student3 clicks the cell toolbar's "Run on GPU" on a cell that prints three lines a second apart:
 * the line under the cell says it waits for a free GPU, then that it runs on the GPU while the lines stream into the
 * cell, then "ran on GPU · N s"; the GPU panel lists the job with its state and the GPU time bar. A second cell, run
 * on GPU the same way, prints the CUDA_VISIBLE_DEVICES Slurm gave its job: one of the two fake GPUs. Through the
 * bridge's REST API the job says it is Slurm's (`backend`, the Slurm job id), and Slurm itself says the job ran as
 * classlab-svc with "user=student3" in its comment.
 */
import { SpawnSyncReturns, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Locator, Page, expect, test } from '@playwright/test';

import { ARTIFACTS, REPO } from '../../harness';
import { IHubUser, callFrom, logIn, openNotebook } from '../session';

// --- The Slurm test cluster ------------------------------------------------------------------------------------

const BASE = '/tmp/classlab-slurm';
const SCRIPT = path.join(REPO, 'scripts', 'slurm-single-node.sh');
/** The knobs of conftest.py's SlurmCluster.env: the script keeps none between runs. */
const SLURM_ENV = {
  ...process.env,
  BASE,
  SLURM_USERS: '',
  ACCOUNTING: '1',
  REST: '1',
  REST_PORT: '6820',
  FAKE_GPUS: '2',
  GPU_MINUTES: '600',
  PARTITION: 'gpu'
};
/** The cluster account the service submits every job as (jupyterhub_config.py). */
const SERVICE_USER = 'classlab-svc';
/** The service's job folders for this hub run (jupyterhub_config.py's slurm_job_root). */
const JOB_ROOT = path.join(
  BASE,
  'shared',
  `hub-${process.env.CLASSLAB_HUB_PORT}`
);

/**
 * Shell functions shared by joining and leaving (conftest.py's protocol): `running` lists the daemons whose
 * recorded PID runs that daemon's program; `others` says whether another test session is alive (and removes the
 * files of ended ones). $ME is this session (the Playwright worker's PID).
 */
const SESSION_FUNCTIONS = `
SESSIONS="$BASE.sessions"
DAEMONS="munged mariadb slurmdbd slurmctld slurmd slurmrestd"
running() {
  local n comm pid
  for n in $DAEMONS; do
    comm=$n
    if [ "$n" = mariadb ]; then comm=mariadbd; fi
    pid=$(cat "$BASE/pids/$n.pid" 2>/dev/null) || continue
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then echo "$n"; fi
  done
  return 0
}
others() {
  local f pid alive=1
  for f in "$SESSIONS"/[0-9]*; do
    [ -e "$f" ] || continue
    pid=$(basename "$f")
    if [ "$pid" = "$ME" ]; then continue; fi
    if [ -d "/proc/$pid" ]; then alive=0; else rm -f "$f"; fi
  done
  return $alive
}
`;

/**
 * Join: register; when no other session runs, bring the cluster up (installing packages the first time), create
 * the service account with its association, reset its GPU usage, and note the daemons that were not running before.
 */
const JOIN = `${SESSION_FUNCTIONS}
mkdir -p "$SESSIONS"
if others; then
  touch "$SESSIONS/$ME"
  echo "another test session runs the Slurm test cluster: joining it"
  exit 0
fi
touch "$SESSIONS/$ME"
before=" $(running | tr '\\n' ' ')"
bash "$SCRIPT" up && bash "$SCRIPT" users "$SERVICE_USER" && bash "$SCRIPT" reset-usage "$SERVICE_USER"
status=$?
started=""
for n in $(running); do
  case "$before" in *" $n "*) ;; *) started="$started $n" ;; esac
done
if [ -n "$started" ]; then
  { cat "$SESSIONS/started" 2>/dev/null; printf '%s\\n' $started; } | sort -u >"$SESSIONS/started.new"
  mv "$SESSIONS/started.new" "$SESSIONS/started"
fi
exit $status
`;

/** Leave: the last session out stops the daemons test sessions started (all of them: `down`), and no others. */
const LEAVE = `${SESSION_FUNCTIONS}
rm -f "$SESSIONS/$ME"
if others; then exit 0; fi
started=" $(cat "$SESSIONS/started" 2>/dev/null | tr '\\n' ' ')"
rm -f "$SESSIONS/started"
stop=""
for n in slurmrestd slurmd slurmctld slurmdbd mariadb munged; do
  case "$started" in *" $n "*) stop="$stop $n" ;; esac
done
if [ -z "$stop" ]; then exit 0; fi
if [ "$stop" = " slurmrestd slurmd slurmctld slurmdbd mariadb munged" ]; then
  bash "$SCRIPT" down
else
  bash "$SCRIPT" stop $stop
fi
`;

/** `script` under the sessions' lock (the one conftest.py takes), with the cluster's knobs. */
function underSessionsLock(
  script: string,
  timeoutMs: number
): SpawnSyncReturns<string> {
  return spawnSync(
    'flock',
    ['-o', `${BASE}.sessions.lock`, 'bash', '-c', script],
    {
      env: {
        ...SLURM_ENV,
        ME: String(process.pid),
        SCRIPT,
        SERVICE_USER
      },
      encoding: 'utf-8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  );
}

function outputOf(done: SpawnSyncReturns<string>): string {
  const lines = `${done.stdout ?? ''}${done.stderr ?? ''}`.trim().split('\n');
  return lines.slice(-30).join('\n');
}

/** A Slurm command's output (squeue, sacct); throws with its error output when it fails. */
function slurm(command: string, args: string[]): string {
  const done = spawnSync(command, args, {
    env: SLURM_ENV,
    encoding: 'utf-8',
    timeout: 60_000
  });
  if (done.status !== 0) {
    throw new Error(
      `\`${command} ${args.join(' ')}\` exited ${done.status}: ${outputOf(done)}`
    );
  }
  return done.stdout.trim();
}

test.beforeAll(async () => {
  // The first `up` on a machine installs Slurm, MariaDB and munge from Debian's packages.
  test.setTimeout(960_000);
  fs.mkdirSync(`${BASE}.sessions`, { recursive: true });
  const done = underSessionsLock(JOIN, 900_000);
  if (done.status !== 0) {
    throw new Error(
      `Could not bring up the Slurm test cluster with ${SCRIPT} (exit ${done.status ?? done.signal ?? done.error}; ` +
        `logs: ${BASE}/log):\n${outputOf(done)}`
    );
  }
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  // The service's job folders of this hub run (owned by classlab-svc; every job has ended).
  fs.rmSync(JOB_ROOT, { recursive: true, force: true });
  const done = underSessionsLock(LEAVE, 110_000);
  if (done.status !== 0) {
    throw new Error(
      `Could not stop the Slurm daemons this session started (exit ${done.status ?? done.signal}):\n${outputOf(done)}`
    );
  }
});

// --- student3's notebook ---------------------------------------------------------------------------------------

const FILE = 'gpu-slurm.ipynb';
/** Three lines, a second apart: they arrive in the cell one by one while the job runs. */
const SLOW = [
  'import time',
  'for i in range(3):',
  "    print('step', i, flush=True)",
  '    time.sleep(1)'
].join('\n');
const DEVICES = "import os\nprint(os.environ.get('CUDA_VISIBLE_DEVICES'))";

function gpu(user: IHubUser, path: string): string {
  return `/user/${user.name}/classlab/api/gpu/${path}`;
}

/** The notebook's cell `index`. */
function cellOf(page: Page, index: number): Locator {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')
    .nth(index);
}

/** The line under that cell once it was sent to the GPU. */
function barOf(page: Page, index: number): Locator {
  return cellOf(page, index).locator('.jp-classlab-gpu-cellBar');
}

/** The text of a cell's outputs. */
async function outputText(page: Page, index: number): Promise<string> {
  return (
    await cellOf(page, index).locator('.jp-OutputArea-output').allTextContents()
  ).join('');
}

/**
 * From now on, every state the line under the first cell takes, in order, with its words, and each number of output
 * lines that cell showed while the line said "running" (read back with `seenInPage`).
 */
async function recordWhatIsSeen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = {
      states: [] as string[],
      texts: [] as string[],
      linesWhileRunning: [] as number[]
    };
    (window as any).classlabGpuSeen = seen;
    const look = () => {
      const cell = document.querySelector(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell'
      );
      const bar = cell?.querySelector<HTMLElement>('.jp-classlab-gpu-cellBar');
      const state = bar?.dataset.state;
      // ("connecting": the cell's record is written before the job's first state arrives.)
      if (
        state &&
        state !== 'connecting' &&
        seen.states[seen.states.length - 1] !== state
      ) {
        seen.states.push(state);
        seen.texts.push(bar!.textContent ?? '');
      }
      if (state === 'running') {
        const text = [...cell!.querySelectorAll('.jp-OutputArea-output')]
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
      characterData: true,
      attributes: true,
      attributeFilter: ['data-state']
    });
  });
}

function seenInPage(
  page: Page
): Promise<{ states: string[]; texts: string[]; linesWhileRunning: number[] }> {
  return page.evaluate(() => (window as any).classlabGpuSeen);
}

/** Click the cell toolbar's "Run on GPU" button of cell `index`. */
async function clickRunOnGpu(page: Page, index: number): Promise<void> {
  const cell = cellOf(page, index);
  // The cell toolbar shows on the active cell.
  await cell.locator('.jp-InputPrompt').click();
  const button = cell.locator(
    '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
  );
  await expect(button).toBeVisible();
  await button.click();
}

/** Open the GPU panel in the left side bar. */
async function openGpuPanel(page: Page): Promise<Locator> {
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-gpu:open-panel')
  );
  const panel = page.locator('#classlab-gpu-panel');
  await expect(panel).toBeVisible();
  return panel;
}

/** The user's own jobs, newest first, as their server answers. */
async function ownJobs(user: IHubUser): Promise<any[]> {
  const listed = await callFrom(user, gpu(user, 'jobs'));
  expect(listed.status).toBe(200);
  return listed.body.jobs;
}

async function shoot(user: IHubUser, moment: string): Promise<void> {
  await user.page.screenshot({
    path: path.join(ARTIFACTS, `gpu-hub-slurm-${moment}.png`)
  });
}

test('student3 runs cells on the Slurm cluster from the cell toolbar: waiting, streamed output, "ran on GPU", a fake GPU, as the class’s service account', async ({
  browser
}) => {
  test.setTimeout(300_000);
  const s3 = await logIn(browser, 'student3', 'classlab-gpu-slurm');
  let id = '';

  await test.step('student3’s bridge forwards to the Slurm service, which reaches the cluster', async () => {
    const info = await callFrom(s3, gpu(s3, 'info'));
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      backend: 'remote',
      reachable: true,
      device: 'cuda',
      partition: 'gpu'
    });
  });

  await openNotebook(s3, FILE, [SLOW, DEVICES]);
  const panel = await openGpuPanel(s3.page);
  await recordWhatIsSeen(s3.page);

  await test.step('Run on GPU: the job waits for a free GPU, then runs on one and its lines stream into the cell', async () => {
    await clickRunOnGpu(s3.page, 0);
    await expect(barOf(s3.page, 0)).toContainText('Running on the GPU', {
      timeout: 90_000
    });
    const mine = await ownJobs(s3);
    expect(mine[0]).toMatchObject({
      user: 'student3',
      notebook: FILE,
      state: 'running'
    });
    id = mine[0].id;
    const output = cellOf(s3.page, 0).locator('.jp-OutputArea-output');
    await expect(output).toContainText('step 0', { timeout: 30_000 });
    const newest = panel.locator('.jp-classlab-gpu-job').first();
    await expect(newest).toHaveAttribute('data-job-id', id);
    await expect(newest.locator('.jp-classlab-gpu-jobName')).toHaveText(FILE);
    await shoot(s3, 'running');
  });

  await test.step('the job ends: "ran on GPU" under the cell, every line in it, the panel says it finished on the GPU', async () => {
    await expect(barOf(s3.page, 0)).toHaveText(/^ran on GPU · \d+ s$/, {
      timeout: 90_000
    });
    await expect
      .poll(() => outputText(s3.page, 0))
      .toBe('step 0\nstep 1\nstep 2\n');
    const seen = await seenInPage(s3.page);
    expect(seen.states).toEqual(['queued', 'running', 'succeeded']);
    expect(seen.texts[0]).toMatch(/^Waiting for a free GPU/);
    expect(seen.texts[1]).toMatch(/^Running on the GPU · \d+ s/);
    // Some lines, not all, were in the cell while it still said "running": they came as they were printed.
    expect(
      seen.linesWhileRunning.filter(lines => lines >= 1 && lines < 3)
    ).not.toEqual([]);

    const newest = panel.locator('.jp-classlab-gpu-job').first();
    await expect(newest).toHaveAttribute('data-job-id', id);
    await expect(newest).toHaveAttribute('data-state', 'succeeded');
    await expect(newest.locator('.jp-classlab-gpu-jobState')).toHaveText(
      'Done'
    );
    await expect(newest.locator('.jp-classlab-gpu-jobText')).toContainText(
      /Finished on the GPU · \d+ s/
    );
    await expect(panel.locator('.jp-classlab-gpu-meter')).toBeVisible();
    await expect(panel.locator('.jp-classlab-gpu-quotaText')).toContainText(
      'of 10 h used'
    );
    // A GPU cluster that answers: neither the "no GPU here" nor the "cannot be reached" banner.
    await expect(panel.locator('.jp-classlab-gpu-cpu')).toBeHidden();
    await expect(panel.locator('.jp-classlab-gpu-offline')).toBeHidden();
  });

  let slurmId = '';
  await test.step('the job is Slurm’s: its record names the backend and the Slurm job id', async () => {
    const read = await callFrom(s3, gpu(s3, `jobs/${id}`));
    expect(read.status).toBe(200);
    expect(read.body.job).toMatchObject({
      id,
      user: 'student3',
      state: 'succeeded',
      backend: 'slurm'
    });
    expect(read.body.job.backend_job_id).toMatch(/^\d+$/);
    expect(read.body.job.device).toMatch(/^cuda:[01]$/);
    slurmId = read.body.job.backend_job_id;
  });

  await test.step('Slurm ran it as the class’s service account, with student3’s name in the comment', async () => {
    // squeue still lists an ended job for MinJobAge (300 s); %u the user, %k the comment, %T the state.
    const queued = slurm('squeue', [
      '-h',
      '-t',
      'all',
      '-j',
      slurmId,
      '-o',
      '%u|%k|%T'
    ]);
    expect(queued).toBe(
      `${SERVICE_USER}|classlab ${id} user=student3|COMPLETED`
    );
    // The accounting record (slurmdbd) has the same account.
    await expect
      .poll(() =>
        slurm('sacct', ['-j', slurmId, '-X', '-n', '-P', '-o', 'User,State'])
      )
      .toBe(`${SERVICE_USER}|COMPLETED`);
  });

  await test.step('the second cell on GPU prints the GPU Slurm gave its job: one of the two fake ones', async () => {
    await clickRunOnGpu(s3.page, 1);
    await expect(barOf(s3.page, 1)).toHaveText(/^ran on GPU · \d+ s$/, {
      timeout: 90_000
    });
    await expect.poll(() => outputText(s3.page, 1)).toMatch(/^[01]\n$/);
    const mine = await ownJobs(s3);
    expect(mine.map(job => job.state)).toEqual(['succeeded', 'succeeded']);
    expect(mine[1].id).toBe(id);
    await expect(panel.locator('.jp-classlab-gpu-job').first()).toHaveAttribute(
      'data-job-id',
      mine[0].id
    );
    await expect(panel.locator('.jp-classlab-gpu-job')).toHaveCount(2);
    await expect(s3.page.locator('.jp-classlab-gpu-status')).toHaveText(
      'GPU free'
    );
    // The first cell's note stays.
    await expect(barOf(s3.page, 0)).toHaveText(/^ran on GPU · \d+ s$/);
    await shoot(s3, 'done');
  });

  await s3.page.context().close();
});
