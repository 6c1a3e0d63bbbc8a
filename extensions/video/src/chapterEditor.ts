/**
 * The chapter form of a video cell: one row per chapter (time as m:ss or seconds, title, linked cell from a
 * list of the notebook's cells, checkpoint), rows added and removed, "Now" fills in the video's current time.
 * Saving writes `metadata.classlab.video.chapters` through the cell model, so undo and collaboration see it.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import {
  cellLabel,
  chaptersToRows,
  formatTime,
  IChapterRow,
  IChapterRowError,
  rowsToChapters
} from './chapters';
import type { IChapter } from './tokens';
import { rawVideoSpec, setRawVideoSpec } from './videoCells';

/** A cell the chapter form can link to: its id and how the list names it. */
export interface ICellChoice {
  id: string;
  label: string;
}

/** The notebook's cells (other than the video cell itself) as choices, named by number, kind and first line. */
export function cellChoices(
  panel: NotebookPanel,
  videoCell: Cell,
  trans: TranslationBundle
): ICellChoice[] {
  const choices: ICellChoice[] = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell === videoCell) {
      return;
    }
    const kind =
      cell.model.type === 'code' ? trans.__('code') : trans.__('text');
    const first = cellLabel(cell.model.sharedModel.getSource());
    choices.push({
      id: cell.model.id,
      label: trans.__('Cell %1 (%2): %3', index + 1, kind, first)
    });
  });
  return choices;
}

/** The form's body: a table of rows, and buttons to add rows. */
export class ChapterForm extends Widget {
  constructor(
    rows: IChapterRow[],
    private readonly _cells: ICellChoice[],
    private readonly _currentTime: () => number | null,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ClassLabVideo-chapterForm');
    const help = document.createElement('p');
    help.className = 'jp-ClassLabVideo-formHelp';
    help.textContent = _trans.__(
      'Time as minutes:seconds (1:30) or seconds (90). A practice stop pauses the video until the linked cell has run.'
    );
    const table = document.createElement('table');
    const head = document.createElement('tr');
    for (const text of [
      _trans.__('Time'),
      _trans.__('Title'),
      _trans.__('Linked cell'),
      _trans.__('Practice stop'),
      ''
    ]) {
      const th = document.createElement('th');
      th.textContent = text;
      head.appendChild(th);
    }
    const thead = document.createElement('thead');
    thead.appendChild(head);
    this._body = document.createElement('tbody');
    table.append(thead, this._body);
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'jp-ClassLabVideo-addChapter jp-mod-styled';
    add.textContent = _trans.__('Add chapter');
    add.addEventListener('click', () => {
      const time = this._currentTime();
      this._addRow({
        time: time === null ? '' : formatTime(time),
        title: '',
        cell: '',
        checkpoint: false
      })
        .querySelector<HTMLInputElement>('input[name="title"]')
        ?.focus();
    });
    this._message = document.createElement('p');
    this._message.className = 'jp-ClassLabVideo-formError';
    this._message.setAttribute('role', 'alert');
    this.node.append(help, table, add, this._message);
    for (const row of rows) {
      this._addRow(row);
    }
    if (rows.length === 0) {
      this._addRow({ time: '0:00', title: '', cell: '', checkpoint: false });
    }
    // Keys typed in the form are for the form (the notebook's shortcuts stay out).
    this.node.setAttribute('data-lm-suppress-shortcuts', 'true');
  }

  /** The rows as typed. */
  getValue(): IChapterRow[] {
    return [...this._body.rows].map(tr => ({
      time: (tr.querySelector('input[name="time"]') as HTMLInputElement).value,
      title: (tr.querySelector('input[name="title"]') as HTMLInputElement)
        .value,
      cell: (tr.querySelector('select[name="cell"]') as HTMLSelectElement)
        .value,
      checkpoint: (
        tr.querySelector('input[name="checkpoint"]') as HTMLInputElement
      ).checked
    }));
  }

  /** Shows what is wrong, and marks the rows. */
  showErrors(errors: IChapterRowError[]): void {
    const rows = this._body.rows;
    for (const tr of rows) {
      tr.classList.remove('jp-mod-invalid');
    }
    const lines: string[] = [];
    for (const error of errors) {
      rows[error.row]?.classList.add('jp-mod-invalid');
      const n = error.row + 1;
      lines.push(
        error.problem === 'time'
          ? this._trans.__('Row %1: the time should look like 1:30 or 90.', n)
          : error.problem === 'title'
            ? this._trans.__('Row %1: give the chapter a title.', n)
            : this._trans.__('Row %1: a practice stop needs a linked cell.', n)
      );
    }
    this._message.textContent = lines.join(' ');
  }

  private _addRow(row: IChapterRow): HTMLTableRowElement {
    const trans = this._trans;
    const tr = document.createElement('tr');
    tr.className = 'jp-ClassLabVideo-formRow';

    const time = document.createElement('input');
    time.name = 'time';
    time.className = 'jp-mod-styled';
    time.value = row.time;
    time.placeholder = '0:00';
    time.size = 7;
    time.setAttribute('aria-label', trans.__('Time'));
    const now = document.createElement('button');
    now.type = 'button';
    now.className = 'jp-ClassLabVideo-useNow jp-mod-styled';
    now.textContent = trans.__('Now');
    now.title = trans.__("Use the video's current time");
    now.disabled = this._currentTime() === null;
    now.addEventListener('click', () => {
      const current = this._currentTime();
      if (current !== null) {
        time.value = formatTime(current);
      }
    });
    const timeCell = document.createElement('td');
    timeCell.className = 'jp-ClassLabVideo-formTime';
    timeCell.append(time, now);

    const title = document.createElement('input');
    title.name = 'title';
    title.className = 'jp-mod-styled';
    title.value = row.title;
    title.setAttribute('aria-label', trans.__('Title'));
    const titleCell = document.createElement('td');
    titleCell.appendChild(title);

    const cell = document.createElement('select');
    cell.name = 'cell';
    cell.className = 'jp-mod-styled';
    cell.setAttribute('aria-label', trans.__('Linked cell'));
    const none = document.createElement('option');
    none.value = '';
    none.textContent = trans.__('(no cell)');
    cell.appendChild(none);
    for (const choice of this._cells) {
      const option = document.createElement('option');
      option.value = choice.id;
      option.textContent = choice.label;
      cell.appendChild(option);
    }
    if (row.cell && !this._cells.some(choice => choice.id === row.cell)) {
      // A link to a cell that is no longer there: keep it visible so the teacher can change it.
      const missing = document.createElement('option');
      missing.value = row.cell;
      missing.textContent = trans.__('(missing cell %1)', row.cell);
      cell.appendChild(missing);
    }
    cell.value = row.cell;
    const cellCell = document.createElement('td');
    cellCell.appendChild(cell);

    const checkpoint = document.createElement('input');
    checkpoint.type = 'checkbox';
    checkpoint.name = 'checkpoint';
    checkpoint.checked = row.checkpoint;
    checkpoint.setAttribute('aria-label', trans.__('Practice stop'));
    const checkpointCell = document.createElement('td');
    checkpointCell.className = 'jp-ClassLabVideo-formCheckpoint';
    checkpointCell.appendChild(checkpoint);

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'jp-ClassLabVideo-removeChapter jp-mod-styled';
    remove.textContent = '✕';
    remove.title = trans.__('Remove this chapter');
    remove.setAttribute('aria-label', trans.__('Remove this chapter'));
    remove.addEventListener('click', () => tr.remove());
    const removeCell = document.createElement('td');
    removeCell.appendChild(remove);

    tr.append(timeCell, titleCell, cellCell, checkpointCell, removeCell);
    this._body.appendChild(tr);
    return tr;
  }

  private _body: HTMLTableSectionElement;
  private _message: HTMLParagraphElement;
}

/** Writes chapters into a video cell's spec, keeping everything else in it. */
export function writeChapters(cell: Cell, chapters: IChapter[]): void {
  const raw = rawVideoSpec(cell.model);
  const video =
    raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  setRawVideoSpec(cell.model, { ...video, chapters });
}

/** Reads the chapters as written in a cell (rows the form can show, even when some are not valid). */
function readChapters(cell: Cell): IChapter[] {
  const raw = rawVideoSpec(cell.model) as { chapters?: unknown } | undefined;
  const list = Array.isArray(raw?.chapters) ? raw.chapters : [];
  return list
    .filter(
      (each): each is Record<string, unknown> =>
        !!each && typeof each === 'object'
    )
    .map(each => ({
      time: typeof each.time === 'number' ? each.time : 0,
      title: typeof each.title === 'string' ? each.title : '',
      cell: typeof each.cell === 'string' ? each.cell : undefined,
      checkpoint: each.checkpoint === true
    }));
}

/**
 * Opens the chapter form for a video cell and saves what the teacher wrote. Returns whether it saved. A form
 * with mistakes opens again with the rows as typed and says what to fix.
 */
export async function editChapters(
  panel: NotebookPanel,
  cell: Cell,
  currentTime: () => number | null,
  trans: TranslationBundle
): Promise<boolean> {
  let rows = chaptersToRows(readChapters(cell));
  let errors: IChapterRowError[] = [];
  for (;;) {
    const form = new ChapterForm(
      rows,
      cellChoices(panel, cell, trans),
      currentTime,
      trans
    );
    if (errors.length) {
      form.showErrors(errors);
    }
    const result = await showDialog({
      title: trans.__('Chapters'),
      body: form,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Save') })
      ],
      focusNodeSelector: 'input[name="title"]'
    });
    if (!result.button.accept || result.value === null || cell.isDisposed) {
      return false;
    }
    rows = result.value;
    const parsed = rowsToChapters(rows);
    if ('errors' in parsed) {
      errors = parsed.errors;
      continue;
    }
    writeChapters(cell, parsed.chapters);
    return true;
  }
}
