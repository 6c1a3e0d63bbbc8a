// JupyterLab time-to-ready in headless Debian Chromium, driven by bench_suite_cost.py.
//
// stdin: {"chromium", "args", "rounds", "warmup", "timeout_ms", "targets": [{"name", "url"}]}
// stdout: {"browser", "runs": [{"name", "round", "warmup", "ttr_ms", "requests", "classlab_requests",
//          "failed_requests", "failed", "classlab_paths", "page_errors"}]}
// Targets are visited in turn, round after round (interleaved; the order rotates each round), each run in a
// fresh browser context, so every page load is cold (own HTTP cache, cookies, storage) while the servers stay up.
import { chromium } from 'playwright-core';

const CLASSLAB_ASSETS = '/lab/extensions/@classlab/';

// Runs in the page before any of its scripts. performance.now() counts from the navigation start, so the value
// recorded when the launcher is visible and the app has started is the time-to-ready itself, free of polling lag
// on the Node side.
function readyProbe() {
  let started = false;
  let hooked = false;
  const visible = el => {
    const box = el.getBoundingClientRect();
    return (
      box.width > 0 &&
      box.height > 0 &&
      el.checkVisibility({ visibilityProperty: true })
    );
  };
  const check = () => {
    if (window.__ttrMs !== undefined) {
      return;
    }
    const app = window.jupyterapp;
    if (app && !hooked) {
      hooked = true;
      app.started.then(() => {
        started = true;
        check();
      });
    }
    const card = document.querySelector('.jp-LauncherCard');
    if (started && card && visible(card)) {
      window.__ttrMs = performance.now();
      clearInterval(timer);
    }
  };
  const timer = setInterval(check, 5);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function measure(browser, target, timeoutMs) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }
  });
  try {
    await context.addInitScript(readyProbe);
    const page = await context.newPage();
    const counts = {
      requests: 0,
      classlab_requests: 0,
      failed_requests: 0,
      page_errors: 0
    };
    const failed = new Set();
    const classlab = new Set();
    page.on('request', request => {
      counts.requests += 1;
      const path = new URL(request.url()).pathname;
      if (path.includes(CLASSLAB_ASSETS)) {
        counts.classlab_requests += 1;
        classlab.add(
          path.slice(path.indexOf(CLASSLAB_ASSETS) + CLASSLAB_ASSETS.length)
        );
      }
    });
    page.on('requestfailed', request => {
      counts.failed_requests += 1;
      failed.add(
        `${new URL(request.url()).pathname} (${request.failure()?.errorText})`
      );
    });
    page.on('pageerror', () => (counts.page_errors += 1));
    await page.goto(target.url, { waitUntil: 'commit', timeout: timeoutMs });
    await page.waitForFunction(() => window.__ttrMs !== undefined, null, {
      timeout: timeoutMs,
      polling: 100
    });
    const ttrMs = await page.evaluate(() => window.__ttrMs);
    return {
      ttr_ms: ttrMs,
      ...counts,
      failed: [...failed],
      classlab_paths: [...classlab].sort()
    };
  } finally {
    await context.close();
  }
}

const cfg = await readStdin();
const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: cfg.args,
  headless: true
});
try {
  const runs = [];
  for (let round = 0; round < cfg.warmup + cfg.rounds; round++) {
    // Rotate the order each round so no variant always runs right after the same other one.
    const order = cfg.targets.map(
      (_, i) => cfg.targets[(i + round) % cfg.targets.length]
    );
    for (const target of order) {
      const result = await measure(browser, target, cfg.timeout_ms);
      runs.push({
        name: target.name,
        round,
        warmup: round < cfg.warmup,
        ...result
      });
      process.stderr.write(
        `ttr ${target.name} round ${round}: ${result.ttr_ms.toFixed(0)} ms\n`
      );
    }
  }
  process.stdout.write(
    JSON.stringify({ browser: browser.version(), runs }) + '\n'
  );
} finally {
  await browser.close();
}
