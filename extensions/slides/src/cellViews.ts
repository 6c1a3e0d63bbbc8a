/**
 * Cell widgets for a slide: a second view of the notebook's own cell models, made with the notebook panel's
 * content factory, rendermime (so ipywidgets, math and plots render as in the notebook) and editor settings.
 * The notebook's own DOM is never moved or changed.
 */
import {
  Cell,
  CodeCell,
  ICodeCellModel,
  IMarkdownCellModel,
  IRawCellModel,
  MarkdownCell,
  RawCell
} from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';

import { CellShow } from './slideIndex';

export function createCellView(
  panel: NotebookPanel,
  cellId: string,
  show: CellShow
): Cell | null {
  const notebook = panel.content;
  const model = [...(panel.model?.cells ?? [])].find(
    cell => cell.id === cellId
  );
  if (!model) {
    return null;
  }
  const { contentFactory, rendermime, editorConfig } = notebook;
  let cell: Cell;
  if (model.type === 'code') {
    cell = new CodeCell({
      model: model as ICodeCellModel,
      contentFactory,
      rendermime,
      editorConfig: editorConfig.code,
      translator: notebook.translator
    });
  } else if (model.type === 'markdown') {
    const markdown = new MarkdownCell({
      model: model as IMarkdownCellModel,
      contentFactory,
      rendermime,
      editorConfig: editorConfig.markdown,
      translator: notebook.translator
    });
    markdown.rendered = true;
    cell = markdown;
  } else {
    cell = new RawCell({
      model: model as IRawCellModel,
      contentFactory,
      editorConfig: editorConfig.raw,
      translator: notebook.translator
    });
  }
  cell.initializeState();
  cell.addClass('jp-ClassLabSlides-cell');
  if (show === 'output') {
    cell.addClass('jp-ClassLabSlides-outputOnly');
  } else if (show === 'input') {
    cell.addClass('jp-ClassLabSlides-inputOnly');
  }
  return cell;
}
