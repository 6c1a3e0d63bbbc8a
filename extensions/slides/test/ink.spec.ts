import {
  DEFAULT_PRESSURE,
  fadeTrail,
  farEnough,
  growingSegment,
  IInkPoint,
  IInkStroke,
  InkStore,
  normalise,
  pointerPressure,
  pressureWidth,
  simplify,
  slideKey,
  smoothSegments,
  strokeToPixels,
  toPixels,
  widthFromPixels,
  widthToPixels
} from '../src/ink';

const point = (x: number, y: number, p = DEFAULT_PRESSURE): IInkPoint => ({
  x,
  y,
  p
});

const stroke = (...points: IInkPoint[]): IInkStroke => ({
  points,
  width: 0.01,
  color: '#e6007e'
});

describe('ink store', () => {
  it('keeps strokes per subslide, in the order drawn', () => {
    const store = new InkStore();
    const a = stroke(point(0.1, 0.1));
    const b = stroke(point(0.2, 0.2));
    const c = stroke(point(0.3, 0.3));
    store.add(slideKey(0, 0), a);
    store.add(slideKey(1, 0), b);
    store.add(slideKey(0, 0), c);
    expect(slideKey(2, 1)).toBe('2/1');
    expect(store.strokes('0/0')).toEqual([a, c]);
    expect(store.strokes('1/0')).toEqual([b]);
    expect(store.strokes('1/1')).toEqual([]);
    expect(store.keys.sort()).toEqual(['0/0', '1/0']);
  });

  it('clears one subslide, or all of them; ignores empty strokes', () => {
    const store = new InkStore();
    store.add('0/0', stroke(point(0.1, 0.1)));
    store.add('0/1', stroke(point(0.1, 0.1)));
    store.add('0/2', stroke());
    expect(store.keys).not.toContain('0/2');
    expect(store.clear('0/0')).toBe(true);
    expect(store.clear('0/0')).toBe(false);
    expect(store.strokes('0/0')).toEqual([]);
    expect(store.strokes('0/1')).toHaveLength(1);
    store.clearAll();
    expect(store.keys).toEqual([]);
  });
});

describe('coordinates', () => {
  const box = { left: 100, top: 50, width: 800, height: 400 };

  it('normalises client positions to the slide box, clamped to it', () => {
    expect(normalise(500, 250, box)).toEqual({ x: 0.5, y: 0.5 });
    expect(normalise(100, 50, box)).toEqual({ x: 0, y: 0 });
    expect(normalise(2000, -10, box)).toEqual({ x: 1, y: 0 });
    expect(normalise(10, 10, { ...box, width: 0, height: 0 })).toEqual({
      x: 0,
      y: 0
    });
  });

  it('puts a stroke back in the same place of a resized box', () => {
    const { x, y } = normalise(300, 150, box);
    expect(toPixels({ x, y }, { width: 800, height: 400 })).toEqual({
      x: 200,
      y: 100
    });
    // Twice as big: the same place on the slide, twice as far from its corner.
    expect(toPixels({ x, y }, { width: 1600, height: 800 })).toEqual({
      x: 400,
      y: 200
    });
    const drawn = { ...stroke(point(x, y, 0.8)), width: 0.01 };
    expect(strokeToPixels(drawn, { width: 1600, height: 800 })).toEqual([
      { x: 400, y: 200, p: 0.8 }
    ]);
  });

  it('scales line widths with the shorter side of the box', () => {
    const width = widthFromPixels(5, { width: 1000, height: 500 });
    expect(width).toBeCloseTo(0.01, 10);
    expect(widthToPixels(width, { width: 1000, height: 500 })).toBeCloseTo(5);
    expect(widthToPixels(width, { width: 400, height: 2000 })).toBeCloseTo(4);
    expect(widthFromPixels(5, { width: 0, height: 500 })).toBe(0);
  });
});

describe('pressure', () => {
  it('uses a stylus pressure, and the default for mouse and touch', () => {
    expect(pointerPressure('pen', 0.9)).toBe(0.9);
    expect(pointerPressure('pen', 0)).toBe(DEFAULT_PRESSURE);
    expect(pointerPressure('mouse', 1)).toBe(DEFAULT_PRESSURE);
    expect(pointerPressure('touch', 1)).toBe(DEFAULT_PRESSURE);
  });

  it('gives the normal width at the default pressure, thinner and thicker around it', () => {
    expect(pressureWidth(DEFAULT_PRESSURE)).toBeCloseTo(1, 10);
    expect(pressureWidth(0)).toBeLessThan(1);
    expect(pressureWidth(1)).toBeGreaterThan(1);
    expect(pressureWidth(5)).toBe(pressureWidth(1));
  });
});

describe('simplifying and smoothing', () => {
  it('drops points on a straight line, keeps the corners and both ends', () => {
    const line = [0, 1, 2, 3, 4, 5].map(i => point(i, i));
    expect(simplify(line, 0.1)).toEqual([line[0], line[5]]);
    const corner = [
      point(0, 0),
      point(5, 0.01),
      point(10, 0),
      point(10, 5),
      point(10, 10)
    ];
    expect(simplify(corner, 0.1)).toEqual([corner[0], corner[2], corner[4]]);
    expect(simplify(corner, 0)).toEqual(corner);
    expect(simplify(corner.slice(0, 2), 5)).toEqual(corner.slice(0, 2));
  });

  it('keeps every point that strays more than the tolerance', () => {
    const zigzag = [0, 1, 2, 3, 4].map(i => point(i * 10, i % 2 ? 3 : 0));
    expect(simplify(zigzag, 1)).toEqual(zigzag);
    expect(simplify(zigzag, 5)).toEqual([zigzag[0], zigzag[4]]);
  });

  it('skips pointer jitter below the minimum distance', () => {
    expect(farEnough(undefined, { x: 0, y: 0 }, 2)).toBe(true);
    expect(farEnough({ x: 0, y: 0 }, { x: 1, y: 1 }, 2)).toBe(false);
    expect(farEnough({ x: 0, y: 0 }, { x: 2, y: 0 }, 2)).toBe(true);
  });

  it('joins quadratic pieces at midpoints, from the first point to the last', () => {
    expect(smoothSegments([])).toEqual([]);
    const dot = smoothSegments([point(3, 4)]);
    expect(dot).toHaveLength(1);
    expect(dot[0].from).toEqual(dot[0].to);

    const points = [point(0, 0), point(10, 0), point(10, 10), point(0, 10)];
    const pieces = smoothSegments(points);
    expect(pieces).toHaveLength(2);
    expect(pieces[0].from).toEqual(points[0]);
    expect(pieces[0].control).toEqual(points[1]);
    expect(pieces[0].to).toEqual({ x: 10, y: 5 });
    expect(pieces[1].from).toEqual(pieces[0].to); // no gaps, no corners
    expect(pieces[1].to).toEqual(points[3]);
    expect(smoothSegments(points.slice(0, 2))[0].to).toEqual(points[1]);
  });

  it('draws the same pieces while drawing as when redrawing (the last one then reaches the last point)', () => {
    const points = [0, 1, 2, 3, 4, 5].map(i =>
      point(i * 10, (i * i) % 7, 0.2 + i / 10)
    );
    const live = points
      .map((_, i) => growingSegment(points.slice(0, i + 1)))
      .filter(piece => piece !== null);
    const redrawn = smoothSegments(points);
    expect(live[0]!.from).toEqual(live[0]!.to); // the first point: a dot at once
    expect(live).toHaveLength(redrawn.length + 1);
    expect(live.slice(1, -1)).toEqual(redrawn.slice(0, -1));
    const last = redrawn[redrawn.length - 1];
    expect(live[live.length - 1]).toEqual({ ...last, to: { x: 45, y: 3 } });
    expect(last.to).toEqual(points[5]);
    expect(growingSegment(points.slice(0, 2))).toBeNull();
  });
});

describe('laser trail', () => {
  it('fades points out over the duration and drops old ones', () => {
    const trail = [
      { x: 0, y: 0, t: 0 },
      { x: 1, y: 1, t: 150 },
      { x: 2, y: 2, t: 300 }
    ];
    const faded = fadeTrail(trail, 300, 300);
    expect(faded.map(p => p.x)).toEqual([1, 2]);
    expect(faded[0].alpha).toBeCloseTo(0.5, 10);
    expect(faded[1].alpha).toBe(1);
    expect(fadeTrail(trail, 1000, 300)).toEqual([]);
  });
});
