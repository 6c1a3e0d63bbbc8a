/**
 * The ClassLab video player: one Lumino widget for a file (`<video>`), an HLS stream (hls.js, or native HLS where
 * hls.js is unsupported) or a YouTube id (privacy-enhanced embed), with our own speed, captions, keyboard, resume
 * and live controls next to the native ones. The DOM is built from a parsed spec with createElement/textContent.
 *
 * Cheap when many: nothing loads until the player scrolls into view; detaching or disposing it tears the media
 * pipeline down (hls.js `destroy()`, the element's source released).
 */
import type { IStateDB } from '@jupyterlab/statedb';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  HlsLoader,
  IHls,
  IHlsClass,
  IHlsErrorData,
  IHlsLevelLoadedData,
  loadHls,
  xhrSetup
} from './hls';
import { IMediaLocation, isError, resolveMediaUrl } from './spec';
import { youtubeEmbedUrl } from './spec';
import type { ISignal } from '@lumino/signaling';
import type { IVideoPlayer, IVideoSpec } from './tokens';

/** Playback rates the speed buttons offer. */
export const SPEEDS = [0.75, 1, 1.25, 1.5, 2];

/** IStateDB keys (per user: the state database lives in the user's workspace). */
export const STATE_KEYS = {
  position: (source: string) => `@classlab/video:position:${source}`,
  speed: '@classlab/video:speed',
  captions: '@classlab/video:captions'
};

/** How often the position is saved while playing (ms). */
const SAVE_EVERY = 5000;
/** How often timeChanged fires while playing (ms). */
const TICK = 250;
/** A fatal media error is recovered from again only if the last recovery is older than this (ms). */
const MEDIA_RECOVERY_WINDOW = 5000;
/** Network retry backoff: 1 s, 2 s, 4 s … capped here (ms). */
const MAX_RETRY_DELAY = 30000;
/** After this many failed retries in a row the stream is reported unreachable. */
const MAX_RETRIES = 12;
/** This many playlist 404s in a row end a live stream. */
const ENDED_AFTER_404S = 3;

const CLASS = 'jp-ClassLabVideo';

/**
 * A video player widget for one parsed spec.
 */
/** The `<video>` events the player follows (state, time, errors). */
const MEDIA_EVENTS = [
  'play',
  'playing',
  'pause',
  'ended',
  'waiting',
  'seeked',
  'loadedmetadata',
  'durationchange',
  'error'
];

/** How long a paused player may stay out of view before its media is released. */
const RELEASE_AFTER_MS = 5000;

export class VideoPlayer extends Widget implements IVideoPlayer {
  constructor(options: VideoPlayer.IOptions) {
    super();
    this.spec = options.spec;
    this._trans =
      options.trans ??
      (options.translator ?? nullTranslator).load('classlab_video');
    this._state = options.state ?? null;
    this._trusted = options.trusted ?? false;
    this._loadHls = options.loadHls ?? loadHls;
    this._location = options.location;
    this.addClass(CLASS);
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'region');
    this.node.setAttribute(
      'aria-label',
      this.spec.title ?? this._trans.__('Video player')
    );
    this._build();
  }

  readonly spec: IVideoSpec;

  /** Emits the position about four times a second while playing, and after each seek. */
  get timeChanged(): ISignal<this, number> {
    return this._timeChanged;
  }

  /** Emits on play, pause, end and errors. */
  get stateChanged(): ISignal<this, IVideoPlayer.IState> {
    return this._stateChanged;
  }

  /** The last state emitted. */
  get state(): IVideoPlayer.IState {
    return this._lastState;
  }

  /** The URL the media plays from (null for YouTube, or when the source was refused). */
  get sourceUrl(): string | null {
    return this._sourceUrl;
  }

  /** The `<video>` element, while the media pipeline exists. */
  get videoElement(): HTMLVideoElement | null {
    return this._video;
  }

  get currentTime(): number {
    const video = this._video;
    if (video && video.readyState >= 1) {
      return video.currentTime;
    }
    return this._pendingSeek ?? this._startAt ?? video?.currentTime ?? 0;
  }

  get duration(): number {
    return this._video ? this._video.duration : NaN;
  }

  get isLive(): boolean {
    return this._live;
  }

  get paused(): boolean {
    return this._video ? this._video.paused : true;
  }

  /** The playback rate chosen with the speed buttons. */
  get playbackRate(): number {
    return this._rate;
  }

  /** Whether the media pipeline (the video element and hls.js, or the YouTube frame) exists. */
  get isMediaCreated(): boolean {
    return this._created;
  }

  seek(seconds: number): void {
    if (!Number.isFinite(seconds)) {
      return;
    }
    const time = Math.max(0, seconds);
    if (this._video && this._video.readyState >= 1) {
      const end = this._video.duration;
      this._video.currentTime = Number.isFinite(end)
        ? Math.min(time, end)
        : time;
    } else if (this._video) {
      // Loading: go there once the metadata is in.
      this._startAt = time;
      this._startAtUsed = false;
    } else {
      this._pendingSeek = time;
      this.ensureMedia();
    }
  }

  async play(): Promise<void> {
    this.ensureMedia();
    await this._ready;
    if (this._video) {
      await this._video.play();
    }
  }

  pause(): void {
    this._video?.pause();
  }

  /** Set the playback rate (remembered for this user). */
  setPlaybackRate(rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0) {
      return;
    }
    this._rate = rate;
    if (this._video) {
      this._video.defaultPlaybackRate = rate;
      this._video.playbackRate = rate;
    }
    this._renderSpeed();
    void this._state?.save(STATE_KEYS.speed, rate).catch(() => undefined);
  }

  /** Show the captions track at this index of `spec.captions`, or none (-1). */
  setCaptions(index: number): void {
    this._captionIndex =
      index >= 0 && index < this.spec.captions.length ? index : -1;
    this._applyCaptions();
    if (this._captionSelect) {
      this._captionSelect.value = String(this._captionIndex);
    }
    const lang =
      this._captionIndex >= 0
        ? this.spec.captions[this._captionIndex].lang
        : 'off';
    void this._state?.save(STATE_KEYS.captions, lang).catch(() => undefined);
  }

  /** The index in `spec.captions` of the captions shown, -1 for none. */
  get captionsIndex(): number {
    return this._captionIndex;
  }

  /** Go to the live edge of a live stream. */
  jumpToLive(): void {
    const video = this._video;
    if (!video) {
      return;
    }
    let target: number | null = this._hls?.liveSyncPosition ?? null;
    if (target === null && video.seekable.length > 0) {
      target = video.seekable.end(video.seekable.length - 1);
    }
    if (target !== null && Number.isFinite(target)) {
      video.currentTime = target;
    }
    void video.play().catch(() => undefined);
  }

  /**
   * Create the media pipeline now if it does not exist (normally it is created when the player first becomes
   * visible).
   */
  ensureMedia(): void {
    if (this._created || this.isDisposed || this._refused) {
      return;
    }
    this._created = true;
    this._ready = this._createMedia(++this._generation).catch(reason => {
      console.error('ClassLab Video: the player could not start', reason);
      this._fail(this._trans.__('The video could not be started.'));
    });
  }

  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      this._onKeydown(event as KeyboardEvent);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._clearRelease();
    this._observer?.disconnect();
    this._observer = null;
    this._teardown();
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.node.addEventListener('keydown', this);
    if (this._refused) {
      return;
    }
    if (typeof IntersectionObserver === 'undefined') {
      this.ensureMedia();
      return;
    }
    // Media exists only near the viewport: created on the way in, released a while after the player left
    // the view paused (one playing out of view, e.g. a lecture heard while scrolling to the code, keeps going).
    this._observer = new IntersectionObserver(
      entries => {
        const visible = entries[entries.length - 1]?.isIntersecting ?? false;
        this._clearRelease();
        if (visible) {
          this.ensureMedia();
        } else if (this._created) {
          this._releaseTimer = window.setTimeout(
            () => this._releaseIfIdle(),
            RELEASE_AFTER_MS
          );
        }
      },
      { rootMargin: '200px' }
    );
    this._observer.observe(this.node);
  }

  /** Out of view and not playing: free the video element and hls.js; the position is kept for next time. */
  private _releaseIfIdle(): void {
    this._releaseTimer = null;
    if (!this._created || this.isDisposed || !this.paused) {
      return;
    }
    const time = this.currentTime;
    this._teardown();
    this._pendingSeek = time > 0 && !this.isLive ? time : null;
  }

  private _clearRelease(): void {
    if (this._releaseTimer !== null) {
      window.clearTimeout(this._releaseTimer);
      this._releaseTimer = null;
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this.node.removeEventListener('keydown', this);
    this._clearRelease();
    this._observer?.disconnect();
    this._observer = null;
    this._teardown();
    super.onBeforeDetach(msg);
  }

  // --- DOM --------------------------------------------------------------------------------------

  private _build(): void {
    const trans = this._trans;
    if (this.spec.title) {
      const title = document.createElement('div');
      title.className = `${CLASS}-title`;
      title.textContent = this.spec.title;
      this.node.appendChild(title);
    }
    this._stage = document.createElement('div');
    this._stage.className = `${CLASS}-stage`;
    this.node.appendChild(this._stage);

    this._message = document.createElement('div');
    this._message.className = `${CLASS}-message`;
    this._message.setAttribute('role', 'status');
    this._message.hidden = true;
    this.node.appendChild(this._message);

    if (this.spec.kind === 'youtube') {
      this.addClass('jp-mod-youtube');
      return;
    }

    const resolved = resolveMediaUrl(this.spec.src ?? '', this._location);
    if (isError(resolved)) {
      this._refused = true;
      this._fail(trans.__('This video cannot be shown: %1', resolved.error));
      return;
    }
    this._sourceUrl = resolved.url;

    const bar = document.createElement('div');
    bar.className = `${CLASS}-controls`;
    this.node.appendChild(bar);

    // Live: badge, latency, jump to live (hidden until the stream turns out to be live).
    this._liveBar = document.createElement('div');
    this._liveBar.className = `${CLASS}-live`;
    this._liveBar.hidden = true;
    const badge = document.createElement('span');
    badge.className = `${CLASS}-liveBadge`;
    badge.textContent = trans.__('LIVE');
    this._latency = document.createElement('span');
    this._latency.className = `${CLASS}-latency`;
    this._jumpButton = document.createElement('button');
    this._jumpButton.type = 'button';
    this._jumpButton.className = `${CLASS}-jumpToLive jp-mod-styled`;
    this._jumpButton.textContent = trans.__('Jump to live');
    this._jumpButton.addEventListener('click', () => this.jumpToLive());
    this._liveBar.append(badge, this._latency, this._jumpButton);
    bar.appendChild(this._liveBar);

    // Speed buttons.
    const speeds = document.createElement('div');
    speeds.className = `${CLASS}-speeds`;
    speeds.setAttribute('role', 'group');
    speeds.setAttribute('aria-label', trans.__('Playback speed'));
    for (const rate of SPEEDS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `${CLASS}-speed`;
      button.dataset.rate = String(rate);
      button.textContent = trans.__('%1×', rate);
      button.title = trans.__('Play at %1× speed', rate);
      button.addEventListener('click', () => this.setPlaybackRate(rate));
      speeds.appendChild(button);
      this._speedButtons.push(button);
    }
    bar.appendChild(speeds);
    this._renderSpeed();

    // Captions chooser.
    if (this.spec.captions.length > 0) {
      const label = document.createElement('label');
      label.className = `${CLASS}-captions`;
      const text = document.createElement('span');
      text.textContent = trans.__('Captions');
      const select = document.createElement('select');
      select.className = `${CLASS}-captionsSelect`;
      const off = document.createElement('option');
      off.value = '-1';
      off.textContent = trans.__('Off');
      select.appendChild(off);
      this.spec.captions.forEach((track, index) => {
        const option = document.createElement('option');
        option.value = String(index);
        option.textContent = track.label;
        select.appendChild(option);
      });
      this._captionIndex = this.spec.captions.findIndex(t => t.default);
      select.value = String(this._captionIndex);
      select.addEventListener('change', () =>
        this.setCaptions(Number(select.value))
      );
      label.append(text, select);
      bar.appendChild(label);
      this._captionSelect = select;
    }

    const hint = document.createElement('span');
    hint.className = `${CLASS}-hint`;
    hint.textContent = trans.__(
      'Keys: Space play/pause · J/L ±10 s · ←/→ ±5 s · </> speed · C captions'
    );
    bar.appendChild(hint);
  }

  private _renderSpeed(): void {
    for (const button of this._speedButtons) {
      const on = Number(button.dataset.rate) === this._rate;
      button.classList.toggle('jp-mod-active', on);
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
  }

  private _showMessage(text: string | null, kind: 'info' | 'error'): void {
    const message = this._message;
    if (!message) {
      return;
    }
    message.textContent = text ?? '';
    message.hidden = text === null;
    message.classList.toggle('jp-mod-error', kind === 'error');
    message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  }

  // --- media pipeline --------------------------------------------------------------------------

  private async _createMedia(generation: number): Promise<void> {
    const stage = this._stage!;
    if (this.spec.kind === 'youtube') {
      const frame = document.createElement('iframe');
      frame.className = `${CLASS}-youtube`;
      frame.src = youtubeEmbedUrl(this.spec.youtube!);
      frame.title = this.spec.title ?? this._trans.__('YouTube video');
      frame.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
      frame.setAttribute(
        'sandbox',
        'allow-scripts allow-same-origin allow-presentation'
      );
      frame.setAttribute('allow', 'fullscreen; picture-in-picture');
      frame.setAttribute('allowfullscreen', '');
      frame.setAttribute('loading', 'lazy');
      stage.appendChild(frame);
      this._frame = frame;
      return;
    }

    const video = document.createElement('video');
    video.className = `${CLASS}-video`;
    video.controls = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.preload = 'metadata';
    if (this.spec.poster) {
      const poster = resolveMediaUrl(this.spec.poster, this._location);
      if (!isError(poster)) {
        video.poster = poster.url;
      }
    }
    this.spec.captions.forEach((caption, index) => {
      const resolved = resolveMediaUrl(caption.src, this._location);
      if (isError(resolved)) {
        return;
      }
      const track = document.createElement('track');
      track.kind = 'captions';
      track.srclang = caption.lang;
      track.label = caption.label;
      track.src = resolved.url;
      track.dataset.index = String(index);
      video.appendChild(track);
      this._tracks[index] = track;
    });
    for (const type of MEDIA_EVENTS) {
      video.addEventListener(type, this._onMediaEvent);
    }
    // Chromium may switch a track on by itself (language preference) next to ours: one track shows at a time.
    if (typeof video.textTracks?.addEventListener === 'function') {
      video.textTracks.addEventListener('change', this._onTracksChanged);
    }
    this._video = video;
    stage.appendChild(video);
    this._setState({ state: 'loading' });

    // Per-user preferences and the resume position, before the source is set.
    const [rate, captions, saved] = await Promise.all([
      this._fetch(STATE_KEYS.speed),
      this.spec.captions.length > 0
        ? this._fetch(STATE_KEYS.captions)
        : Promise.resolve(undefined),
      this._fetch(STATE_KEYS.position(this._sourceUrl!))
    ]);
    if (generation !== this._generation) {
      return;
    }
    if (typeof rate === 'number' && SPEEDS.includes(rate)) {
      this._rate = rate;
      this._renderSpeed();
    }
    video.defaultPlaybackRate = this._rate;
    video.playbackRate = this._rate;
    if (typeof captions === 'string') {
      const index =
        captions === 'off'
          ? -1
          : this.spec.captions.findIndex(t => t.lang === captions);
      if (captions === 'off' || index >= 0) {
        this._captionIndex = index;
        if (this._captionSelect) {
          this._captionSelect.value = String(index);
        }
      }
    }
    this._applyCaptions();
    const savedTime =
      saved !== null &&
      typeof saved === 'object' &&
      typeof (saved as any).time === 'number'
        ? ((saved as any).time as number)
        : null;
    this._startAt = this._pendingSeek ?? savedTime;
    this._pendingSeek = null;

    if (this.spec.kind === 'hls') {
      const Hls = await this._loadHls();
      if (generation !== this._generation) {
        return;
      }
      if (Hls.isSupported()) {
        this._attachHls(Hls, video);
      } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = this._sourceUrl!;
      } else {
        this._fail(this._trans.__('This browser cannot play HLS streams.'));
        return;
      }
    } else {
      video.src = this._sourceUrl!;
    }
    if (this._trusted && this.spec.autoplay) {
      void video.play().catch(() => undefined);
    }
  }

  private _attachHls(Hls: IHlsClass, video: HTMLVideoElement): void {
    const config = {
      enableWorker: true,
      backBufferLength: 60,
      // Live: play two target durations behind the edge (hls.js's default is three), and catch up gently
      // after a stall instead of jumping.
      liveSyncDurationCount: 2,
      maxLiveSyncPlaybackRate: 1.1,
      xhrSetup,
      ...(this._startAt !== null && this._startAt > 0
        ? { startPosition: this._startAt }
        : {})
    };
    // The position is also set on 'loadedmetadata' (_startAtUsed stays false): hls.js only loads from there.
    const hls = new Hls(config);
    this._hls = hls;
    this._hlsClass = Hls;
    hls.on(Hls.Events.LEVEL_LOADED, (_, data: IHlsLevelLoadedData) =>
      this._onLevelLoaded(data)
    );
    hls.on(Hls.Events.FRAG_LOADED, () => this._onRecovered());
    hls.on(Hls.Events.ERROR, (_, data: IHlsErrorData) =>
      this._onHlsError(data)
    );
    hls.loadSource(this._sourceUrl!);
    hls.attachMedia(video);
  }

  private _teardown(): void {
    this._generation++;
    this._savePosition();
    this._stopTicking();
    this._stopLatency();
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    if (this._hls) {
      try {
        this._hls.destroy();
      } catch (reason) {
        console.warn('ClassLab Video: hls.js destroy failed', reason);
      }
      this._hls = null;
    }
    const video = this._video;
    if (video) {
      for (const type of MEDIA_EVENTS) {
        video.removeEventListener(type, this._onMediaEvent);
      }
      if (typeof video.textTracks?.removeEventListener === 'function') {
        video.textTracks.removeEventListener('change', this._onTracksChanged);
      }
      try {
        video.pause();
        // Release the decoder and the network connection.
        video.removeAttribute('src');
        video.load();
      } catch {
        // jsdom and detached elements: nothing to release.
      }
      video.remove();
      this._video = null;
    }
    this._tracks = [];
    this._frame?.remove();
    this._frame = null;
    this._created = false;
    this._startAt = null;
    this._startAtUsed = false;
    this._retries = 0;
    this._playlist404s = 0;
  }

  private _onMediaEvent = (event: Event): void => {
    const video = this._video;
    if (!video || event.target !== video) {
      return;
    }
    switch (event.type) {
      case 'loadedmetadata':
        if (
          !this._startAtUsed &&
          this._startAt !== null &&
          this._startAt > 0 &&
          Number.isFinite(video.duration)
        ) {
          video.currentTime = Math.min(this._startAt, video.duration);
        }
        this._startAtUsed = true;
        this._checkLive();
        if (this._lastState.state === 'loading') {
          this._setState({ state: 'paused' });
        }
        break;
      case 'durationchange':
        this._checkLive();
        break;
      case 'play':
        this._startTicking();
        break;
      case 'playing':
        this._setState({ state: 'playing' });
        this._startTicking();
        break;
      case 'waiting':
        this._setState({ state: 'loading' });
        break;
      case 'pause':
        this._stopTicking();
        this._savePosition();
        this._timeChanged.emit(video.currentTime);
        if (!video.ended) {
          this._setState({ state: 'paused' });
        }
        break;
      case 'ended':
        this._stopTicking();
        this._savePosition();
        this._setState({ state: 'ended' });
        if (this._wasLive) {
          this._showMessage(
            this._trans.__('The live stream has ended.'),
            'info'
          );
        }
        break;
      case 'seeked':
        this._timeChanged.emit(video.currentTime);
        break;
      case 'error':
        if (!this._hls) {
          this._fail(Private.mediaErrorMessage(video.error, this._trans));
        }
        break;
    }
  };

  private _startTicking(): void {
    if (this._tick !== null) {
      return;
    }
    this._tick = window.setInterval(() => {
      const video = this._video;
      if (!video) {
        return;
      }
      this._timeChanged.emit(video.currentTime);
      if (Date.now() - this._lastSave >= SAVE_EVERY) {
        this._savePosition();
      }
    }, TICK);
  }

  private _stopTicking(): void {
    if (this._tick !== null) {
      clearInterval(this._tick);
      this._tick = null;
    }
  }

  private _setState(state: IVideoPlayer.IState): void {
    const last = this._lastState;
    if (last.state === state.state && last.message === state.message) {
      return;
    }
    this._lastState = state;
    this.node.classList.toggle('jp-mod-playing', state.state === 'playing');
    this._stateChanged.emit(state);
  }

  private _fail(message: string): void {
    this._showMessage(message, 'error');
    this.addClass('jp-mod-error');
    this._setState({ state: 'error', message });
  }

  // --- resume ----------------------------------------------------------------------------------

  private async _fetch(key: string): Promise<unknown> {
    if (!this._state) {
      return undefined;
    }
    try {
      return await this._state.fetch(key);
    } catch {
      return undefined;
    }
  }

  private _savePosition(): void {
    const video = this._video;
    if (!video || !this._state || !this._sourceUrl || this._live) {
      return;
    }
    if (this._startAt !== null && !this._startAtUsed) {
      // Metadata not loaded yet: keep what was saved.
      return;
    }
    const duration = video.duration;
    if (!Number.isFinite(duration) || duration <= 0) {
      return;
    }
    this._lastSave = Date.now();
    let time = video.currentTime;
    // Watched to the end (or nearly): start from the beginning next time.
    if (video.ended || time > duration - 3) {
      time = 0;
    }
    void this._state
      .save(STATE_KEYS.position(this._sourceUrl), {
        time: Math.round(time * 10) / 10
      })
      .catch(() => undefined);
  }

  // --- captions --------------------------------------------------------------------------------

  /** Keep one captions track showing; a single other choice (the native menu) becomes ours. */
  private _onTracksChanged = (): void => {
    const showing = this._tracks
      .map((element, index) =>
        element?.track?.mode === 'showing' ? index : -1
      )
      .filter(index => index >= 0);
    if (showing.length > 1) {
      this._applyCaptions();
    } else if (showing.length === 1 && showing[0] !== this._captionIndex) {
      this._captionIndex = showing[0];
      if (this._captionSelect) {
        this._captionSelect.value = String(showing[0]);
      }
    }
  };

  private _applyCaptions(): void {
    this._tracks.forEach((element, index) => {
      if (element.track) {
        element.track.mode =
          index === this._captionIndex ? 'showing' : 'disabled';
      }
    });
  }

  // --- keyboard --------------------------------------------------------------------------------

  private _onKeydown(event: KeyboardEvent): void {
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    const target = event.target as HTMLElement | null;
    if (
      target &&
      (target.tagName === 'SELECT' ||
        target.tagName === 'INPUT' ||
        target.tagName === 'TEXTAREA')
    ) {
      return;
    }
    if (
      target?.tagName === 'BUTTON' &&
      (event.key === ' ' || event.key === 'Enter')
    ) {
      return;
    }
    if (this.spec.kind === 'youtube' || this._refused) {
      return;
    }
    const video = this._video;
    let handled = true;
    switch (event.key) {
      case ' ':
      case 'k':
      case 'K':
        if (!video || video.paused) {
          void this.play().catch(() => undefined);
        } else {
          video.pause();
        }
        break;
      case 'j':
      case 'J':
        this._skip(-10);
        break;
      case 'l':
      case 'L':
        this._skip(10);
        break;
      case 'ArrowLeft':
        this._skip(-5);
        break;
      case 'ArrowRight':
        this._skip(5);
        break;
      case '<':
      case '>': {
        const index = SPEEDS.indexOf(this._rate);
        const next =
          event.key === '<'
            ? Math.max(0, (index < 0 ? 1 : index) - 1)
            : Math.min(SPEEDS.length - 1, (index < 0 ? 1 : index) + 1);
        this.setPlaybackRate(SPEEDS[next]);
        break;
      }
      case 'c':
      case 'C':
        if (this.spec.captions.length === 0) {
          handled = false;
          break;
        }
        if (this._captionIndex >= 0) {
          this._lastCaptionIndex = this._captionIndex;
          this.setCaptions(-1);
        } else {
          const preferred =
            this._lastCaptionIndex >= 0
              ? this._lastCaptionIndex
              : Math.max(
                  0,
                  this.spec.captions.findIndex(t => t.default)
                );
          this.setCaptions(preferred);
        }
        break;
      default:
        handled = false;
    }
    if (handled) {
      // Keep the notebook's command-mode shortcuts (J, K, L, C …) and the page from acting on it as well.
      event.preventDefault();
      event.stopPropagation();
    }
  }

  private _skip(delta: number): void {
    this.seek(this.currentTime + delta);
  }

  // --- live and recovery -----------------------------------------------------------------------

  private _checkLive(): void {
    if (this._video && this._video.duration === Infinity) {
      this._setLive(true);
    }
  }

  private _setLive(live: boolean): void {
    if (live === this._live) {
      return;
    }
    this._live = live;
    if (live) {
      this._wasLive = true;
    }
    this.node.classList.toggle('jp-mod-live', live);
    if (this._liveBar) {
      this._liveBar.hidden = !live;
    }
    if (live) {
      this._updateLatency();
      this._latencyTimer = window.setInterval(
        () => this._updateLatency(),
        1000
      );
    } else {
      this._stopLatency();
    }
  }

  private _stopLatency(): void {
    if (this._latencyTimer !== null) {
      clearInterval(this._latencyTimer);
      this._latencyTimer = null;
    }
  }

  /** Seconds behind the live edge (NaN when unknown). */
  get latency(): number {
    const video = this._video;
    if (!video || !this._live) {
      return NaN;
    }
    if (this._hls) {
      const latency = this._hls.latency;
      return Number.isFinite(latency) ? latency : NaN;
    }
    if (video.seekable.length > 0) {
      return video.seekable.end(video.seekable.length - 1) - video.currentTime;
    }
    return NaN;
  }

  private _updateLatency(): void {
    if (!this._latency) {
      return;
    }
    const latency = this.latency;
    this._latency.textContent = Number.isFinite(latency)
      ? this._trans.__('%1 s behind live', latency.toFixed(1))
      : '';
  }

  private _onLevelLoaded(data: IHlsLevelLoadedData): void {
    this._playlist404s = 0;
    this._onRecovered();
    const live = !!data.details.live;
    if (live) {
      this._setLive(true);
    } else if (this._live) {
      // The playlist got #EXT-X-ENDLIST: what is buffered still plays, then 'ended'.
      this._setLive(false);
      this._showMessage(this._trans.__('The live stream has ended.'), 'info');
    }
  }

  private _onRecovered(): void {
    if (this._retries > 0 || this._retrying) {
      this._retries = 0;
      this._retrying = false;
      this._showMessage(null, 'info');
    }
  }

  private _onHlsError(data: IHlsErrorData): void {
    const Hls = this._hlsClass;
    const hls = this._hls;
    if (!Hls || !hls) {
      return;
    }
    const details = Hls.ErrorDetails;
    const playlist =
      data.details === details.LEVEL_LOAD_ERROR ||
      data.details === details.MANIFEST_LOAD_ERROR;
    const status = data.response?.code ?? data.networkDetails?.status;
    if (playlist && status === 404) {
      this._playlist404s++;
    }
    if (!data.fatal) {
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      const now = Date.now();
      if (now - this._lastMediaRecovery > MEDIA_RECOVERY_WINDOW) {
        this._lastMediaRecovery = now;
        hls.recoverMediaError();
      } else {
        this._giveUp(
          this._trans.__(
            'The video cannot be played: its data is damaged or in a format this browser does not play.'
          )
        );
      }
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      if (playlist && status === 404) {
        if (!this._wasLive) {
          this._giveUp(this._trans.__('The video was not found.'));
          return;
        }
        if (this._playlist404s >= ENDED_AFTER_404S) {
          this._giveUp(this._trans.__('The live stream has ended.'), 'info');
          return;
        }
      }
      if (this._retries >= MAX_RETRIES) {
        this._giveUp(
          this._trans.__('The stream cannot be reached. Try again later.')
        );
        return;
      }
      const delay = Math.min(1000 * 2 ** this._retries, MAX_RETRY_DELAY);
      this._retries++;
      this._retrying = true;
      this._showMessage(this._trans.__('Connection lost — retrying…'), 'info');
      const manifest =
        data.details === details.MANIFEST_LOAD_ERROR ||
        data.details === details.MANIFEST_LOAD_TIMEOUT ||
        data.details === details.MANIFEST_PARSING_ERROR;
      if (this._retryTimer !== null) {
        clearTimeout(this._retryTimer);
      }
      this._retryTimer = window.setTimeout(() => {
        this._retryTimer = null;
        if (this._hls !== hls) {
          return;
        }
        if (manifest) {
          hls.loadSource(this._sourceUrl!);
        } else {
          hls.startLoad();
        }
      }, delay);
      return;
    }
    this._giveUp(this._trans.__('The video cannot be played.'));
    console.error(
      'ClassLab Video: fatal hls.js error',
      data.details,
      data.error
    );
  }

  /** Stop the stream for good and say why. */
  private _giveUp(message: string, kind: 'info' | 'error' = 'error'): void {
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._hls?.destroy();
    this._hls = null;
    this._stopLatency();
    this._stopTicking();
    if (kind === 'error') {
      this._fail(message);
    } else {
      this._showMessage(message, 'info');
      this._setState({ state: 'ended' });
    }
  }

  private _trans: TranslationBundle;
  private _state: IStateDB | null;
  private _trusted: boolean;
  private _loadHls: HlsLoader;
  private _location: IMediaLocation;
  private _sourceUrl: string | null = null;
  private _refused = false;
  private _created = false;
  private _generation = 0;
  private _ready: Promise<void> = Promise.resolve();
  private _observer: IntersectionObserver | null = null;

  private _stage: HTMLDivElement | null = null;
  private _message: HTMLDivElement | null = null;
  private _liveBar: HTMLDivElement | null = null;
  private _latency: HTMLSpanElement | null = null;
  private _jumpButton: HTMLButtonElement | null = null;
  private _speedButtons: HTMLButtonElement[] = [];
  private _captionSelect: HTMLSelectElement | null = null;

  private _video: HTMLVideoElement | null = null;
  private _frame: HTMLIFrameElement | null = null;
  private _tracks: HTMLTrackElement[] = [];
  private _hls: IHls | null = null;
  private _hlsClass: IHlsClass | null = null;

  private _rate = 1;
  private _captionIndex = -1;
  private _lastCaptionIndex = -1;
  private _pendingSeek: number | null = null;
  private _releaseTimer: number | null = null;
  private _startAt: number | null = null;
  private _startAtUsed = false;
  private _lastSave = 0;
  private _tick: number | null = null;
  private _latencyTimer: number | null = null;
  private _live = false;
  private _wasLive = false;
  private _retries = 0;
  private _retrying = false;
  private _retryTimer: number | null = null;
  private _playlist404s = 0;
  private _lastMediaRecovery = 0;
  private _lastState: IVideoPlayer.IState = { state: 'paused' };
  private _timeChanged = new Signal<this, number>(this);
  private _stateChanged = new Signal<this, IVideoPlayer.IState>(this);
}

export namespace VideoPlayer {
  export interface IOptions {
    /** A spec that `parseVideoSpec` returned. */
    spec: IVideoSpec;
    /** The server's base URL and the notebook's folder, which relative media paths resolve against. */
    location: IMediaLocation;
    /** Strings of the `classlab_video` domain (or give `translator`). */
    trans?: TranslationBundle;
    /** The translator to load the `classlab_video` domain from, when `trans` is not given. */
    translator?: ITranslator;
    /** Where this user's speed, captions choice and resume positions are kept. */
    state?: IStateDB | null;
    /** Whether the content is trusted: only then may `spec.autoplay` start playback. */
    trusted?: boolean;
    /** Loads hls.js (tests inject a fake). */
    loadHls?: HlsLoader;
  }
}

namespace Private {
  export function mediaErrorMessage(
    error: MediaError | null,
    trans: TranslationBundle
  ): string {
    switch (error?.code) {
      case 2: // MEDIA_ERR_NETWORK
        return trans.__('The video stopped loading: the network failed.');
      case 3: // MEDIA_ERR_DECODE
        return trans.__('The video cannot be played: its data is damaged.');
      case 4: // MEDIA_ERR_SRC_NOT_SUPPORTED
        return trans.__(
          'The video cannot be played: it was not found, or this browser does not play its format.'
        );
      default:
        return trans.__('The video cannot be played.');
    }
  }
}
