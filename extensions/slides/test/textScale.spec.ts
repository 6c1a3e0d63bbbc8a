import {
  clampTextScale,
  DEFAULT_TEXT_SCALE,
  MAX_TEXT_SCALE,
  MIN_TEXT_SCALE,
  readTextScale,
  stepTextScale,
  writeTextScale
} from '../src/textScale';

describe('projector text size', () => {
  it('steps by 0.1 within the allowed range, without drifting', () => {
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      scale = stepTextScale(scale, 1);
    }
    expect(scale).toBeCloseTo(1.7, 10);
    expect(stepTextScale(MAX_TEXT_SCALE, 1)).toBe(MAX_TEXT_SCALE);
    expect(stepTextScale(MIN_TEXT_SCALE, -1)).toBeCloseTo(MIN_TEXT_SCALE, 10);
  });

  it('clamps odd values and falls back to the default for non-numbers', () => {
    expect(clampTextScale(10)).toBe(MAX_TEXT_SCALE);
    expect(clampTextScale(0)).toBeCloseTo(MIN_TEXT_SCALE, 10);
    expect(clampTextScale(Number.NaN)).toBe(DEFAULT_TEXT_SCALE);
  });

  it('reads and writes notebook metadata, keeping other ClassLab keys', () => {
    expect(readTextScale(undefined)).toBe(DEFAULT_TEXT_SCALE);
    expect(readTextScale({ slides: { text_scale: 'big' } })).toBe(
      DEFAULT_TEXT_SCALE
    );
    expect(readTextScale({ slides: { text_scale: 2 } })).toBe(2);
    const written = writeTextScale(
      { video: { x: 1 }, slides: { other: true } },
      2.0
    );
    expect(written).toEqual({
      video: { x: 1 },
      slides: { other: true, text_scale: 2 }
    });
    expect(writeTextScale('junk', 1.2)).toEqual({
      slides: { text_scale: 1.2 }
    });
  });
});
