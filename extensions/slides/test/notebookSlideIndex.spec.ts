import { NotebookModel } from '@jupyterlab/notebook';

import { NotebookSlideIndex } from '../src/notebookSlideIndex';
import { SlideIndex } from '../src/slideIndex';

type CellSpec = {
  type?: 'code' | 'markdown';
  source?: string;
  slide?: string;
  tags?: string[];
};

function notebook(...specs: CellSpec[]): NotebookModel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(
    0,
    specs.map(spec => ({
      cell_type: spec.type ?? 'code',
      source: spec.source ?? '',
      metadata: {
        ...(spec.slide ? { slideshow: { slide_type: spec.slide } } : {}),
        ...(spec.tags ? { tags: spec.tags } : {})
      }
    }))
  );
  return model;
}

/** Slides as lists of cell sources, for readable expectations. */
function sources(model: NotebookModel, index: SlideIndex): string[][] {
  const byId = new Map(
    [...model.cells].map(cell => [cell.id, cell.sharedModel.getSource()])
  );
  return index.slides.map((_, h) => index.cellsOf(h).map(id => byId.get(id)!));
}

describe('NotebookSlideIndex', () => {
  let model: NotebookModel;
  let tracker: NotebookSlideIndex;
  let emitted: SlideIndex[];

  function follow(m: NotebookModel): void {
    model = m;
    tracker = new NotebookSlideIndex(model);
    emitted = [];
    tracker.changed.connect((_, index) => emitted.push(index));
  }

  afterEach(() => {
    tracker.dispose();
    model.dispose();
  });

  it('indexes the notebook it is given', () => {
    follow(
      notebook(
        { source: 'a', slide: 'slide' },
        { source: 'b' },
        { source: 'c', slide: 'slide' }
      )
    );
    expect(sources(model, tracker.index)).toEqual([['a', 'b'], ['c']]);
    expect(emitted).toEqual([]);
  });

  it('re-indexes when a slide type is set in the metadata', () => {
    follow(
      notebook(
        { source: 'a', slide: 'slide' },
        { source: 'b' },
        { source: 'c' }
      )
    );
    model.cells.get(2).setMetadata('slideshow', { slide_type: 'slide' });
    expect(emitted).toHaveLength(1);
    expect(sources(model, tracker.index)).toEqual([['a', 'b'], ['c']]);
  });

  it('re-indexes when cells are added, moved or deleted', () => {
    follow(
      notebook({ source: 'a', slide: 'slide' }, { source: 'b', slide: 'slide' })
    );
    model.sharedModel.insertCell(2, {
      cell_type: 'code',
      source: 'c',
      metadata: { slideshow: { slide_type: 'slide' } }
    });
    expect(sources(model, tracker.index)).toEqual([['a'], ['b'], ['c']]);
    model.sharedModel.moveCell(2, 0);
    expect(sources(model, tracker.index)).toEqual([['c'], ['a'], ['b']]);
    model.sharedModel.deleteCell(1);
    expect(sources(model, tracker.index)).toEqual([['c'], ['b']]);
    expect(emitted).toHaveLength(3);
  });

  it('stays quiet while code is typed or metadata that does not matter changes', () => {
    follow(notebook({ source: 'a', slide: 'slide' }, { source: 'b' }));
    const before = tracker.index;
    model.cells.get(1).sharedModel.updateSource(1, 1, ' + 1');
    model.cells.get(1).setMetadata('collapsed', true);
    model.cells.get(0).setMetadata('slideshow', { slide_type: 'slide' }); // same value again
    expect(emitted).toEqual([]);
    expect(tracker.index).toBe(before);
  });

  it('follows headings while the notebook has no slide metadata', () => {
    follow(
      notebook(
        { type: 'markdown', source: '# Title' },
        { source: 'x = 1' },
        { type: 'markdown', source: 'Plain text' }
      )
    );
    expect(tracker.index.automatic).toBe(true);
    expect(tracker.index.length).toBe(1);
    const text = model.cells.get(2);
    text.sharedModel.setSource('## Part two');
    expect(sources(model, tracker.index)).toEqual([
      ['# Title', 'x = 1'],
      ['## Part two']
    ]);
    text.sharedModel.setSource('## Part two, renamed'); // still a level-2 heading: no new structure
    text.sharedModel.setSource('Plain again');
    expect(emitted).toHaveLength(2);
    expect(tracker.index.length).toBe(1);
  });

  it('reads headings again when the last slide metadata is removed', () => {
    follow(
      notebook(
        { type: 'markdown', source: 'intro', slide: 'slide' },
        { type: 'markdown', source: 'text' }
      )
    );
    // Edited while metadata rules: not followed then, but must count once metadata is gone.
    model.cells.get(1).sharedModel.setSource('## Heading now');
    model.cells.get(0).deleteMetadata('slideshow');
    expect(tracker.index.automatic).toBe(true);
    expect(sources(model, tracker.index)).toEqual([
      ['intro'],
      ['## Heading now']
    ]);
  });

  it('follows the remove-cell tag and the heading-level setting', () => {
    follow(
      notebook(
        { type: 'markdown', source: '# A' },
        { type: 'markdown', source: '### C' },
        { source: 'code' }
      )
    );
    model.cells.get(2).setMetadata('tags', ['remove-cell']);
    expect(sources(model, tracker.index)).toEqual([['# A', '### C']]);
    tracker.autoHeadingLevel = 3;
    expect(sources(model, tracker.index)).toEqual([['# A'], ['### C']]);
  });

  it('stops following after dispose', () => {
    follow(notebook({ source: 'a', slide: 'slide' }, { source: 'b' }));
    tracker.dispose();
    expect(tracker.isDisposed).toBe(true);
    model.cells.get(1).setMetadata('slideshow', { slide_type: 'slide' });
    expect(emitted).toEqual([]);
  });
});
