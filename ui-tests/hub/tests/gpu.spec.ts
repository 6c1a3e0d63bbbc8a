/**
 * The GPU queue in a real JupyterHub, at the API level: the queue is the Hub's managed service `classlab-gpu` with
 * one slot (ui-tests/hub/jupyterhub_config.py), and each user's bridge forwards to it with its own server token
 * (`gpu_backend = "remote"`). Two students share the one slot: the second job waits until the first ends, neither
 * student sees the other's job, and the job runs in a copy of the student's own folder on the service.
 */
import { expect, test } from '@playwright/test';

import { IHubUser, callFrom, logIn } from '../session';

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
