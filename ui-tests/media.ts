/**
 * Real media for the video browser tests, made with Debian's ffmpeg by `scripts/make_media.py`, and a live HLS
 * stream served by `scripts/live_hls_server.py`.
 *
 * Files for the JupyterLab under test (its root dir is `ui-tests/.jupyter-test-$CLASSLAB_UI_PORT/root`, made
 * fresh by `scripts/start-lab.sh` for each run):
 *
 * ```ts
 * import { ensureTestMedia, mediaUrl } from '../media';
 *
 * test('plays', async ({ page, tmpPath }) => {
 *   const media = ensureTestMedia(tmpPath); // copies clip.mp4 and hls/ into the test's folder
 *   // In a notebook saved in tmpPath, the sources are relative: media.mp4 ('clip.mp4'), media.hls
 *   // ('hls/index.m3u8'), media.captions.en ('hls/captions.en.vtt'), media.captions.zh ('hls/captions.zh-CN.vtt').
 *   // The bridge serves them at mediaUrl(`${tmpPath}/${media.hls}`) = '/classlab/media/<tmpPath>/hls/index.m3u8'.
 * });
 * ```
 *
 * The media are generated once per run (a few seconds of test pattern, a 440 Hz tone; mp4 4 s, HLS 8 s in four
 * 2 s fMP4 segments; captions describe what happens, in English and Chinese) and copied from there.
 *
 * A live stream (1 s segments, 6 in a sliding playlist, CORS open, served from another port than JupyterLab):
 *
 * ```ts
 * let live: ILiveServer;
 * test.beforeAll(async () => (live = await startLiveServer()));
 * test.afterAll(async () => live?.stop());
 * // live.url: 'http://127.0.0.1:<port>/index.m3u8'
 * // await live.outage(5): every request gets 503 for 5 s (the encoder goes on), then the stream is back
 * // await live.end(): the broadcast ends (#EXT-X-ENDLIST), as when a teacher stops streaming
 * ```
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { REPO } from './harness';

const PYTHON = process.env.CLASSLAB_PYTHON ?? 'python3';
const MAKE_MEDIA = path.join(REPO, 'scripts', 'make_media.py');
const LIVE_SERVER = path.join(REPO, 'scripts', 'live_hls_server.py');

/** Where the generated media are kept for the run, relative to the lab's root dir. */
export const MEDIA_CACHE = 'classlab-test-media';

/** The generated media: paths relative to `dir` (itself relative to the lab's root dir). */
export interface ITestMedia {
  /** The folder holding them, relative to the root dir (`MEDIA_CACHE`, or the folder given to ensureTestMedia). */
  dir: string;
  /** H.264/AAC mp4, 4 s, moov first. */
  mp4: string;
  /** HLS VOD playlist, 8 s in four 2 s fMP4 segments (`init.mp4`, `seg000.m4s`…). */
  hls: string;
  /** WebVTT side-car captions of the HLS video (cues at 0, 2, 4, 6 s saying what happens). */
  captions: { en: string; zh: string };
  /** Durations in seconds. */
  seconds: { mp4: number; hls: number };
}

/** The root dir of the JupyterLab under test, on disk (what JUPYTERLAB_GALATA_ROOT_DIR says in its process). */
export function labRootDir(): string {
  const port = process.env.CLASSLAB_UI_PORT;
  if (!port) {
    throw new Error(
      'CLASSLAB_UI_PORT is not set: run the tests with -c playwright.config.ts'
    );
  }
  return path.join(__dirname, `.jupyter-test-${port}`, 'root');
}

/**
 * Make the test media once per run (cached in the root dir's `classlab-test-media/`), and copy them into `into`
 * (a folder relative to the root dir, e.g. Galata's `tmpPath`) when given. Synchronous; about 2 s the first time.
 */
export function ensureTestMedia(into?: string): ITestMedia {
  const root = labRootDir();
  const cache = path.join(root, MEDIA_CACHE);
  if (!fs.existsSync(cache)) {
    // Made aside and renamed into place, so a half-made folder is never taken for a finished one.
    const work = fs.mkdtempSync(path.join(root, `.${MEDIA_CACHE}-`));
    try {
      run(PYTHON, [MAKE_MEDIA, 'mp4', path.join(work, 'clip.mp4')]);
      run(PYTHON, [MAKE_MEDIA, 'hls', path.join(work, 'hls')]);
      fs.renameSync(work, cache);
    } catch (error) {
      fs.rmSync(work, { recursive: true, force: true });
      if (!fs.existsSync(cache)) {
        throw error;
      }
    }
  }
  let dir = MEDIA_CACHE;
  if (into !== undefined && into !== MEDIA_CACHE) {
    dir = into.replace(/^\/+|\/+$/g, '');
    fs.cpSync(cache, path.join(root, dir), { recursive: true });
  }
  return {
    dir,
    mp4: 'clip.mp4',
    hls: 'hls/index.m3u8',
    captions: { en: 'hls/captions.en.vtt', zh: 'hls/captions.zh-CN.vtt' },
    seconds: { mp4: 4, hls: 8 }
  };
}

/** Absolute path on disk of a file of `media` (e.g. to compare bytes). */
export function mediaFile(media: ITestMedia, file: string): string {
  return path.join(labRootDir(), media.dir, file);
}

/**
 * The URL the bridge serves a file under the root dir at: `{baseUrl}classlab/media/<path>`, each segment
 * URL-encoded, as the video front end builds it.
 */
export function mediaUrl(pathInRoot: string, baseUrl = '/'): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const segments = pathInRoot.split('/').filter(part => part !== '');
  return `${base}classlab/media/${segments.map(encodeURIComponent).join('/')}`;
}

/** A running live HLS stream (scripts/live_hls_server.py). */
export interface ILiveServer {
  /** The live playlist, `http://127.0.0.1:<port>/index.m3u8`. */
  url: string;
  /** Answer 503 to every request for `seconds` (the encoder keeps going, so the stream moves on meanwhile). */
  outage(seconds: number): Promise<void>;
  /** End the broadcast: the encoder stops and the playlist gets `#EXT-X-ENDLIST`. */
  end(): Promise<void>;
  /** Stop the server and its encoder. */
  stop(): Promise<void>;
}

/** Start a live stream on a free port; resolves once its playlist lists two segments (about 2–3 s). */
export async function startLiveServer(): Promise<ILiveServer> {
  const child = spawn(PYTHON, [LIVE_SERVER, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`live_hls_server.py did not start: ${output}`)),
      30_000
    );
    child.stdout!.on('data', chunk => {
      output += String(chunk);
      const line = /^LIVE (\S+)$/m.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.stderr!.on('data', chunk => (output += String(chunk)));
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`live_hls_server.py exited (${code}): ${output}`));
    });
  });
  const control = async (what: string) => {
    const response = await fetch(new URL(`/control/${what}`, url), {
      method: 'POST'
    });
    if (!response.ok) {
      throw new Error(
        `live server ${what}: HTTP ${response.status} ${await response.text()}`
      );
    }
  };
  return {
    url,
    outage: seconds => control(`outage?seconds=${seconds}`),
    end: () => control('end'),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopProcess(child);
    }
  };
}

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
  } catch (error: any) {
    throw new Error(
      `${command} ${args.join(' ')} failed: ${error.stderr ?? error.message}`
    );
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve())
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
