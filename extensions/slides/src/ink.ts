/**
 * Pen drawings on slides, as data: no canvas, no DOM, so it is unit-tested on its own.
 *
 * Points are kept as fractions of the slide box (x of its width, y of its height) so a drawing is redrawn in the
 * same place after the deck is resized; stroke widths are fractions of the box's shorter side. Strokes are kept
 * per subslide (`${h}/${v}`) for as long as the deck is open.
 */

/** A point of a stroke: position as a fraction of the slide box, and pen pressure (0…1; 0.5 without a stylus). */
export interface IInkPoint {
  x: number;
  y: number;
  p: number;
}

/** One pen stroke. */
export interface IInkStroke {
  points: IInkPoint[];
  /** Width at pressure 0.5, as a fraction of the slide box's shorter side. */
  width: number;
  /** CSS colour. */
  color: string;
}

/** A size in CSS pixels. */
export interface IBoxSize {
  width: number;
  height: number;
}

/** A box in client coordinates (what `getBoundingClientRect()` gives). */
export interface IClientBox extends IBoxSize {
  left: number;
  top: number;
}

/** A point in pixels. */
export interface IPixelPoint {
  x: number;
  y: number;
}

/** The pressure used for pointers that do not report one (mouse, most touch screens). */
export const DEFAULT_PRESSURE = 0.5;

/** The key strokes are kept under: one drawing per subslide, shared by its fragments. */
export function slideKey(h: number, v: number): string {
  return `${h}/${v}`;
}

/**
 * The pressure to draw with: a stylus's own (when it reports one), else the default. Mice report 0.5 while a
 * button is down and touch screens 0 or 1, neither of which is a real pressure.
 */
export function pointerPressure(pointerType: string, pressure: number): number {
  return pointerType === 'pen' && pressure > 0
    ? Math.min(1, pressure)
    : DEFAULT_PRESSURE;
}

/** Line width factor for a pressure: 1 at the default pressure, thinner for a light touch, thicker when pressed. */
export function pressureWidth(pressure: number): number {
  return 0.4 + 1.2 * Math.max(0, Math.min(1, pressure));
}

/** A client-coordinate position as a fraction of `box` (clamped to the box). */
export function normalise(
  clientX: number,
  clientY: number,
  box: IClientBox
): IPixelPoint {
  const clamp = (value: number) => Math.max(0, Math.min(1, value));
  return {
    x: box.width > 0 ? clamp((clientX - box.left) / box.width) : 0,
    y: box.height > 0 ? clamp((clientY - box.top) / box.height) : 0
  };
}

/** A normalised point back in pixels of a box of `size`. */
export function toPixels(point: IPixelPoint, size: IBoxSize): IPixelPoint {
  return { x: point.x * size.width, y: point.y * size.height };
}

/** A stroke width (fraction of the shorter side) in pixels of a box of `size`. */
export function widthToPixels(width: number, size: IBoxSize): number {
  return width * Math.min(size.width, size.height);
}

/** A width in pixels as a fraction of the shorter side of a box of `size`. */
export function widthFromPixels(pixels: number, size: IBoxSize): number {
  const side = Math.min(size.width, size.height);
  return side > 0 ? pixels / side : 0;
}

function distanceToSegment(
  p: IPixelPoint,
  a: IPixelPoint,
  b: IPixelPoint
): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t =
    length2 === 0
      ? 0
      : Math.max(
          0,
          Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2)
        );
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/**
 * Fewer points, same line: Ramer–Douglas–Peucker with `tolerance` in the points' own units. The first and last
 * points are always kept; a point is dropped only when the line without it stays within `tolerance`.
 */
export function simplify<T extends IPixelPoint>(
  points: readonly T[],
  tolerance: number
): T[] {
  if (points.length <= 2 || tolerance <= 0) {
    return [...points];
  }
  const keep = new Array<boolean>(points.length).fill(false);
  keep[0] = keep[points.length - 1] = true;
  const stack: Array<[number, number]> = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let farthest = -1;
    let distance = tolerance;
    for (let i = first + 1; i < last; i++) {
      const d = distanceToSegment(points[i], points[first], points[last]);
      if (d > distance) {
        distance = d;
        farthest = i;
      }
    }
    if (farthest >= 0) {
      keep[farthest] = true;
      stack.push([first, farthest], [farthest, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

/** Whether `next` is far enough from `last` to be worth adding to a stroke being drawn (pixels). */
export function farEnough(
  last: IPixelPoint | undefined,
  next: IPixelPoint,
  minDistance: number
): boolean {
  return !last || Math.hypot(next.x - last.x, next.y - last.y) >= minDistance;
}

/** A piece of a smoothed stroke: a quadratic curve from `from` to `to` bent towards `control`. */
export interface IInkSegment {
  from: IPixelPoint;
  control: IPixelPoint;
  to: IPixelPoint;
  /** Pressure for this piece (its control point's). */
  p: number;
}

const mid = (a: IPixelPoint, b: IPixelPoint): IPixelPoint => ({
  x: (a.x + b.x) / 2,
  y: (a.y + b.y) / 2
});

/**
 * A smooth line through `points` as quadratic pieces: each point is a control point and the midpoints between
 * neighbours are where pieces meet, so the line has no corners. The first piece starts at the first point and
 * the last ends at the last point; a single point gives one zero-length piece (a dot).
 */
export function smoothSegments(points: readonly IInkPoint[]): IInkSegment[] {
  const n = points.length;
  if (n === 0) {
    return [];
  }
  if (n === 1) {
    const [only] = points;
    return [{ from: only, control: only, to: only, p: only.p }];
  }
  if (n === 2) {
    const [a, b] = points;
    return [{ from: a, control: mid(a, b), to: b, p: (a.p + b.p) / 2 }];
  }
  const segments: IInkSegment[] = [];
  for (let i = 1; i < n - 1; i++) {
    segments.push({
      from: i === 1 ? points[0] : mid(points[i - 1], points[i]),
      control: points[i],
      to: i === n - 2 ? points[n - 1] : mid(points[i], points[i + 1]),
      p: points[i].p
    });
  }
  return segments;
}

/**
 * While a stroke is being drawn: the piece the newest point completes, so it can be drawn at once. The first
 * point alone is a dot; the second completes nothing yet; from the third on, each point completes the piece
 * around the point before it, as in `smoothSegments` (whose last piece, up to the final point, comes at the end).
 */
export function growingSegment(
  points: readonly IInkPoint[]
): IInkSegment | null {
  const n = points.length;
  if (n === 1) {
    return smoothSegments(points)[0];
  }
  if (n < 3) {
    return null;
  }
  return {
    from: n === 3 ? points[0] : mid(points[n - 3], points[n - 2]),
    control: points[n - 2],
    to: mid(points[n - 2], points[n - 1]),
    p: points[n - 2].p
  };
}

/** A stroke's points in pixels of a box of `size` (pressure kept). */
export function strokeToPixels(
  stroke: IInkStroke,
  size: IBoxSize
): IInkPoint[] {
  return stroke.points.map(point => ({ ...toPixels(point, size), p: point.p }));
}

/** The strokes of each subslide, kept in memory for as long as the deck is open. */
export class InkStore {
  /** Strokes drawn on a subslide, oldest first. */
  strokes(key: string): readonly IInkStroke[] {
    return this._strokes.get(key) ?? [];
  }

  add(key: string, stroke: IInkStroke): void {
    if (stroke.points.length === 0) {
      return;
    }
    const strokes = this._strokes.get(key);
    if (strokes) {
      strokes.push(stroke);
    } else {
      this._strokes.set(key, [stroke]);
    }
  }

  /** Erase the drawing of one subslide; false when there was none. */
  clear(key: string): boolean {
    return this._strokes.delete(key);
  }

  clearAll(): void {
    this._strokes.clear();
  }

  /** Subslides that have a drawing. */
  get keys(): string[] {
    return [...this._strokes.keys()];
  }

  private _strokes = new Map<string, IInkStroke[]>();
}

/** A laser pointer position with the time it was seen (milliseconds). */
export interface ITrailPoint extends IPixelPoint {
  t: number;
}

/**
 * The laser trail still visible at `now`: points younger than `duration`, each with its opacity (1 when new,
 * fading to 0 at `duration`).
 */
export function fadeTrail(
  trail: readonly ITrailPoint[],
  now: number,
  duration: number
): Array<ITrailPoint & { alpha: number }> {
  return trail
    .filter(point => now - point.t < duration)
    .map(point => ({
      ...point,
      alpha: Math.max(0, Math.min(1, 1 - (now - point.t) / duration))
    }));
}
