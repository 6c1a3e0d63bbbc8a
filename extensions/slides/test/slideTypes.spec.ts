import type { ICodeCellMetadata } from '@jupyterlab/nbformat';
import { NotebookModel } from '@jupyterlab/notebook';
import { nullTranslator } from '@jupyterlab/translation';

import {
  cellShowLabels,
  getCellShow,
  getSlideType,
  setCellShow,
  setSlideType
} from '../src/slideTypes';

function codeCell(metadata: Record<string, unknown> = {}) {
  const model = new NotebookModel();
  model.sharedModel.insertCells(0, [
    {
      cell_type: 'code',
      source: 'x = 1',
      metadata: metadata as Partial<ICodeCellMetadata>
    }
  ]);
  return model.cells.get(0);
}

describe('slide type metadata', () => {
  it('reads no metadata as "continue" and keeps other slideshow keys when writing', () => {
    const cell = codeCell({ slideshow: { other: 1 } });
    expect(getSlideType(cell)).toBe('-');
    setSlideType(cell, 'fragment');
    expect(cell.getMetadata('slideshow')).toEqual({
      other: 1,
      slide_type: 'fragment'
    });
    expect(() => setSlideType(cell, 'bogus' as any)).toThrow('bogus');
  });
});

describe('what a code cell shows on its slide (Jupyter Book tags)', () => {
  it('reads hide-input / hide-output; both or neither show everything', () => {
    expect(getCellShow(codeCell())).toBe('all');
    expect(getCellShow(codeCell({ tags: ['hide-input'] }))).toBe('output');
    expect(getCellShow(codeCell({ tags: ['hide-output'] }))).toBe('input');
    expect(getCellShow(codeCell({ tags: ['hide-input', 'hide-output'] }))).toBe(
      'all'
    );
    expect(getCellShow(codeCell({ tags: 'hide-input' }))).toBe('all');
  });

  it('writes the tags, keeping every other tag and dropping an empty list', () => {
    const cell = codeCell({ tags: ['exercise', 'hide-output'] });
    setCellShow(cell, 'output');
    expect(cell.getMetadata('tags')).toEqual(['exercise', 'hide-input']);
    setCellShow(cell, 'all');
    expect(cell.getMetadata('tags')).toEqual(['exercise']);
    const plain = codeCell();
    setCellShow(plain, 'input');
    setCellShow(plain, 'all');
    expect(plain.getMetadata('tags')).toBeUndefined();
  });

  it('has a label for each choice', () => {
    expect(Object.keys(cellShowLabels(nullTranslator.load('x')))).toEqual([
      'all',
      'output',
      'input'
    ]);
  });
});
