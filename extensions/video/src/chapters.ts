/**
 * The pure parts of video cells and the chapter rail: times as m:ss, the chapter playing at a time, when a
 * checkpoint stops the video, and the plain markdown link a video cell holds. No DOM, no JupyterLab.
 */
import { parseTime as parseSpecTime } from './spec';
import type { IChapter, IVideoSpec } from './tokens';

/**
 * Reads a time typed by a teacher: seconds (`90`, `12.5`), `m:ss` (`1:30`) or `h:mm:ss` (`1:02:03`).
 * Returns the seconds, or null when the text is not a time (the spec parser's own rule).
 */
export function parseTime(text: string): number | null {
  return text.trim() ? parseSpecTime(text) : null;
}

/** Seconds as `m:ss`, or `h:mm:ss` from an hour on (whole seconds, rounded down). */
export function formatTime(seconds: number): string {
  const total = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * Index of the chapter playing at `time` (the last one that has started), or -1 before the first chapter.
 * `chapters` is sorted by time, as the spec parser leaves it.
 */
export function currentChapterIndex(
  chapters: IChapter[],
  time: number
): number {
  let current = -1;
  for (let i = 0; i < chapters.length; i++) {
    // A chapter counts as started a little before its time, so a seek to exactly its time lands in it.
    if (chapters[i].time <= time + 0.05) {
      current = i;
    } else {
      break;
    }
  }
  return current;
}

/** The biggest step between two time updates that still counts as playing on (not a seek over a checkpoint). */
export const MAX_PLAY_STEP = 1.5;

/**
 * Which checkpoint (index into `chapters`) playback reached between `previous` and `now`, or -1. Only plain
 * playing crosses a checkpoint: a seek (a jump backwards, or forwards by more than `MAX_PLAY_STEP`) does not,
 * and checkpoints already done (`done` holds their indices) never stop the video again.
 */
export function crossedCheckpoint(
  chapters: IChapter[],
  previous: number,
  now: number,
  done: ReadonlySet<number> = new Set()
): number {
  if (!(now > previous) || now - previous > MAX_PLAY_STEP) {
    return -1;
  }
  for (let i = 0; i < chapters.length; i++) {
    const chapter = chapters[i];
    if (
      chapter.checkpoint &&
      chapter.cell &&
      !done.has(i) &&
      chapter.time > previous &&
      chapter.time <= now
    ) {
      return i;
    }
  }
  return -1;
}

/** The address a video cell's markdown link points at: the file or URL, or the YouTube watch page. */
export function videoLinkTarget(spec: IVideoSpec): string {
  if (spec.kind === 'youtube' && spec.youtube) {
    return `https://www.youtube.com/watch?v=${spec.youtube}`;
  }
  return spec.src ?? '';
}

/** Characters that would end or break a markdown link text or destination. */
function escapeLinkText(text: string): string {
  return text.replace(/[\\[\]]/g, ch => `\\${ch}`).replace(/\s+/g, ' ');
}

function escapeLinkTarget(target: string): string {
  // Spaces and parentheses would end the destination; `<…>` would change its meaning.
  return target.replace(/[ ()<>]/g, ch => encodeURIComponent(ch));
}

/**
 * The source of a video cell: one plain markdown link, `[▶ <title>](<address>)`, so the notebook reads well on
 * GitHub or in nbconvert where there is no player. `fallbackTitle` is used when the spec has no title.
 */
export function videoCellSource(
  spec: IVideoSpec,
  fallbackTitle: string
): string {
  const title = escapeLinkText(spec.title?.trim() || fallbackTitle);
  return `[▶ ${title}](${escapeLinkTarget(videoLinkTarget(spec))})`;
}

/** A chapter as a row of the chapter form: the time as typed, the other fields as they are. */
export interface IChapterRow {
  time: string;
  title: string;
  cell: string;
  checkpoint: boolean;
}

/** What is wrong with one row of the chapter form. */
export interface IChapterRowError {
  row: number;
  problem: 'time' | 'title' | 'checkpointCell';
}

/**
 * Turns the chapter form's rows into chapters (sorted by time), or says which rows are wrong. Empty rows
 * (no time, no title) are dropped. A checkpoint needs a linked cell.
 */
export function rowsToChapters(
  rows: IChapterRow[]
): { chapters: IChapter[] } | { errors: IChapterRowError[] } {
  const chapters: IChapter[] = [];
  const errors: IChapterRowError[] = [];
  rows.forEach((row, index) => {
    if (!row.time.trim() && !row.title.trim()) {
      return;
    }
    const time = parseTime(row.time);
    if (time === null) {
      errors.push({ row: index, problem: 'time' });
      return;
    }
    if (!row.title.trim()) {
      errors.push({ row: index, problem: 'title' });
      return;
    }
    if (row.checkpoint && !row.cell) {
      errors.push({ row: index, problem: 'checkpointCell' });
      return;
    }
    const chapter: IChapter = { time, title: row.title.trim() };
    if (row.cell) {
      chapter.cell = row.cell;
    }
    if (row.checkpoint) {
      chapter.checkpoint = true;
    }
    chapters.push(chapter);
  });
  if (errors.length) {
    return { errors };
  }
  chapters.sort((a, b) => a.time - b.time);
  return { chapters };
}

/** The form's rows for existing chapters. */
export function chaptersToRows(chapters: IChapter[]): IChapterRow[] {
  return chapters.map(chapter => ({
    time: formatTime(chapter.time) + fraction(chapter.time),
    title: chapter.title,
    cell: chapter.cell ?? '',
    checkpoint: chapter.checkpoint === true
  }));
}

/** Keeps the tenths of a time that `formatTime` drops, so editing chapters does not move them. */
function fraction(seconds: number): string {
  const rest = Math.round((seconds - Math.floor(seconds)) * 10) / 10;
  return rest > 0 && rest < 1 ? String(rest).slice(1) : '';
}

/** The first line of a cell's source, shortened, to name the cell in a list. */
export function cellLabel(source: string, max = 60): string {
  const line =
    source
      .split('\n')
      .map(each => each.trim())
      .find(each => each.length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
