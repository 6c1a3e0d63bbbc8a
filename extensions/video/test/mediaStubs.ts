/**
 * jsdom has no media playback (`play`/`pause`/`load` are "not implemented", jsdom#1515/#2155) and no
 * `HTMLTrackElement.track`: these stubs give media elements a settable clock and state, and a fake hls.js class
 * records what the player asks of it.
 */
import type { IHlsClass, IHlsConfig } from '../src/hls';

interface IMediaState {
  paused: boolean;
  ended: boolean;
  currentTime: number;
  duration: number;
  readyState: number;
  playbackRate: number;
  defaultPlaybackRate: number;
  seekableEnd: number | null;
  canPlayHls: string;
}

const states = new WeakMap<HTMLMediaElement, IMediaState>();
const trackModes = new WeakMap<HTMLTrackElement, { mode: string }>();

export function media(element: HTMLMediaElement): IMediaState {
  let state = states.get(element);
  if (!state) {
    state = {
      paused: true,
      ended: false,
      currentTime: 0,
      duration: NaN,
      readyState: 0,
      playbackRate: 1,
      defaultPlaybackRate: 1,
      seekableEnd: null,
      canPlayHls: ''
    };
    states.set(element, state);
  }
  return state;
}

const saved: Array<[object, string, PropertyDescriptor | undefined]> = [];

function define(target: object, name: string, descriptor: PropertyDescriptor) {
  saved.push([target, name, Object.getOwnPropertyDescriptor(target, name)]);
  Object.defineProperty(target, name, { configurable: true, ...descriptor });
}

export const playCalls: HTMLMediaElement[] = [];

/** Install the stubs (call in beforeAll). */
export function installMediaStubs(): void {
  const proto = window.HTMLMediaElement.prototype;
  define(proto, 'play', {
    value: function (this: HTMLMediaElement) {
      playCalls.push(this);
      const state = media(this);
      if (state.paused) {
        state.paused = false;
        this.dispatchEvent(new Event('play'));
        this.dispatchEvent(new Event('playing'));
      }
      return Promise.resolve();
    }
  });
  define(proto, 'pause', {
    value: function (this: HTMLMediaElement) {
      const state = media(this);
      if (!state.paused) {
        state.paused = true;
        this.dispatchEvent(new Event('pause'));
      }
    }
  });
  define(proto, 'load', { value: () => undefined });
  define(proto, 'canPlayType', {
    value: function (this: HTMLMediaElement, type: string) {
      return type === 'application/vnd.apple.mpegurl'
        ? media(this).canPlayHls
        : '';
    }
  });
  for (const name of ['paused', 'ended', 'duration', 'readyState'] as const) {
    define(proto, name, {
      get(this: HTMLMediaElement) {
        return media(this)[name];
      }
    });
  }
  for (const name of [
    'currentTime',
    'playbackRate',
    'defaultPlaybackRate'
  ] as const) {
    define(proto, name, {
      get(this: HTMLMediaElement) {
        return media(this)[name];
      },
      set(this: HTMLMediaElement, value: number) {
        media(this)[name] = value;
        if (name === 'currentTime') {
          this.dispatchEvent(new Event('seeked'));
        }
      }
    });
  }
  define(proto, 'seekable', {
    get(this: HTMLMediaElement) {
      const end = media(this).seekableEnd;
      return {
        length: end === null ? 0 : 1,
        start: () => 0,
        end: () => end ?? 0
      };
    }
  });
  define(window.HTMLTrackElement.prototype, 'track', {
    get(this: HTMLTrackElement) {
      let track = trackModes.get(this);
      if (!track) {
        track = { mode: 'disabled' };
        trackModes.set(this, track);
      }
      return track;
    }
  });
}

/** Remove the stubs (call in afterAll). */
export function uninstallMediaStubs(): void {
  for (const [target, name, descriptor] of saved.reverse()) {
    if (descriptor) {
      Object.defineProperty(target, name, descriptor);
    } else {
      delete (target as any)[name];
    }
  }
  saved.length = 0;
}

/** Loaded metadata: duration known, ready to seek. */
export function loadMetadata(video: HTMLMediaElement, duration: number): void {
  const state = media(video);
  state.duration = duration;
  state.readyState = 4;
  video.dispatchEvent(new Event('durationchange'));
  video.dispatchEvent(new Event('loadedmetadata'));
}

/** A recording stand-in for the hls.js class. */
export class FakeHls {
  static supported = true;
  static instances: FakeHls[] = [];
  static isSupported(): boolean {
    return FakeHls.supported;
  }
  static readonly Events = {
    MEDIA_ATTACHED: 'hlsMediaAttached',
    MANIFEST_PARSED: 'hlsManifestParsed',
    LEVEL_LOADED: 'hlsLevelLoaded',
    FRAG_LOADED: 'hlsFragLoaded',
    ERROR: 'hlsError'
  };
  static readonly ErrorTypes = {
    NETWORK_ERROR: 'networkError',
    MEDIA_ERROR: 'mediaError'
  };
  static readonly ErrorDetails = {
    MANIFEST_LOAD_ERROR: 'manifestLoadError',
    MANIFEST_LOAD_TIMEOUT: 'manifestLoadTimeOut',
    MANIFEST_PARSING_ERROR: 'manifestParsingError',
    LEVEL_LOAD_ERROR: 'levelLoadError',
    LEVEL_LOAD_TIMEOUT: 'levelLoadTimeOut'
  };

  constructor(public config: IHlsConfig = {}) {
    FakeHls.instances.push(this);
  }

  calls: Array<[string, ...unknown[]]> = [];
  media: HTMLMediaElement | null = null;
  destroyed = false;
  latency = 6;
  liveSyncPosition: number | null = 94;
  private _listeners = new Map<string, Array<(e: string, d: any) => void>>();

  loadSource(url: string): void {
    this.calls.push(['loadSource', url]);
  }
  attachMedia(media: HTMLMediaElement): void {
    this.media = media;
    this.calls.push(['attachMedia']);
  }
  on(event: string, listener: (e: string, d: any) => void): void {
    const list = this._listeners.get(event) ?? [];
    list.push(listener);
    this._listeners.set(event, list);
  }
  startLoad(position?: number): void {
    this.calls.push(['startLoad']);
  }
  stopLoad(): void {
    this.calls.push(['stopLoad']);
  }
  recoverMediaError(): void {
    this.calls.push(['recoverMediaError']);
  }
  destroy(): void {
    this.destroyed = true;
    this.calls.push(['destroy']);
  }
  /** Fire an hls.js event at the player. */
  emit(event: string, data: unknown): void {
    for (const listener of this._listeners.get(event) ?? []) {
      listener(event, data);
    }
  }
  count(name: string): number {
    return this.calls.filter(call => call[0] === name).length;
  }
}

export const fakeHlsClass = FakeHls as unknown as IHlsClass;
