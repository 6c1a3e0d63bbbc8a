/**
 * The example lessons of examples/lessons/ (issue #9) in a real JupyterLab, as a student opens them: the lecture
 * video loads from the bridge's media handler with its five chapters (one a practice stop), "Try it" selects the
 * linked cell, the training cell shows its Run on GPU button, and the lesson presents as slides starting at its
 * title. Screenshots in ui-tests/artifacts/.
 * (Formats, releases, running and grading: server-ext-bridge/tests/test_examples.py.)
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import { CURRENT, DECK, present } from '../slides';

const LESSONS = [
  {
    lang: 'en',
    title: 'Why do machines learn?',
    chapter: 'Look at the digits'
  },
  { lang: 'zh', title: '机器为什么要学习？', chapter: '看一看这些数字' }
];

for (const lesson of LESSONS) {
  test(`why-machines-learn (${lesson.lang}): video with chapters, then slides`, async ({
    page
  }) => {
    // start-lab.sh copies examples/ into the server's root. (Opened by command: Galata's file browser helper
    // mistakes the test's own folder, "lessons-…", for "lessons".)
    await page.evaluate(
      (file: string) =>
        (window as any).jupyterapp.commands.execute('docmanager:open', {
          path: file
        }),
      `lessons/${lesson.lang}/why-machines-learn.ipynb`
    );
    await expect(
      page.locator('.jp-NotebookPanel .jp-Cell').first()
    ).toBeVisible();

    const view = page.locator('.jp-ClassLabVideo-cellView').first();
    await view.scrollIntoViewIfNeeded();
    const video = view.locator('video');
    await expect(video).toBeVisible({ timeout: 20_000 });
    // The clip's metadata came from {base_url}classlab/media/… (25 s, five title cards).
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), {
        timeout: 20_000
      })
      .toBeGreaterThanOrEqual(1);
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    expect(Math.round(duration)).toBe(25);

    const chapters = view.locator('.jp-ClassLabVideo-chapter');
    await expect(chapters).toHaveCount(5);
    await expect(chapters.nth(1)).toContainText(lesson.chapter);
    await expect(
      chapters.nth(1).locator('.jp-ClassLabVideo-checkpointBadge')
    ).toHaveCount(1);
    await page.screenshot({
      path: path.join(ARTIFACTS, `lesson-${lesson.lang}-video.png`)
    });

    // "Try it" on the practice stop selects the cell that draws a digit.
    await chapters.nth(1).locator('.jp-ClassLabVideo-tryIt').click();
    const active = await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      return panel.content.activeCell.model.id;
    });
    expect(active).toBe('wml-show');

    // The training cell's Run on GPU button shows at the default window size (JupyterLab hides a cell's toolbar
    // when the cell's first line would run under it).
    const index = await page.evaluate(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      return (panel.content.widgets as any[]).findIndex(
        cell => cell.model.id === 'wml-gpu-train'
      );
    });
    await page.notebook.selectCells(index);
    const training = (await page.notebook.getCellLocator(index))!;
    await training.scrollIntoViewIfNeeded();
    await expect(
      training.locator(
        '.jp-cell-toolbar [data-command="classlab-gpu:run-cell"]'
      )
    ).toBeVisible();

    // Slides from the first cell: the title slide.
    await page.evaluate(() => {
      const notebook = (window as any).jupyterapp.shell.currentWidget.content;
      notebook.activeCellIndex = 0;
      notebook.mode = 'command';
      notebook.node.focus();
    });
    await present(page);
    await expect(page.locator(CURRENT)).toContainText(lesson.title);
    await expect(page.locator(DECK)).toBeVisible();
    await page.screenshot({
      path: path.join(ARTIFACTS, `lesson-${lesson.lang}-slides.png`)
    });
  });
}
