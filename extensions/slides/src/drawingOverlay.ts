/**
 * Pen and laser pointer over the slideshow: a transparent canvas over the deck's slide area.
 *
 * Modes: off (the overlay lets every pointer event through, so cells stay editable), pen (pointer, touch or
 * stylus draws; a drawing is kept per subslide for as long as the deck is open, as vector data, and redrawn when
 * the deck is resized or the subslide comes back) and laser (a red dot with a short fading trail; nothing kept).
 * The DOM is made on first use; the pure parts (storage, smoothing, coordinates) are in `ink.ts`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import {
  farEnough,
  fadeTrail,
  growingSegment,
  IBoxSize,
  IInkPoint,
  IInkSegment,
  InkStore,
  ITrailPoint,
  pointerPressure,
  pressureWidth,
  simplify,
  slideKey,
  smoothSegments,
  strokeToPixels,
  widthFromPixels,
  widthToPixels
} from './ink';
import { ISlidePosition } from './slideIndex';

export type DrawingMode = 'off' | 'pen' | 'laser';

/** Set on the deck while pen or laser is on: clicks draw, and Escape turns the mode off before leaving. */
export const DRAWING_CLASS = 'jp-mod-drawing';
const MODE_CLASSES: Record<DrawingMode, string> = {
  off: '',
  pen: 'jp-mod-pen',
  laser: 'jp-mod-laser'
};

/** Pen line width at normal pressure, in CSS pixels of the slide box it is drawn in. */
const PEN_WIDTH_PX = 5;
/** Pointer moves shorter than this (CSS pixels) are not added to a stroke: jitter, not drawing. */
const MIN_POINT_DISTANCE_PX = 1.5;
/** How far (CSS pixels) a kept stroke may stray from what was drawn, to store fewer points. */
const SIMPLIFY_TOLERANCE_PX = 0.6;
/** How long the laser trail takes to fade (milliseconds). */
const LASER_TRAIL_MS = 300;
const LASER_RADIUS_PX = 7;
/** Fallbacks when the theme variables are missing: a magenta readable on white and on near-black. */
const DEFAULT_PEN_COLOR = '#e6007e';
const DEFAULT_LASER_COLOR = '#ff1f1f';

/** What the overlay needs from the deck. */
export interface IDrawingHost {
  /** The deck's node: the overlay covers it. */
  readonly node: HTMLElement;
  readonly position: ISlidePosition | null;
  readonly positionChanged: ISignal<object, ISlidePosition>;
}

export class DrawingOverlay implements IDisposable {
  /** `slideArea`: the element the slides are laid out in; the overlay covers exactly its box. */
  constructor(host: IDrawingHost, slideArea: HTMLElement) {
    this._host = host;
    this._slideArea = slideArea;
    host.positionChanged.connect(this._onMoved, this);
  }

  get mode(): DrawingMode {
    return this._mode;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Strokes of each subslide (kept while the deck is open). */
  get ink(): InkStore {
    return this._store;
  }

  /** Switch mode; `badge` is the short text shown while a mode is on (e.g. "Pen — Esc to stop"). */
  setMode(mode: DrawingMode, badge = ''): void {
    if (this._isDisposed) {
      return;
    }
    const dom = this._ensureDom();
    this._finishStroke();
    this._laserAt = null;
    this._trail = [];
    this._paintLaser();
    const node = this._host.node;
    for (const each of Object.values(MODE_CLASSES)) {
      if (each) {
        node.classList.remove(each);
      }
    }
    this._mode = mode;
    node.classList.toggle(DRAWING_CLASS, mode !== 'off');
    if (mode !== 'off') {
      node.classList.add(MODE_CLASSES[mode]);
    }
    dom.badge.textContent = mode === 'off' ? '' : badge;
    dom.badge.hidden = mode === 'off' || !badge;
  }

  /** Erase the drawing on the current subslide; false when there was none. */
  clear(): boolean {
    this._finishStroke();
    const key = this._currentKey();
    const cleared = key !== null && this._store.clear(key);
    this._paintInk();
    return cleared;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._host.positionChanged.disconnect(this._onMoved, this);
    const node = this._host.node;
    node.classList.remove(DRAWING_CLASS);
    for (const each of Object.values(MODE_CLASSES)) {
      if (each) {
        node.classList.remove(each);
      }
    }
    if (this._frame) {
      cancelAnimationFrame(this._frame);
    }
    this._resizeObserver?.disconnect();
    this._dom?.root.remove();
    this._dom = null;
    this._store.clearAll();
  }

  handleEvent(event: Event): void {
    const pointer = event as PointerEvent;
    switch (event.type) {
      case 'pointerdown':
        this._onPointerDown(pointer);
        break;
      case 'pointermove':
        this._onPointerMove(pointer);
        break;
      case 'pointerup':
      case 'pointercancel':
        if (pointer.pointerId === this._live?.pointerId) {
          this._addPoints(pointer);
          this._finishStroke();
        }
        if (this._mode === 'laser' && pointer.pointerType !== 'mouse') {
          this._laserAt = null;
          this._scheduleLaser();
        }
        break;
      case 'pointerleave':
        if (this._mode === 'laser') {
          this._laserAt = null;
          this._scheduleLaser();
        }
        break;
    }
  }

  private _ensureDom(): IOverlayDom {
    if (this._dom) {
      return this._dom;
    }
    const root = document.createElement('div');
    root.className = 'jp-ClassLabSlides-drawing';
    const ink = document.createElement('canvas');
    ink.className = 'jp-ClassLabSlides-ink';
    const laser = document.createElement('canvas');
    laser.className = 'jp-ClassLabSlides-laser';
    const badge = document.createElement('div');
    badge.className = 'jp-ClassLabSlides-drawingBadge';
    badge.setAttribute('role', 'status');
    badge.hidden = true;
    root.append(ink, laser, badge);
    this._host.node.appendChild(root);
    for (const type of [
      'pointerdown',
      'pointermove',
      'pointerup',
      'pointercancel',
      'pointerleave'
    ]) {
      root.addEventListener(type, this);
    }
    this._dom = { root, ink, laser, badge };
    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this._resize());
      this._resizeObserver.observe(this._host.node);
      this._resizeObserver.observe(this._slideArea);
    }
    this._resize();
    return this._dom;
  }

  /** Cover the slide area; match the canvases' pixels to its size times the device pixel ratio; redraw. */
  private _resize(): void {
    const dom = this._dom;
    if (!dom) {
      return;
    }
    const area = this._slideArea.getBoundingClientRect();
    const host = this._host.node.getBoundingClientRect();
    const { width, height } = area;
    Object.assign(dom.root.style, {
      left: `${area.left - host.left - this._host.node.clientLeft}px`,
      top: `${area.top - host.top - this._host.node.clientTop}px`,
      width: `${width}px`,
      height: `${height}px`
    });
    const ratio = window.devicePixelRatio || 1;
    this._size = { width, height };
    this._ratio = ratio;
    for (const canvas of [dom.ink, dom.laser]) {
      const w = Math.max(1, Math.round(width * ratio));
      const h = Math.max(1, Math.round(height * ratio));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
    }
    this._trail = [];
    this._paintInk();
    this._paintLaser();
  }

  private _currentKey(): string | null {
    const position = this._host.position;
    return position ? slideKey(position.h, position.v) : null;
  }

  private _onMoved(): void {
    this._finishStroke();
    this._paintInk();
  }

  /** A 2D context in CSS pixels, cleared. */
  private _context(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
    const ctx = canvas.getContext('2d');
    if (!ctx) {
      return null;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(this._ratio, 0, 0, this._ratio, 0, 0);
    return ctx;
  }

  private _paintInk(): void {
    const dom = this._dom;
    if (!dom) {
      return;
    }
    const ctx = this._context(dom.ink);
    const key = this._currentKey();
    if (!ctx || key === null || this._size.width <= 0) {
      return;
    }
    for (const stroke of this._store.strokes(key)) {
      const points = strokeToPixels(stroke, this._size);
      const width = widthToPixels(stroke.width, this._size);
      for (const segment of smoothSegments(points)) {
        drawSegment(ctx, segment, width, stroke.color);
      }
    }
  }

  private _onPointerDown(event: PointerEvent): void {
    if (this._mode === 'off') {
      return;
    }
    event.preventDefault();
    // Keep the keys working (Escape, P, arrows): the deck, not a cell editor, has focus while drawing.
    if (document.activeElement !== this._host.node) {
      this._host.node.focus({ preventScroll: true });
    }
    if (this._mode === 'laser') {
      this._onPointerMove(event);
      return;
    }
    const key = this._currentKey();
    if (this._live || event.button !== 0 || key === null || !this._dom) {
      return;
    }
    this._dom.root.setPointerCapture?.(event.pointerId);
    const box = this._dom.root.getBoundingClientRect();
    this._live = {
      pointerId: event.pointerId,
      key,
      box,
      color: this._color('--jp-classlab-slides-pen-color', DEFAULT_PEN_COLOR),
      points: []
    };
    this._addPoints(event);
  }

  private _onPointerMove(event: PointerEvent): void {
    if (this._mode === 'laser' && this._dom) {
      const box = this._dom.root.getBoundingClientRect();
      const now = performance.now();
      for (const each of coalesced(event)) {
        const point = {
          x: each.clientX - box.left,
          y: each.clientY - box.top,
          t: now
        };
        this._trail.push(point);
        this._laserAt = point;
      }
      this._scheduleLaser();
    } else if (this._live && event.pointerId === this._live.pointerId) {
      this._addPoints(event);
    }
  }

  /** Add the event's positions to the stroke being drawn and draw the new pieces at once. */
  private _addPoints(event: PointerEvent): void {
    const live = this._live;
    const ctx = this._dom?.ink.getContext('2d');
    if (!live || !ctx) {
      return;
    }
    const width = PEN_WIDTH_PX;
    for (const each of coalesced(event)) {
      const point: IInkPoint = {
        x: each.clientX - live.box.left,
        y: each.clientY - live.box.top,
        p: pointerPressure(each.pointerType, each.pressure)
      };
      const points = live.points;
      if (!farEnough(points[points.length - 1], point, MIN_POINT_DISTANCE_PX)) {
        continue;
      }
      points.push(point);
      const piece = growingSegment(points);
      if (piece) {
        drawSegment(ctx, piece, width, live.color);
      }
    }
  }

  /** Store the stroke being drawn (simplified, in slide-box fractions) and redraw the slide from the store. */
  private _finishStroke(): void {
    const live = this._live;
    if (!live) {
      return;
    }
    this._live = null;
    if (this._dom?.root.hasPointerCapture?.(live.pointerId)) {
      this._dom.root.releasePointerCapture(live.pointerId);
    }
    const { width, height } = live.box;
    if (live.points.length && width > 0 && height > 0) {
      const size: IBoxSize = { width, height };
      this._store.add(live.key, {
        points: simplify(live.points, SIMPLIFY_TOLERANCE_PX).map(point => ({
          x: point.x / width,
          y: point.y / height,
          p: point.p
        })),
        width: widthFromPixels(PEN_WIDTH_PX, size),
        color: live.color
      });
    }
    this._paintInk();
  }

  private _scheduleLaser(): void {
    if (!this._frame) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._paintLaser();
      });
    }
  }

  /** Draw the laser dot and its fading trail; keeps animating while the trail fades. */
  private _paintLaser(): void {
    const dom = this._dom;
    if (!dom) {
      return;
    }
    const ctx = this._context(dom.laser);
    if (!ctx) {
      return;
    }
    const color = this._color(
      '--jp-classlab-slides-laser-color',
      DEFAULT_LASER_COLOR
    );
    const trail = fadeTrail(this._trail, performance.now(), LASER_TRAIL_MS);
    this._trail = trail;
    ctx.strokeStyle = color;
    ctx.lineCap = 'round';
    for (let i = 1; i < trail.length; i++) {
      ctx.globalAlpha = trail[i].alpha * 0.6;
      ctx.lineWidth = LASER_RADIUS_PX * 1.4 * trail[i].alpha;
      ctx.beginPath();
      ctx.moveTo(trail[i - 1].x, trail[i - 1].y);
      ctx.lineTo(trail[i].x, trail[i].y);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    const at = this._laserAt;
    if (at) {
      ctx.fillStyle = color;
      ctx.shadowColor = color;
      ctx.shadowBlur = LASER_RADIUS_PX * 2;
      ctx.beginPath();
      ctx.arc(at.x, at.y, LASER_RADIUS_PX, 0, 2 * Math.PI);
      ctx.fill();
      ctx.shadowBlur = 0;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.7)';
      ctx.beginPath();
      ctx.arc(at.x, at.y, LASER_RADIUS_PX / 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (trail.length > 1) {
      this._scheduleLaser();
    }
  }

  private _color(variable: string, fallback: string): string {
    return (
      getComputedStyle(this._host.node).getPropertyValue(variable).trim() ||
      fallback
    );
  }

  private _host: IDrawingHost;
  private _slideArea: HTMLElement;
  private _mode: DrawingMode = 'off';
  private _isDisposed = false;
  private _store = new InkStore();
  private _dom: IOverlayDom | null = null;
  private _resizeObserver: ResizeObserver | null = null;
  private _size: IBoxSize = { width: 0, height: 0 };
  private _ratio = 1;
  private _live: ILiveStroke | null = null;
  private _trail: ITrailPoint[] = [];
  private _laserAt: ITrailPoint | null = null;
  private _frame = 0;
}

interface IOverlayDom {
  root: HTMLDivElement;
  ink: HTMLCanvasElement;
  laser: HTMLCanvasElement;
  badge: HTMLDivElement;
}

/** A stroke being drawn: pixels relative to the box it started in. */
interface ILiveStroke {
  pointerId: number;
  key: string;
  box: DOMRect;
  color: string;
  points: IInkPoint[];
}

/** The positions a pointer event stands for (a fast stylus reports several per frame). */
function coalesced(event: PointerEvent): PointerEvent[] {
  const events =
    event.type === 'pointermove' ? event.getCoalescedEvents?.() : undefined;
  return events && events.length ? events : [event];
}

/** One smoothed piece of a stroke; a piece of zero length (a tap) is a round dot. */
function drawSegment(
  ctx: CanvasRenderingContext2D,
  segment: IInkSegment,
  width: number,
  color: string
): void {
  const lineWidth = width * pressureWidth(segment.p);
  const { from, control, to } = segment;
  if (
    from.x === to.x &&
    from.y === to.y &&
    control.x === from.x &&
    control.y === from.y
  ) {
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(from.x, from.y, lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.quadraticCurveTo(control.x, control.y, to.x, to.y);
  ctx.stroke();
}
