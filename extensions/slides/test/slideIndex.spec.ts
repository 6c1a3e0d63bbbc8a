import {
  ISlideCell,
  readHeadingLevel,
  readSlideType,
  SlideIndex,
  SlideType
} from '../src/slideIndex';

/** Cells from a compact spec: "id:type" with type a slide type or empty for none. */
function cells(...specs: string[]): ISlideCell[] {
  return specs.map(spec => {
    const [id, type] = spec.split(':');
    return {
      id,
      cellType: 'code',
      slideType: type ? (type as SlideType) : undefined
    };
  });
}

/** The structure as nested ids: slides → subslides → fragments → cell ids. */
function shape(index: SlideIndex): string[][][][] {
  return index.slides.map(slide =>
    slide.subslides.map(sub =>
      sub.fragments.map(frag => frag.cells.map(cell => cell.id))
    )
  );
}

describe('SlideIndex (nbconvert rules)', () => {
  it('opens a slide at each "slide" and continues with "-" or no type', () => {
    const index = SlideIndex.build(
      cells('a:slide', 'b:-', 'c', 'd:slide', 'e')
    );
    expect(shape(index)).toEqual([[[['a', 'b', 'c']]], [[['d', 'e']]]]);
    expect(index.automatic).toBe(false);
    expect(index.length).toBe(2);
  });

  it('makes the first shown cell a slide whatever its type', () => {
    for (const first of ['-', 'subslide', 'fragment', 'slide'] as SlideType[]) {
      const index = SlideIndex.build(cells(`a:${first}`, 'b:slide'));
      expect(shape(index)).toEqual([[[['a']]], [[['b']]]]);
    }
  });

  it('stacks subslides vertically inside their slide', () => {
    const index = SlideIndex.build(
      cells('a:slide', 'b:subslide', 'c', 'd:subslide', 'e:slide')
    );
    expect(shape(index)).toEqual([[[['a']], [['b', 'c']], [['d']]], [[['e']]]]);
  });

  it('splits fragments inside subslides, and a new subslide or slide ends them', () => {
    const index = SlideIndex.build(
      cells(
        'a:slide',
        'b:fragment',
        'c',
        'd:fragment',
        'e:subslide',
        'f:fragment',
        'g:slide',
        'h'
      )
    );
    expect(shape(index)).toEqual([
      [
        [['a'], ['b', 'c'], ['d']],
        [['e'], ['f']]
      ],
      [[['g', 'h']]]
    ]);
  });

  it('leaves skipped cells out and attaches notes to the current subslide', () => {
    const index = SlideIndex.build(
      cells(
        'a:slide',
        'n1:notes',
        'b:fragment',
        's:skip',
        'n2:notes',
        'c',
        'd:subslide',
        'n3:notes'
      )
    );
    expect(shape(index)).toEqual([[[['a'], ['b', 'c']], [['d']]]]);
    expect(index.slides[0].subslides[0].notes).toEqual(['n1', 'n2']);
    expect(index.slides[0].subslides[1].notes).toEqual(['n3']);
  });

  it('notes and skips do not end a fragment', () => {
    const index = SlideIndex.build(
      cells('a:slide', 'b:fragment', 'n:notes', 's:skip', 'c:-')
    );
    expect(shape(index)).toEqual([[[['a'], ['b', 'c']]]]);
  });

  it('gives notes before the first shown cell to the first subslide', () => {
    const index = SlideIndex.build(
      cells('n:notes', 's:skip', 'a:-', 'b:slide')
    );
    expect(shape(index)).toEqual([[[['a']]], [[['b']]]]);
    expect(index.slides[0].subslides[0].notes).toEqual(['n']);
  });

  it('has no slides when every cell is skipped or a note', () => {
    const index = SlideIndex.build(cells('a:skip', 'b:notes'));
    expect(index.length).toBe(0);
    expect(index.locate('a')).toBeNull();
    expect(index.firstCell(0)).toBeNull();
  });

  it('handles an empty notebook', () => {
    expect(SlideIndex.build([]).length).toBe(0);
  });

  it('treats the Jupyter Book remove-cell tag like skip', () => {
    const index = SlideIndex.build([
      { id: 'a', cellType: 'markdown', slideType: 'slide' },
      { id: 'b', cellType: 'code', tags: ['remove-cell'] },
      { id: 'c', cellType: 'code' }
    ]);
    expect(shape(index)).toEqual([[[['a', 'c']]]]);
  });

  it('shows output only or input only for code cells tagged hide-input / hide-output', () => {
    const index = SlideIndex.build([
      { id: 'a', cellType: 'code', slideType: 'slide', tags: ['hide-input'] },
      { id: 'b', cellType: 'code', tags: ['hide-output'] },
      { id: 'c', cellType: 'code', tags: ['hide-input', 'hide-output'] },
      { id: 'd', cellType: 'markdown', tags: ['hide-input'] }
    ]);
    expect(index.slides[0].subslides[0].fragments[0].cells).toEqual([
      { id: 'a', show: 'output' },
      { id: 'b', show: 'input' },
      { id: 'c', show: 'all' },
      { id: 'd', show: 'all' }
    ]);
  });
});

describe('SlideIndex positions', () => {
  const index = SlideIndex.build(
    cells(
      's0:skip',
      'a:slide',
      'b:fragment',
      's1:skip',
      'n:notes',
      'c:subslide',
      'd:slide',
      's2:skip'
    )
  );

  it('locates shown cells at their slide, subslide and fragment', () => {
    expect(index.locate('a')).toEqual({ h: 0, v: 0, f: 0 });
    expect(index.locate('b')).toEqual({ h: 0, v: 0, f: 1 });
    expect(index.locate('c')).toEqual({ h: 0, v: 1, f: 0 });
    expect(index.locate('d')).toEqual({ h: 1, v: 0, f: 0 });
  });

  it('locates notes at their subslide and skipped cells at the shown cell before them', () => {
    expect(index.locate('n')).toEqual({ h: 0, v: 0, f: 0 });
    expect(index.locate('s1')).toEqual({ h: 0, v: 0, f: 1 });
    expect(index.locate('s2')).toEqual({ h: 1, v: 0, f: 0 });
    expect(index.locate('s0')).toEqual({ h: 0, v: 0, f: 0 }); // before the first shown cell: the first slide
    expect(index.locate('nope')).toBeNull();
  });

  it('names the first cell of each subslide and the cells of each slide', () => {
    expect(index.firstCell(0)).toBe('a');
    expect(index.firstCell(0, 1)).toBe('c');
    expect(index.firstCell(1)).toBe('d');
    expect(index.firstCell(2)).toBeNull();
    expect(index.cellsOf(0)).toEqual(['a', 'b', 'c']);
    expect(index.cellsOf(5)).toEqual([]);
  });
});

describe('SlideIndex without slide metadata (automatic slides from headings)', () => {
  const notebook = (levels: (number | undefined)[]): ISlideCell[] =>
    levels.map((headingLevel, i) => ({
      id: `c${i}`,
      cellType: headingLevel === undefined ? 'code' : 'markdown',
      headingLevel
    }));

  it('starts a slide at each heading of level 1 or 2 by default', () => {
    const index = SlideIndex.build(
      notebook([1, undefined, 2, 3, undefined, 2])
    );
    expect(index.automatic).toBe(true);
    expect(shape(index)).toEqual([
      [[['c0', 'c1']]],
      [[['c2', 'c3', 'c4']]],
      [[['c5']]]
    ]);
  });

  it('follows the configured level, and 0 makes one slide', () => {
    expect(
      SlideIndex.build(notebook([1, 2, 3]), { autoHeadingLevel: 3 }).length
    ).toBe(3);
    expect(
      SlideIndex.build(notebook([1, 2, 3]), { autoHeadingLevel: 1 }).length
    ).toBe(1);
    expect(
      SlideIndex.build(notebook([1, 2, 3]), { autoHeadingLevel: 0 }).length
    ).toBe(1);
  });

  it('puts content before the first heading on a slide of its own', () => {
    expect(shape(SlideIndex.build(notebook([undefined, 2])))).toEqual([
      [[['c0']]],
      [[['c1']]]
    ]);
  });

  it('ignores "-" as metadata, but any real slide type switches to the metadata rules', () => {
    const dashes = notebook([2, undefined, 2]).map(cell => ({
      ...cell,
      slideType: '-' as SlideType
    }));
    expect(SlideIndex.build(dashes).automatic).toBe(true);
    const oneMarked = notebook([2, undefined, 2]);
    oneMarked[1].slideType = 'fragment';
    const index = SlideIndex.build(oneMarked);
    expect(index.automatic).toBe(false);
    expect(shape(index)).toEqual([[[['c0'], ['c1', 'c2']]]]);
  });
});

describe('SlideIndex structure comparison', () => {
  it('notices metadata edits that change the deck, and only those', () => {
    const before = SlideIndex.build(cells('a:slide', 'b', 'c:slide'));
    expect(
      before.sameStructureAs(SlideIndex.build(cells('a:slide', 'b', 'c:slide')))
    ).toBe(true);
    expect(
      before.sameStructureAs(
        SlideIndex.build(cells('a:slide', 'b:-', 'c:slide'))
      )
    ).toBe(true);
    expect(
      before.sameStructureAs(
        SlideIndex.build(cells('a:slide', 'b:fragment', 'c:slide'))
      )
    ).toBe(false);
    expect(
      before.sameStructureAs(
        SlideIndex.build(cells('a:slide', 'b:notes', 'c:slide'))
      )
    ).toBe(false);
    expect(
      before.sameStructureAs(SlideIndex.build(cells('a:slide', 'c:slide', 'b')))
    ).toBe(false);
  });
});

describe('readSlideType', () => {
  it('reads the standard metadata and rejects anything else', () => {
    for (const type of [
      'slide',
      'subslide',
      'fragment',
      '-',
      'skip',
      'notes'
    ]) {
      expect(readSlideType({ slideshow: { slide_type: type } })).toBe(type);
    }
    expect(readSlideType(undefined)).toBeUndefined();
    expect(readSlideType({})).toBeUndefined();
    expect(readSlideType({ slideshow: null })).toBeUndefined();
    expect(readSlideType({ slideshow: 'slide' })).toBeUndefined();
    expect(
      readSlideType({ slideshow: { slide_type: 'Slide' } })
    ).toBeUndefined();
    expect(readSlideType({ slideshow: { slide_type: 3 } })).toBeUndefined();
  });
});

describe('readHeadingLevel', () => {
  it('reads ATX headings', () => {
    expect(readHeadingLevel('# Title')).toBe(1);
    expect(readHeadingLevel('## Part\ntext')).toBe(2);
    expect(readHeadingLevel('\n\n###### Six')).toBe(6);
    expect(readHeadingLevel('#')).toBe(1);
    expect(readHeadingLevel('   ## indented')).toBe(2);
  });

  it('reads setext headings', () => {
    expect(readHeadingLevel('Title\n=====')).toBe(1);
    expect(readHeadingLevel('Part\n---\nmore')).toBe(2);
  });

  it('is undefined for text that only looks similar', () => {
    expect(readHeadingLevel('#hashtag')).toBeUndefined();
    expect(readHeadingLevel('####### seven')).toBeUndefined();
    expect(readHeadingLevel('    # code block')).toBeUndefined();
    expect(readHeadingLevel('text\n\n# later heading')).toBeUndefined();
    expect(readHeadingLevel('---\n---')).toBeUndefined();
    expect(readHeadingLevel('')).toBeUndefined();
  });
});
