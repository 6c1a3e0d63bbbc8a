import { StateDB } from '@jupyterlab/statedb';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { xhrSetup } from '../src/hls';
import { SPEEDS, STATE_KEYS, VideoPlayer } from '../src/player';
import { isError, parseVideoSpec } from '../src/spec';
import type { IVideoPlayer, IVideoSpec } from '../src/tokens';
import {
  fakeHlsClass,
  FakeHls,
  installMediaStubs,
  loadMetadata,
  media,
  playCalls,
  uninstallMediaStubs
} from './mediaStubs';

const trans = nullTranslator.load('classlab_video');
const location = { baseUrl: '/base/', notebookDir: 'lessons' };

function spec(raw: unknown): IVideoSpec {
  const parsed = parseVideoSpec(raw);
  if (isError(parsed)) {
    throw new Error(parsed.error);
  }
  return parsed.spec;
}

const players: VideoPlayer[] = [];
let loads = 0;

function makePlayer(
  raw: unknown,
  options: Partial<VideoPlayer.IOptions> = {},
  attach = true
): VideoPlayer {
  const player = new VideoPlayer({
    spec: spec(raw),
    location,
    trans,
    loadHls: async () => {
      loads++;
      return fakeHlsClass;
    },
    ...options
  });
  players.push(player);
  if (attach) {
    Widget.attach(player, document.body);
  }
  return player;
}

/** Let the player's async start (state reads, the hls.js import) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
  await new Promise(resolve => setTimeout(resolve, 0));
}

function video(player: VideoPlayer): HTMLVideoElement {
  const element = player.node.querySelector('video');
  if (!element) {
    throw new Error('no video element');
  }
  return element;
}

function key(
  player: VideoPlayer,
  keyName: string,
  init: KeyboardEventInit = {},
  target: Element = player.node
): KeyboardEvent {
  const event = new KeyboardEvent('keydown', {
    key: keyName,
    bubbles: true,
    cancelable: true,
    ...init
  });
  target.dispatchEvent(event);
  return event;
}

function message(player: VideoPlayer): string | null {
  const element = player.node.querySelector<HTMLElement>(
    '.jp-ClassLabVideo-message'
  );
  return element && !element.hidden ? element.textContent : null;
}

// JupyterLab's jest shim stubs IntersectionObserver with one that never reports; tests that need one install their own.
const shimmedObserver = (window as any).IntersectionObserver;
beforeAll(installMediaStubs);
afterAll(() => {
  uninstallMediaStubs();
  (window as any).IntersectionObserver = shimmedObserver;
});

beforeEach(() => {
  delete (window as any).IntersectionObserver;
  FakeHls.instances = [];
  FakeHls.supported = true;
  loads = 0;
  playCalls.length = 0;
});

afterEach(() => {
  for (const player of players.splice(0)) {
    player.dispose();
  }
  jest.useRealTimers();
  delete (window as any).IntersectionObserver;
});

describe('VideoPlayer: files', () => {
  it('builds a <video> with native controls and the resolved source', async () => {
    const player = makePlayer({
      src: 'week 1/lecture.mp4',
      title: '<b>Loops</b>',
      poster: 'poster.png'
    });
    await settle();
    const element = video(player);
    expect(element.controls).toBe(true);
    expect(element.hasAttribute('playsinline')).toBe(true);
    expect(element.getAttribute('preload')).toBe('metadata');
    expect(element.getAttribute('src')).toBe(
      '/base/classlab/media/lessons/week%201/lecture.mp4'
    );
    expect(element.getAttribute('poster')).toBe(
      '/base/classlab/media/lessons/poster.png'
    );
    expect(element.autoplay).toBe(false);
    // The title is text, not markup.
    const title = player.node.querySelector('.jp-ClassLabVideo-title')!;
    expect(title.textContent).toBe('<b>Loops</b>');
    expect(title.children).toHaveLength(0);
    expect(player.sourceUrl).toBe(
      '/base/classlab/media/lessons/week%201/lecture.mp4'
    );
    expect(player.node.tabIndex).toBe(0);
  });

  it('adds caption tracks programmatically, with resolved URLs, and a chooser with "Off"', async () => {
    const player = makePlayer({
      src: 'a.mp4',
      captions: [
        { src: 'en.vtt', lang: 'en', label: 'English' },
        {
          src: 'https://cdn.example/zh.vtt',
          lang: 'zh-CN',
          label: '中文',
          default: true
        }
      ]
    });
    await settle();
    const tracks = [...video(player).querySelectorAll('track')];
    expect(
      tracks.map(t => [t.kind, t.srclang, t.label, t.getAttribute('src')])
    ).toEqual([
      ['captions', 'en', 'English', '/base/classlab/media/lessons/en.vtt'],
      ['captions', 'zh-CN', '中文', 'https://cdn.example/zh.vtt']
    ]);
    const select = player.node.querySelector('select')!;
    expect([...select.options].map(o => o.textContent)).toEqual([
      'Off',
      'English',
      '中文'
    ]);
    // The default track shows.
    expect(select.value).toBe('1');
    expect(tracks.map(t => (t as any).track.mode)).toEqual([
      'disabled',
      'showing'
    ]);
    select.value = '0';
    select.dispatchEvent(new Event('change'));
    expect(player.captionsIndex).toBe(0);
    expect(tracks.map(t => (t as any).track.mode)).toEqual([
      'showing',
      'disabled'
    ]);
    select.value = '-1';
    select.dispatchEvent(new Event('change'));
    expect(tracks.map(t => (t as any).track.mode)).toEqual([
      'disabled',
      'disabled'
    ]);
  });

  it('has no captions chooser without captions', async () => {
    const player = makePlayer({ src: 'a.mp4' });
    expect(player.node.querySelector('select')).toBeNull();
  });

  it('emits state changes: loading, paused (metadata), playing, paused, ended', async () => {
    const player = makePlayer({ src: 'a.mp4' });
    const states: string[] = [];
    player.stateChanged.connect((_, s) => states.push(s.state));
    await settle();
    loadMetadata(video(player), 60);
    await player.play();
    player.pause();
    await player.play();
    media(video(player)).ended = true;
    video(player).dispatchEvent(new Event('ended'));
    expect(states).toEqual(['paused', 'playing', 'paused', 'playing', 'ended']);
    expect(player.node.classList.contains('jp-mod-playing')).toBe(false);
  });

  it('reports a media error as an error state with a readable message', async () => {
    const player = makePlayer({ src: 'missing.mp4' });
    const states: IVideoPlayer.IState[] = [];
    player.stateChanged.connect((_, s) => states.push(s));
    await settle();
    Object.defineProperty(video(player), 'error', {
      value: { code: 4 },
      configurable: true
    });
    video(player).dispatchEvent(new Event('error'));
    expect(states.pop()).toEqual({
      state: 'error',
      message: expect.stringMatching(/not found/)
    });
    expect(message(player)).toMatch(/not found/);
    expect(
      player.node
        .querySelector('.jp-ClassLabVideo-message')!
        .getAttribute('role')
    ).toBe('alert');
  });

  it('emits timeChanged about four times a second while playing and after seeks', async () => {
    const player = makePlayer({ src: 'a.mp4' });
    await settle();
    jest.useFakeTimers();
    const times: number[] = [];
    player.timeChanged.connect((_, t) => times.push(t));
    loadMetadata(video(player), 60);
    player.seek(12);
    expect(times).toEqual([12]);
    await player.play();
    jest.advanceTimersByTime(1000);
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times.length).toBeLessThanOrEqual(6);
    player.pause();
    const count = times.length;
    jest.advanceTimersByTime(1000);
    expect(times.length).toBe(count);
  });

  it('clamps seeks and remembers a seek asked before the media exists', async () => {
    const player = makePlayer({ src: 'a.mp4' }, {}, false);
    player.seek(30);
    expect(player.currentTime).toBe(30);
    Widget.attach(player, document.body);
    await settle();
    loadMetadata(video(player), 20);
    expect(video(player).currentTime).toBe(20);
    player.seek(-5);
    expect(player.currentTime).toBe(0);
    player.seek(NaN);
    expect(player.currentTime).toBe(0);
  });

  it('refuses a relative source that climbs above the server root, with no media', async () => {
    const player = makePlayer({ src: '../../x.mp4' });
    await settle();
    expect(player.node.querySelector('video')).toBeNull();
    expect(player.state.state).toBe('error');
    expect(message(player)).toMatch(
      /^This video cannot be shown: .*outside the folders/
    );
  });
});

describe('VideoPlayer: lifecycle', () => {
  it('creates the media pipeline only when it scrolls into view', async () => {
    const observed: Array<(entries: any[]) => void> = [];
    const disconnect = jest.fn();
    (window as any).IntersectionObserver = class {
      constructor(callback: (entries: any[]) => void) {
        observed.push(callback);
      }
      observe = jest.fn();
      disconnect = disconnect;
    };
    const player = makePlayer({ src: 'hls/index.m3u8' });
    await settle();
    expect(player.isMediaCreated).toBe(false);
    expect(player.node.querySelector('video')).toBeNull();
    expect(loads).toBe(0);
    observed[0]([{ isIntersecting: false }]);
    expect(player.isMediaCreated).toBe(false);
    observed[0]([{ isIntersecting: true }]);
    await settle();
    expect(player.isMediaCreated).toBe(true);
    expect(loads).toBe(1);
    expect(FakeHls.instances).toHaveLength(1);
    // It keeps watching: a paused player out of view for a while gives its media back.
    expect(disconnect).not.toHaveBeenCalled();
    jest.useFakeTimers();
    try {
      observed[0]([{ isIntersecting: false }]);
      jest.advanceTimersByTime(4000);
      expect(player.isMediaCreated).toBe(true);
      observed[0]([{ isIntersecting: true }]);
      jest.advanceTimersByTime(10000);
      expect(player.isMediaCreated).toBe(true);
      observed[0]([{ isIntersecting: false }]);
      jest.advanceTimersByTime(5000);
      expect(player.isMediaCreated).toBe(false);
      expect(player.node.querySelector('video')).toBeNull();
      expect(FakeHls.instances[0].destroyed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
    // Back in view: made again.
    observed[0]([{ isIntersecting: true }]);
    await settle();
    expect(player.isMediaCreated).toBe(true);
    player.dispose();
    expect(disconnect).toHaveBeenCalled();
  });

  it('loads hls.js only for HLS players', async () => {
    makePlayer({ src: 'a.mp4' });
    makePlayer({ youtube: 'dQw4w9WgXcQ' });
    await settle();
    expect(loads).toBe(0);
    makePlayer({ src: 'a.m3u8' });
    await settle();
    expect(loads).toBe(1);
  });

  it('destroys hls.js and releases the element on detach and on dispose', async () => {
    const player = makePlayer({ src: 'a.m3u8' });
    await settle();
    const first = FakeHls.instances[0];
    Widget.detach(player);
    expect(first.destroyed).toBe(true);
    expect(player.node.querySelector('video')).toBeNull();
    expect(player.isMediaCreated).toBe(false);
    Widget.attach(player, document.body);
    await settle();
    expect(FakeHls.instances).toHaveLength(2);
    player.dispose();
    expect(FakeHls.instances[1].destroyed).toBe(true);
    player.dispose();
    expect(FakeHls.instances[1].count('destroy')).toBe(1);
  });

  it('does not start an HLS player that was detached while hls.js loaded', async () => {
    const player = makePlayer({ src: 'a.m3u8' });
    Widget.detach(player);
    await settle();
    expect(FakeHls.instances).toHaveLength(0);
  });

  it('never autoplays untrusted content; autoplays trusted content that asks', async () => {
    makePlayer({ src: 'a.mp4', autoplay: true }, { trusted: false });
    await settle();
    expect(playCalls).toHaveLength(0);
    makePlayer({ src: 'a.mp4' }, { trusted: true });
    await settle();
    expect(playCalls).toHaveLength(0);
    makePlayer({ src: 'b.mp4', autoplay: true }, { trusted: true });
    await settle();
    expect(playCalls).toHaveLength(1);
  });
});

describe('VideoPlayer: HLS', () => {
  it('loads the source into hls.js with the worker and XSRF set-up', async () => {
    const player = makePlayer({ src: 'hls/index.m3u8' });
    await settle();
    const hls = FakeHls.instances[0];
    expect(hls.config.enableWorker).toBe(true);
    expect(hls.config.xhrSetup).toBe(xhrSetup);
    expect(hls.config.startPosition).toBeUndefined();
    expect(hls.calls).toEqual([
      ['loadSource', '/base/classlab/media/lessons/hls/index.m3u8'],
      ['attachMedia']
    ]);
    expect(hls.media).toBe(video(player));
    expect(video(player).hasAttribute('src')).toBe(false);
  });

  it('falls back to native HLS only when hls.js is unsupported and the browser says it can', async () => {
    FakeHls.supported = false;
    const stubbed = jest
      .spyOn(window.HTMLMediaElement.prototype, 'canPlayType')
      .mockReturnValue('maybe');
    const native = makePlayer({ src: 'a.m3u8' });
    await settle();
    expect(FakeHls.instances).toHaveLength(0);
    expect(video(native).getAttribute('src')).toBe(
      '/base/classlab/media/lessons/a.m3u8'
    );
    stubbed.mockReturnValue('');
    const none = makePlayer({ src: 'b.m3u8' });
    await settle();
    expect(none.state).toEqual({
      state: 'error',
      message: 'This browser cannot play HLS streams.'
    });
    stubbed.mockRestore();
  });

  it('shows LIVE, the latency and "Jump to live" for a live stream, and says when it ends', async () => {
    const player = makePlayer({ src: 'live/index.m3u8' });
    await settle();
    const hls = FakeHls.instances[0];
    const bar = player.node.querySelector<HTMLElement>(
      '.jp-ClassLabVideo-live'
    )!;
    expect(bar.hidden).toBe(true);
    expect(player.isLive).toBe(false);
    hls.emit('hlsLevelLoaded', { details: { live: true } });
    expect(player.isLive).toBe(true);
    expect(bar.hidden).toBe(false);
    expect(bar.textContent).toContain('LIVE');
    expect(
      player.node.querySelector('.jp-ClassLabVideo-latency')!.textContent
    ).toBe('6.0 s behind live');
    expect(player.latency).toBe(6);
    player.node
      .querySelector<HTMLButtonElement>('.jp-ClassLabVideo-jumpToLive')!
      .click();
    expect(video(player).currentTime).toBe(94);
    expect(player.paused).toBe(false);
    // The playlist gets #EXT-X-ENDLIST.
    hls.emit('hlsLevelLoaded', { details: { live: false, endList: true } });
    expect(player.isLive).toBe(false);
    expect(message(player)).toBe('The live stream has ended.');
  });

  it('detects a native live stream by its infinite duration', async () => {
    FakeHls.supported = false;
    const stubbed = jest
      .spyOn(window.HTMLMediaElement.prototype, 'canPlayType')
      .mockReturnValue('maybe');
    const player = makePlayer({ src: 'a.m3u8' });
    await settle();
    media(video(player)).seekableEnd = 100;
    media(video(player)).currentTime = 91;
    loadMetadata(video(player), Infinity);
    expect(player.isLive).toBe(true);
    expect(player.latency).toBe(9);
    player.jumpToLive();
    expect(video(player).currentTime).toBe(100);
    stubbed.mockRestore();
  });

  it('recovers from a fatal media error, but not twice within 5 s', async () => {
    const player = makePlayer({ src: 'a.m3u8' });
    await settle();
    const hls = FakeHls.instances[0];
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const fatal = {
      type: 'mediaError',
      details: 'bufferStalledError',
      fatal: true
    };
    hls.emit('hlsError', { ...fatal, fatal: false });
    expect(hls.count('recoverMediaError')).toBe(0);
    hls.emit('hlsError', fatal);
    expect(hls.count('recoverMediaError')).toBe(1);
    now.mockReturnValue(1_006_000);
    hls.emit('hlsError', fatal);
    expect(hls.count('recoverMediaError')).toBe(2);
    now.mockReturnValue(1_008_000);
    hls.emit('hlsError', fatal);
    expect(hls.count('recoverMediaError')).toBe(2);
    expect(hls.destroyed).toBe(true);
    expect(player.state.state).toBe('error');
    now.mockRestore();
  });

  it('retries a lost connection with startLoad() on a backoff up to 30 s, and clears the message once it loads', async () => {
    const player = makePlayer({ src: 'live/index.m3u8' });
    await settle();
    jest.useFakeTimers();
    const hls = FakeHls.instances[0];
    hls.emit('hlsLevelLoaded', { details: { live: true } });
    const lost = {
      type: 'networkError',
      details: 'levelLoadError',
      fatal: true,
      response: { code: 0 }
    };
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      hls.emit('hlsError', lost);
      expect(message(player)).toBe('Connection lost — retrying…');
      const before = hls.count('startLoad');
      let waited = 0;
      while (hls.count('startLoad') === before && waited < 60_000) {
        jest.advanceTimersByTime(500);
        waited += 500;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    hls.emit('hlsFragLoaded', {});
    expect(message(player)).toBeNull();
    // The backoff starts again after a recovery.
    hls.emit('hlsError', lost);
    jest.advanceTimersByTime(1000);
    expect(hls.count('startLoad')).toBe(8);
    expect(player.state.state).not.toBe('error');
  });

  it('reloads the manifest when the first load failed', async () => {
    makePlayer({ src: 'a.m3u8' });
    await settle();
    jest.useFakeTimers();
    const hls = FakeHls.instances[0];
    hls.emit('hlsError', {
      type: 'networkError',
      details: 'manifestLoadTimeOut',
      fatal: true
    });
    jest.advanceTimersByTime(1000);
    expect(hls.calls.filter(c => c[0] === 'loadSource')).toHaveLength(2);
  });

  it('says the video was not found when the manifest is a 404', async () => {
    const player = makePlayer({ src: 'nope.m3u8' });
    await settle();
    FakeHls.instances[0].emit('hlsError', {
      type: 'networkError',
      details: 'manifestLoadError',
      fatal: true,
      response: { code: 404 }
    });
    expect(player.state).toEqual({
      state: 'error',
      message: 'The video was not found.'
    });
  });

  it('ends a live stream whose playlist keeps answering 404', async () => {
    const player = makePlayer({ src: 'live/index.m3u8' });
    await settle();
    jest.useFakeTimers();
    const hls = FakeHls.instances[0];
    hls.emit('hlsLevelLoaded', { details: { live: true } });
    const gone = {
      type: 'networkError',
      details: 'levelLoadError',
      response: { code: 404 }
    };
    hls.emit('hlsError', { ...gone, fatal: false });
    hls.emit('hlsError', { ...gone, fatal: true });
    expect(message(player)).toBe('Connection lost — retrying…');
    jest.advanceTimersByTime(1000);
    hls.emit('hlsError', { ...gone, fatal: true });
    expect(message(player)).toBe('The live stream has ended.');
    expect(player.state.state).toBe('ended');
    expect(hls.destroyed).toBe(true);
  });

  it('gives up after many failed retries', async () => {
    const player = makePlayer({ src: 'a.m3u8' });
    await settle();
    jest.useFakeTimers();
    const hls = FakeHls.instances[0];
    for (let i = 0; i < 13; i++) {
      hls.emit('hlsError', {
        type: 'networkError',
        details: 'fragLoadError',
        fatal: true
      });
      jest.advanceTimersByTime(30_000);
    }
    expect(player.state).toEqual({
      state: 'error',
      message: 'The stream cannot be reached. Try again later.'
    });
  });

  it('starts an HLS stream at the saved position', async () => {
    const state = new StateDB();
    await state.save(
      STATE_KEYS.position('/base/classlab/media/lessons/a.m3u8'),
      { time: 42 }
    );
    makePlayer({ src: 'a.m3u8' }, { state });
    await settle();
    expect(FakeHls.instances[0].config.startPosition).toBe(42);
  });
});

describe('VideoPlayer: YouTube', () => {
  it('embeds the privacy-enhanced player by id, sandboxed, with a referrer policy', async () => {
    const player = makePlayer({
      youtube: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      title: 'A talk'
    });
    await settle();
    const frame = player.node.querySelector('iframe')!;
    expect(frame.getAttribute('src')).toBe(
      'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ'
    );
    expect(frame.getAttribute('referrerpolicy')).toBe(
      'strict-origin-when-cross-origin'
    );
    expect(frame.getAttribute('sandbox')).toBe(
      'allow-scripts allow-same-origin allow-presentation'
    );
    expect(frame.getAttribute('allow')).toBe('fullscreen; picture-in-picture');
    expect(frame.title).toBe('A talk');
    expect(player.node.querySelector('video')).toBeNull();
    expect(player.node.querySelector('.jp-ClassLabVideo-speeds')).toBeNull();
    Widget.detach(player);
    expect(player.node.querySelector('iframe')).toBeNull();
  });
});

describe('VideoPlayer: speed, keyboard, resume', () => {
  it('offers the five speeds and remembers the choice for the user', async () => {
    const state = new StateDB();
    const player = makePlayer({ src: 'a.mp4' }, { state });
    await settle();
    const buttons = [
      ...player.node.querySelectorAll<HTMLButtonElement>(
        '.jp-ClassLabVideo-speed'
      )
    ];
    expect(buttons.map(b => b.textContent)).toEqual(
      SPEEDS.map(rate => `${rate}×`)
    );
    expect(buttons[1].getAttribute('aria-pressed')).toBe('true');
    buttons[3].click();
    expect(video(player).playbackRate).toBe(1.5);
    expect(buttons[3].getAttribute('aria-pressed')).toBe('true');
    expect(buttons[1].getAttribute('aria-pressed')).toBe('false');
    expect(await state.fetch(STATE_KEYS.speed)).toBe(1.5);
    const next = makePlayer({ src: 'b.mp4' }, { state });
    await settle();
    expect(next.playbackRate).toBe(1.5);
    expect(video(next).playbackRate).toBe(1.5);
  });

  it('answers the keys only when focused, and keeps them from the notebook', async () => {
    const player = makePlayer({
      src: 'a.mp4',
      captions: [{ src: 'en.vtt', lang: 'en', label: 'English' }]
    });
    await settle();
    const element = video(player);
    loadMetadata(element, 100);
    const outside = jest.fn();
    document.body.addEventListener('keydown', outside);

    expect(key(player, 'k').defaultPrevented).toBe(true);
    await settle();
    expect(player.paused).toBe(false);
    key(player, ' ');
    expect(player.paused).toBe(true);
    key(player, 'K');
    await settle();
    expect(player.paused).toBe(false);

    element.currentTime = 50;
    key(player, 'l');
    expect(element.currentTime).toBe(60);
    key(player, 'j');
    key(player, 'J');
    expect(element.currentTime).toBe(40);
    key(player, 'ArrowRight');
    expect(element.currentTime).toBe(45);
    key(player, 'ArrowLeft');
    key(player, 'ArrowLeft');
    expect(element.currentTime).toBe(35);

    key(player, '>');
    expect(player.playbackRate).toBe(1.25);
    key(player, '>');
    key(player, '>');
    key(player, '>');
    expect(player.playbackRate).toBe(2);
    key(player, '<');
    expect(player.playbackRate).toBe(1.5);

    expect(player.captionsIndex).toBe(-1);
    key(player, 'c');
    expect(player.captionsIndex).toBe(0);
    key(player, 'C');
    expect(player.captionsIndex).toBe(-1);

    expect(outside).not.toHaveBeenCalled();
    // Not ours: modifiers, other keys, keys typed in the captions chooser, Space on a button.
    key(player, 'k', { ctrlKey: true });
    key(player, 'x');
    key(player, 'k', {}, player.node.querySelector('select')!);
    key(player, ' ', {}, player.node.querySelector('button')!);
    expect(outside).toHaveBeenCalledTimes(4);
    expect(player.paused).toBe(false);
    document.body.removeEventListener('keydown', outside);

    // Detached: no listener any more.
    Widget.detach(player);
    expect(key(player, 'k').defaultPrevented).toBe(false);
  });

  it('saves the position per user and source on pause and restores it on load', async () => {
    const state = new StateDB();
    const player = makePlayer({ src: 'a.mp4' }, { state });
    await settle();
    loadMetadata(video(player), 120);
    await player.play();
    video(player).currentTime = 33.33;
    player.pause();
    await settle();
    const key = STATE_KEYS.position('/base/classlab/media/lessons/a.mp4');
    expect(key).toBe(
      '@classlab/video:position:/base/classlab/media/lessons/a.mp4'
    );
    expect(await state.fetch(key)).toEqual({ time: 33.3 });

    const again = makePlayer({ src: 'a.mp4' }, { state });
    await settle();
    expect(video(again).currentTime).toBe(0);
    loadMetadata(video(again), 120);
    expect(video(again).currentTime).toBe(33.3);

    // Another source starts at 0.
    const other = makePlayer({ src: 'b.mp4' }, { state });
    await settle();
    loadMetadata(video(other), 120);
    expect(video(other).currentTime).toBe(0);
  });

  it('saves every few seconds while playing, and on dispose', async () => {
    const state = new StateDB();
    const player = makePlayer({ src: 'a.mp4' }, { state });
    await settle();
    const key = STATE_KEYS.position(player.sourceUrl!);
    loadMetadata(video(player), 120);
    jest.useFakeTimers();
    const now = jest.spyOn(Date, 'now').mockReturnValue(10_000_000);
    await player.play();
    video(player).currentTime = 10;
    jest.advanceTimersByTime(250);
    now.mockReturnValue(10_006_000);
    jest.advanceTimersByTime(250);
    jest.useRealTimers();
    await settle();
    expect(await state.fetch(key)).toEqual({ time: 10 });
    video(player).currentTime = 20;
    player.dispose();
    await settle();
    expect(await state.fetch(key)).toEqual({ time: 20 });
    now.mockRestore();
  });

  it('starts from the beginning after watching to the end, and never saves a live position', async () => {
    const state = new StateDB();
    const player = makePlayer({ src: 'a.mp4' }, { state });
    await settle();
    const key = STATE_KEYS.position(player.sourceUrl!);
    loadMetadata(video(player), 120);
    await player.play();
    video(player).currentTime = 119;
    player.pause();
    await settle();
    expect(await state.fetch(key)).toEqual({ time: 0 });

    const live = makePlayer({ src: 'live.m3u8' }, { state });
    await settle();
    FakeHls.instances[0].emit('hlsLevelLoaded', { details: { live: true } });
    loadMetadata(video(live), Infinity);
    await live.play();
    live.pause();
    await settle();
    expect(await state.fetch(STATE_KEYS.position(live.sourceUrl!))).toBe(
      undefined
    );
  });
});

describe('xhrSetup', () => {
  function fakeXhr() {
    return {
      readyState: 0,
      open: jest.fn(function (this: any) {
        this.readyState = 1;
      }),
      setRequestHeader: jest.fn()
    };
  }

  it('adds the XSRF token to same-origin requests only', () => {
    document.cookie = '_xsrf=abc123';
    const same = fakeXhr();
    xhrSetup(same as any, '/base/classlab/media/a.m3u8');
    expect(same.open).toHaveBeenCalledWith(
      'GET',
      '/base/classlab/media/a.m3u8',
      true
    );
    expect(same.setRequestHeader).toHaveBeenCalledWith('X-XSRFToken', 'abc123');
    const other = fakeXhr();
    xhrSetup(other as any, 'https://cdn.example/a.m3u8');
    expect(other.setRequestHeader).not.toHaveBeenCalled();
    expect(other.open).not.toHaveBeenCalled();
  });
});
