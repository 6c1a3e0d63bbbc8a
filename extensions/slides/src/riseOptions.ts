/**
 * Notebook metadata `rise` options (as jupyterlab-rise and classic RISE write them), read defensively: a value of
 * the wrong type is ignored with a message, never thrown, so a hand-edited notebook still presents.
 */

export const REVEAL_THEMES = [
  'simple',
  'white',
  'black',
  'beige',
  'blood',
  'league',
  'moon',
  'night',
  'serif',
  'sky',
  'solarized'
] as const;

export const REVEAL_TRANSITIONS = [
  'none',
  'fade',
  'slide',
  'convex',
  'concave',
  'zoom'
] as const;

export interface IRiseOptions {
  /** A reveal.js theme name; undefined follows the JupyterLab theme. */
  theme?: (typeof REVEAL_THEMES)[number];
  transition: (typeof REVEAL_TRANSITIONS)[number];
  /** Where the slideshow starts: the first slide, or the slide of the active cell. */
  startAt: 'beginning' | 'selected';
  autolaunch: boolean;
  /** Tall slides scroll (true) instead of being cut. */
  scroll: boolean;
  header?: string;
  footer?: string;
  /** Largest slide size in pixels, or a percentage of the panel as RISE allowed ("100%"); the slide is centred. */
  width: number | string;
  height: number | string;
}

export const DEFAULT_RISE_OPTIONS: IRiseOptions = {
  transition: 'fade',
  startAt: 'selected',
  autolaunch: false,
  scroll: true,
  // The whole panel, as the deck is laid out at scale 1 (CodeMirror needs that); a number narrows the slide.
  width: '100%',
  height: '100%'
};

export interface IReadRiseOptions {
  options: IRiseOptions;
  /** One line per ignored value, for the log. */
  problems: string[];
}

/** Options from notebook metadata: `livereveal` (older RISE) overridden by `rise`, both over the defaults. */
export function readRiseOptions(
  notebookMetadata: Readonly<Record<string, unknown>> | undefined
): IReadRiseOptions {
  const options: IRiseOptions = { ...DEFAULT_RISE_OPTIONS };
  const problems: string[] = [];
  for (const key of ['livereveal', 'rise']) {
    const raw = notebookMetadata?.[key];
    if (raw === undefined) {
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`metadata.${key} is not an object; ignored`);
      continue;
    }
    apply(raw as Record<string, unknown>, key, options, problems);
  }
  return { options, problems };
}

/** Parsers for one option value: the accepted value, or undefined to ignore it. */
const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (value: unknown): T | undefined =>
    (allowed as readonly unknown[]).includes(value) ? (value as T) : undefined;
const flag = (value: unknown): boolean | undefined =>
  typeof value === 'boolean' ? value : undefined;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const size = (value: unknown): number | string | undefined => {
  if (typeof value === 'number') {
    return value > 0 && Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === 'string' && /^\d+(\.\d+)?%$/.test(value)) {
    return value;
  }
  if (typeof value === 'string' && /^\d+(\.\d+)?(px)?$/.test(value)) {
    return Number.parseFloat(value);
  }
  return undefined;
};

function apply(
  raw: Record<string, unknown>,
  key: string,
  options: IRiseOptions,
  problems: string[]
): void {
  // Absent stays absent; present but not accepted is reported once and ignored.
  const take = <T>(
    name: string,
    parse: (value: unknown) => T | undefined
  ): T | undefined => {
    if (raw[name] === undefined) {
      return undefined;
    }
    const value = parse(raw[name]);
    if (value === undefined) {
      problems.push(
        `metadata.${key}.${name} = ${JSON.stringify(raw[name])} ignored`
      );
    }
    return value;
  };

  const read = {
    theme: take('theme', oneOf(REVEAL_THEMES)),
    transition: take('transition', oneOf(REVEAL_TRANSITIONS)),
    startAt: take(
      'start_slideshow_at',
      oneOf(['beginning', 'selected'] as const)
    ),
    autolaunch: take('autolaunch', flag),
    scroll: take('scroll', flag),
    header: take('header', text),
    footer: take('footer', text),
    width: take('width', size),
    height: take('height', size)
  };
  Object.assign(
    options,
    Object.fromEntries(
      Object.entries(read).filter(([, value]) => value !== undefined)
    )
  );
}
