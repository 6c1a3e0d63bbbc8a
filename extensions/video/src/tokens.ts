/**
 * The shapes the video package shares between its modules: the video spec (as stored in
 * `cell.metadata.classlab.video` and in `application/vnd.classlab.video+json` outputs) and the player widget's
 * interface. The spec is untrusted notebook data: `spec.ts` parses it into these types or reports why not.
 */
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/** MIME type of a video output (`from classlab_bridge import Video`). */
export const VIDEO_MIME_TYPE = 'application/vnd.classlab.video+json';

/** Where a video plays from. */
export type VideoSourceKind =
  /** mp4 / webm (a file next to the notebook or an http(s) URL): plain `<video>`. */
  | 'file'
  /** HLS `.m3u8` (VOD or live): hls.js, or native HLS where hls.js is unsupported. */
  | 'hls'
  /** A YouTube video id, played by the privacy-enhanced embed. */
  | 'youtube';

/** A WebVTT captions track. */
export interface ICaptionTrack {
  /** Relative path (to the notebook's folder) or http(s) URL of a `.vtt` file. */
  src: string;
  /** BCP 47 language, e.g. "en", "zh-CN". */
  lang: string;
  /** What the captions menu shows, e.g. "English", "中文". */
  label: string;
  /** Shown by default. At most one track is default. */
  default?: boolean;
}

/** A chapter: a time in the video, a title, and optionally the notebook cell it is about. */
export interface IChapter {
  /** Seconds from the start (≥ 0). */
  time: number;
  title: string;
  /** Id of the notebook cell to try ("Try it"), highlighted while this chapter plays. */
  cell?: string;
  /**
   * Pause-and-practice: at this chapter's time the video pauses and asks the student to run `cell` before
   * going on. Needs `cell`.
   */
  checkpoint?: boolean;
}

/** A parsed, validated video spec. Every URL in it passed the URL policy. */
export interface IVideoSpec {
  kind: VideoSourceKind;
  /** For 'file' and 'hls': relative path or http(s) URL, as written in the notebook. */
  src?: string;
  /** For 'youtube': the 11-character video id. */
  youtube?: string;
  /** Optional title, shown above the player and used as the link text of a video cell. */
  title?: string;
  /** Optional poster image (relative or http(s)). */
  poster?: string;
  /** Start playing when shown. Honoured only in trusted notebooks (never for untrusted content). */
  autoplay?: boolean;
  captions: ICaptionTrack[];
  /** Sorted by time. */
  chapters: IChapter[];
}

/** What the player widget offers the rest of the package (chapter rail, video cells, document widget). */
export interface IVideoPlayer extends Widget {
  readonly spec: IVideoSpec;
  /** Current position in seconds (0 before metadata is loaded). */
  readonly currentTime: number;
  /** Duration in seconds; Infinity for a live stream; NaN before metadata is loaded. */
  readonly duration: number;
  readonly isLive: boolean;
  readonly paused: boolean;
  seek(seconds: number): void;
  play(): Promise<void>;
  pause(): void;
  /** Emits the position about four times a second while playing, and after each seek. */
  readonly timeChanged: ISignal<IVideoPlayer, number>;
  /** Emits on play, pause, end, and errors (with a message the user can read). */
  readonly stateChanged: ISignal<IVideoPlayer, IVideoPlayer.IState>;
}

export namespace IVideoPlayer {
  export interface IState {
    state: 'loading' | 'playing' | 'paused' | 'ended' | 'error';
    /** Translated, for the user; set for 'error'. */
    message?: string;
  }
}
