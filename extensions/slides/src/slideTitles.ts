/**
 * A short title per slide, for the overview and go-to list: the slide's first markdown heading, else the first line
 * of text it shows. Pure, so the overview needs no rendered cells.
 */
import { SlideIndex } from './slideIndex';

/** What the titles need to know about a cell. */
export interface ITitleCell {
  cellType: string;
  source: string;
}

/** Longest title kept, in characters (the list shows one line per slide). */
export const MAX_TITLE_LENGTH = 60;

/** One title per horizontal slide; '' when the slide shows nothing with text. */
export function slideTitles(
  index: SlideIndex,
  cellOf: (id: string) => ITitleCell | undefined
): string[] {
  return index.slides.map((_, h) => {
    const cells = index
      .cellsOf(h)
      .map(cellOf)
      .filter((cell): cell is ITitleCell => cell !== undefined);
    const heading = cells
      .filter(cell => cell.cellType === 'markdown')
      .map(cell => firstHeading(cell.source))
      .find(text => text !== '');
    const line =
      heading ??
      cells.map(cell => firstLine(cell.source)).find(text => text !== '');
    return shorten(line ?? '');
  });
}

/** Text of the first markdown heading (`#` style or a setext underline), without markup. */
export function firstHeading(source: string): string {
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const atx = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i]);
    if (atx) {
      return plainText(atx[1]);
    }
    if (
      lines[i].trim() !== '' &&
      i + 1 < lines.length &&
      /^\s{0,3}(=+|-+)\s*$/.test(lines[i + 1])
    ) {
      return plainText(lines[i]);
    }
  }
  return '';
}

function firstLine(source: string): string {
  const line = source.split('\n').find(text => text.trim() !== '');
  return line === undefined ? '' : plainText(line);
}

/** Markdown inline markup and HTML tags removed; for display as text only. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/<[^>]*>/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/^\s*(#+|>|[-+*]\s|\d+\.\s)\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string): string {
  return text.length > MAX_TITLE_LENGTH
    ? `${text.slice(0, MAX_TITLE_LENGTH - 1).trimEnd()}…`
    : text;
}

/**
 * Slides that match what was typed in the go-to box: a number goes to that slide (1-based), words find titles
 * containing them (any case). Returns 0-based slide numbers, best first.
 */
export function matchSlides(
  titles: readonly string[],
  query: string
): number[] {
  const wanted = query.trim().toLowerCase();
  const all = titles.map((_, h) => h);
  if (wanted === '') {
    return all;
  }
  if (/^\d+$/.test(wanted)) {
    const number = Number.parseInt(wanted, 10) - 1;
    const exact = number >= 0 && number < titles.length ? [number] : [];
    // "1" also lists 10–19 after slide 1, as a typed prefix of a longer number.
    const prefixed = all.filter(
      h => h !== number && String(h + 1).startsWith(wanted)
    );
    return [...exact, ...prefixed];
  }
  const words = wanted.split(/\s+/);
  return all.filter(h => {
    const title = titles[h].toLowerCase();
    return words.every(word => title.includes(word));
  });
}
