// Slides entry and slide-change cost in headless Debian Chromium, driven by bench_slides.py.
//
// stdin: {"chromium", "args", "base", "token", "tool": "classlab" | "rise", "notebooks": [{"name", "path"}],
//         "entries", "changes", "timeout_ms"}
// stdout: {"browser", "results": [{"name", "open_ms", "enter_ms", "change_ms", "key_change_ms", "slides"}]}
//
// Timings are taken inside the page with performance.now(), so Node-side polling adds nothing:
// - open_ms (the anchor): `docmanager:open` until the notebook panel is revealed and painted (two animation frames).
// - enter_ms: from executing the slideshow command (ClassLab `classlab-slides:present`; jupyterlab-rise
//   `RISE:preview`, its Alt+R, which saves the notebook and opens `<base>/rise/<path>` — a second JupyterLab — in an
//   iframe panel) until the current reveal.js slide (`.slides section.present`, innermost) is visible with its
//   heading rendered as markdown, then two animation frames of the window that shows it.
// - change_ms (ClassLab only): `classlab-slides:next` to the second animation frame after it, from the first slide
//   (after the key presses below, the deck is moved back there unmeasured).
// - key_change_ms (both tools): a real Space key press (CDP input) into the deck — for RISE inside the iframe, where
//   reveal.js's own keyboard handles it — from the keydown event in the deck's window to the second animation frame
//   after another slide became present with its heading rendered. Both series move min(changes, slides - 1) times.
import { chromium } from 'playwright-core';

const request = JSON.parse(
  await new Promise(resolve => {
    let data = '';
    process.stdin.on('data', chunk => (data += chunk));
    process.stdin.on('end', () => resolve(data));
  })
);
const tool = request.tool ?? 'classlab';
const COMMAND = tool === 'rise' ? 'RISE:preview' : 'classlab-slides:present';

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
  await page.waitForFunction(
    command => window.jupyterapp?.commands.hasCommand(command),
    COMMAND
  );
  await page.evaluate(() => window.jupyterapp.started);
  await page.evaluate(tool => {
    // Two animation frames of window `w`: the frame that paints the change, and one after it.
    window.__frames = (w = window) =>
      new Promise(r =>
        w.requestAnimationFrame(() => w.requestAnimationFrame(r))
      );
    // The window showing the deck: ours is in the page; RISE's is the iframe of its preview panel.
    window.__deckWindow = () =>
      tool === 'rise'
        ? (document.querySelector('.jp-IFrame iframe')?.contentWindow ?? null)
        : window;
    // Index of the current top-level slide (section) in the deck.
    window.__slideIndex = () =>
      [
        ...window
          .__deckWindow()
          .document.querySelectorAll('.reveal .slides > section')
      ].findIndex(section => section.classList.contains('present'));
    // The current slide once it is visible with its heading rendered, else null.
    window.__present = () => {
      const doc = window.__deckWindow()?.document;
      const root =
        tool === 'rise' ? '.reveal.ready' : '.jp-ClassLabSlides.jp-mod-ready';
      const slide = doc?.querySelector(
        `${root} .slides section.present:not(.stack)`
      );
      return slide?.getClientRects().length &&
        slide.querySelector('.jp-RenderedMarkdown h2')
        ? slide
        : null;
    };
  }, tool);

  for (const { name, path } of request.notebooks) {
    const row = {
      name,
      open_ms: [],
      enter_ms: [],
      change_ms: [],
      key_change_ms: [],
      slides: 0
    };
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
        await page.evaluate(
          async ({ command, timeout }) => {
            const app = window.jupyterapp;
            const t0 = performance.now();
            await app.commands.execute(command);
            while (!window.__present()) {
              if (performance.now() - t0 > timeout) {
                throw new Error(
                  `no slide painted ${timeout} ms after ${command}`
                );
              }
              await new Promise(r => requestAnimationFrame(r));
            }
            await window.__frames(window.__deckWindow());
            return performance.now() - t0;
          },
          { command: COMMAND, timeout: request.timeout_ms }
        )
      );

      row.slides = await page.evaluate(
        () =>
          window
            .__deckWindow()
            .document.querySelectorAll('.reveal .slides > section').length
      );
      // Every move must change the slide: start at the first slide (ClassLab may resume where the last
      // slideshow of this notebook was left), and make no more moves than there are slides after it.
      if (tool === 'classlab') {
        await page.evaluate(async () => {
          for (let i = window.__slideIndex(); i > 0; i--) {
            await window.jupyterapp.commands.execute(
              'classlab-slides:previous'
            );
          }
          await window.__frames();
        });
      }
      const changes = Math.min(request.changes, row.slides - 1);
      // The same key into both decks. Keys go to the focused element: our deck has focus after entry; RISE's
      // iframe gets it here, as a click into it would give it.
      await page.evaluate(() => {
        const w = window.__deckWindow();
        w.focus();
        if (w !== window) {
          w.document.querySelector('.reveal')?.focus?.();
        }
      });
      for (let c = 0; c < changes; c++) {
        await page.evaluate(timeout => {
          const w = window.__deckWindow();
          const before = window.__present();
          window.__change = new Promise((resolve, reject) => {
            w.addEventListener(
              'keydown',
              async () => {
                const t0 = w.performance.now();
                let now;
                while ((now = window.__present()) === before || !now) {
                  if (w.performance.now() - t0 > timeout) {
                    reject(
                      new Error(
                        `no slide change ${timeout} ms after Space at slide ${window.__slideIndex()}`
                      )
                    );
                    return;
                  }
                  await new Promise(r => w.requestAnimationFrame(r));
                }
                await window.__frames(w);
                resolve(w.performance.now() - t0);
              },
              { capture: true, once: true }
            );
          });
        }, request.timeout_ms);
        await page.keyboard.press('Space');
        row.key_change_ms.push(await page.evaluate(() => window.__change));
      }
      if (tool === 'classlab') {
        // Back to the first slide (not measured), then the same moves by command.
        for (let c = 0; c < changes; c++) {
          await page.evaluate(async () => {
            await window.jupyterapp.commands.execute(
              'classlab-slides:previous'
            );
            await window.__frames();
          });
        }
        for (let c = 0; c < changes; c++) {
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
      }
      // Leave, then close the notebook without saving, so the next round opens it afresh.
      await page.evaluate(async tool => {
        const app = window.jupyterapp;
        if (tool === 'rise') {
          for (const widget of [...app.shell.widgets('main')]) {
            if (widget.node.querySelector('.jp-IFrame iframe')) {
              widget.dispose();
            }
          }
        } else {
          await app.commands.execute('classlab-slides:exit');
        }
        const panel = app.shell.currentWidget;
        panel.context.model.dirty = false;
        panel.dispose();
      }, tool);
    }
    results.push(row);
  }
  await context.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ browser: browser.version(), results }));
