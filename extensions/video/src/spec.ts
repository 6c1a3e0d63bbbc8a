/**
 * Reading a video spec from untrusted notebook data (cell metadata, a MIME output) and the URL policy every
 * media URL goes through. Nothing here touches the DOM: the player builds its elements from what passes.
 *
 * Messages are English: they name what the notebook got wrong, for the author; the player shows them inside a
 * translated frame ("This video cannot be shown: …").
 */
import type {
  ICaptionTrack,
  IChapter,
  IVideoSpec,
  VideoSourceKind
} from './tokens';

/** A value, or why there is none. */
export type Checked<T> = T | { error: string };

/** Whether a checked value is the error. */
export function isError<T extends object>(
  value: Checked<T>
): value is { error: string } {
  return typeof (value as { error?: unknown }).error === 'string';
}

/** YouTube video ids: exactly 11 of A–Z, a–z, 0–9, `_`, `-`. */
export const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

/** The longest URL or path we accept (a spec is metadata, not a data store). */
export const MAX_URL_LENGTH = 2048;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// C0 controls, DEL and C1 controls: browsers strip tabs and newlines out of URLs ("java\nscript:"), so refuse them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const YOUTUBE_HOSTS = new Set([
  'youtube.com',
  'www.youtube.com',
  'm.youtube.com',
  'music.youtube.com',
  'youtube-nocookie.com',
  'www.youtube-nocookie.com'
]);

/**
 * The URL policy: a path relative to the notebook's folder, or an absolute http: / https: URL. Everything else
 * (javascript:, data:, blob:, file:, vbscript:, `//host`, a leading `/`, backslashes, control characters) is
 * refused with a message saying why.
 *
 * @returns the value (trimmed) or an error.
 */
export function checkMediaUrl(value: unknown): Checked<{ url: string }> {
  if (typeof value !== 'string') {
    return { error: 'A media URL must be a string.' };
  }
  const url = value.trim();
  if (url === '') {
    return { error: 'A media URL is empty.' };
  }
  if (url.length > MAX_URL_LENGTH) {
    return {
      error: `A media URL is longer than ${MAX_URL_LENGTH} characters.`
    };
  }
  if (CONTROL.test(url)) {
    return { error: 'A media URL contains control characters.' };
  }
  if (url.includes('\\')) {
    return {
      error: `"${url}" contains a backslash; use "/" between folders.`
    };
  }
  const scheme = SCHEME.exec(url)?.[1].toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') {
      return {
        error: `"${scheme}:" URLs are not allowed for media; use an http:, https: or relative URL.`
      };
    }
    if (!/^https?:\/\//i.test(url)) {
      return {
        error: `"${url}" is not a valid URL; write ${scheme}://host/….`
      };
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { error: `"${url}" is not a valid URL.` };
    }
    if (!parsed.hostname) {
      return { error: `"${url}" has no host name.` };
    }
    if (parsed.username || parsed.password) {
      return {
        error: `"${parsed.host}": URLs with a user name or password are not allowed.`
      };
    }
    return { url };
  }
  if (url.startsWith('//')) {
    return {
      error: `"${url}" points at another server without saying how; write https://… instead.`
    };
  }
  if (url.startsWith('/')) {
    return {
      error: `"${url}" starts with "/"; write the path relative to the notebook's folder.`
    };
  }
  return { url };
}

/** Whether a URL (that passed `checkMediaUrl`) is an absolute http(s) URL rather than a relative path. */
export function isAbsoluteUrl(url: string): boolean {
  return /^https?:/i.test(url);
}

/**
 * A YouTube video id from an id or a YouTube URL (watch?v=, youtu.be/, /embed/, /shorts/, /live/, /v/, and the
 * youtube-nocookie.com embed).
 */
export function parseYouTubeId(value: unknown): Checked<{ id: string }> {
  if (typeof value !== 'string') {
    return { error: 'A YouTube video id must be a string.' };
  }
  const text = value.trim();
  if (YOUTUBE_ID.test(text)) {
    return { id: text };
  }
  const notAnId = {
    error: `"${text.slice(0, 100)}" is not a YouTube video id (11 letters, digits, "_" or "-") or a YouTube video URL.`
  };
  if (!/^https?:\/\//i.test(text) || CONTROL.test(text)) {
    return notAnId;
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return notAnId;
  }
  const host = parsed.hostname.toLowerCase();
  const parts = parsed.pathname.split('/').filter(part => part !== '');
  let id: string | null = null;
  if (host === 'youtu.be' || host === 'www.youtu.be') {
    id = parts[0] ?? null;
  } else if (YOUTUBE_HOSTS.has(host)) {
    if (parts[0] === 'watch') {
      id = parsed.searchParams.get('v');
    } else if (
      ['embed', 'shorts', 'live', 'v'].includes(parts[0]) &&
      parts.length >= 2
    ) {
      id = parts[1];
    }
  }
  return id !== null && YOUTUBE_ID.test(id) ? { id } : notAnId;
}

/** The kind of a source that passed the URL policy: `.m3u8` (before any query or fragment) is HLS. */
export function inferKind(url: string): 'file' | 'hls' {
  const path = url.split(/[?#]/)[0];
  return /\.m3u8$/i.test(path) ? 'hls' : 'file';
}

/**
 * A time in seconds from a number or a "90", "1:30" or "1:02:03" string; null when it is not a finite time ≥ 0.
 */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : null;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const match = /^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!match) {
    return null;
  }
  const [, a, b, c] = match;
  const hours = a !== undefined && b !== undefined ? Number(a) : 0;
  const minutes = b !== undefined ? Number(b) : a !== undefined ? Number(a) : 0;
  const seconds = Number(c);
  if ((a !== undefined || b !== undefined) && seconds >= 60) {
    return null;
  }
  if (a !== undefined && b !== undefined && minutes >= 60) {
    return null;
  }
  return hours * 3600 + minutes * 60 + seconds;
}

/**
 * Parse untrusted JSON (cell metadata `classlab.video`, or an `application/vnd.classlab.video+json` output) into a
 * spec. Accepted fields: `src` (relative path or http(s) URL; `.m3u8` means HLS) or `youtube` (id or URL), `kind`,
 * `title`, `poster`, `autoplay`, `captions` [{src, lang, label, default}], `chapters` [{time, title, cell,
 * checkpoint}]. Unknown fields are ignored; a known field with a wrong value is an error.
 */
export function parseVideoSpec(raw: unknown): Checked<{ spec: IVideoSpec }> {
  if (!isPlainObject(raw)) {
    return { error: 'The video spec must be a JSON object.' };
  }
  const kindValue = raw.kind;
  if (
    kindValue !== undefined &&
    kindValue !== 'file' &&
    kindValue !== 'hls' &&
    kindValue !== 'youtube'
  ) {
    return {
      error: `Unknown video kind ${JSON.stringify(kindValue)}; use "file", "hls" or "youtube".`
    };
  }
  let kind: VideoSourceKind;
  const spec: Partial<IVideoSpec> = {};

  const youtubeSource =
    raw.youtube !== undefined
      ? raw.youtube
      : kindValue === 'youtube' ||
          (typeof raw.src === 'string' &&
            kindValue === undefined &&
            !isError(parseYouTubeId(raw.src)) &&
            /^https?:/i.test(raw.src.trim()))
        ? raw.src
        : undefined;
  if (youtubeSource !== undefined) {
    if (kindValue !== undefined && kindValue !== 'youtube') {
      return {
        error: `A YouTube video cannot have kind "${kindValue}".`
      };
    }
    const id = parseYouTubeId(youtubeSource);
    if (isError(id)) {
      return id;
    }
    kind = 'youtube';
    spec.youtube = id.id;
  } else {
    if (raw.src === undefined) {
      return {
        error:
          'The video spec has no source: give "src" (a file or URL) or "youtube" (a video id).'
      };
    }
    const src = checkMediaUrl(raw.src);
    if (isError(src)) {
      return src;
    }
    kind = kindValue ?? inferKind(src.url);
    spec.src = src.url;
  }

  if (raw.title !== undefined) {
    if (typeof raw.title !== 'string') {
      return { error: 'The video title must be a string.' };
    }
    const title = raw.title.trim();
    if (title) {
      spec.title = title.slice(0, 500);
    }
  }
  if (raw.poster !== undefined && raw.poster !== null) {
    const poster = checkMediaUrl(raw.poster);
    if (isError(poster)) {
      return { error: `Poster: ${poster.error}` };
    }
    spec.poster = poster.url;
  }
  if (raw.autoplay !== undefined) {
    if (typeof raw.autoplay !== 'boolean') {
      return { error: '"autoplay" must be true or false.' };
    }
    if (raw.autoplay) {
      spec.autoplay = true;
    }
  }

  const captions = parseCaptions(raw.captions);
  if (isError(captions)) {
    return captions;
  }
  const chapters = parseChapters(raw.chapters);
  if (isError(chapters)) {
    return chapters;
  }
  return {
    spec: {
      ...spec,
      kind,
      captions: captions.captions,
      chapters: chapters.chapters
    }
  };
}

function parseCaptions(raw: unknown): Checked<{ captions: ICaptionTrack[] }> {
  if (raw === undefined || raw === null) {
    return { captions: [] };
  }
  if (!Array.isArray(raw)) {
    return { error: '"captions" must be a list of tracks.' };
  }
  const captions: ICaptionTrack[] = [];
  for (const [index, item] of raw.entries()) {
    const where = `Captions track ${index + 1}`;
    if (!isPlainObject(item)) {
      return { error: `${where} must be an object with "src" and "lang".` };
    }
    const src = checkMediaUrl(item.src);
    if (isError(src)) {
      return { error: `${where}: ${src.error}` };
    }
    if (typeof item.lang !== 'string' || !LANGUAGE.test(item.lang.trim())) {
      return {
        error: `${where}: "lang" must be a language tag such as "en" or "zh-CN".`
      };
    }
    const lang = item.lang.trim();
    if (item.label !== undefined && typeof item.label !== 'string') {
      return { error: `${where}: "label" must be a string.` };
    }
    const label = (item.label ?? '').trim().slice(0, 100) || lang;
    if (item.default !== undefined && typeof item.default !== 'boolean') {
      return { error: `${where}: "default" must be true or false.` };
    }
    const track: ICaptionTrack = { src: src.url, lang, label };
    if (item.default) {
      if (captions.some(each => each.default)) {
        return { error: 'At most one captions track can be the default.' };
      }
      track.default = true;
    }
    captions.push(track);
  }
  return { captions };
}

function parseChapters(raw: unknown): Checked<{ chapters: IChapter[] }> {
  if (raw === undefined || raw === null) {
    return { chapters: [] };
  }
  if (!Array.isArray(raw)) {
    return { error: '"chapters" must be a list.' };
  }
  const chapters: IChapter[] = [];
  for (const [index, item] of raw.entries()) {
    const where = `Chapter ${index + 1}`;
    if (!isPlainObject(item)) {
      return { error: `${where} must be an object with "time" and "title".` };
    }
    const time = parseTime(item.time);
    if (time === null) {
      return {
        error: `${where}: "time" must be seconds (a number ≥ 0) or "m:ss".`
      };
    }
    if (typeof item.title !== 'string') {
      return { error: `${where}: "title" must be a string.` };
    }
    const chapter: IChapter = { time, title: item.title.trim().slice(0, 500) };
    if (item.cell !== undefined && item.cell !== null) {
      if (typeof item.cell !== 'string' || item.cell.trim() === '') {
        return { error: `${where}: "cell" must be a cell id.` };
      }
      chapter.cell = item.cell.trim();
    }
    if (item.checkpoint !== undefined) {
      if (typeof item.checkpoint !== 'boolean') {
        return { error: `${where}: "checkpoint" must be true or false.` };
      }
      if (item.checkpoint) {
        if (chapter.cell === undefined) {
          return {
            error: `${where}: a checkpoint needs the "cell" the student runs.`
          };
        }
        chapter.checkpoint = true;
      }
    }
    chapters.push(chapter);
  }
  // Stable: chapters at the same time keep their order.
  chapters.sort((a, b) => a.time - b.time);
  return { chapters };
}

/** Where relative media paths are served from, and the notebook's folder they are relative to. */
export interface IMediaLocation {
  /** The server's base URL, e.g. `/user/ada/` (ends with "/"; added when missing). */
  baseUrl: string;
  /**
   * The notebook's folder relative to the server root, e.g. "lessons/week1" ("" for the root). A drive prefix
   * ("RTC:") is ignored.
   */
  notebookDir: string;
}

/**
 * The URL a media source plays from: an absolute http(s) URL unchanged; a relative path served by the bridge's
 * authenticated media handler, `{baseUrl}classlab/media/{notebookDir}/{src}`, each path segment URL-encoded.
 * A path whose `..` climbs above the server root is refused. Call only with values that passed `checkMediaUrl`.
 */
export function resolveMediaUrl(
  src: string,
  location: IMediaLocation
): Checked<{ url: string }> {
  const checked = checkMediaUrl(src);
  if (isError(checked)) {
    return checked;
  }
  if (isAbsoluteUrl(checked.url)) {
    return { url: checked.url };
  }
  const dir = location.notebookDir.replace(/^[^/:]+:/, '');
  const segments: string[] = [];
  for (const part of [...dir.split('/'), ...checked.url.split('/')]) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      if (segments.length === 0) {
        return {
          error: `"${checked.url}" points outside the folders this server serves.`
        };
      }
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  if (segments.length === 0) {
    return { error: `"${checked.url}" does not name a file.` };
  }
  const base = location.baseUrl.endsWith('/')
    ? location.baseUrl
    : `${location.baseUrl}/`;
  return {
    url: `${base}classlab/media/${segments.map(encodeURIComponent).join('/')}`
  };
}

/** The privacy-enhanced embed URL of a YouTube id (which must already match `YOUTUBE_ID`). */
export function youtubeEmbedUrl(id: string): string {
  if (!YOUTUBE_ID.test(id)) {
    throw new Error(`Not a YouTube video id: ${id}`);
  }
  return `https://www.youtube-nocookie.com/embed/${id}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
