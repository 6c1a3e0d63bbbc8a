/**
 * Video cells on a real JupyterLab: "Insert Lecture Video" puts a markdown cell with a plain link and the spec in
 * its metadata, and the cell shows the player; the chapter form writes the chapters; a chapter click seeks, "Try it"
 * selects the linked cell; a checkpoint pauses the video until its cell has run; a `javascript:` source is refused.
 * The clip is a real mp4 made by ffmpeg (ui-tests/media.ts).
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import { ensureTestMedia } from '../media';

type Page = import('@playwright/test').Page;

/** A notebook: an intro, the practice code cell (id "practice"), a closing note. */
function lessonNotebook(extraCells: unknown[] = []): string {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'markdown',
        id: 'intro',
        metadata: {},
        source: '# Lesson'
      },
      ...extraCells,
      {
        cell_type: 'code',
        id: 'practice',
        metadata: {},
        execution_count: null,
        outputs: [],
        source: "print('practice done')"
      },
      {
        cell_type: 'markdown',
        id: 'outro',
        metadata: {},
        source: 'The end.'
      }
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/** The `<video>` of the first video cell. */
const video = (page: Page) =>
  page.locator('.jp-ClassLabVideo-cellView video').first();

async function videoState(page: Page) {
  return video(page).evaluate((element: HTMLVideoElement) => ({
    time: element.currentTime,
    paused: element.paused
  }));
}

async function cellModel(page: Page, index: number) {
  return page.evaluate((i: number) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const model = panel.content.widgets[i].model;
    return {
      type: model.type,
      id: model.id,
      source: model.sharedModel.getSource(),
      video: model.getMetadata('classlab')?.video
    };
  }, index);
}

async function activeCellIndex(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex
  );
}

test('insert a video through the dialog, edit its chapters, seek, try it, and stop at a checkpoint', async ({
  page,
  tmpPath,
  consoleErrors
}) => {
  test.setTimeout(120_000);
  const media = ensureTestMedia(tmpPath);
  await page.contents.uploadContent(
    lessonNotebook(),
    'text',
    `${tmpPath}/lesson.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/lesson.ipynb`);
  await page.notebook.activate('lesson.ipynb');
  await page.notebook.selectCells(0);

  // The dialog offers the clip found in the notebook's folder.
  await page
    .locator('.jp-NotebookPanel-toolbar [data-command="classlab-video:insert"]')
    .click();
  const dialog = page.locator('.jp-Dialog');
  const files = dialog.locator('select[name="file"]');
  await expect(files.locator('option', { hasText: media.mp4 })).toHaveCount(1);
  // The HLS folder shows its playlist only (not its init segment).
  await expect(files.locator('option', { hasText: 'hls/' })).toHaveText([
    media.hls
  ]);
  // A refused address keeps the dialog open and says why.
  await dialog.locator('input[name="source"]').fill('javascript:alert(1)');
  await dialog.getByRole('button', { name: 'Insert' }).click();
  await expect(dialog.locator('.jp-ClassLabVideo-formError')).toContainText(
    '"javascript:" URLs are not allowed'
  );
  await files.selectOption(media.mp4);
  await expect(dialog.locator('input[name="source"]')).toHaveValue(media.mp4);
  await dialog.locator('input[name="title"]').fill('Test clip');
  await page.screenshot({ path: path.join(ARTIFACTS, 'video-insert.png') });
  await dialog.getByRole('button', { name: 'Insert' }).click();
  await expect(dialog).toHaveCount(0);

  // Below the active cell: a markdown cell with a plain link, the spec in its metadata, and the player.
  expect(await cellModel(page, 1)).toEqual({
    type: 'markdown',
    id: expect.any(String),
    source: '[▶ Test clip](clip.mp4)',
    video: { kind: 'file', src: 'clip.mp4', title: 'Test clip' }
  });
  expect(await activeCellIndex(page)).toBe(1);
  const view = page.locator('.jp-ClassLabVideo-cellView');
  await expect(view).toHaveCount(1);
  await expect(
    page
      .locator('.jp-Notebook .jp-Cell')
      .nth(1)
      .locator('.jp-RenderedMarkdown a')
  ).toHaveText('▶ Test clip');
  await expect(video(page)).toBeVisible();
  await page.waitForFunction(
    () =>
      (document.querySelector('.jp-ClassLabVideo-cellView video') as any)
        ?.readyState >= 1
  );

  // The chapter form: three rows, the middle one linked to the practice cell and a practice stop.
  await view.getByRole('button', { name: 'Chapters…' }).click();
  const form = page.locator('.jp-ClassLabVideo-chapterForm');
  const rows = form.locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await rows.nth(0).locator('input[name="time"]').fill('0:00');
  await rows.nth(0).locator('input[name="title"]').fill('Start');
  for (const [time, title] of [
    ['0:01', 'Practice'],
    ['3', 'Near the end']
  ]) {
    await form.getByRole('button', { name: 'Add chapter' }).click();
    const row = rows.last();
    await row.locator('input[name="time"]').fill(time);
    await row.locator('input[name="title"]').fill(title);
  }
  const practiceRow = rows.nth(1);
  const choice = practiceRow.locator('select[name="cell"] option', {
    hasText: "print('practice done')"
  });
  await practiceRow
    .locator('select[name="cell"]')
    .selectOption((await choice.getAttribute('value'))!);
  await practiceRow.locator('input[name="checkpoint"]').check();
  await page.screenshot({
    path: path.join(ARTIFACTS, 'video-chapter-form.png')
  });
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Save' })
    .click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);

  const practiceId = (await cellModel(page, 2)).id;
  expect((await cellModel(page, 1)).video.chapters).toEqual([
    { time: 0, title: 'Start' },
    { time: 1, title: 'Practice', cell: practiceId, checkpoint: true },
    { time: 3, title: 'Near the end' }
  ]);
  const chapters = view.locator('.jp-ClassLabVideo-chapter');
  await expect(chapters).toHaveCount(3);
  await expect(chapters.nth(1)).toContainText('0:01');
  await expect(chapters.nth(1)).toContainText('Practice stop');

  // A chapter click seeks.
  await chapters.nth(2).locator('.jp-ClassLabVideo-chapterSeek').click();
  await expect
    .poll(async () => (await videoState(page)).time)
    .toBeCloseTo(3, 0);
  await expect(chapters.nth(2)).toHaveAttribute('aria-current', 'true');

  // "Try it" selects the linked cell.
  await chapters.nth(1).getByRole('button', { name: 'Try it' }).click();
  expect(await activeCellIndex(page)).toBe(2);

  // Play from the start: the checkpoint at 0:01 pauses the video and highlights the practice cell.
  await chapters.nth(0).locator('.jp-ClassLabVideo-chapterSeek').click();
  await expect
    .poll(async () => (await videoState(page)).time)
    .toBeLessThan(0.5);
  await video(page).evaluate((element: HTMLVideoElement) => {
    element.muted = true;
    return element.play();
  });
  const checkpoint = view.locator('.jp-ClassLabVideo-checkpoint');
  await expect(checkpoint).toBeVisible({ timeout: 10_000 });
  await expect(checkpoint).toContainText(
    'Practice time: run the highlighted cell to continue'
  );
  await expect.poll(async () => (await videoState(page)).paused).toBe(true);
  const paused = await videoState(page);
  expect(paused.time).toBeCloseTo(1, 0);
  const practiceCell = page.locator('.jp-Notebook .jp-Cell').nth(2);
  await expect(practiceCell).toHaveClass(/jp-ClassLabVideo-linkedCell/);
  await page.waitForTimeout(1000);
  expect((await videoState(page)).time).toBeCloseTo(paused.time, 1);
  await page.screenshot({ path: path.join(ARTIFACTS, 'video-checkpoint.png') });

  // "Go to the cell", then run it: the message goes and the video plays on.
  await checkpoint.getByRole('button', { name: 'Go to the cell' }).click();
  expect(await activeCellIndex(page)).toBe(2);
  await page.notebook.runCell(2);
  await expect(checkpoint).toBeHidden({ timeout: 30_000 });
  await expect
    .poll(async () => (await videoState(page)).time, { timeout: 10_000 })
    .toBeGreaterThan(paused.time + 0.3);
  expect(consoleErrors).toEqual([]);
});

test('a javascript: source is refused with a visible message and no player; a fixed spec brings the player, deleting the cell drops it', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadContent(
    lessonNotebook([
      {
        cell_type: 'markdown',
        id: 'bad-video',
        metadata: {
          classlab: { video: { src: 'javascript:alert(document.cookie)' } }
        },
        source: '[▶ A video](javascript:alert(document.cookie))'
      }
    ]),
    'text',
    `${tmpPath}/bad.ipynb`
  );
  await page.notebook.openByPath(`${tmpPath}/bad.ipynb`);
  await page.notebook.activate('bad.ipynb');
  const view = page.locator('.jp-ClassLabVideo-cellView');
  await expect(view.locator('.jp-ClassLabVideo-error')).toBeVisible();
  await expect(view.locator('.jp-ClassLabVideo-error')).toContainText(
    'This video cannot be shown: "javascript:" URLs are not allowed'
  );
  await expect(view.locator('video, iframe')).toHaveCount(0);

  // Fixing the spec (metadata changed through the model) brings the player; deleting the cell removes it.
  const media = ensureTestMedia(tmpPath);
  await page.evaluate((src: string) => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    panel.content.widgets[1].model.setMetadata('classlab', {
      video: { src }
    });
  }, media.mp4);
  await expect(view.locator('.jp-ClassLabVideo-error')).toBeHidden();
  await expect(video(page)).toBeVisible();
  await page.notebook.selectCells(1);
  await page.notebook.deleteCells();
  await expect(page.locator('.jp-ClassLabVideo-cellView')).toHaveCount(0);
  await expect(page.locator('.jp-ClassLabVideo video')).toHaveCount(0);
});
