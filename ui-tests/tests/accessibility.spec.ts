/**
 * Accessibility of every ClassLab surface in a real JupyterLab (#9): axe-core (WCAG 2.1 A and AA rules) over the
 * slideshow, its speaker window and overview, the video player with its chapters and the "Insert Lecture Video"
 * dialog, the "Ask for help" chip, dialog and the Help requests panel, the GPU panel with a job, and the grader panel
 * as a teacher (a source notebook) and as a student (the released copy, before and after a submit, with its marks, a
 * hint and the attempts), each scan limited to the ClassLab element: no serious or critical violation. And the
 * keyboard: Tab and Shift+Tab reach every button of each panel, the focused one shows it, and Enter or Space
 * activates it.
 */
import * as path from 'path';
import AxeBuilder from '@axe-core/playwright';
import type { IJupyterLabPageFixture as Page } from '@jupyterlab/galata';
import type { Locator, Page as AnyPage } from '@playwright/test';

import { expect, test } from '../fixtures';
import { GRADING, sourceNotebook } from '../grader';
import { REPO } from '../harness';
import { askForHelp, failingCell } from '../help';
import { DECK, openDemoDeck, present } from '../slides';

test.use({ autoGoto: false });

/** A fresh JupyterLab on the test's folder (the workspace may still show the last test's, now deleted). */
async function start(page: Page, tmpPath: string): Promise<void> {
  await page.goto();
  await page.filebrowser.openDirectory(tmpPath);
}

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Run axe over `selector` only; fail listing every serious or critical violation (rule, target, help). */
async function expectAccessible(
  page: AnyPage,
  selector: string
): Promise<void> {
  await expect(page.locator(selector).first()).toBeVisible();
  const results = await new AxeBuilder({ page })
    .include(selector)
    .withTags(WCAG)
    .analyze();
  const bad = results.violations.filter(
    v => v.impact === 'serious' || v.impact === 'critical'
  );
  const lines = bad.flatMap(v =>
    v.nodes.map(
      n => `${v.id} (${v.impact}) at ${JSON.stringify(n.target)}: ${v.help}`
    )
  );
  expect(lines, `axe violations in ${selector}:\n${lines.join('\n')}`).toEqual(
    []
  );
}

/** The buttons a keyboard user should reach in `root`: visible, enabled. */
async function buttonsIn(root: Locator): Promise<string[]> {
  return root.evaluate((node: Element) => {
    const marks: string[] = [];
    node
      .querySelectorAll<HTMLElement>(
        'button, [role="button"], a[href], summary'
      )
      .forEach((el, i) => {
        const disabled = (el as HTMLButtonElement).disabled;
        const shown = el.checkVisibility({
          visibilityProperty: true,
          opacityProperty: false
        });
        if (shown && !disabled) {
          el.dataset.a11yMark = String(i);
          marks.push(String(i));
        }
      });
    return marks;
  });
}

/** Where the focus is (its mark in `root`, or null when outside), and whether it shows. */
async function focused(root: Locator) {
  return root.evaluate((node: Element) => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || !node.contains(el)) {
      return null;
    }
    const style = getComputedStyle(el);
    const visible =
      (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
      style.boxShadow !== 'none';
    const name = `${el.tagName.toLowerCase()}.${el.className} "${(
      el.getAttribute('aria-label') ??
      el.textContent ??
      ''
    ).slice(0, 40)}"`;
    return { mark: el.dataset.a11yMark ?? null, visible, name };
  });
}

/**
 * From the first focusable element of `root`, Tab through it and back with Shift+Tab: every button is reached both
 * ways and shows its focus.
 */
async function expectKeyboardReachable(
  page: AnyPage,
  root: Locator
): Promise<void> {
  const marks = await buttonsIn(root);
  expect(marks.length).toBeGreaterThan(0);
  // (A keystroke first, so that the browser shows focus as it does for keyboard users.)
  await root.locator(`[data-a11y-mark="${marks[0]}"]`).focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  const forward = new Set<string>();
  for (let i = 0; i < marks.length * 3 + 5; i++) {
    const where = await focused(root);
    if (!where) {
      break;
    }
    if (where.mark) {
      expect(where.visible, `focus shows on ${where.name}`).toBe(true);
      forward.add(where.mark);
    }
    await page.keyboard.press('Tab');
  }
  expect([...forward].sort(), 'Tab reaches every button').toEqual(
    [...marks].sort()
  );
  await root.locator(`[data-a11y-mark="${marks[marks.length - 1]}"]`).focus();
  const backward = new Set<string>();
  for (let i = 0; i < marks.length * 3 + 5; i++) {
    const where = await focused(root);
    if (!where) {
      break;
    }
    if (where.mark) {
      backward.add(where.mark);
    }
    await page.keyboard.press('Shift+Tab');
  }
  expect([...backward].sort(), 'Shift+Tab reaches every button').toEqual(
    [...marks].sort()
  );
}

async function command(page: Page, id: string): Promise<void> {
  await page.evaluate(
    id => (window as any).jupyterapp.commands.execute(id),
    id
  );
}

const KERNEL = {
  display_name: 'Python 3 (ipykernel)',
  language: 'python',
  name: 'python3'
};

test.describe('axe-core: no serious or critical WCAG 2.1 A/AA violations', () => {
  test('slides: the slideshow', async ({ page, tmpPath }) => {
    await start(page, tmpPath);
    await openDemoDeck(page, tmpPath);
    await present(page);
    await expectAccessible(page, DECK);
    await expectKeyboardReachable(page, page.locator(DECK));
    // The "next slide" arrow works with Enter.
    await page.locator(`${DECK} .controls .navigate-right`).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator(`${DECK} .slide-number-a`)).toHaveText('2');

    // The speaker window (its own page: slide, next slide, notes, timer, buttons).
    await page.locator(DECK).focus();
    const [speaker] = await Promise.all([
      page.waitForEvent('popup'),
      page.keyboard.press('s')
    ]);
    await expect(
      speaker.locator('.jp-ClassLabSlides-speakerNotes')
    ).not.toBeEmpty();
    await expectAccessible(speaker, 'body');
    await expectKeyboardReachable(speaker, speaker.locator('body'));
    await speaker.close();

    // The overview of every slide, with its go-to box.
    await command(page, 'classlab-slides:overview');
    const overview = page.locator('.jp-ClassLabSlides-overview');
    await expect(overview).toBeVisible();
    await expectAccessible(page, '.jp-ClassLabSlides-overview');
    await expectKeyboardReachable(page, overview);
  });

  test('video: the player with chapters', async ({ page, tmpPath }) => {
    test.setTimeout(120_000);
    await start(page, tmpPath);
    await page.contents.uploadFile(
      path.join(REPO, 'examples', 'media', 'loops.mp4'),
      `${tmpPath}/loops.mp4`
    );
    const spec = {
      kind: 'file',
      src: 'loops.mp4',
      title: 'Loops',
      chapters: [
        { time: 0, title: 'Start' },
        { time: 1, title: 'Practice', cell: 'practice', checkpoint: true },
        { time: 2, title: 'Near the end' }
      ]
    };
    const notebook = {
      cells: [
        {
          cell_type: 'markdown',
          id: 'video',
          metadata: { classlab: { video: spec } },
          source: '[▶ Loops](loops.mp4)'
        },
        {
          cell_type: 'code',
          id: 'practice',
          metadata: {},
          execution_count: null,
          outputs: [],
          source: "print('practice')"
        }
      ],
      metadata: { kernelspec: KERNEL },
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      `${tmpPath}/video.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/video.ipynb`);
    await page.notebook.activate('video.ipynb');
    const view = page.locator('.jp-ClassLabVideo-cellView').first();
    await expect(view.locator('.jp-ClassLabVideo-chapter')).toHaveCount(3);
    await page.waitForFunction(
      () =>
        (document.querySelector('.jp-ClassLabVideo-cellView video') as any)
          ?.readyState >= 1
    );
    await expectAccessible(page, '.jp-ClassLabVideo-cellView');
    await expectKeyboardReachable(page, view);

    // A chapter's seek button works from the keyboard.
    const seek = view
      .locator('.jp-ClassLabVideo-chapter')
      .nth(2)
      .locator('.jp-ClassLabVideo-chapterSeek');
    await seek.focus();
    await page.keyboard.press('Enter');
    await expect(
      view.locator('.jp-ClassLabVideo-chapter').nth(2)
    ).toHaveAttribute('aria-current', 'true');

    // The chapter form.
    await view.getByRole('button', { name: 'Chapters…' }).click();
    await expectAccessible(page, '.jp-ClassLabVideo-chapterForm');
    await page.keyboard.press('Escape');

    // The "Insert Lecture Video" dialog, with the error it shows for a refused address.
    // (Not awaited: the command resolves when the dialog closes.)
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('classlab-video:insert');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('select[name="file"]')).toBeVisible();
    await expectAccessible(page, '.jp-Dialog');
    await expectKeyboardReachable(page, dialog);
    await dialog.locator('input[name="source"]').fill('javascript:alert(1)');
    await dialog.getByRole('button', { name: 'Insert' }).click();
    await expect(dialog.locator('.jp-ClassLabVideo-formError')).toBeVisible();
    await expectAccessible(page, '.jp-Dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('help: the chip, the "Ask for help" dialog and the Help panel', async ({
    page,
    tmpPath
  }) => {
    const cell = await failingCell(page, tmpPath, 'help.ipynb');
    await expectAccessible(page, '.jp-classlab-help-chip');
    // The chip opens the dialog from the keyboard.
    await cell.locator('.jp-classlab-help-chip').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('.jp-classlab-help-askError')).toContainText(
      'NameError'
    );
    await expectAccessible(page, '.jp-Dialog-body');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();

    await askForHelp(page, cell, 'Why does it fail?');
    await expectAccessible(page, '.jp-classlab-help-cellStatus');
    await page.sidebar.openTab('classlab-help-requests');
    const panel = page.locator('#classlab-help-requests');
    await expect(panel.locator('.jp-classlab-help-request')).toHaveCount(1, {
      timeout: 15000
    });
    await expectAccessible(page, '#classlab-help-requests');
    await expectKeyboardReachable(page, panel);

    // The help-session tab a helper joins.
    await panel.getByRole('button', { name: 'Join' }).focus();
    await page.keyboard.press('Enter');
    const session = page.locator('.jp-classlab-help-session');
    await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
      'Connected'
    );
    await expectAccessible(page, '.jp-classlab-help-session');
    await expectKeyboardReachable(page, session);

    // The student ends the session: the request leaves the Help panel (the specs after this one share the server).
    await page.notebook.activate('help.ipynb');
    await cell.locator('.jp-classlab-help-cancel').click();
    await expect(page.locator('.jp-classlab-help-request')).toHaveCount(0, {
      timeout: 15000
    });
  });

  test('gpu: the GPU panel with a job', async ({ page, tmpPath }) => {
    test.setTimeout(120_000);
    await start(page, tmpPath);
    await page.notebook.createNew('gpu.ipynb');
    await expect(
      page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
    ).toBeVisible();
    await expect(page.locator('.jp-DebuggerBugButton')).toBeEnabled();
    await page.notebook.setCell(
      0,
      'code',
      "import time\nfor i in range(60):\n    print('tick', i, flush=True)\n    time.sleep(0.5)"
    );
    await page.notebook.selectCells(0);
    await command(page, 'classlab-gpu:run-cell');
    const cellBar = (await page.notebook.getCellLocator(0))!.locator(
      '.jp-classlab-gpu-cellBar'
    );
    await expect(cellBar).toContainText('Running', { timeout: 30000 });
    await expectAccessible(page, '.jp-classlab-gpu-cellBar');
    await command(page, 'classlab-gpu:open-panel');
    const panel = page.locator('#classlab-gpu-panel');
    await expect(panel.locator('.jp-classlab-gpu-job')).toHaveCount(1);
    await expect(panel.locator('.jp-classlab-gpu-jobLog')).toContainText(
      'tick'
    );
    await expectAccessible(page, '#classlab-gpu-panel');
    await expectAccessible(page, '.jp-classlab-gpu-status');
    await expectKeyboardReachable(page, panel);

    // Cancel with Space.
    const cancel = panel.locator('.jp-classlab-gpu-cancel').first();
    await cancel.focus();
    await page.keyboard.press('Space');
    await expect(
      panel.locator('.jp-classlab-gpu-job').first()
    ).not.toHaveAttribute('data-state', 'running', { timeout: 30000 });
  });

  test('grader: the panel in the teacher and student views', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(240_000);
    await start(page, tmpPath);
    const assignment = `a11y-${Date.now().toString(36)}`;
    await page.contents.uploadContent(
      JSON.stringify(sourceNotebook(assignment)),
      'text',
      `${tmpPath}/${assignment}.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/${assignment}.ipynb`);
    await page.notebook.activate(`${assignment}.ipynb`);
    await command(page, 'classlab-grader:open-panel');
    const panel = page.locator('#classlab-grader-panel');
    const release = panel.locator('.jp-classlab-grader-releaseButton');
    await expect(release).toHaveText('Release to Students');
    // Teacher view.
    await expectAccessible(page, '#classlab-grader-panel');
    await expectKeyboardReachable(page, panel);

    // Release with Enter: the students' copy opens, and the panel shows a student's view.
    await release.focus();
    await page.keyboard.press('Enter');
    const question = panel.locator(
      'li.jp-classlab-grader-question[data-question="q1"]'
    );
    await expect(question).toBeVisible({ timeout: 60_000 });
    await expect(question).toHaveAttribute('data-status', 'none');
    await expectAccessible(page, '#classlab-grader-panel');
    await expectKeyboardReachable(page, panel);

    // After a submit: the marks (◐, a failed visible check with its hint open, the hidden checks as a count), the
    // attempts list, the teacher's export button and the badge under the answer cell.
    expect(
      await page.notebook.setCell(
        1,
        'code',
        'total = 50\ndef square(x): return x * x'
      )
    ).toBe(true);
    await panel.locator('.jp-classlab-grader-submit').click();
    await expect(panel.locator('.jp-classlab-grader-total')).toHaveText(
      'Score: 2 / 3',
      GRADING
    );
    await expect(question).toHaveAttribute('data-status', 'partial');
    await question.locator('.jp-classlab-grader-hintButton').first().click();
    await expect(question.locator('.jp-classlab-grader-hint')).toBeVisible();
    await expect(panel.locator('.jp-classlab-grader-gradescope')).toBeEnabled(
      GRADING
    );
    await expectAccessible(page, '#classlab-grader-panel');
    await expectAccessible(page, '.jp-classlab-grader-cellBadge');
    await expectKeyboardReachable(page, panel);
  });
});
