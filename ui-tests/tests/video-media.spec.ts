/**
 * The media the video tests use, as the page sees them: the bridge's authenticated `classlab/media/` endpoint
 * (cookie login, MIME types, Range), Chromium decoding the generated H.264/AAC, and the live HLS test server.
 */
import * as fs from 'fs';

import { expect, test } from '../fixtures';
import {
  ensureTestMedia,
  ILiveServer,
  mediaFile,
  mediaUrl,
  startLiveServer
} from '../media';

/** The server's base URL, as the front end gets it. */
async function baseUrl(page: import('@playwright/test').Page): Promise<string> {
  return page.evaluate(
    () => (window as any).jupyterapp.serviceManager.serverSettings.baseUrl
  );
}

test('the bridge serves HLS playlists, segments and captions with their MIME types, and mp4 ranges', async ({
  page
}) => {
  const media = ensureTestMedia();
  const base = await baseUrl(page);
  const url = (file: string) => mediaUrl(`${media.dir}/${file}`, base);

  const replies = await page.evaluate(
    async urls => {
      const replies = [];
      for (const [name, url, range] of urls) {
        const response = await fetch(url, {
          headers: range ? { Range: range } : {}
        });
        const body = new Uint8Array(await response.arrayBuffer());
        replies.push({
          name,
          status: response.status,
          type: response.headers.get('Content-Type'),
          cache: response.headers.get('Cache-Control'),
          contentRange: response.headers.get('Content-Range'),
          text: name === 'playlist' ? new TextDecoder().decode(body) : '',
          bytes: Array.from(body.slice(0, 256))
        });
      }
      return replies;
    },
    [
      ['playlist', url(media.hls), ''],
      ['segment', url('hls/seg001.m4s'), ''],
      ['init', url('hls/init.mp4'), ''],
      ['captions', url(media.captions.zh), ''],
      ['range', url(media.mp4), 'bytes=100-355']
    ]
  );
  const reply = Object.fromEntries(replies.map(r => [r.name, r]));

  expect(reply.playlist.status).toBe(200);
  expect(reply.playlist.type).toBe('application/vnd.apple.mpegurl');
  expect(reply.playlist.cache).toBe('no-cache');
  expect(reply.playlist.text).toContain('#EXT-X-MAP:URI="init.mp4"');
  expect(reply.segment.status).toBe(200);
  expect(reply.segment.type).toBe('video/iso.segment');
  expect(reply.segment.cache).toMatch(/max-age=\d{5,}/);
  expect(reply.init.type).toBe('video/mp4');
  expect(reply.captions.type).toBe('text/vtt; charset=utf-8');

  const mp4 = fs.readFileSync(mediaFile(media, media.mp4));
  expect(reply.range.status).toBe(206);
  expect(reply.range.type).toBe('video/mp4');
  expect(reply.range.contentRange).toBe(`bytes 100-355/${mp4.length}`);
  expect(reply.range.bytes).toEqual(Array.from(mp4.subarray(100, 356)));

  // Without the login cookie: refused outright (no login page for a player to choke on).
  const anonymous = await page.evaluate(
    async url => (await fetch(url, { credentials: 'omit' })).status,
    url(media.hls)
  );
  expect(anonymous).toBe(403);
});

test('Chromium plays the generated mp4 from the bridge with the login cookie', async ({
  page,
  tmpPath
}) => {
  // Copied into the test's own folder, as a test with a notebook next to its video does.
  const media = ensureTestMedia(tmpPath);
  expect(media.dir).toBe(tmpPath);
  const src = mediaUrl(`${media.dir}/${media.mp4}`, await baseUrl(page));
  const played = await page.evaluate(async src => {
    const video = document.createElement('video');
    video.muted = true;
    video.src = src;
    document.body.appendChild(video);
    try {
      await video.play();
      await new Promise<void>((resolve, reject) => {
        video.addEventListener('error', () => reject(video.error?.message));
        const check = () =>
          video.currentTime > 0.5 ? resolve() : setTimeout(check, 50);
        check();
      });
      return {
        duration: video.duration,
        mse: MediaSource.isTypeSupported(
          'video/mp4; codecs="avc1.42C01E, mp4a.40.2"'
        )
      };
    } finally {
      video.remove();
    }
  }, src);
  expect(played.duration).toBeCloseTo(media.seconds.mp4, 0);
  expect(played.mse).toBe(true);
});

test.describe('live HLS test server', () => {
  let live: ILiveServer | undefined;
  test.beforeAll(async () => {
    live = await startLiveServer();
  });
  test.afterAll(async () => {
    await live?.stop();
  });

  test('its sliding playlist moves on, it answers across origins, and an outage ends', async ({
    page
  }) => {
    const fetchPlaylist = (url: string) =>
      page.evaluate(async url => {
        const response = await fetch(url, { cache: 'no-store' });
        return {
          status: response.status,
          type: response.headers.get('Content-Type'),
          text: await response.text()
        };
      }, url);
    // Segments are numbered in order: the last one listed names how far the stream got.
    const lastSegment = (text: string) =>
      Math.max(
        ...[...text.matchAll(/^seg(\d+)\.m4s$/gm)].map(m => Number(m[1]))
      );

    const first = await fetchPlaylist(live!.url);
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/vnd.apple.mpegurl');
    expect(first.text).not.toContain('#EXT-X-ENDLIST');
    await page.waitForTimeout(3000);
    const later = await fetchPlaylist(live!.url);
    expect(later.text).not.toEqual(first.text);
    expect(lastSegment(later.text)).toBeGreaterThanOrEqual(
      lastSegment(first.text) + 2
    );

    await live!.outage(2);
    expect((await fetchPlaylist(live!.url)).status).toBe(503);
    await expect
      .poll(async () => (await fetchPlaylist(live!.url)).status, {
        timeout: 5000
      })
      .toBe(200);
  });
});
