/**
 * Slides: pen and laser pointer. A stroke drawn with the pen stays on its slide (gone on the next, back when
 * returning, kept through a resize), Delete erases it, the laser shows a dot, and while either is on Escape turns
 * it off before a second Escape leaves the slideshow. When both are off, clicks reach the slide's code again.
 */
import * as path from 'path';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { REPO } from '../harness';
import { CURRENT, DECK, openDemoDeck } from '../slides';

const INK = `${DECK} canvas.jp-ClassLabSlides-ink`;
const LASER = `${DECK} canvas.jp-ClassLabSlides-laser`;
const BADGE = `${DECK} .jp-ClassLabSlides-drawingBadge`;

/** Pixels of a canvas painted in a colour: all painted ones, and the ones close to the pen's magenta or red. */
async function painted(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<{ any: number; magenta: number; red: number }> {
  return page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas
      .getContext('2d')!
      .getImageData(0, 0, canvas.width, canvas.height);
    const counts = { any: 0, magenta: 0, red: 0 };
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a === 0) {
        continue;
      }
      counts.any++;
      if (a > 200 && r > 180 && g < 60 && b > 80 && b < 170) {
        counts.magenta++;
      }
      if (a > 200 && r > 200 && g < 80 && b < 80) {
        counts.red++;
      }
    }
    return counts;
  });
}

test.describe('slideshow pen and laser', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    await openDemoDeck(page, tmpPath);
  });

  test('P draws on the slide, kept per slide; Delete clears; L shows a laser dot; Esc stops, then leaves', async ({
    page,
    consoleErrors
  }) => {
    await page.notebook.selectCells(2);
    await page.keyboard.press('Alt+r');
    const deck = page.locator(DECK);
    await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');

    // Pen on: the deck says so, and clicks draw.
    await page.keyboard.press('p');
    await expect(deck).toHaveClass(/\bjp-mod-drawing\b/);
    await expect(page.locator(BADGE)).toHaveText('Pen — Esc to stop');
    const box = (await page.locator(INK).boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    // A wave across the slide's code cell.
    const code = (await page
      .locator(`${CURRENT} .jp-CodeCell .cm-content`)
      .boundingBox())!;
    const y = code.y + code.height / 2;
    await page.mouse.move(code.x + 10, y);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(code.x + 10 + i * 15, y + 20 * Math.sin(i / 2));
    }
    await page.mouse.up();
    const drawn = await painted(page, INK);
    expect(drawn.any).toBeGreaterThan(500);
    expect(drawn.magenta).toBeGreaterThan(drawn.any / 2);
    // Drawing over the code did not start editing it.
    await expect(deck).not.toHaveClass(/\bjp-mod-editing\b/);
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-pen.png')
    });

    // Next slide: nothing drawn there. Back: the stroke again.
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(CURRENT)).toContainText('One step at a time');
    await expect.poll(async () => (await painted(page, INK)).any).toBe(0);
    await page.keyboard.press('ArrowLeft');
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    const back = await painted(page, INK);
    expect(back.any).toBeGreaterThan(drawn.any * 0.8);
    expect(back.any).toBeLessThan(drawn.any * 1.2);

    // A smaller window: the drawing is redrawn to the new slide size.
    const viewport = page.viewportSize()!;
    await page.setViewportSize({
      width: Math.round(viewport.width * 0.8),
      height: viewport.height
    });
    await expect
      .poll(async () => (await page.locator(INK).boundingBox())!.width)
      .toBeLessThan(box.width);
    await expect
      .poll(async () => (await painted(page, INK)).any)
      .toBeGreaterThan(drawn.any * 0.5);
    await page.setViewportSize(viewport);

    // Delete erases this slide's drawing.
    await page.keyboard.press('Delete');
    await expect.poll(async () => (await painted(page, INK)).any).toBe(0);

    // Laser: a red dot follows the pointer; nothing is kept.
    await page.keyboard.press('l');
    await expect(page.locator(BADGE)).toHaveText('Laser pointer — Esc to stop');
    await expect(deck).toHaveClass(/\bjp-mod-laser\b/);
    await expect(deck).not.toHaveClass(/\bjp-mod-pen\b/);
    for (let i = 0; i <= 10; i++) {
      await page.mouse.move(box.x + 200 + i * 20, box.y + 150 + i * 5);
    }
    await expect
      .poll(async () => (await painted(page, LASER)).red)
      .toBeGreaterThan(50);
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-laser.png')
    });
    expect((await painted(page, INK)).any).toBe(0);

    // Esc turns the laser off, and the deck stays.
    await page.keyboard.press('Escape');
    await expect(deck).not.toHaveClass(/\bjp-mod-drawing\b/);
    await expect(page.locator(BADGE)).toBeHidden();
    await expect.poll(async () => (await painted(page, LASER)).any).toBe(0);
    await expect(deck).toBeVisible();

    // Off: clicks reach the slide again, so its code is editable.
    await page.locator(`${CURRENT} .jp-CodeCell .cm-content`).click();
    await expect(deck).toHaveClass(/\bjp-mod-editing\b/);
    await page.keyboard.press('Escape'); // leaves the editor
    await expect(deck).not.toHaveClass(/\bjp-mod-editing\b/);

    // Pen again, Esc: off; Esc again: the slideshow closes.
    await page.keyboard.press('p');
    await expect(deck).toHaveClass(/\bjp-mod-pen\b/);
    await page.keyboard.press('Escape');
    await expect(deck).not.toHaveClass(/\bjp-mod-drawing\b/);
    await expect(deck).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator(DECK)).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });

  test('a stroke stays through fragments of the same slide', async ({
    page
  }) => {
    await page.notebook.selectCells(0);
    await page.keyboard.press('Alt+r');
    await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(CURRENT)).toContainText('One step at a time');
    await page.keyboard.press('p');
    const box = (await page.locator(INK).boundingBox())!;
    await page.mouse.move(box.x + 100, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 300, box.y + 200, { steps: 10 });
    await page.mouse.up();
    const drawn = (await painted(page, INK)).any;
    expect(drawn).toBeGreaterThan(300);
    // Space shows the next fragment: same slide, same drawing.
    await page.keyboard.press('Space');
    await expect(
      page.locator(`${CURRENT} .jp-RenderedMarkdown`, {
        hasText: 'First, a question.'
      })
    ).toBeVisible();
    expect((await painted(page, INK)).any).toBe(drawn);
  });
});
