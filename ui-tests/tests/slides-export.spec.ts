/**
 * Slides: export the deck to one standalone HTML file with the current outputs, then open that file offline
 * (network blocked) and check it is a working reveal.js deck.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS, REPO } from '../harness';

const DECK = '.jp-ClassLabSlides';

/** A small PNG made by the kernel without any plotting library: a colour gradient, 160×100. */
const MAKE_PNG = `import struct, zlib
from IPython.display import Image, display
w, h = 160, 100
rows = b''.join(b'\\x00' + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, 160)) for y in range(h))
chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')
display(Image(data=png))`;

const markdown = (id: string, source: string, slideType = 'slide') => ({
  cell_type: 'markdown',
  id,
  metadata: { slideshow: { slide_type: slideType } },
  source
});
const code = (id: string, source: string) => ({
  cell_type: 'code',
  id,
  metadata: { slideshow: { slide_type: '-' } },
  source,
  outputs: [],
  execution_count: null
});

/** The demo deck (fragments, a subslide, notes, a skipped cell) with six more slides of outputs: ten slides. */
function tenSlides(): string {
  const demo = JSON.parse(
    fs.readFileSync(path.join(REPO, 'examples', 'slides-demo.ipynb'), 'utf-8')
  );
  const last = demo.cells.pop();
  demo.cells.push(
    markdown('plot', '## A picture from the kernel'),
    code('plot-code', MAKE_PNG),
    markdown('html', '## An HTML output'),
    code(
      'html-code',
      "from IPython.display import HTML, display\ndisplay(HTML('<table><tr><td><b>bold cell</b></td></tr></table><script>window.__pwned = 1</script>'))"
    ),
    markdown('stderr', '## Warnings'),
    code('stderr-code', "import sys\nprint('careful <now>', file=sys.stderr)"),
    markdown('loop', '## A loop'),
    code('loop-code', 'for i in range(3):\n    print("line", i)'),
    markdown('maths', '## Maths\n\nThe area is $\\pi r^2$.'),
    markdown(
      'table',
      '## A table\n\n| x | x² |\n|---|----|\n| 1 | 1 |\n| 2 | 4 |'
    ),
    last
  );
  return JSON.stringify(demo);
}

test.describe('export to HTML', () => {
  test('the exported file is a working, offline reveal.js deck with the current outputs', async ({
    page,
    browser,
    tmpPath,
    consoleErrors
  }, testInfo) => {
    await page.contents.uploadContent(
      tenSlides(),
      'text',
      `${tmpPath}/lesson.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/lesson.ipynb`);
    await page.notebook.activate('lesson.ipynb');
    await expect(
      page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
    ).toBeVisible();
    await page.notebook.run();
    await expect(
      page.locator('.jp-Notebook .jp-OutputArea-output img')
    ).toBeVisible();

    await page.notebook.selectCells(0);
    await page.keyboard.press('Alt+r');
    await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
    const slideCount = await page.evaluate(
      () => (window as any).jupyterapp.shell.currentWidget.slideIndex.length
    );
    expect(slideCount).toBe(10);

    const saved = await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('classlab-slides:export-html')
    );
    expect(saved).toBe(`${tmpPath}/lesson.slides.html`);
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Slides exported to' })
    ).toBeVisible();
    const html: string = await page.evaluate(
      async file =>
        (
          await (window as any).jupyterapp.serviceManager.contents.get(file, {
            type: 'file',
            format: 'text',
            content: true
          })
        ).content,
      saved
    );
    const file = path.join(ARTIFACTS, 'lesson.slides.html');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, html);
    testInfo.annotations.push({
      type: 'size',
      description: `${html.length} characters for ${slideCount} slides`
    });

    // Exporting again asks before replacing the file; cancelling keeps it.
    const again = page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('classlab-slides:export-html')
    );
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('already exists');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await again).toBeNull();
    expect(consoleErrors).toEqual([]);

    // Open the file as a student would: from disk, with no network at all.
    const context = await browser.newContext({
      offline: true,
      viewport: { width: 1280, height: 720 }
    });
    const student = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    student.on('request', request => requests.push(request.url()));
    student.on('pageerror', error => errors.push(String(error)));
    await student.route(/^https?:/, route => route.abort());
    await student.goto(`file://${file}`);
    await student.waitForFunction(() => (window as any).Reveal?.isReady());
    // The slide before has faded out (the notebook's transition), for screenshots.
    const settled = () =>
      student.waitForFunction(() =>
        [...document.querySelectorAll('.reveal .slides > section')].every(
          section =>
            section.classList.contains('present') ||
            getComputedStyle(section).opacity === '0' ||
            getComputedStyle(section).display === 'none'
        )
      );

    const reveal = student.locator('.reveal');
    await expect(reveal.locator('.slides > section')).toHaveCount(slideCount);
    expect(await reveal.locator('.fragment').count()).toBeGreaterThan(0);
    expect(await reveal.locator('aside.notes').count()).toBe(1);
    await expect(reveal.locator('aside.notes')).toContainText(
      "speaker's notes"
    );
    await expect(reveal).not.toContainText('This cell is skipped');
    // Outputs as they were in the notebook: text, an image (a data URI), a sanitised HTML output, stderr.
    await expect(reveal.locator('.jp-OutputArea-output').first()).toContainText(
      '42'
    );
    const image = reveal.locator('.jp-RenderedImage img');
    await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
    await expect(reveal.locator('.jp-RenderedHTML td b')).toHaveText(
      'bold cell'
    );
    expect(
      await student.evaluate(() => (window as any).__pwned)
    ).toBeUndefined();
    await expect(
      reveal.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    ).toContainText('careful <now>');
    // Code is highlighted, read-only text (no editor).
    await expect(
      reveal.locator('.jp-ClassLabSlides-code').first()
    ).toBeAttached();
    expect(await reveal.locator('[contenteditable]').count()).toBe(0);
    expect(
      await reveal.locator('.jp-ClassLabSlides-code span[class]').count()
    ).toBeGreaterThan(0);
    await expect(student.locator('.jp-ClassLabSlides-footer')).toHaveText(
      'ClassLab slides demo'
    );

    // reveal.js's own keys work: right arrow goes to the next slide.
    const current = reveal.locator('.slides > section.present');
    await expect(current).toContainText('Slides with live code');
    await student.keyboard.press('ArrowRight');
    await expect(current).toContainText('Python can do sums');
    expect(
      await student.evaluate(() => (window as any).Reveal.getIndices().h)
    ).toBe(1);
    await settled();
    await student.screenshot({
      path: path.join(ARTIFACTS, 'slides-export-html-code.png')
    });
    // Fragments come one at a time.
    await student.keyboard.press('ArrowRight');
    await expect(current).toContainText('One step at a time');
    await expect(current.locator('.fragment.visible')).toHaveCount(0);
    await student.keyboard.press('Space');
    await expect(current.locator('.fragment.visible')).toHaveCount(1);
    // The picture slide.
    await student.evaluate(() => (window as any).Reveal.slide(3));
    await expect(current).toContainText('A picture from the kernel');
    await expect(current.locator('.jp-RenderedImage img')).toBeVisible();
    await settled();
    await student.screenshot({
      path: path.join(ARTIFACTS, 'slides-export-html-image.png')
    });

    // Nothing was fetched but the file itself.
    expect(
      requests.filter(
        url => !url.startsWith('file:') && !url.startsWith('data:')
      )
    ).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('works from the notebook without a running deck, in the dark theme', async ({
    page,
    browser,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.join(REPO, 'examples', 'slides-demo.ipynb'),
      `${tmpPath}/demo.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/demo.ipynb`);
    await page.notebook.activate('demo.ipynb');
    await page.theme.setDarkTheme();
    const saved = await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('classlab-slides:export-html')
    );
    expect(saved).toBe(`${tmpPath}/demo.slides.html`);
    await expect(page.locator(DECK)).toHaveCount(0);
    const html: string = await page.evaluate(
      async file =>
        (
          await (window as any).jupyterapp.serviceManager.contents.get(file, {
            format: 'text',
            content: true
          })
        ).content,
      saved
    );
    const context = await browser.newContext({ offline: true });
    const student = await context.newPage();
    await student.setContent(html);
    await student.waitForFunction(() => (window as any).Reveal?.isReady());
    await expect(student.locator('.reveal .slides > section')).toHaveCount(4);
    const [r, g, b] = await student.evaluate(() =>
      getComputedStyle(document.body)
        .backgroundColor.match(/\d+/g)!
        .slice(0, 3)
        .map(Number)
    );
    expect(r + g + b).toBeLessThan(3 * 80); // dark, as JupyterLab was
    await student.screenshot({
      path: path.join(ARTIFACTS, 'slides-export-html-dark.png')
    });
    await context.close();
    await page.theme.setLightTheme();
  });
});
