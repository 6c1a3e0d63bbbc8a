import { SlideIndex } from '../src/slideIndex';
import {
  firstHeading,
  matchSlides,
  MAX_TITLE_LENGTH,
  plainText,
  slideTitles
} from '../src/slideTitles';

describe('slide titles for the overview', () => {
  const sources: Record<string, { cellType: string; source: string }> = {
    a: { cellType: 'markdown', source: 'Some intro\n\n## Loops *in* Python' },
    b: { cellType: 'code', source: 'for i in range(3):\n    print(i)' },
    c: { cellType: 'code', source: '\n\nx = 1' },
    d: { cellType: 'markdown', source: '' }
  };
  const index = SlideIndex.build([
    { id: 'a', cellType: 'markdown', slideType: 'slide' },
    { id: 'b', cellType: 'code' },
    { id: 'c', cellType: 'code', slideType: 'slide' },
    { id: 'd', cellType: 'markdown', slideType: 'slide' }
  ]);

  it('takes the first heading, else the first line with text, else nothing', () => {
    expect(slideTitles(index, id => sources[id])).toEqual([
      'Loops in Python',
      'x = 1',
      ''
    ]);
  });

  it('skips cells it cannot find', () => {
    expect(slideTitles(index, () => undefined)).toEqual(['', '', '']);
  });

  it('reads setext headings and strips markup, links and HTML', () => {
    expect(firstHeading('Title\n=====\ntext')).toBe('Title');
    expect(firstHeading('# [Link](http://x) <b>bold</b> `code` #')).toBe(
      'Link bold code'
    );
    expect(firstHeading('no heading here')).toBe('');
    expect(plainText('> quoted  **strong**')).toBe('quoted strong');
  });

  it('shortens long titles to one line', () => {
    const long = 'word '.repeat(40);
    const [title] = slideTitles(
      SlideIndex.build([{ id: 'x', cellType: 'markdown' }]),
      () => ({ cellType: 'markdown', source: `# ${long}` })
    );
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(title.endsWith('…')).toBe(true);
  });
});

describe('go-to-slide matching', () => {
  const titles = Array.from({ length: 12 }, (_, h) => `Slide about ${h}`);
  titles[4] = 'Loops in Python';

  it('lists every slide for an empty query', () => {
    expect(matchSlides(titles, '  ')).toHaveLength(12);
  });

  it('goes to a slide by its 1-based number first, then numbers starting with it', () => {
    expect(matchSlides(titles, '1')).toEqual([0, 9, 10, 11]);
    expect(matchSlides(titles, '5')).toEqual([4]);
    expect(matchSlides(titles, '99')).toEqual([]);
    expect(matchSlides(titles, '0')).toEqual([]);
  });

  it('finds titles containing every word, in any case', () => {
    expect(matchSlides(titles, 'python LOOPS')).toEqual([4]);
    expect(matchSlides(titles, 'about 1')).toEqual([1, 10, 11]);
  });
});
