/**
 * Projector text size: one factor that scales markdown, code and outputs together, kept in the notebook under
 * `metadata.classlab.slides.text_scale` so the deck looks the same next lesson.
 */

export const DEFAULT_TEXT_SCALE = 1.5;
export const MIN_TEXT_SCALE = 0.8;
export const MAX_TEXT_SCALE = 3;
export const TEXT_SCALE_STEP = 0.1;

/** Clamp to the allowed range and round to the step, so repeated steps never drift. */
export function clampTextScale(value: number): number {
  if (!Number.isFinite(value)) {
    return DEFAULT_TEXT_SCALE;
  }
  const clamped = Math.min(MAX_TEXT_SCALE, Math.max(MIN_TEXT_SCALE, value));
  const steps = Math.round(clamped / TEXT_SCALE_STEP);
  return Number((steps * TEXT_SCALE_STEP).toFixed(2));
}

/** One step bigger (+1) or smaller (-1). */
export function stepTextScale(value: number, direction: 1 | -1): number {
  return clampTextScale(
    Math.round((value + direction * TEXT_SCALE_STEP) * 100) / 100
  );
}

/** The saved factor from notebook metadata `classlab`, or the default. */
export function readTextScale(classlab: unknown): number {
  const slides = (classlab as { slides?: { text_scale?: unknown } } | undefined)
    ?.slides;
  const value = slides?.text_scale;
  return typeof value === 'number' ? clampTextScale(value) : DEFAULT_TEXT_SCALE;
}

/** Notebook metadata `classlab` with the factor stored, other keys kept. */
export function writeTextScale(
  classlab: unknown,
  scale: number
): Record<string, unknown> {
  const base =
    typeof classlab === 'object' && classlab !== null
      ? (classlab as Record<string, unknown>)
      : {};
  const slides =
    typeof base.slides === 'object' && base.slides !== null
      ? (base.slides as object)
      : {};
  return { ...base, slides: { ...slides, text_scale: clampTextScale(scale) } };
}
