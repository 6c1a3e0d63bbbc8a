/**
 * The part of hls.js the player uses, and its lazy loader. The player depends on these shapes only, so tests
 * inject a fake class and the ~400 KB library loads only when an HLS player creates its media pipeline.
 */

/** The config keys the player sets (hls.js takes many more). */
export interface IHlsConfig {
  enableWorker?: boolean;
  startPosition?: number;
  lowLatencyMode?: boolean;
  liveSyncDurationCount?: number;
  maxLiveSyncPlaybackRate?: number;
  backBufferLength?: number;
  xhrSetup?: (xhr: XMLHttpRequest, url: string) => void;
}

/** Data of an hls.js `ERROR` event (the fields the player reads). */
export interface IHlsErrorData {
  type: string;
  details: string;
  fatal: boolean;
  response?: { code?: number };
  networkDetails?: { status?: number } | null;
  error?: Error;
}

/** Data of an hls.js `LEVEL_LOADED` event (the fields the player reads). */
export interface IHlsLevelLoadedData {
  details: { live: boolean; endList?: boolean; targetduration?: number };
}

/** An hls.js instance. */
export interface IHls {
  loadSource(url: string): void;
  attachMedia(media: HTMLMediaElement): void;
  on(event: string, listener: (event: string, data: any) => void): void;
  startLoad(startPosition?: number): void;
  stopLoad(): void;
  recoverMediaError(): void;
  destroy(): void;
  /** Seconds between the live edge and the playhead (live streams). */
  readonly latency: number;
  /** Where "jump to live" goes (live streams); null before a live playlist loaded. */
  readonly liveSyncPosition: number | null;
}

/** The hls.js class (`Hls`). */
export interface IHlsClass {
  new (config?: IHlsConfig): IHls;
  isSupported(): boolean;
  readonly version?: string;
  readonly Events: {
    MEDIA_ATTACHED: string;
    MANIFEST_PARSED: string;
    LEVEL_LOADED: string;
    FRAG_LOADED: string;
    ERROR: string;
  };
  readonly ErrorTypes: { NETWORK_ERROR: string; MEDIA_ERROR: string };
  readonly ErrorDetails: {
    MANIFEST_LOAD_ERROR: string;
    MANIFEST_LOAD_TIMEOUT: string;
    MANIFEST_PARSING_ERROR: string;
    LEVEL_LOAD_ERROR: string;
    LEVEL_LOAD_TIMEOUT: string;
  };
}

/** Loads the hls.js class when it is first needed. */
export type HlsLoader = () => Promise<IHlsClass>;

/**
 * hls.js's UMD build, as its own lazily loaded chunk. Not the package's ESM entry (`hls.mjs`): that one has no
 * transmuxer worker, so MPEG-TS would be remuxed on the main thread; the UMD build starts its worker from a Blob.
 */
export const loadHls: HlsLoader = async () => {
  const module: any = await import(
    /* webpackChunkName: "hls" */ 'hls.js/dist/hls.js'
  );
  return (module.default ?? module) as IHlsClass;
};

/** The value of a cookie of this page (the last one of that name, as Tornado reads them), if any. */
export function getCookie(name: string): string | undefined {
  let cookie = '';
  try {
    cookie = document.cookie;
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  let value: string | undefined;
  for (const part of cookie.split(';')) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) {
      value = trimmed.substring(prefix.length);
    }
  }
  return value;
}

/**
 * hls.js `xhrSetup`: same-origin requests (the Jupyter server's media handler) carry the XSRF token, as
 * JupyterLab's own requests do; requests to other origins get nothing of ours.
 */
export function xhrSetup(xhr: XMLHttpRequest, url: string): void {
  let origin: string;
  try {
    origin = new URL(url, window.location.href).origin;
  } catch {
    return;
  }
  if (origin !== window.location.origin) {
    return;
  }
  const token = getCookie('_xsrf');
  if (token !== undefined) {
    // hls.js calls this before opening the request; headers can only be set on an opened one.
    if (xhr.readyState === 0) {
      xhr.open('GET', url, true);
    }
    xhr.setRequestHeader('X-XSRFToken', token);
  }
}
