// Slides entry and slide-change cost in headless Debian Chromium, driven by bench_slides.py.
//
// stdin: {"chromium", "args", "base", "token", "notebooks": [{"name", "path"}], "entries", "changes", "timeout_ms"}
// stdout: {"browser", "results": [{"name", "open_ms": [...], "enter_ms": [...], "change_ms": [...], "slides"}]}
// Timings are taken inside the page with performance.now(), from the command's execution to the second animation
// frame after the deck is ready (the first slide painted), so Node-side polling adds nothing.
import { chromium } from 'playwright-core';

const request = JSON.parse(
  await new Promise(resolve => {
    let data = '';
    process.stdin.on('data', chunk => (data += chunk));
    process.stdin.on('end', () => resolve(data));
  })
);

const browser = await chromium.launch({
  executablePath: request.chromium,
  args: request.args,
  headless: true
});
const results = [];
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }
  });
  const page = await context.newPage();
  page.setDefaultTimeout(request.timeout_ms);
  await page.goto(`${request.base}/lab?token=${request.token}`);
  await page.waitForFunction(() =>
    window.jupyterapp?.commands.hasCommand('classlab-slides:present')
  );
  await page.evaluate(() => window.jupyterapp.started);
  // Two animation frames: the frame that paints the change, and one after it.
  await page.evaluate(() => {
    window.__frames = () =>
      new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  });

  for (const { name, path } of request.notebooks) {
    const row = { name, open_ms: [], enter_ms: [], change_ms: [], slides: 0 };
    for (let i = 0; i < request.entries; i++) {
      // Anchor: opening the same notebook in JupyterLab until its panel is revealed and painted.
      row.open_ms.push(
        await page.evaluate(async path => {
          const app = window.jupyterapp;
          const t0 = performance.now();
          const panel = await app.commands.execute('docmanager:open', {
            path,
            factory: 'Notebook'
          });
          await panel.context.ready;
          await panel.revealed;
          await window.__frames();
          return performance.now() - t0;
        }, path)
      );

      row.enter_ms.push(
        await page.evaluate(async () => {
          const app = window.jupyterapp;
          const t0 = performance.now();
          await app.commands.execute('classlab-slides:present');
          while (!document.querySelector('.jp-ClassLabSlides.jp-mod-ready')) {
            await new Promise(r => requestAnimationFrame(r));
          }
          await window.__frames();
          return performance.now() - t0;
        })
      );

      row.slides = await page.evaluate(
        () =>
          document.querySelectorAll('.jp-ClassLabSlides .slides > section')
            .length
      );
      for (let c = 0; c < request.changes; c++) {
        row.change_ms.push(
          await page.evaluate(async () => {
            const app = window.jupyterapp;
            const t0 = performance.now();
            await app.commands.execute('classlab-slides:next');
            await window.__frames();
            return performance.now() - t0;
          })
        );
      }
      // Leave, then close the notebook without saving, so the next round opens it afresh.
      await page.evaluate(async () => {
        const app = window.jupyterapp;
        await app.commands.execute('classlab-slides:exit');
        const panel = app.shell.currentWidget;
        panel.context.model.dirty = false;
        panel.dispose();
      });
    }
    results.push(row);
  }
  await context.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ browser: browser.version(), results }));
