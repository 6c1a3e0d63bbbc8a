/**
 * The grader in a real JupyterHub: grading is the Hub's managed service `classlab-grader`
 * (ui-tests/hub/jupyterhub_config.py), which holds the class's specs (hidden tests) and results; each user's bridge
 * forwards the grader API to it with its own server token (`grader_backend = "remote"`).
 *
 * The teacher releases a source notebook from the grader panel in their JupyterLab: the spec goes to the service and
 * only the students' copy comes back. student1 submits the copy from the grader panel in their own JupyterLab (3 / 3,
 * hidden checks only as counts); student2 submits a half-right one through their bridge. The teacher's panel shows
 * both in the class table. student1 can get neither the spec nor student2's results over any URL: not through their
 * bridge, and not from the service directly with a Hub token of their own.
 */
import * as path from 'path';
import { Page, expect, test } from '@playwright/test';

import { GRADING, sourceNotebook } from '../../grader';
import { ARTIFACTS } from '../../harness';
import {
  IHubUser,
  callFrom,
  hubToken,
  logIn,
  saveFile,
  serviceCall
} from '../session';

const FOLDER = 'grader-hub';

/** The released notebook with this answer in its answer cell. */
function answered(released: any, source: string): any {
  const nb = JSON.parse(JSON.stringify(released));
  for (const cell of nb.cells) {
    if (cell.metadata?.nbgrader?.grade_id === 'answer') {
      cell.source = source;
    }
  }
  return nb;
}

function grader(user: IHubUser, rest: string): string {
  return `/user/${user.name}/classlab/api/grader/${rest}`;
}

async function openWithPanel(user: IHubUser, file: string): Promise<void> {
  await user.page.evaluate(
    file =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: file
      }),
    file
  );
  await expect
    .poll(
      () =>
        user.page.evaluate(
          () => (window as any).jupyterapp.shell.currentWidget?.context?.path
        ),
      { timeout: 60_000 }
    )
    .toBe(file);
  await user.page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-grader:open-panel')
  );
  await expect(user.page.locator('#classlab-grader-panel')).toBeVisible();
}

async function shot(page: Page, name: string): Promise<void> {
  const close = page.locator('.Toastify__toast .jp-Notification-Toast-Close');
  for (const button of await close.all()) {
    await button.click().catch(() => undefined);
  }
  await page.screenshot({
    path: path.join(ARTIFACTS, `grader-hub-${name}.png`)
  });
}

test('the class grader service: a teacher releases, a student submits, the teacher sees it, nobody else does', async ({
  browser
}) => {
  test.setTimeout(420_000);
  const assignment = `hub-adding-${Date.now().toString(36)}`;
  const [teacher, s1, s2] = await Promise.all(
    ['teacher', 'student1', 'student2'].map(name =>
      logIn(browser, name, 'classlab-grader-hub')
    )
  );
  const source = `${FOLDER}/${assignment}.ipynb`;
  const releasedPath = `${FOLDER}/release/${assignment}.ipynb`;

  await test.step('the bridges report the remote grader', async () => {
    const info = await callFrom(s1, `/user/student1/classlab/api/info`);
    expect(info.body.services.grader).toEqual({ backend: 'remote' });
    expect(info.body.capabilities.grader).toBe(true);
  });

  let released: any;
  await test.step('the teacher releases from the grader panel: the spec stays in the service', async () => {
    await saveFile(teacher, FOLDER, 'directory');
    await saveFile(teacher, source, 'notebook', sourceNotebook(assignment));
    await openWithPanel(teacher, source);
    const panel = teacher.page.locator('#classlab-grader-panel');
    const release = panel.locator('.jp-classlab-grader-releaseButton');
    await expect(release).toHaveText('Release to Students');
    await release.click();
    await expect
      .poll(
        () =>
          teacher.page.evaluate(
            () => (window as any).jupyterapp.shell.currentWidget?.context?.path
          ),
        { timeout: 60_000 }
      )
      .toBe(releasedPath);
    // Only the students' copy came back to the teacher's server: no spec, no hidden test.
    const listing = await callFrom(
      teacher,
      `/user/teacher/api/contents/${FOLDER}/release`
    );
    expect(listing.body.content.map((f: any) => f.name)).toEqual([
      `${assignment}.ipynb`
    ]);
    const copy = await callFrom(
      teacher,
      `/user/teacher/api/contents/${releasedPath}`
    );
    released = copy.body.content;
    const text = JSON.stringify(released);
    expect(text).not.toContain('sum(range');
    expect(text).not.toContain('"expected"');
    expect(text).not.toContain('"calls"');
    await shot(teacher.page, 'released');
  });

  let s2Submission = '';
  await test.step('student2 submits a half-right copy through their bridge', async () => {
    await saveFile(s2, FOLDER, 'directory');
    await saveFile(
      s2,
      `${FOLDER}/${assignment}.ipynb`,
      'notebook',
      answered(released, 'total = 55\n\ndef square(x):\n    return x + x')
    );
    const sent = await callFrom(s2, grader(s2, 'submissions'), 'POST', {
      notebook: `${FOLDER}/${assignment}.ipynb`,
      mode: 'submit',
      // A name in the body is never read: the service takes the caller from the Hub.
      user: 'student1'
    });
    expect(sent.status).toBe(202);
    s2Submission = sent.body.submission.id;
    await expect
      .poll(
        async () =>
          (
            await callFrom(
              s2,
              grader(s2, `submissions/${s2Submission}?wait=20`)
            )
          ).body.submission,
        GRADING
      )
      .toMatchObject({ user: 'student2', state: 'done', score: 1 });
  });

  await test.step('student1 submits from the grader panel in their own JupyterLab', async () => {
    const mine = `${FOLDER}/${assignment}.ipynb`;
    await saveFile(s1, FOLDER, 'directory');
    await saveFile(
      s1,
      mine,
      'notebook',
      answered(released, 'total = 55\n\ndef square(x):\n    return x * x')
    );
    await openWithPanel(s1, mine);
    const panel = s1.page.locator('#classlab-grader-panel');
    const question = panel.locator(
      'li.jp-classlab-grader-question[data-question="q1"]'
    );
    await expect(question).toBeVisible();
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      '1 more check runs when you submit'
    );
    // A student gets no release button and no class view.
    await expect(
      panel.locator('.jp-classlab-grader-releaseButton')
    ).toBeHidden();
    await panel.locator('.jp-classlab-grader-submit').click();
    await expect(panel.locator('.jp-classlab-grader-total')).toHaveText(
      'Score: 3 / 3',
      GRADING
    );
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      'Hidden checks: 1 of 1 passed'
    );
    await expect(
      question.locator(
        'li.jp-classlab-grader-checkRow[data-check="square-hidden"]'
      )
    ).toHaveCount(0);
    await expect(panel.locator('li.jp-classlab-grader-attempt')).toHaveCount(1);
    await expect(panel.locator('.jp-classlab-grader-teacher')).toBeHidden();
    await shot(s1.page, 'student-submitted');
  });

  await test.step('the teacher sees both students in the class view of the panel', async () => {
    await openWithPanel(teacher, releasedPath);
    const panel = teacher.page.locator('#classlab-grader-panel');
    const view = panel.locator('.jp-classlab-grader-teacher');
    await expect(view).toBeVisible();
    await view.locator('.jp-classlab-grader-refresh').click();
    const rows = view.locator('tr.jp-classlab-grader-tableRow');
    await expect(rows).toHaveCount(2, GRADING);
    await expect(
      view.locator('tr.jp-classlab-grader-tableRow[data-user="student1"]')
    ).toContainText('3 / 3');
    await expect(
      view.locator('tr.jp-classlab-grader-tableRow[data-user="student2"]')
    ).toContainText('1 / 3');
    await view.scrollIntoViewIfNeeded();
    await shot(teacher.page, 'teacher-class-view');
    // The teacher's bridge gets the full results from the service, hidden tests and all.
    const results = await callFrom(
      teacher,
      grader(teacher, `results?assignment=${assignment}`)
    );
    expect(results.status).toBe(200);
    const names = results.body.results
      .find((r: any) => r.user === 'student1')
      .results.tests.map((t: any) => t.name)
      .sort();
    expect(names).toEqual(['square-hidden', 'total-visible']);
  });

  await test.step('student1 gets no spec and no one else’s results through their bridge', async () => {
    for (const rest of [
      `results?assignment=${assignment}`,
      `results?assignment=${assignment}&format=csv`
    ]) {
      expect((await callFrom(s1, grader(s1, rest))).status).toBe(403);
    }
    expect(
      (
        await callFrom(s1, grader(s1, 'results/regrade'), 'POST', {
          assignment
        })
      ).status
    ).toBe(403);
    const theirs = await callFrom(
      s1,
      grader(s1, `submissions/${s2Submission}`)
    );
    expect(theirs.status).toBe(404);
    const listed = await callFrom(s1, grader(s1, 'submissions'));
    expect(listed.body.submissions.map((s: any) => s.user)).toEqual([
      'student1'
    ]);
    for (const rest of [
      `assignments/${assignment}`,
      `assignments/${assignment}/spec.json`,
      `spec?assignment=${assignment}`
    ]) {
      const refused = await callFrom(s1, grader(s1, rest));
      expect([403, 404]).toContain(refused.status);
      expect(JSON.stringify(refused.body)).not.toContain('square-hidden');
    }
    const assignments = await callFrom(s1, grader(s1, 'assignments'));
    expect(JSON.stringify(assignments.body)).not.toContain('"checks"');
    expect(JSON.stringify(assignments.body)).not.toContain('square-hidden');
  });

  await test.step('student1 gets neither from the service directly with a Hub token of their own', async () => {
    const token = await hubToken(s1);
    const base = `/services/classlab-grader/api/grader/`;
    expect((await serviceCall(s1, `${base}assignments`, '')).status).toBe(403);
    const own = await serviceCall(s1, `${base}submissions`, token);
    expect(own.status).toBe(200);
    expect(own.body.submissions.map((s: any) => s.user)).toEqual(['student1']);
    for (const rest of [
      `results?assignment=${assignment}`,
      `results?assignment=${assignment}&format=csv`
    ]) {
      expect((await serviceCall(s1, base + rest, token)).status).toBe(403);
    }
    expect(
      (await serviceCall(s1, `${base}submissions/${s2Submission}`, token))
        .status
    ).toBe(404);
    for (const rest of [
      `assignments/${assignment}`,
      `assignments/${assignment}/spec.json`,
      `../../grading/assignments/${assignment}/spec.json`,
      `submissions/..%2F..%2Fassignments%2F${assignment}%2Fspec.json`
    ]) {
      const refused = await serviceCall(s1, base + rest, token);
      expect([403, 404]).toContain(refused.status);
      expect(JSON.stringify(refused.body)).not.toContain('square-hidden');
    }
    // A student cannot release (and so replace a spec) either.
    const release = await serviceCall(s1, `${base}assignments`, token, 'POST', {
      notebook: 'x.ipynb'
    });
    expect(release.status).toBe(403);
  });

  for (const user of [teacher, s1, s2]) {
    await user.page.context().close();
  }
});
