// @classlab/video in headless Debian Chromium, driven by bench_video.py: time to first frame, JS heap with many video
// cells, live latency. Each part runs on its own and reports {error} instead of failing the others.
//
// stdin: {"chromium", "args", "base", "token", "timeout_ms",
//         "ttff": {"hls", "mp4", "anchor_url", "rounds"} | null,
//         "heap": {"video", "plain", "rounds"} | null,
//         "live": {"notebook", "seconds", "samples"} | null}
// stdout: {"browser", "ttff": {...} | {"error"}, "heap": {...} | {"error"}, "live": {...} | {"error"}}
//
// Timings are taken inside the page with performance.now():
// - ttff: from calling play() — the player's own `play()` (what its play button and Space key call) for a video
//   cell, `video.play()` for the anchor — to the first `requestVideoFrameCallback` of its <video> (a frame handed to
//   the compositor). A video cell's play() is called as soon as its player widget exists (the notebook was just
//   opened), so the media pipeline (and, the first time in the page, the hls.js chunk) loads inside the interval.
//   The anchor is a plain `<video controls preload=metadata>` made in the same page with the same mp4 as `src`.
//   The browser cache is off (CDP Network.setCacheDisabled) so every round fetches the media from the server.
// - heap: a fresh page per round; open the notebook, scroll its cells top to bottom and back by half a viewport
//   (two animation frames and 150 ms per step), then two CDP HeapProfiler.collectGarbage and Runtime.getHeapUsage.
// - live: play the live stream's video cell, then after `seconds` of playback read the latency `samples` times,
//   one second apart.
import { chromium } from 'playwright-core';

const request = JSON.parse(
  await new Promise(resolve => {
    let data = '';
    process.stdin.on('data', chunk => (data += chunk));
    process.stdin.on('end', () => resolve(data));
  })
);
const TIMEOUT = request.timeout_ms;

const browser = await chromium.launch({
  executablePath: request.chromium,
  // A real click on the play button is a user gesture; play() from the benchmark is not, so allow it.
  args: [...request.args, '--autoplay-policy=no-user-gesture-required'],
  headless: true
});

let pages = 0;

/** A page with JupyterLab started and the benchmark's helpers installed; `cdp` is its CDP session. */
async function labPage() {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // A new, empty workspace per page: nothing an earlier page opened is restored into this one.
  await page.goto(
    `${request.base}/lab/workspaces/bench-video-${++pages}?reset&token=${request.token}`
  );
  await page.waitForFunction(() =>
    window.jupyterapp?.commands.hasCommand('docmanager:open')
  );
  await page.evaluate(() => window.jupyterapp.started);
  await page.evaluate(() => window.jupyterapp.restored);
  await page.evaluate(timeout => {
    const frames = () =>
      new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const sleep = ms => new Promise(r => setTimeout(r, ms));
    // The video cell views of a notebook panel: the Lumino widgets @classlab/video puts into each video cell's
    // layout (they have `player` and `refresh`).
    const views = panel =>
      panel.content.widgets.flatMap(cell =>
        [...(cell.layout?.widgets ?? [])].filter(
          w => 'player' in w && typeof w.refresh === 'function'
        )
      );
    const players = panel =>
      views(panel)
        .map(view => view.player)
        .filter(Boolean);
    async function open(path) {
      const panel = await window.jupyterapp.commands.execute(
        'docmanager:open',
        { path, factory: 'Notebook' }
      );
      await panel.context.ready;
      await panel.revealed;
      return panel;
    }
    function close(panel) {
      panel.context.model.dirty = false;
      panel.dispose();
    }
    /** Resolves with performance.now() at the first frame `video` presents; rejects after the timeout. */
    function firstFrame(video) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no frame ${timeout} ms after play (readyState ${video.readyState}, ` +
                  `networkState ${video.networkState}, error ${video.error?.code ?? 'none'})`
              )
            ),
          timeout
        );
        video.requestVideoFrameCallback((now, meta) => {
          clearTimeout(timer);
          resolve({ t: performance.now(), mediaTime: meta.mediaTime });
        });
      });
    }
    async function until(what, test) {
      const t0 = performance.now();
      let value;
      while (!(value = test())) {
        if (performance.now() - t0 > timeout) {
          throw new Error(`${what}: not after ${timeout} ms`);
        }
        await sleep(5);
      }
      return value;
    }
    /** What holds media right now: <video> elements, players, hls.js instances, MSE-attached videos. */
    function counts(panel) {
      const videos = [...document.querySelectorAll('video')];
      const list = players(panel);
      return {
        videos: videos.length,
        mse_videos: videos.filter(v =>
          (v.currentSrc || v.src).startsWith('blob:')
        ).length,
        players: list.length,
        // The player keeps its hls.js instance in a private field; read here only to count live instances.
        hls: list.filter(p => p._hls).length
      };
    }
    window.__bench = {
      frames,
      sleep,
      views,
      players,
      open,
      close,
      firstFrame,
      until,
      counts
    };
  }, TIMEOUT);
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

/**
 * One ttff round of a notebook's first video cell: play() the moment its player widget enters the DOM (a
 * MutationObserver callback, a microtask after the video cell attaches it; the player's own IntersectionObserver,
 * which would start the pipeline too, only fires at the next rendering step), to the first frame.
 */
async function playerRound(page, path) {
  return page.evaluate(
    async ({ path, timeout }) => {
      const b = window.__bench;
      const app = window.jupyterapp;
      const tOpen = performance.now();
      let observer;
      const started = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no player in ${path} after ${timeout} ms`));
        }, timeout);
        observer = new MutationObserver(() => {
          for (const widget of app.shell.widgets('main')) {
            if (widget.context?.path !== path || !widget.content?.widgets) {
              continue;
            }
            const player = b.players(widget).find(p => p.node.isConnected);
            if (player) {
              observer.disconnect();
              clearTimeout(timer);
              const before = player.isMediaCreated;
              const t0 = performance.now();
              const played = player.play();
              const video = player.videoElement;
              resolve({
                panel: widget,
                player,
                before,
                t0,
                played,
                first: video
                  ? b.firstFrame(video)
                  : Promise.reject(new Error('no <video> after play()'))
              });
              return;
            }
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
      const panel = await b.open(path);
      const run = await started;
      const first = await run.first;
      await run.played;
      const player = run.player;
      const result = {
        ms: first.t - run.t0,
        open_to_play_ms: run.t0 - tOpen,
        media_time: first.mediaTime,
        hls: !!player._hls,
        media_created_before_play: run.before
      };
      // Back to 0 before closing, so the next round's player does not resume where this one stopped.
      player.pause();
      player.seek(0);
      await b.sleep(50);
      b.close(panel);
      await b.frames();
      return result;
    },
    { path, timeout: TIMEOUT }
  );
}

/** One anchor round: a plain <video> in the same page, play() to the first frame. */
async function anchorRound(page, url) {
  return page.evaluate(async url => {
    const b = window.__bench;
    const video = document.createElement('video');
    video.controls = true;
    video.playsInline = true;
    video.preload = 'metadata';
    Object.assign(video.style, {
      position: 'fixed',
      left: '0',
      top: '0',
      width: '320px',
      height: '180px',
      zIndex: '10000'
    });
    document.body.appendChild(video);
    const t0 = performance.now();
    video.src = url;
    const played = video.play();
    const first = await b.firstFrame(video);
    await played;
    video.pause();
    video.removeAttribute('src');
    video.load();
    video.remove();
    await b.frames();
    return { ms: first.t - t0, media_time: first.mediaTime };
  }, url);
}

async function measureTtff(spec) {
  const { context, page, cdp } = await labPage();
  try {
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const anchorUrl = `${request.base}${spec.anchor_url}`;
    const out = { hls: [], mp4: [], anchor: [] };
    // The first HLS player of the page, before anything else played: it also loads the hls.js chunk.
    out.hls_cold = await playerRound(page, spec.hls);
    for (let round = 0; round < spec.rounds; round++) {
      // Interleaved, order rotated each round.
      const order = ['anchor', 'mp4', 'hls'];
      for (let k = 0; k < round % order.length; k++) {
        order.push(order.shift());
      }
      for (const kind of order) {
        out[kind].push(
          kind === 'anchor'
            ? await anchorRound(page, anchorUrl)
            : await playerRound(page, spec[kind])
        );
      }
    }
    return out;
  } finally {
    await context.close();
  }
}

/** One heap round in a fresh page: open, scroll down and back, GC, heap usage. */
async function heapRound(path) {
  const { context, page, cdp } = await labPage();
  try {
    await page.evaluate(async path => {
      window.__panel = await window.__bench.open(path);
      await window.__bench.sleep(1000);
    }, path);
    const scroll = await page.evaluate(async () => {
      const b = window.__bench;
      const panel = window.__panel;
      const scroller =
        panel.content.node.querySelector('.jp-WindowedPanel-outer') ??
        panel.content.node;
      const max = { videos: 0, mse_videos: 0, players: 0, hls: 0 };
      const steps = [];
      const step = Math.max(100, Math.floor(scroller.clientHeight / 2));
      const at = async top => {
        scroller.scrollTop = top;
        await b.frames();
        await b.sleep(150);
        const now = b.counts(panel);
        for (const key of Object.keys(max)) {
          max[key] = Math.max(max[key], now[key]);
        }
        steps.push({ top: scroller.scrollTop, ...now });
      };
      for (
        let top = 0;
        top < scroller.scrollHeight - scroller.clientHeight + step;
        top += step
      ) {
        await at(top);
        if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight)
          break;
      }
      for (let top = scroller.scrollTop - step; top > -step; top -= step) {
        await at(Math.max(0, top));
      }
      await b.sleep(1000);
      return {
        max,
        final: b.counts(panel),
        steps: steps.length,
        scroll_height: scroller.scrollHeight,
        viewport_height: scroller.clientHeight,
        cells: panel.content.widgets.length,
        video_cells: b.views(panel).length
      };
    });
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = await cdp.send('Runtime.getHeapUsage');
    const memory = await page.evaluate(
      () => performance.memory?.usedJSHeapSize ?? null
    );
    return {
      ...scroll,
      heap_used: usage.usedSize,
      heap_total: usage.totalSize,
      backing_storage: usage.backingStorageSize ?? null,
      performance_memory: memory,
      workers: page.workers().length
    };
  } finally {
    await context.close();
  }
}

async function measureHeap(spec) {
  const out = { video: [], plain: [] };
  for (let round = 0; round < spec.rounds; round++) {
    // Anchor and video alternate, the anchor first in even rounds.
    const order = round % 2 ? ['video', 'plain'] : ['plain', 'video'];
    for (const kind of order) {
      out[kind].push(await heapRound(spec[kind]));
    }
  }
  return out;
}

async function measureLive(spec) {
  const { context, page } = await labPage();
  try {
    return await page.evaluate(async spec => {
      const b = window.__bench;
      const panel = await b.open(spec.notebook);
      const player = await b.until('live player', () => b.players(panel)[0]);
      const t0 = performance.now();
      const played = player.play();
      const first = await b.firstFrame(player.videoElement);
      await played;
      const firstFrameMs = first.t - t0;
      await b.sleep(spec.seconds * 1000);
      const samples = [];
      for (let i = 0; i < spec.samples; i++) {
        const video = player.videoElement;
        const hls = player._hls;
        const playing = hls?.playingDate ?? null;
        const seekable = video.seekable.length
          ? video.seekable.end(video.seekable.length - 1)
          : null;
        const details = hls?.levels?.[hls.currentLevel]?.details ?? null;
        samples.push({
          wall_minus_pdt_s: playing
            ? (Date.now() - playing.getTime()) / 1000
            : null,
          player_latency_s: Number.isFinite(player.latency)
            ? player.latency
            : null,
          shown:
            document.querySelector('.jp-ClassLabVideo-latency')?.textContent ??
            null,
          seekable_end_minus_current_s:
            seekable === null ? null : seekable - video.currentTime,
          target_duration_s: details?.targetduration ?? null,
          target_latency_s: hls?.targetLatency ?? null,
          live: player.isLive,
          paused: video.paused,
          current_time: video.currentTime
        });
        await b.sleep(1000);
      }
      const state = player.state;
      player.pause();
      b.close(panel);
      return { first_frame_ms: firstFrameMs, samples, state };
    }, spec);
  } finally {
    await context.close();
  }
}

async function part(spec, measure) {
  if (!spec) {
    return null;
  }
  try {
    return await measure(spec);
  } catch (err) {
    return { error: String(err?.message ?? err).split('\n')[0] };
  }
}

let output;
try {
  output = {
    browser: browser.version(),
    ttff: await part(request.ttff, measureTtff),
    heap: await part(request.heap, measureHeap),
    live: await part(request.live, measureLive)
  };
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(output));
