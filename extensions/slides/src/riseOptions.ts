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
  /** Slide size in pixels, or a percentage of the panel as RISE allowed ("100%"). */
  width: number | string;
  height: number | string;
}

export const DEFAULT_RISE_OPTIONS: IRiseOptions = {
  transition: 'fade',
  startAt: 'selected',
  autolaunch: false,
  scroll: true,
  width: 1280,
  height: 720
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

function apply(
  raw: Record<string, unknown>,
  key: string,
  options: IRiseOptions,
  problems: string[]
): void {
  const ignore = (name: string) =>
    problems.push(
      `metadata.${key}.${name} = ${JSON.stringify(raw[name])} ignored`
    );
  const oneOf = <T extends string>(
    name: string,
    allowed: readonly T[]
  ): T | undefined => {
    const value = raw[name];
    if (value === undefined) {
      return undefined;
    }
    if (
      typeof value === 'string' &&
      (allowed as readonly string[]).includes(value)
    ) {
      return value as T;
    }
    ignore(name);
    return undefined;
  };
  const flag = (name: string): boolean | undefined => {
    const value = raw[name];
    if (value === undefined) {
      return undefined;
    }
    if (typeof value === 'boolean') {
      return value;
    }
    ignore(name);
    return undefined;
  };
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined) {
      return undefined;
    }
    if (typeof value === 'string') {
      return value;
    }
    ignore(name);
    return undefined;
  };
  const size = (name: string): number | string | undefined => {
    const value = raw[name];
    if (value === undefined) {
      return undefined;
    }
    if (typeof value === 'number' && value > 0 && Number.isFinite(value)) {
      return value;
    }
    if (typeof value === 'string' && /^\d+(\.\d+)?%$/.test(value)) {
      return value;
    }
    if (typeof value === 'string' && /^\d+(\.\d+)?(px)?$/.test(value)) {
      return Number.parseFloat(value);
    }
    ignore(name);
    return undefined;
  };

  const theme = oneOf('theme', REVEAL_THEMES);
  const transition = oneOf('transition', REVEAL_TRANSITIONS);
  const startAt = oneOf('start_slideshow_at', [
    'beginning',
    'selected'
  ] as const);
  const autolaunch = flag('autolaunch');
  const scroll = flag('scroll');
  const header = text('header');
  const footer = text('footer');
  const width = size('width');
  const height = size('height');

  Object.assign(
    options,
    Object.fromEntries(
      Object.entries({
        theme,
        transition,
        startAt,
        autolaunch,
        scroll,
        header,
        footer,
        width,
        height
      }).filter(([, value]) => value !== undefined)
    )
  );
}
