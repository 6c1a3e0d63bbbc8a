/**
 * The video player on a real JupyterLab: notebook outputs of `classlab_bridge.Video`
 * (`application/vnd.classlab.video+json`) play an mp4 and an HLS VOD through the bridge's `classlab/media/`
 * endpoint (hls.js loaded lazily, transmuxing in its worker), captions load, a `javascript:` source is refused
 * with a visible message, the position is restored after a reload, a `.m3u8` opens from the file browser, and a
 * live stream plays, survives a 5 s outage and says when it ends. Media are real, made by ffmpeg (ui-tests/media.ts).
 */
import { expect, test } from '../fixtures';
import { ensureTestMedia, ILiveServer, startLiveServer } from '../media';

type Page = import('@jupyterlab/galata').IJupyterLabPageFixture;
type Locator = import('@playwright/test').Locator;

const MIME = 'application/vnd.classlab.video+json';

/** A notebook with one code cell; with `spec`, the cell already holds the Video output (as a saved notebook). */
function notebook(source: string, spec?: unknown): string {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        id: 'video',
        metadata: {},
        execution_count: spec ? 1 : null,
        outputs: spec
          ? [
              {
                output_type: 'display_data',
                metadata: {},
                data: { [MIME]: spec, 'text/plain': ['<Video>'] }
              }
            ]
          : [],
        source
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

async function openNotebook(
  page: Page,
  path: string,
  content: string
): Promise<void> {
  await page.contents.uploadContent(content, 'text', path);
  await page.notebook.openByPath(path);
  await page.notebook.activate(path.split('/').pop()!);
}

const player = (page: Page) => page.locator('.jp-ClassLabVideo').first();
const video = (page: Page) => player(page).locator('video');

async function state(element: Locator) {
  return element.evaluate((v: HTMLVideoElement) => ({
    time: v.currentTime,
    paused: v.paused,
    duration: v.duration,
    src: v.currentSrc
  }));
}

/** Press a player key with the player focused (a user gesture, so Chromium lets it play with sound). */
async function press(page: Page, key: string): Promise<void> {
  await player(page).focus();
  await page.keyboard.press(key);
}

/** Wait until the video has played past `seconds`. */
async function playsPast(element: Locator, seconds: number): Promise<void> {
  await expect
    .poll(async () => (await state(element)).time, { timeout: 20_000 })
    .toBeGreaterThan(seconds);
}

test('an mp4 from classlab_bridge.Video plays, through classlab/media, without loading hls.js', async ({
  page,
  tmpPath,
  consoleErrors
}) => {
  test.setTimeout(120_000);
  const media = ensureTestMedia(tmpPath);
  const requests: string[] = [];
  page.on('request', request => requests.push(request.url()));

  await openNotebook(
    page,
    `${tmpPath}/mp4.ipynb`,
    notebook(
      `from classlab_bridge import Video\nVideo(${JSON.stringify(media.mp4)}, title="Test clip")`
    )
  );
  await page.notebook.runCell(0);
  await expect(video(page)).toBeVisible({ timeout: 60_000 });
  await expect(player(page).locator('.jp-ClassLabVideo-title')).toHaveText(
    'Test clip'
  );
  // Relative to the notebook, served by the bridge's authenticated media endpoint.
  expect(await video(page).getAttribute('src')).toMatch(
    new RegExp(
      `^http://127\\.0\\.0\\.1:\\d+/classlab/media/${tmpPath}/clip\\.mp4$`
    )
  );
  await expect
    .poll(async () => (await state(video(page))).duration)
    .toBeCloseTo(media.seconds.mp4, 0);
  expect((await state(video(page))).paused).toBe(true);

  await press(page, 'k');
  await playsPast(video(page), 1);
  // The speed buttons change the rate.
  await player(page).getByRole('button', { name: '2×', exact: true }).click();
  expect(
    await video(page).evaluate((v: HTMLVideoElement) => v.playbackRate)
  ).toBe(2);

  expect(requests.filter(url => /\/hls\.[0-9a-f]+\.js/.test(url))).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

test('an HLS VOD plays with hls.js in its worker, and its captions load', async ({
  page,
  tmpPath,
  consoleErrors
}) => {
  test.setTimeout(120_000);
  const media = ensureTestMedia(tmpPath);
  const requests: string[] = [];
  page.on('request', request => requests.push(request.url()));
  const workers: string[] = [];
  page.on('worker', worker => workers.push(worker.url()));

  await openNotebook(
    page,
    `${tmpPath}/hls.ipynb`,
    notebook('# Video(...)', {
      src: media.hls,
      title: 'HLS clip',
      captions: [
        { src: media.captions.en, lang: 'en', label: 'English' },
        { src: media.captions.zh, lang: 'zh-CN', label: '中文', default: true }
      ]
    })
  );
  await expect(video(page)).toBeVisible();
  // hls.js plays through Media Source Extensions: a blob: source.
  await expect
    .poll(async () => (await state(video(page))).src)
    .toMatch(/^blob:/);
  await press(page, 'k');
  await playsPast(video(page), 1.5);

  // Its chunk was loaded lazily, and the transmuxer runs in the worker hls.js starts from a Blob.
  expect(requests.some(url => /\/hls\.[0-9a-f]+\.js/.test(url))).toBe(true);
  expect(workers.some(url => url.startsWith('blob:'))).toBe(true);
  expect(
    requests.some(url =>
      url.includes(`/classlab/media/${tmpPath}/hls/seg000.m4s`)
    )
  ).toBe(true);

  // The default (Chinese) captions show, with their cues; choosing English loads those.
  const captions = player(page).locator('.jp-ClassLabVideo-captionsSelect');
  await expect(captions).toHaveValue('1');
  const cues = (label: string) =>
    video(page).evaluate((v: HTMLVideoElement, l: string) => {
      const track = [...v.textTracks].find(t => t.label === l);
      return {
        mode: track?.mode,
        cues: track?.cues?.length ?? 0,
        first: (track?.cues?.[0] as VTTCue | undefined)?.text
      };
    }, label);
  await expect.poll(() => cues('中文')).toMatchObject({ mode: 'showing' });
  await expect.poll(async () => (await cues('中文')).cues).toBe(4);
  await captions.selectOption({ label: 'English' });
  await expect
    .poll(() => cues('English'))
    .toEqual({
      mode: 'showing',
      cues: 4,
      first: 'A colour test pattern appears; a 440 Hz tone plays.'
    });
  expect((await cues('中文')).mode).toBe('disabled');
  // C turns captions off and on again.
  await press(page, 'c');
  expect((await cues('English')).mode).toBe('disabled');
  await press(page, 'c');
  expect((await cues('English')).mode).toBe('showing');
  expect(consoleErrors).toEqual([]);
});

test('a javascript: source is refused with a visible message, and nothing plays', async ({
  page,
  tmpPath
}) => {
  await openNotebook(
    page,
    `${tmpPath}/evil.ipynb`,
    notebook('# refused', { src: 'javascript:alert(document.cookie)' })
  );
  const refusal = page.locator('.jp-OutputArea .jp-ClassLabVideo-error');
  await expect(refusal).toBeVisible();
  await expect(refusal).toHaveText(
    'This video cannot be shown: "javascript:" URLs are not allowed for media; use an http:, https: or relative URL.'
  );
  await expect(page.locator('.jp-OutputArea video')).toHaveCount(0);
  await expect(page.locator('.jp-OutputArea iframe')).toHaveCount(0);
});

test('the position is restored after a reload', async ({ page, tmpPath }) => {
  test.setTimeout(120_000);
  const media = ensureTestMedia(tmpPath);
  await openNotebook(
    page,
    `${tmpPath}/resume.ipynb`,
    notebook('# resume', { src: media.hls, title: 'Resume me' })
  );
  await expect(video(page)).toBeVisible();
  await press(page, 'k');
  await playsPast(video(page), 0.5);
  // Pause at about 4 s: the position is saved on pause. (The clip is 8 s long, and a position in its last 3 s
  // is saved as 0, "watched": 5 s plus the moment before the pause would cross that line.)
  await video(page).evaluate((v: HTMLVideoElement) => {
    v.currentTime = 4;
  });
  await press(page, 'k');
  await expect.poll(async () => (await state(video(page))).paused).toBe(true);
  const saved = (await state(video(page))).time;
  expect(saved).toBeGreaterThan(3.5);
  expect(saved).toBeLessThan(5);
  // Let the workspace save (JupyterLab debounces it); save the notebook so the reload asks nothing.
  await page.notebook.save();
  await page.waitForTimeout(2000);

  // The workspace reopens the notebook (there is no Launcher to wait for).
  // (Galata's reload takes waitForIsReady; its type declares only Playwright's options.)
  await (
    page as unknown as {
      reload(options: { waitForIsReady: boolean }): Promise<unknown>;
    }
  ).reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await expect(page.locator('.jp-NotebookPanel')).toHaveCount(1);
  await expect(video(page)).toBeVisible();
  await expect
    .poll(async () => (await state(video(page))).time, { timeout: 20_000 })
    .toBeCloseTo(saved, 0);
  expect((await state(video(page))).paused).toBe(true);
});

test('a .m3u8 opened from the file browser plays, without loading the playlist as a document', async ({
  page,
  tmpPath
}) => {
  test.setTimeout(120_000);
  ensureTestMedia(tmpPath);
  const contents: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (
      url.pathname.startsWith('/api/contents/') &&
      url.pathname.endsWith('/index.m3u8')
    ) {
      contents.push(request.url());
    }
  });
  await page.filebrowser.openDirectory(`${tmpPath}/hls`);
  await page.filebrowser.open('index.m3u8');
  const doc = page.locator('.jp-ClassLabVideo-documentWidget');
  await expect(doc).toBeVisible();
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current')
  ).toContainText('index.m3u8');
  await expect(video(page)).toBeVisible();
  await press(page, 'k');
  await playsPast(video(page), 1);
  expect(contents.length).toBeGreaterThan(0);
  for (const url of contents) {
    expect(new URL(url).searchParams.get('content')).toBe('0');
  }
});

test.describe('live stream', () => {
  let live: ILiveServer | undefined;
  test.afterEach(async () => {
    await live?.stop();
    live = undefined;
  });

  test('plays live, survives a 5 s outage, and says when it ends', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    live = await startLiveServer();
    await openNotebook(
      page,
      `${tmpPath}/live.ipynb`,
      notebook('# live', { src: live.url, title: 'Live lesson' })
    );
    await expect(video(page)).toBeVisible();
    await press(page, 'k');
    const badge = player(page).locator('.jp-ClassLabVideo-liveBadge');
    await expect(badge).toBeVisible({ timeout: 20_000 });
    await expect(badge).toHaveText('LIVE');
    await expect(player(page).locator('.jp-ClassLabVideo-latency')).toHaveText(
      /^\d+\.\d s behind live$/
    );
    const start = (await state(video(page))).time;
    await playsPast(video(page), start + 2);

    // Every request fails for 5 s; the stream must come back by itself.
    await live.outage(5);
    await page.waitForTimeout(5500);
    const after = (await state(video(page))).time;
    await expect
      .poll(async () => (await state(video(page))).time, { timeout: 45_000 })
      .toBeGreaterThan(after + 3);
    await expect(player(page).locator('.jp-ClassLabVideo-message')).toBeHidden({
      timeout: 30_000
    });

    // Jump to live goes near the edge.
    await player(page).getByRole('button', { name: 'Jump to live' }).click();
    await expect
      .poll(() =>
        player(page)
          .locator('.jp-ClassLabVideo-latency')
          .textContent()
          .then(text => parseFloat(text ?? 'NaN'))
      )
      .toBeLessThan(10);

    // The teacher stops the broadcast.
    await live.end();
    await expect(player(page).locator('.jp-ClassLabVideo-message')).toHaveText(
      'The live stream has ended.',
      { timeout: 45_000 }
    );
    await expect(badge).toBeHidden();
  });
});
