/**
 * Slides: finding your way in a deck (overview, go-to-slide, full screen), where a slideshow starts (the last
 * slide shown, the active cell), and what notebook metadata `rise` asks for (theme, autolaunch).
 */
import * as path from 'path';

import type { IJupyterLabPageFixture } from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import { CURRENT, DECK, present } from '../slides';

const OVERVIEW = '.jp-ClassLabSlides-overview';

/** A lesson without slide types: one `##` heading per slide, so slides come from headings. */
function lesson(slides: number, rise: Record<string, unknown> = {}): string {
  const cells = Array.from({ length: slides }, (_, i) => ({
    cell_type: 'markdown',
    id: `heading-${i + 1}`,
    metadata: {},
    source: `## Topic ${i + 1}: ${['loops', 'lists', 'plots', 'maths', 'words'][i % 5]}\n\nText of slide ${i + 1}.`
  }));
  return JSON.stringify({
    cells,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      rise
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

async function openLesson(
  page: IJupyterLabPageFixture,
  file: string,
  content: string
): Promise<void> {
  await page.contents.uploadContent(content, 'text', file);
  await page.notebook.openByPath(file);
  await page.notebook.activate(path.basename(file));
  await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible();
}

const slideNumber = (page: IJupyterLabPageFixture) =>
  page.locator(`${DECK} .slide-number`);

test.describe('finding your way in a deck', () => {
  test('O shows every slide by title; a click goes there', async ({
    page,
    tmpPath,
    consoleErrors
  }) => {
    await openLesson(page, `${tmpPath}/twelve.ipynb`, lesson(12));
    await page.notebook.selectCells(0);
    await present(page);
    // First time with slides from headings: a hint says so, and explains slide types on request.
    const hint = page.locator('.Toastify__toast', {
      hasText: 'each heading starts a slide'
    });
    await expect(hint).toBeVisible();
    await hint.getByRole('button', { name: 'What is a slide?' }).click();
    const dialog = page.locator('.jp-Dialog-content');
    await expect(dialog).toContainText('appears on the next key press');
    await page.screenshot({ path: path.join(ARTIFACTS, 'slides-hint.png') });
    await dialog.getByRole('button', { name: 'Got it' }).click();
    await expect(dialog).toHaveCount(0);
    await page.locator(DECK).focus();

    await page.keyboard.press('o');
    const overview = page.locator(OVERVIEW);
    await expect(overview.getByRole('button')).toHaveCount(12);
    await expect(overview.getByRole('button').nth(6)).toContainText(
      '7Topic 7: lists'
    );
    // The slide being shown is marked.
    await expect(overview.locator('[aria-current="true"]')).toContainText(
      'Topic 1'
    );
    await page.screenshot({
      path: path.join(ARTIFACTS, 'slides-overview.png')
    });
    // Arrow keys belong to the overview while it is open (no slide change behind it).
    await page.keyboard.press('ArrowRight');
    await expect(slideNumber(page)).toHaveText(/^\s*1\s*\/\s*12\s*$/);
    await overview.getByRole('button', { name: /Topic 7/ }).click();
    await expect(overview).toHaveCount(0);
    await expect(page.locator(CURRENT)).toContainText('Text of slide 7.');
    // Keys work again at once.
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(CURRENT)).toContainText('Text of slide 8.');
    expect(consoleErrors).toEqual([]);
  });

  test('G goes to a slide by number or by words; Esc closes the box first', async ({
    page,
    tmpPath
  }) => {
    await openLesson(page, `${tmpPath}/twelve.ipynb`, lesson(12));
    await page.notebook.selectCells(0);
    await present(page);
    await page.locator(DECK).focus();

    await page.keyboard.press('g');
    const search = page.getByRole('searchbox', { name: 'Go to slide' });
    await expect(search).toBeFocused();
    await page.keyboard.type('11');
    await page.keyboard.press('Enter');
    await expect(page.locator(CURRENT)).toContainText('Text of slide 11.');

    await page.keyboard.press('g');
    await page.keyboard.type('maths');
    await expect(
      page.locator(`${OVERVIEW}-list > li:not([hidden])`)
    ).toHaveCount(2);
    await page.keyboard.press('Enter');
    await expect(page.locator(CURRENT)).toContainText('Text of slide 4.');

    // Esc in the box closes the box, not the slideshow.
    await page.keyboard.press('g');
    await expect(search).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.locator(OVERVIEW)).toHaveCount(0);
    await expect(page.locator(DECK)).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator(DECK)).toHaveCount(0);
  });

  test('F fills the window; a JupyterLab dialog still shows above the slides', async ({
    page,
    tmpPath
  }) => {
    await openLesson(page, `${tmpPath}/three.ipynb`, lesson(3));
    await present(page);
    // The first-time hint arrives a moment after the deck; dismiss it first (once, under load, the palette below
    // closed at the moment the hint's toast appeared).
    await page
      .locator('.Toastify__toast', { hasText: 'each heading starts a slide' })
      .getByRole('button', { name: 'Got it' })
      .click();
    await page.locator(DECK).focus();
    await page.keyboard.press('f');
    const deck = page.locator(`${DECK}.jp-mod-fullscreen`);
    await expect(deck).toBeVisible();
    const viewport = page.viewportSize()!;
    const box = (await deck.boundingBox())!;
    expect(box.x).toBe(0);
    expect(box.y).toBe(0);
    expect(box.width).toBe(viewport.width);
    expect(box.height).toBe(viewport.height);
    // The top bar and side bars are covered.
    await expect
      .poll(() =>
        page.evaluate(() => {
          const hit = document.elementFromPoint(5, 5);
          return !!hit?.closest('.jp-ClassLabSlides');
        })
      )
      .toBe(true);

    // JupyterLab's modal command palette (attached to the page body) opens above the deck and takes keys.
    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('.jp-ModalCommandPalette');
    await expect(palette).toBeVisible();
    const paletteBox = (await palette.boundingBox())!;
    const onTop = await page.evaluate(
      ([x, y]) =>
        !!document.elementFromPoint(x, y)?.closest('.jp-ModalCommandPalette'),
      [paletteBox.x + paletteBox.width / 2, paletteBox.y + 20]
    );
    expect(onTop).toBe(true);
    // Type only once the palette's box has the focus (else the letters would reach the deck's keys).
    await expect(palette.locator('input')).toBeFocused();
    await page.keyboard.type('All Slides');
    await page.screenshot({
      path: path.join(ARTIFACTS, 'slides-fullscreen-palette.png')
    });
    await page.keyboard.press('Enter');
    await expect(palette).toBeHidden();
    await expect(page.locator(OVERVIEW)).toBeVisible();
    await expect(page.locator(`${DECK}.jp-mod-fullscreen`)).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator(OVERVIEW)).toHaveCount(0);

    await page.locator(DECK).focus();
    await page.keyboard.press('f');
    await expect(page.locator(`${DECK}.jp-mod-fullscreen`)).toHaveCount(0);
    await expect(page.locator(DECK)).toBeVisible();
  });

  test('the next slideshow starts at the slide shown last', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/twelve.ipynb`;
    await openLesson(page, file, lesson(12));
    await page.notebook.selectCells(0);
    await present(page);
    await page.locator(DECK).focus();
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('ArrowRight');
    }
    await expect(page.locator(CURRENT)).toContainText('Text of slide 5.');
    // Closed and opened again: the notebook starts at its first cell, the slideshow at slide 5.
    await page.keyboard.press('Escape');
    await page.notebook.close(true);
    await page.notebook.openByPath(file);
    await page.notebook.activate('twelve.ipynb');
    await expect(page.locator('.jp-Notebook .jp-Cell').first()).toBeVisible();
    await page.notebook.selectCells(0);
    await present(page);
    await expect(page.locator(CURRENT)).toContainText('Text of slide 5.');

    // A cell selected by the teacher wins over the remembered slide.
    await page.keyboard.press('Escape');
    await page.notebook.selectCells(8);
    await present(page);
    await expect(page.locator(CURRENT)).toContainText('Text of slide 9.');
  });
});

test.describe('notebook rise options', () => {
  test('a reveal theme colours only the deck; JupyterLab keeps its own look', async ({
    page,
    tmpPath
  }) => {
    await openLesson(
      page,
      `${tmpPath}/black.ipynb`,
      lesson(2, { theme: 'black', width: 500 })
    );
    const before = await page.evaluate(
      () => getComputedStyle(document.body).backgroundColor
    );
    await present(page);
    await expect(page.locator(DECK)).toHaveCSS(
      'background-color',
      'rgb(25, 25, 25)'
    );
    await expect(page.locator(`${CURRENT} h2`)).toHaveCSS(
      'color',
      'rgb(255, 255, 255)'
    );
    // `width: 500`: the slide is at most 500 px wide, centred.
    const slides = (await page
      .locator(`${DECK} .reveal .slides`)
      .boundingBox())!;
    const deckBox = (await page.locator(DECK).boundingBox())!;
    expect(Math.round(slides.width)).toBe(500);
    expect(
      Math.abs(slides.x - deckBox.x - (deckBox.width - slides.width) / 2)
    ).toBeLessThan(2);
    // Nothing outside the deck changed.
    expect(
      await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    ).toBe(before);
    await expect(page.locator('.jp-Notebook').first()).not.toHaveCSS(
      'background-color',
      'rgb(25, 25, 25)'
    );
  });

  test('a notebook with rise.autolaunch opens straight into the slideshow', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/auto.ipynb`;
    await page.contents.uploadContent(
      lesson(3, { autolaunch: true }),
      'text',
      file
    );
    await page.notebook.openByPath(file);
    await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
    await expect(page.locator(CURRENT)).toContainText('Text of slide 1.');
  });
});
