/**
 * The grader panel against the real bridge and its local grader (bubblewrap sandbox, judge outside the student's
 * code; outside a JupyterHub the server's owner is a teacher): a teacher releases a source notebook from the panel,
 * the students' copy opens, and in it a wrong answer is checked (✗, the grader's plain words, the hint), a half-right
 * one submitted (1 / 3, hidden checks only as counts, one attempt) and a right one (3 / 3); a forged answer (an int
 * whose `==` is always true) scores nothing and is told so in words.
 */
import * as path from 'path';
import type { IJupyterLabPageFixture as Page } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { GRADING, sourceNotebook } from '../grader';
import { ARTIFACTS } from '../harness';

/** Upload a fresh source notebook, open it with the grader panel, release it: the students' copy opens. */
async function releaseFresh(page: Page, tmpPath: string): Promise<string> {
  const assignment = `adding-${Date.now().toString(36)}-${Math.floor(
    Math.random() * 1e6
  ).toString(36)}`;
  await page.contents.uploadContent(
    JSON.stringify(sourceNotebook(assignment)),
    'text',
    `${tmpPath}/${assignment}.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/${assignment}.ipynb`);
  await page.notebook.activate(`${assignment}.ipynb`);
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-grader:open-panel')
  );
  const panel = page.locator('#classlab-grader-panel');
  await expect(panel).toBeVisible();
  // The server's owner is a teacher: a source notebook offers the release.
  const release = panel.locator('.jp-classlab-grader-releaseButton');
  await expect(release).toHaveText('Release to Students');
  await release.click();
  // The bridge wrote the students' copy next to the source, and it opens.
  const released = `${tmpPath}/release/${assignment}.ipynb`;
  await expect
    .poll(
      () =>
        page.evaluate(
          () => (window as any).jupyterapp.shell.currentWidget?.context?.path
        ),
      { timeout: 60_000 }
    )
    .toBe(released);
  expect(await page.contents.fileExists(released)).toBe(true);
  // The panel follows it: a student's view of the one question.
  const question = panel.locator(
    'li.jp-classlab-grader-question[data-question="q1"]'
  );
  await expect(question).toBeVisible();
  await expect(question).toHaveAttribute('data-status', 'none');
  await expect(
    question.locator('.jp-classlab-grader-questionTitle')
  ).toHaveText('q1 · Add up');
  await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
    '1 more check runs when you submit'
  );
  // Both tabs are clean once the kernels have started (they write their language into the metadata): the release
  // changed nothing the teacher has to save.
  await expect
    .poll(
      () =>
        page.evaluate(() =>
          (
            Array.from(
              (window as any).jupyterapp.shell.widgets('main')
            ) as any[]
          )
            .filter(widget => widget.context?.path?.endsWith('.ipynb'))
            .map(
              widget => `${widget.context.path}: ${widget.context.model.dirty}`
            )
        ),
      { timeout: 90_000 }
    )
    .toEqual([`${tmpPath}/${assignment}.ipynb: false`, `${released}: false`]);
  // The solution did not go out with it.
  const cell = await page.notebook.getCellLocator(1);
  await expect(cell!).not.toContainText('sum(range');
  return assignment;
}

/** Type the answer into the answer cell (one line per statement: the editor indents after a colon). */
async function answer(page: Page, source: string) {
  expect(await page.notebook.setCell(1, 'code', source)).toBe(true);
}

/** A screenshot in ui-tests/artifacts/, without the release's notification over the panel. */
async function shot(page: Page, name: string) {
  const close = page.locator('.Toastify__toast .jp-Notification-Toast-Close');
  for (const button of await close.all()) {
    await button.click();
  }
  await expect(page.locator('.Toastify__toast')).toHaveCount(0);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Submit and wait for this total. */
async function submit(page: Page, total: string) {
  const panel = page.locator('#classlab-grader-panel');
  await panel.locator('.jp-classlab-grader-submit').click();
  await expect(panel.locator('.jp-classlab-grader-total')).toHaveText(
    total,
    GRADING
  );
  await expect(panel.locator('.jp-classlab-grader-progress')).toBeHidden();
  await expect(panel.locator('.jp-classlab-grader-submit')).toBeEnabled();
}

test.describe('grader panel', () => {
  test.setTimeout(360_000);

  test('a teacher releases an assignment and tries it as a student: check, hint, submit twice', async ({
    page,
    tmpPath
  }) => {
    await releaseFresh(page, tmpPath);
    const panel = page.locator('#classlab-grader-panel');
    const question = panel.locator(
      'li.jp-classlab-grader-question[data-question="q1"]'
    );
    const total = panel.locator('.jp-classlab-grader-total');
    await expect(total).toHaveText('Not submitted yet · 3 points in all');

    // A wrong answer, checked: the visible check fails, in words, with its hint.
    await answer(page, 'total = 50\ndef square(x): return x + x');
    await question.locator('.jp-classlab-grader-check').click();
    const visible = question.locator(
      'li.jp-classlab-grader-checkRow[data-check="total-visible"]'
    );
    await expect(visible).toHaveAttribute('data-status', 'failed', GRADING);
    await expect(question).toHaveAttribute('data-status', 'failed');
    const output = visible.locator('.jp-classlab-grader-checkOutput');
    await expect(output).toContainText('total');
    await expect(output).toContainText('50');
    await expect(visible.locator('.jp-classlab-grader-checkPoints')).toHaveText(
      '0 / 1 point'
    );
    await expect(question.locator('.jp-classlab-grader-practice')).toHaveText(
      'Checked: not your grade until you submit.'
    );
    // Check runs the visible checks only: the hidden one is still to come, and nothing was graded.
    await expect(
      question.locator('li.jp-classlab-grader-checkRow')
    ).toHaveCount(1);
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      '1 more check runs when you submit'
    );
    await expect(total).toHaveText('Not submitted yet · 3 points in all');
    await expect(panel.locator('li.jp-classlab-grader-attempt')).toHaveCount(0);
    const hint = visible.locator('.jp-classlab-grader-hint');
    await expect(hint).toBeHidden();
    await visible.locator('.jp-classlab-grader-hintButton').click();
    await expect(hint).toBeVisible();
    await expect(hint).toHaveText('Add the numbers from 1 to 10.');
    await shot(page, 'grader-checked');

    // total fixed, square still wrong: 1 of 3 points, the hidden check only as a count, one attempt.
    await answer(page, 'total = 55\ndef square(x): return x + x');
    await submit(page, 'Score: 1 / 3');
    await expect(question).toHaveAttribute('data-status', 'partial');
    await expect(visible).toHaveAttribute('data-status', 'passed');
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      'Hidden checks: 0 of 1 passed'
    );
    await expect(
      question.locator('.jp-classlab-grader-questionPoints')
    ).toHaveText('1 / 3 points');
    // Nothing of the hidden check's calls or answers reaches the student.
    await expect(
      question.locator(
        'li.jp-classlab-grader-checkRow[data-check="square-hidden"]'
      )
    ).toHaveCount(0);
    await expect(question).not.toContainText('16');
    const attempts = panel.locator('li.jp-classlab-grader-attempt');
    await expect(attempts).toHaveCount(1);
    await expect(attempts.nth(0)).toHaveAttribute('data-state', 'done');
    await expect(attempts.nth(0)).toContainText('Attempt 1 · 1 / 3 points');
    await expect(panel.locator('.jp-classlab-grader-history')).toContainText(
      'Your attempts (1)'
    );
    const cell = await page.notebook.getCellLocator(1);
    const badge = cell!.locator('.jp-classlab-grader-cellBadge');
    await expect(badge).toBeVisible();
    // Some of the points: ◐ (not ✗), in the panel and under the cell, and said in words.
    await expect(badge).toHaveText('◐ q1 · 1 / 3 points');
    await expect(badge).toHaveAttribute('data-status', 'partial');
    await expect(badge).toHaveAttribute(
      'aria-label',
      'partly passed: q1 · 1 / 3 points'
    );
    const mark = question.locator('.jp-classlab-grader-questionStatus');
    await expect(mark).toHaveText('◐');
    await expect(mark).toHaveAttribute('aria-label', 'partly passed');
    await shot(page, 'grader-submitted');

    // Both right: full marks, the hidden check passed, two attempts, newest first.
    await answer(page, 'total = 55\ndef square(x): return x * x');
    await submit(page, 'Score: 3 / 3');
    await expect(question).toHaveAttribute('data-status', 'passed');
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      'Hidden checks: 1 of 1 passed'
    );
    await expect(
      question.locator('.jp-classlab-grader-questionPoints')
    ).toHaveText('3 / 3 points');
    await expect(attempts).toHaveCount(2);
    await expect(attempts.nth(0)).toContainText('Attempt 2 · 3 / 3 points');
    await expect(attempts.nth(1)).toContainText('Attempt 1 · 1 / 3 points');
    await expect(badge).toHaveAttribute('data-status', 'passed');
    await expect(badge).toContainText('✓ q1 · 3 / 3 points');
    await shot(page, 'grader-full-marks');

    // The server's owner is a teacher: the class view exports the latest graded submit as Gradescope JSON.
    const gradescope = panel.locator('.jp-classlab-grader-gradescope');
    await expect(gradescope).toHaveText('Download Gradescope JSON');
    await expect(gradescope).toBeEnabled(GRADING);
    await gradescope.scrollIntoViewIfNeeded();
    await shot(page, 'grader-teacher-exports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      gradescope.click()
    ]);
    expect(download.suggestedFilename()).toMatch(/-gradescope\.json$/);
    const exported = JSON.parse(
      (await (await download.createReadStream()).toArray()).join('')
    );
    expect(exported).toHaveLength(1);
    expect(exported[0].attempt).toBe(2);
    expect(exported[0].results.score).toBe(3);
    expect(exported[0].results.max_score).toBe(3);
    // The teacher's copy: the hidden check is there too.
    expect(
      exported[0].results.tests.map((test: any) => test.name).sort()
    ).toEqual(['square-hidden', 'total-visible']);
  });

  test('a forged answer (an int whose == is always true) scores nothing, and the panel says why', async ({
    page,
    tmpPath
  }) => {
    await releaseFresh(page, tmpPath);
    const panel = page.locator('#classlab-grader-panel');
    const question = panel.locator(
      'li.jp-classlab-grader-question[data-question="q1"]'
    );
    // Put in as a whole (typed, the editor would indent the class body's end too).
    await page.evaluate(source => {
      const notebook = (window as any).jupyterapp.shell.currentWidget.content;
      notebook.widgets[1].model.sharedModel.setSource(source);
    }, 'class Anything(int):\n    def __eq__(self, other):\n        return True\n\ntotal = Anything(0)\nsquare = lambda x: Anything(0)\n');
    await submit(page, 'Score: 0 / 3');
    // Submit saved the answer; what the kernel writes into the metadata later is saved too: the tab is clean.
    await expect
      .poll(
        () =>
          page.evaluate(
            () =>
              (window as any).jupyterapp.shell.currentWidget.context.model.dirty
          ),
        { timeout: 90_000 }
      )
      .toBe(false);
    await expect(question).toHaveAttribute('data-status', 'failed');
    const visible = question.locator(
      'li.jp-classlab-grader-checkRow[data-check="total-visible"]'
    );
    await expect(visible).toHaveAttribute('data-status', 'failed');
    // In words: `total` is not a plain value that can be checked.
    const output = visible.locator('.jp-classlab-grader-checkOutput');
    await expect(output).toContainText('total');
    await expect(output).toContainText('not a plain value');
    await expect(question.locator('.jp-classlab-grader-hidden')).toHaveText(
      'Hidden checks: 0 of 1 passed'
    );
    // Graded, not refused: no error in the panel.
    await expect(
      panel.locator('.jp-classlab-grader-error:visible')
    ).toHaveCount(0);
    const attempts = panel.locator('li.jp-classlab-grader-attempt');
    await expect(attempts).toHaveCount(1);
    await expect(attempts.nth(0)).toHaveAttribute('data-state', 'done');
    await expect(attempts.nth(0)).toContainText('0 / 3 points');
    await shot(page, 'grader-forged');
  });
});
