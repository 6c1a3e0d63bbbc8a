/**
 * Slides: present a notebook as a reveal.js deck over the same notebook model and kernel, navigate by keys,
 * edit and run code in a slide, and come back to the notebook at the cell of the slide.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '../fixtures';
import { REPO } from '../harness';
import { CURRENT, DECK, openDemoDeck, present } from '../slides';

test.describe('slideshow', () => {
  test.beforeEach(async ({ page, tmpPath }) => {
    await openDemoDeck(page, tmpPath);
  });

  test('Alt+R presents the notebook; keys move through slides, fragments and subslides', async ({
    page,
    consoleErrors
  }) => {
    await page.notebook.selectCells(0);
    await present(page);
    const deck = page.locator(DECK);
    await expect(page.locator(CURRENT)).toContainText('Slides with live code');
    // reveal.js counts subslides too: 4 slides, one of them with a subslide.
    await expect(page.locator(`${DECK} .slide-number`)).toHaveText(
      /^\s*1\s*\/\s*5\s*$/
    );
    // The notebook's `rise.footer`, as text (its HTML tags are not rendered).
    await expect(page.locator(`${DECK} .jp-ClassLabSlides-footer`)).toHaveText(
      'ClassLab slides demo'
    );
    // Speaker notes and skipped cells are not on the slides.
    await expect(deck).not.toContainText("speaker's notes");
    await expect(deck).not.toContainText('This cell is skipped');

    await page.keyboard.press('ArrowRight');
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    await page.keyboard.press('Space');
    await expect(page.locator(CURRENT)).toContainText('One step at a time');
    const rendered = (text: string) =>
      page.locator(`${CURRENT} .jp-RenderedMarkdown`, { hasText: text });
    const question = rendered('First, a question.');
    await expect(question).toBeHidden();
    await page.keyboard.press('Space');
    await expect(question).toBeVisible();
    await page.keyboard.press('Space');
    await expect(rendered('Then, the answer.')).toBeVisible();
    await page.keyboard.press('ArrowDown');
    await expect(page.locator(CURRENT)).toContainText('A subslide');
    await page.keyboard.press('Shift+Space');
    await expect(page.locator(CURRENT)).toContainText('One step at a time');
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-fragments.png')
    });
    expect(consoleErrors).toEqual([]);
  });

  test("code edited and run in a slide is the notebook's code; Esc returns to its cell", async ({
    page,
    consoleErrors
  }) => {
    await page.notebook.selectCells(0);
    await present(page);
    await page.keyboard.press('ArrowRight');
    const slide = page.locator(CURRENT);
    await expect(slide).toContainText('Python can do sums');

    // Type into the slide's editor: slideshow keys (Space, arrows) must type, not navigate.
    const editor = slide.locator('.jp-CodeCell .cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nprint("stop it", answer + 1)');
    await page.keyboard.press('ArrowLeft');
    await expect(slide).toContainText('Python can do sums');

    await page.keyboard.press('Shift+Enter');
    await expect(slide.locator('.jp-OutputArea-output')).toContainText('42');
    await expect(slide.locator('.jp-OutputArea-output')).toContainText(
      'stop it 43'
    );
    await expect(slide).toContainText('Python can do sums'); // still on the same slide
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-run-in-slide.png')
    });

    await page.keyboard.press('Escape'); // leaves the editor
    await expect(page.locator(DECK)).toBeVisible();
    await page.keyboard.press('Escape'); // leaves the slideshow
    await expect(page.locator(DECK)).toHaveCount(0);

    // The notebook has the edit and the output, and its active cell is the one from the slide.
    const source = await page.notebook.getCellTextInput(3);
    expect(source).toContain('print("stop it", answer + 1)');
    expect(await page.notebook.getCellTextOutput(3)).toEqual([
      '42\nstop it 43\n'
    ]);
    await expect(
      page.locator('.jp-Notebook .jp-Cell.jp-mod-active')
    ).toContainText('answer = 6 * 7');
    expect(consoleErrors).toEqual([]);
  });

  test('the toolbar button presents; text size keys scale all text and are kept in the notebook', async ({
    page,
    consoleErrors
  }) => {
    await page.notebook.selectCells(2);
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="classlab-slides:present"]'
      )
      .click();
    await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
    // Started at the slide of the selected cell.
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');

    const fontSize = (selector: string) =>
      page
        .locator(`${CURRENT} ${selector}`)
        .first()
        .evaluate(node => parseFloat(getComputedStyle(node).fontSize));
    const text = await fontSize('.jp-RenderedMarkdown p');
    const code = await fontSize('.cm-content');
    expect(text).toBeCloseTo(14 * 1.5, 0); // projector default
    await page.keyboard.press('=');
    await page.keyboard.press('=');
    await expect
      .poll(() => fontSize('.jp-RenderedMarkdown p'))
      .toBeCloseTo(14 * 1.7, 0);
    expect(await fontSize('.cm-content')).toBeCloseTo((code * 1.7) / 1.5, 0);
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-text-size.png')
    });

    const saved = await page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const panel = [...app.shell.widgets('main')].find(
        (w: any) => w.context?.model?.getMetadata
      );
      return panel.context.model.getMetadata('classlab');
    });
    expect(saved).toEqual({ slides: { text_scale: 1.7 } });
    expect(consoleErrors).toEqual([]);
  });

  test('an ipywidget created in a slide renders there, live', async ({
    page,
    tmpPath
  }) => {
    await page.notebook.setCell(
      3,
      'code',
      'import ipywidgets\nipywidgets.IntSlider(value=7, description="Speed")'
    );
    await page.notebook.selectCells(2);
    await present(page);
    const slide = page.locator(CURRENT);
    await expect(slide).toContainText('Python can do sums');
    await slide.locator('.jp-CodeCell .cm-content').click();
    await page.keyboard.press('Shift+Enter');
    const slider = slide.locator('.widget-slider');
    await expect(slider).toBeVisible();
    await expect(slider).toContainText('Speed');
    await expect(slider.locator('.widget-readout')).toHaveText('7');
    // Widget text follows the projector text size like the rest of the slide (19.5 px at the default 1.5).
    const labelSize = await slider
      .locator('.widget-label')
      .evaluate(node => parseFloat(getComputedStyle(node).fontSize));
    expect(labelSize).toBeGreaterThan(18);
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-ipywidget.png')
    });
  });

  test('the speaker window shows slide, next slide, notes and timer, and both windows stay in step', async ({
    page,
    context,
    consoleErrors
  }) => {
    await page.notebook.selectCells(0);
    await present(page);
    const requests: string[] = [];
    page.on('request', request => requests.push(request.url()));
    const [speaker] = await Promise.all([
      page.waitForEvent('popup'),
      page.keyboard.press('s')
    ]);

    const now = speaker.locator('.jp-ClassLabSlides-speakerCurrent');
    const next = speaker.locator('.jp-ClassLabSlides-speakerNextSlide');
    const notes = speaker.locator('.jp-ClassLabSlides-speakerNotes');
    await expect(now).toContainText('Slides with live code');
    await expect(next).toContainText('Python can do sums');
    await expect(notes).toContainText(
      "These are the speaker's notes for the first slide."
    );
    await expect(speaker.locator('.jp-ClassLabSlides-speakerTimer')).toHaveText(
      /^00:0\d$/
    );
    // Nothing was loaded for it: no second JupyterLab.
    expect(
      requests.filter(url =>
        /\/lab(\/?(\?|$)|\/extensions\/|\/static\/)/.test(url)
      )
    ).toEqual([]);

    // The speaker window drives the deck...
    await speaker.getByRole('button', { name: 'Next' }).click();
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    await expect(now).toContainText('Python can do sums');
    await expect(notes).toContainText('No notes for this slide.');
    // ...and the deck drives the speaker window.
    await page.locator(DECK).focus();
    await page.keyboard.press('ArrowRight');
    await expect(now).toContainText('One step at a time');
    await expect(next).toContainText('First, a question.');
    await speaker.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-speaker-view.png')
    });

    // Leaving the slideshow closes it.
    await page.keyboard.press('Escape');
    await expect.poll(() => speaker.isClosed()).toBe(true);
    expect(context.pages()).toHaveLength(1);
    expect(consoleErrors).toEqual([]);
  });

  test('the deck follows the dark JupyterLab theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    await page.notebook.selectCells(2);
    await present(page);
    // What is painted behind the slide's text: the first opaque background under a point of the slide
    // (reveal.js paints its own viewport white unless the deck's style says otherwise).
    const background = await page.locator(CURRENT).evaluate(slide => {
      const box = slide.getBoundingClientRect();
      for (const node of document.elementsFromPoint(
        box.left + 20,
        box.top + 20
      )) {
        const color = getComputedStyle(node).backgroundColor;
        if (color !== 'transparent' && !/^rgba\(.*,\s*0\)$/.test(color)) {
          return color;
        }
      }
      return '';
    });
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(3 * 80); // dark
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    await page.screenshot({
      path: path.join(REPO, 'ui-tests/artifacts/slides-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('export to PDF prints one page per slide, all fragments shown', async ({
    page
  }) => {
    await page.notebook.selectCells(0);
    await present(page);
    // The print dialog cannot be driven headless: stub it, then print the page as the dialog would.
    await page.evaluate(() => {
      (window as any).__printed = 0;
      window.print = () => void ((window as any).__printed += 1);
    });
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('classlab-slides:export-pdf')
    );
    await expect
      .poll(() => page.evaluate(() => (window as any).__printed))
      .toBe(1);
    const printView = page.locator('.jp-ClassLabSlides-print');
    await expect(printView.locator('.jp-ClassLabSlides-printPage')).toHaveCount(
      5
    );
    await expect(printView).toContainText('Then, the answer.');
    await expect(printView).not.toContainText("speaker's notes");

    const pdf = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true
    });
    const pages =
      pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? [];
    expect(pages).toHaveLength(5); // 4 slides, one with a subslide
    fs.writeFileSync(
      path.join(REPO, 'ui-tests/artifacts/slides-export.pdf'),
      pdf
    );

    // Closing the dialog removes the print view.
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    await expect(printView).toHaveCount(0);
  });

  test('a slide type changed while presenting rebuilds the deck and keeps the place', async ({
    page
  }) => {
    await page.notebook.selectCells(2);
    await present(page);
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    // As if set from the notebook view (or by a collaborator): the code cell now starts a slide of its own.
    await page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const panel = [...app.shell.widgets('main')].find(
        (w: any) => w.content?.widgets
      );
      panel.content.widgets[3].model.setMetadata('slideshow', {
        slide_type: 'slide'
      });
    });
    await expect(page.locator(`${DECK} .slide-number`)).toHaveText(
      /^\s*2\s*\/\s*6\s*$/
    );
    await expect(page.locator(CURRENT)).toContainText('Python can do sums');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(CURRENT)).toContainText('answer = 6 * 7');
    await expect(page.locator(CURRENT)).not.toContainText('Python can do sums');
  });
});
