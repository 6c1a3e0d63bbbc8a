import {
  checkMediaUrl,
  inferKind,
  isError,
  parseTime,
  parseVideoSpec,
  parseYouTubeId,
  resolveMediaUrl,
  youtubeEmbedUrl
} from '../src/spec';
import type { IVideoSpec } from '../src/tokens';

function ok(raw: unknown): IVideoSpec {
  const result = parseVideoSpec(raw);
  if (isError(result)) {
    throw new Error(`expected a spec, got: ${result.error}`);
  }
  return result.spec;
}

function refused(raw: unknown): string {
  const result = parseVideoSpec(raw);
  if (!isError(result)) {
    throw new Error(`expected an error, got ${JSON.stringify(result.spec)}`);
  }
  return result.error;
}

describe('checkMediaUrl (the URL policy)', () => {
  it.each([
    'lecture.mp4',
    'media/lecture.mp4',
    './media/lecture.mp4',
    '../shared/lecture.mp4',
    'week 1/lecture (final).mp4',
    'hls/index.m3u8',
    'http://example.org/a.mp4',
    'https://example.org/a.m3u8?token=1#x',
    'HTTPS://EXAMPLE.ORG/A.MP4',
    'https://127.0.0.1:8888/files/a.mp4',
    'folder/with:colon.mp4'
  ])('accepts %p', value => {
    expect(checkMediaUrl(value)).toEqual({ url: value });
  });

  it('trims surrounding spaces', () => {
    expect(checkMediaUrl('  a.mp4 \n')).toEqual({ url: 'a.mp4' });
  });

  it.each([
    ['javascript:alert(1)', /"javascript:" URLs are not allowed/],
    ['JavaScript:alert(1)', /"javascript:" URLs are not allowed/],
    ['  javascript:alert(1)', /"javascript:"/],
    ['data:video/mp4;base64,AAAA', /"data:" URLs are not allowed/],
    ['blob:https://example.org/1234', /"blob:" URLs are not allowed/],
    ['file:///etc/passwd', /"file:" URLs are not allowed/],
    ['vbscript:msgbox(1)', /"vbscript:" URLs are not allowed/],
    ['ftp://example.org/a.mp4', /"ftp:" URLs are not allowed/],
    ['ws://example.org/a', /"ws:" URLs are not allowed/],
    ['c:/videos/a.mp4', /"c:" URLs are not allowed/],
    ['//evil.example/a.mp4', /another server/],
    ['/etc/passwd', /starts with "\/"/],
    ['/\\evil.example/a.mp4', /backslash/],
    ['\\\\evil.example\\a.mp4', /backslash/],
    ['https:\\\\evil.example', /backslash/],
    ['media\\a.mp4', /backslash/],
    ['java\nscript:alert(1)', /control characters/],
    ['java\tscript:alert(1)', /control characters/],
    ['a\u0000.mp4', /control characters/],
    ['a\u0085.mp4', /control characters/],
    ['https://', /not a valid URL|no host/],
    ['http:example.org', /not a valid URL; write http:\/\/host/],
    ['https:/example.org/a.mp4', /not a valid URL/],
    ['https://user:secret@example.org/a.mp4', /user name or password/],
    ['', /empty/],
    ['   ', /empty/],
    ['x'.repeat(2049), /longer than 2048/]
  ])('refuses %j', (value, message) => {
    const result = checkMediaUrl(value);
    expect(isError(result)).toBe(true);
    expect((result as { error: string }).error).toMatch(message);
  });

  it.each([undefined, null, 42, {}, ['a.mp4'], true])(
    'refuses the non-string %p',
    value => {
      expect(checkMediaUrl(value)).toEqual({
        error: 'A media URL must be a string.'
      });
    }
  );
});

describe('parseYouTubeId', () => {
  const id = 'dQw4w9WgXcQ';
  it.each([
    id,
    ` ${id} `,
    'a-b_c-d_e-f',
    `https://www.youtube.com/watch?v=${id}`,
    `https://www.youtube.com/watch?feature=share&v=${id}&t=42`,
    `http://youtube.com/watch?v=${id}`,
    `https://m.youtube.com/watch?v=${id}`,
    `https://youtu.be/${id}`,
    `https://youtu.be/${id}?t=10`,
    `https://www.youtube.com/embed/${id}`,
    `https://www.youtube-nocookie.com/embed/${id}?start=3`,
    `https://www.youtube.com/shorts/${id}`,
    `https://www.youtube.com/live/${id}`
  ])('reads %p', value => {
    const result = parseYouTubeId(value);
    expect(isError(result)).toBe(false);
    expect((result as { id: string }).id).toHaveLength(11);
  });

  it.each([
    'dQw4w9WgXc',
    'dQw4w9WgXcQQ',
    'dQw4w9WgXc!',
    'dQw4w9WgXc/',
    '<script>x</script>',
    'javascript:alert(1)',
    `https://evil.example/watch?v=${id}`,
    `https://youtube.com.evil.example/watch?v=${id}`,
    `https://www.youtube.com/watch?v=${id}x`,
    `https://www.youtube.com/watch`,
    `https://www.youtube.com/channel/${id}`,
    `https://www.youtube.com/embed/`,
    `ftp://youtu.be/${id}`,
    `//youtu.be/${id}`,
    42,
    null
  ])('refuses %j', value => {
    expect(isError(parseYouTubeId(value))).toBe(true);
  });

  it('builds only the privacy-enhanced embed URL, from an id', () => {
    expect(youtubeEmbedUrl(id)).toBe(
      `https://www.youtube-nocookie.com/embed/${id}`
    );
    expect(() => youtubeEmbedUrl('x" onload="y')).toThrow();
  });
});

describe('inferKind', () => {
  it.each([
    ['a.m3u8', 'hls'],
    ['A.M3U8', 'hls'],
    ['https://cdn.example/live/index.m3u8?token=abc', 'hls'],
    ['https://cdn.example/live/index.m3u8#t=3', 'hls'],
    ['a.mp4', 'file'],
    ['a.webm', 'file'],
    ['a.m3u8.mp4', 'file'],
    ['https://cdn.example/a.mp4?x=.m3u8', 'file']
  ])('%p is %p', (url, kind) => {
    expect(inferKind(url)).toBe(kind);
  });
});

describe('parseTime', () => {
  it.each([
    [0, 0],
    [90, 90],
    [1.5, 1.5],
    ['90', 90],
    ['1:30', 90],
    ['01:02:03', 3723],
    ['0:05.5', 5.5],
    [' 2:00 ', 120]
  ])('%p is %p s', (value, seconds) => {
    expect(parseTime(value)).toBe(seconds);
  });

  it.each([
    -1,
    NaN,
    Infinity,
    -Infinity,
    '1:75',
    '1:60:00',
    'abc',
    '',
    '-3',
    '1e3',
    null,
    undefined,
    {}
  ])('%p is not a time', value => {
    expect(parseTime(value)).toBeNull();
  });
});

describe('parseVideoSpec', () => {
  it('reads a minimal file spec', () => {
    expect(ok({ src: 'lecture.mp4' })).toEqual({
      kind: 'file',
      src: 'lecture.mp4',
      captions: [],
      chapters: []
    });
  });

  it('infers HLS from .m3u8 and respects an explicit kind', () => {
    expect(ok({ src: 'hls/index.m3u8' }).kind).toBe('hls');
    expect(ok({ src: 'https://x.example/stream', kind: 'hls' }).kind).toBe(
      'hls'
    );
    expect(ok({ src: 'a.m3u8', kind: 'file' }).kind).toBe('file');
  });

  it('reads every field and ignores unknown ones', () => {
    const spec = ok({
      src: 'https://example.org/a.mp4',
      title: '  Loops  ',
      poster: 'poster.png',
      autoplay: true,
      whatever: { nested: true },
      onload: 'alert(1)',
      captions: [
        { src: 'en.vtt', lang: 'en', label: 'English', extra: 1 },
        { src: 'zh.vtt', lang: 'zh-CN', label: '中文', default: true }
      ],
      chapters: [
        { time: 60, title: 'Second' },
        { time: '0:00', title: 'Intro', cell: 'abc', checkpoint: false },
        { time: 30.5, title: 'Try', cell: 'cell-1', checkpoint: true }
      ]
    });
    expect(spec).toEqual({
      kind: 'file',
      src: 'https://example.org/a.mp4',
      title: 'Loops',
      poster: 'poster.png',
      autoplay: true,
      captions: [
        { src: 'en.vtt', lang: 'en', label: 'English' },
        { src: 'zh.vtt', lang: 'zh-CN', label: '中文', default: true }
      ],
      chapters: [
        { time: 0, title: 'Intro', cell: 'abc' },
        { time: 30.5, title: 'Try', cell: 'cell-1', checkpoint: true },
        { time: 60, title: 'Second' }
      ]
    });
  });

  it('keeps the order of chapters at the same time', () => {
    const spec = ok({
      src: 'a.mp4',
      chapters: [
        { time: 5, title: 'b' },
        { time: 1, title: 'a' },
        { time: 5, title: 'c' }
      ]
    });
    expect(spec.chapters.map(c => c.title)).toEqual(['a', 'b', 'c']);
  });

  it('labels a caption track by its language when it has no label', () => {
    expect(
      ok({ src: 'a.mp4', captions: [{ src: 'x.vtt', lang: 'de' }] })
    ).toMatchObject({ captions: [{ src: 'x.vtt', lang: 'de', label: 'de' }] });
  });

  it('reads YouTube ids and URLs, in "youtube" or in "src"', () => {
    const id = 'dQw4w9WgXcQ';
    for (const raw of [
      { youtube: id },
      { youtube: `https://youtu.be/${id}` },
      { kind: 'youtube', src: id },
      { src: `https://www.youtube.com/watch?v=${id}` },
      { kind: 'youtube', youtube: id }
    ]) {
      expect(ok(raw)).toEqual({
        kind: 'youtube',
        youtube: id,
        captions: [],
        chapters: []
      });
    }
    // An 11-character relative path stays a file.
    expect(ok({ src: 'abcdefg.mp4' }).kind).toBe('file');
  });

  it.each([
    [null, /must be a JSON object/],
    ['lecture.mp4', /must be a JSON object/],
    [[{ src: 'a.mp4' }], /must be a JSON object/],
    [{}, /has no source/],
    [{ title: 'x' }, /has no source/],
    [{ src: 'javascript:alert(document.cookie)' }, /"javascript:" URLs/],
    [{ src: 'data:video/mp4;base64,AAAA' }, /"data:" URLs/],
    [{ src: 'file:///home/a.mp4' }, /"file:" URLs/],
    [{ src: '//evil.example/a.mp4' }, /another server/],
    [{ src: 42 }, /must be a string/],
    [{ src: 'a.mp4', kind: 'flash' }, /Unknown video kind "flash"/],
    [{ youtube: 'not an id' }, /not a YouTube video id/],
    [{ youtube: 'javascript:alert(1)' }, /not a YouTube video id/],
    [{ youtube: 'dQw4w9WgXcQ', kind: 'hls' }, /cannot have kind "hls"/],
    [{ kind: 'youtube', src: 'lecture.mp4' }, /not a YouTube video id/],
    [{ src: 'a.mp4', title: 3 }, /title must be a string/],
    [{ src: 'a.mp4', poster: 'javascript:x' }, /^Poster: "javascript:"/],
    [{ src: 'a.mp4', autoplay: 'yes' }, /"autoplay" must be true or false/],
    [{ src: 'a.mp4', captions: 'en.vtt' }, /"captions" must be a list/],
    [{ src: 'a.mp4', captions: ['en.vtt'] }, /Captions track 1 must be/],
    [
      { src: 'a.mp4', captions: [{ src: 'vbscript:x', lang: 'en' }] },
      /^Captions track 1: "vbscript:"/
    ],
    [{ src: 'a.mp4', captions: [{ src: 'a.vtt' }] }, /"lang" must be/],
    [
      { src: 'a.mp4', captions: [{ src: 'a.vtt', lang: 'en"><x' }] },
      /"lang" must be/
    ],
    [
      { src: 'a.mp4', captions: [{ src: 'a.vtt', lang: 'en', label: 1 }] },
      /"label" must be a string/
    ],
    [
      {
        src: 'a.mp4',
        captions: [{ src: 'a.vtt', lang: 'en', default: 'true' }]
      },
      /"default" must be true or false/
    ],
    [
      {
        src: 'a.mp4',
        captions: [
          { src: 'a.vtt', lang: 'en', default: true },
          { src: 'b.vtt', lang: 'de', default: true }
        ]
      },
      /At most one captions track can be the default/
    ],
    [{ src: 'a.mp4', chapters: {} }, /"chapters" must be a list/],
    [{ src: 'a.mp4', chapters: [3] }, /Chapter 1 must be an object/],
    [
      { src: 'a.mp4', chapters: [{ time: -1, title: 'x' }] },
      /Chapter 1: "time"/
    ],
    [
      { src: 'a.mp4', chapters: [{ time: Infinity, title: 'x' }] },
      /Chapter 1: "time"/
    ],
    [
      { src: 'a.mp4', chapters: [{ time: NaN, title: 'x' }] },
      /Chapter 1: "time"/
    ],
    [
      { src: 'a.mp4', chapters: [{ time: 1, title: 'a' }, { time: '1:99' }] },
      /Chapter 2: "time"/
    ],
    [{ src: 'a.mp4', chapters: [{ time: 1 }] }, /"title" must be a string/],
    [
      { src: 'a.mp4', chapters: [{ time: 1, title: 'a', cell: 3 }] },
      /"cell" must be a cell id/
    ],
    [
      { src: 'a.mp4', chapters: [{ time: 1, title: 'a', checkpoint: true }] },
      /a checkpoint needs the "cell"/
    ],
    [
      {
        src: 'a.mp4',
        chapters: [{ time: 1, title: 'a', cell: 'c', checkpoint: 1 }]
      },
      /"checkpoint" must be true or false/
    ]
  ])('refuses %j', (raw, message) => {
    expect(refused(raw)).toMatch(message);
  });

  it('accepts an empty title, a null poster and null lists', () => {
    expect(
      ok({ src: 'a.mp4', title: '  ', poster: null, captions: null })
    ).toEqual({ kind: 'file', src: 'a.mp4', captions: [], chapters: [] });
  });
});

describe('resolveMediaUrl', () => {
  const at = (notebookDir: string, baseUrl = '/user/ada/') => ({
    baseUrl,
    notebookDir
  });

  it('serves relative paths from the bridge media handler, next to the notebook', () => {
    expect(resolveMediaUrl('lecture.mp4', at('lessons/week1'))).toEqual({
      url: '/user/ada/classlab/media/lessons/week1/lecture.mp4'
    });
    expect(resolveMediaUrl('hls/index.m3u8', at(''))).toEqual({
      url: '/user/ada/classlab/media/hls/index.m3u8'
    });
    expect(resolveMediaUrl('./a.mp4', at('x', '/'))).toEqual({
      url: '/classlab/media/x/a.mp4'
    });
  });

  it('adds the missing slash to the base URL and ignores a drive prefix', () => {
    expect(resolveMediaUrl('a.mp4', at('RTC:lessons', '/base'))).toEqual({
      url: '/base/classlab/media/lessons/a.mp4'
    });
  });

  it('encodes each path segment', () => {
    expect(
      resolveMediaUrl('week 1/a#b?c%d&e.mp4', at('cours été', '/'))
    ).toEqual({
      url: '/classlab/media/cours%20%C3%A9t%C3%A9/week%201/a%23b%3Fc%25d%26e.mp4'
    });
  });

  it('follows .. inside the server root and refuses it above', () => {
    expect(resolveMediaUrl('../shared/a.mp4', at('lessons/week1'))).toEqual({
      url: '/user/ada/classlab/media/lessons/shared/a.mp4'
    });
    expect(resolveMediaUrl('../../a.mp4', at('lessons/week1'))).toEqual({
      url: '/user/ada/classlab/media/a.mp4'
    });
    for (const [src, dir] of [
      ['../../../etc/passwd', 'lessons/week1'],
      ['../a.mp4', ''],
      ['a/../../b.mp4', '']
    ]) {
      const result = resolveMediaUrl(src, at(dir));
      expect(result).toEqual({
        error: expect.stringMatching(/outside the folders this server serves/)
      });
    }
  });

  it('refuses a path naming no file', () => {
    expect(isError(resolveMediaUrl('.', at('')))).toBe(true);
    expect(isError(resolveMediaUrl('a/..', at('')))).toBe(true);
  });

  it('leaves absolute http(s) URLs unchanged', () => {
    for (const url of [
      'https://cdn.example/a b.m3u8?x=1',
      'http://example.org/a.mp4'
    ]) {
      expect(resolveMediaUrl(url, at('lessons'))).toEqual({ url });
    }
  });

  it('applies the URL policy again', () => {
    for (const url of ['javascript:alert(1)', '//evil/a', '/etc/passwd']) {
      expect(isError(resolveMediaUrl(url, at('')))).toBe(true);
    }
  });
});
