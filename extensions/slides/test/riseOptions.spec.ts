import { DEFAULT_RISE_OPTIONS, readRiseOptions } from '../src/riseOptions';

describe('readRiseOptions', () => {
  it('gives the defaults for a notebook without options', () => {
    expect(readRiseOptions(undefined)).toEqual({
      options: DEFAULT_RISE_OPTIONS,
      problems: []
    });
    expect(readRiseOptions({ kernelspec: {} }).options).toEqual(
      DEFAULT_RISE_OPTIONS
    );
  });

  it('reads the options RISE users set', () => {
    const { options, problems } = readRiseOptions({
      rise: {
        theme: 'night',
        transition: 'zoom',
        start_slideshow_at: 'beginning',
        autolaunch: true,
        scroll: false,
        header: '<b>Class 7B</b>',
        footer: 'Ms Li',
        width: '100%',
        height: 768
      }
    });
    expect(problems).toEqual([]);
    expect(options).toEqual({
      theme: 'night',
      transition: 'zoom',
      startAt: 'beginning',
      autolaunch: true,
      scroll: false,
      header: '<b>Class 7B</b>',
      footer: 'Ms Li',
      width: '100%',
      height: 768
    });
  });

  it('lets `rise` override the older `livereveal` key', () => {
    const { options } = readRiseOptions({
      livereveal: { theme: 'sky', transition: 'none' },
      rise: { theme: 'serif' }
    });
    expect(options.theme).toBe('serif');
    expect(options.transition).toBe('none');
  });

  it('accepts sizes written as "1024px" or "1024"', () => {
    expect(
      readRiseOptions({ rise: { width: '1024px', height: '600' } }).options
    ).toMatchObject({
      width: 1024,
      height: 600
    });
  });

  it('ignores wrong values with one message each, keeping the rest', () => {
    const { options, problems } = readRiseOptions({
      rise: {
        theme: 'comic-sans',
        autolaunch: 'yes',
        width: -5,
        height: 'tall',
        footer: 3,
        scroll: true
      }
    });
    expect(options).toEqual({ ...DEFAULT_RISE_OPTIONS, scroll: true });
    expect(problems).toEqual([
      'metadata.rise.theme = "comic-sans" ignored',
      'metadata.rise.autolaunch = "yes" ignored',
      'metadata.rise.footer = 3 ignored',
      'metadata.rise.width = -5 ignored',
      'metadata.rise.height = "tall" ignored'
    ]);
  });

  it('ignores a `rise` value that is not an object', () => {
    expect(readRiseOptions({ rise: 'on' })).toEqual({
      options: DEFAULT_RISE_OPTIONS,
      problems: ['metadata.rise is not an object; ignored']
    });
  });
});
