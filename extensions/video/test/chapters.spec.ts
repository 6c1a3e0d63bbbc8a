import {
  cellLabel,
  chaptersToRows,
  crossedCheckpoint,
  currentChapterIndex,
  formatTime,
  parseTime,
  rowsToChapters,
  videoCellSource,
  videoLinkTarget
} from '../src/chapters';
import { rawSpecFromInput, specToMetadata } from '../src/insertDialog';
import { isError, parseVideoSpec } from '../src/spec';
import type { IChapter, IVideoSpec } from '../src/tokens';

describe('times', () => {
  it.each([
    ['90', 90],
    ['12.5', 12.5],
    ['0:00', 0],
    ['1:30', 90],
    [' 2:05 ', 125],
    ['10:00', 600],
    ['1:02:03', 3723],
    ['0:01.5', 1.5]
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseTime(text)).toBe(seconds);
  });

  it.each(['', 'abc', '1:60', '1:2:3:4', '-5', '1:75:00', '1:'])(
    'refuses %j',
    text => {
      expect(parseTime(text)).toBeNull();
    }
  );

  it.each([
    [0, '0:00'],
    [9.9, '0:09'],
    [90, '1:30'],
    [600, '10:00'],
    [3723, '1:02:03'],
    [-3, '0:00'],
    [NaN, '0:00']
  ])('writes %d seconds as %j', (seconds, text) => {
    expect(formatTime(seconds)).toBe(text);
  });

  it('round-trips through the form rows, keeping tenths', () => {
    const chapters: IChapter[] = [
      { time: 0, title: 'Start' },
      { time: 61.5, title: 'Loops', cell: 'abc', checkpoint: true }
    ];
    const rows = chaptersToRows(chapters);
    expect(rows).toEqual([
      { time: '0:00', title: 'Start', cell: '', checkpoint: false },
      { time: '1:01.5', title: 'Loops', cell: 'abc', checkpoint: true }
    ]);
    expect(rowsToChapters(rows)).toEqual({ chapters });
  });
});

describe('current chapter', () => {
  const chapters: IChapter[] = [
    { time: 5, title: 'a' },
    { time: 10, title: 'b' },
    { time: 20, title: 'c' }
  ];

  it.each([
    [0, -1],
    [4.9, -1],
    [4.96, 0],
    [5, 0],
    [9.99, 1],
    [15, 1],
    [20, 2],
    [1000, 2]
  ])('at %d s is %d', (time, index) => {
    expect(currentChapterIndex(chapters, time)).toBe(index);
  });

  it('is -1 without chapters', () => {
    expect(currentChapterIndex([], 3)).toBe(-1);
  });
});

describe('checkpoints', () => {
  const chapters: IChapter[] = [
    { time: 0, title: 'intro' },
    { time: 4, title: 'try', cell: 'c1', checkpoint: true },
    { time: 8, title: 'no cell', checkpoint: true },
    { time: 12, title: 'more', cell: 'c2', checkpoint: true }
  ];

  it('stops when playing crosses a checkpoint', () => {
    expect(crossedCheckpoint(chapters, 3.8, 4.05)).toBe(1);
    expect(crossedCheckpoint(chapters, 3.9, 4)).toBe(1);
    expect(crossedCheckpoint(chapters, 11.9, 12.2)).toBe(3);
  });

  it('does not stop before or after it', () => {
    expect(crossedCheckpoint(chapters, 3, 3.9)).toBe(-1);
    expect(crossedCheckpoint(chapters, 4, 4.2)).toBe(-1);
  });

  it('does not stop on a seek over it, forwards or backwards', () => {
    expect(crossedCheckpoint(chapters, 1, 6)).toBe(-1);
    expect(crossedCheckpoint(chapters, 13, 2)).toBe(-1);
  });

  it('needs a linked cell', () => {
    expect(crossedCheckpoint(chapters, 7.9, 8.1)).toBe(-1);
  });

  it('does not stop again at a checkpoint already done', () => {
    expect(crossedCheckpoint(chapters, 3.9, 4.1, new Set([1]))).toBe(-1);
  });
});

describe('video cell source', () => {
  const file: IVideoSpec = {
    kind: 'file',
    src: 'media/lecture 1.mp4',
    title: 'Loops [part 1]',
    captions: [],
    chapters: []
  };

  it('is a plain markdown link to the file', () => {
    expect(videoLinkTarget(file)).toBe('media/lecture 1.mp4');
    expect(videoCellSource(file, 'Watch')).toBe(
      '[▶ Loops \\[part 1\\]](media/lecture%201.mp4)'
    );
  });

  it('links YouTube videos to their watch page', () => {
    const spec: IVideoSpec = {
      kind: 'youtube',
      youtube: 'dQw4w9WgXcQ',
      captions: [],
      chapters: []
    };
    expect(videoCellSource(spec, 'Watch the video')).toBe(
      '[▶ Watch the video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)'
    );
  });
});

describe('insert dialog input', () => {
  const parse = (source: string, title = '') => {
    const result = parseVideoSpec(rawSpecFromInput(source, title));
    return isError(result) ? result : specToMetadata(result.spec);
  };

  it('takes a file, an address, an HLS playlist and YouTube links or ids', () => {
    expect(parse('media/clip.mp4', ' Clip ')).toEqual({
      kind: 'file',
      src: 'media/clip.mp4',
      title: 'Clip'
    });
    expect(parse('https://example.org/a.webm')).toEqual({
      kind: 'file',
      src: 'https://example.org/a.webm'
    });
    expect(parse('https://example.org/live/index.m3u8')).toEqual({
      kind: 'hls',
      src: 'https://example.org/live/index.m3u8'
    });
    for (const youtube of [
      'dQw4w9WgXcQ',
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10',
      'https://youtu.be/dQw4w9WgXcQ'
    ]) {
      expect(parse(youtube)).toEqual({
        kind: 'youtube',
        youtube: 'dQw4w9WgXcQ'
      });
    }
  });

  it('leaves refusing bad addresses to the spec parser', () => {
    expect(parse('javascript:alert(1)')).toEqual({
      error: expect.stringContaining('"javascript:" URLs are not allowed')
    });
  });
});

describe('chapter form rows', () => {
  it('drops empty rows, sorts and reports mistakes by row', () => {
    expect(
      rowsToChapters([
        { time: '1:00', title: 'B', cell: '', checkpoint: false },
        { time: '', title: '', cell: '', checkpoint: false },
        { time: '0:10', title: 'A', cell: 'x', checkpoint: true }
      ])
    ).toEqual({
      chapters: [
        { time: 10, title: 'A', cell: 'x', checkpoint: true },
        { time: 60, title: 'B' }
      ]
    });
    expect(
      rowsToChapters([
        { time: 'soon', title: 'B', cell: '', checkpoint: false },
        { time: '5', title: ' ', cell: '', checkpoint: false },
        { time: '6', title: 'C', cell: '', checkpoint: true }
      ])
    ).toEqual({
      errors: [
        { row: 0, problem: 'time' },
        { row: 1, problem: 'title' },
        { row: 2, problem: 'checkpointCell' }
      ]
    });
  });

  it('names cells by their first line', () => {
    expect(cellLabel('\n  # Loops\nmore')).toBe('# Loops');
    expect(cellLabel('x'.repeat(80), 10)).toBe('xxxxxxxxx…');
  });
});
