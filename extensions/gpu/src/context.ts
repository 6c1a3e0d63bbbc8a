/**
 * Which cells a job sends. A job is a fresh process, so it replays **context cells** before its **targets**: every
 * non-empty code cell above the first target ("above"), or only those tagged `gpu-setup` ("tagged"). Where cells above
 * are tagged, "above" sends only those too: the notebook's author chose them, and the untagged cells in between
 * (a student's unfinished exercise, say) would otherwise fail the job. "Run notebook on GPU" makes every code cell a
 * target, so it needs no context.
 */
import type { INotebookModel } from '@jupyterlab/notebook';

import { ContextMode, IGpuInfo, IJobCell, SETUP_TAG } from './tokens';

/** What the selection needs of a cell. */
export interface ICellInfo {
  id: string;
  type: string;
  source: string;
  tags: readonly string[];
}

/** Why no job can be made. */
export type SelectionProblem =
  /** The target cell (or every code cell) is empty. */
  | 'empty'
  /** The target is not a code cell. */
  | 'not_code'
  /** A target cell is not in the notebook (any more). */
  | 'missing';

export type Selection =
  | { cells: IJobCell[]; problem?: undefined }
  | { problem: SelectionProblem; cells?: undefined };

/** The cells of a notebook model, as the selection reads them. */
export function cellInfos(model: INotebookModel): ICellInfo[] {
  const cells: ICellInfo[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const tags = cell.getMetadata('tags');
    cells.push({
      id: cell.id,
      type: cell.type,
      source: cell.sharedModel.getSource(),
      tags: Array.isArray(tags) ? tags.map(String) : []
    });
  }
  return cells;
}

/** The context mode in force: the setting, or the server's default when the setting says "server". */
export function resolveContext(
  setting: ContextMode | string | null | undefined,
  info: Pick<IGpuInfo, 'context'> | null
): 'above' | 'tagged' {
  if (setting === 'above' || setting === 'tagged') {
    return setting;
  }
  return info?.context === 'tagged' ? 'tagged' : 'above';
}

function isBlank(source: string): boolean {
  return source.trim() === '';
}

/**
 * The job's cells, in notebook order: context cells (`target: false`) then the targets. `targets` are cell ids, or
 * `'all'` for every code cell. Empty code cells are never sent; an empty single target is a problem.
 */
export function selectJobCells(
  cells: readonly ICellInfo[],
  targets: readonly string[] | 'all',
  mode: 'above' | 'tagged'
): Selection {
  const isCode = (cell: ICellInfo) => cell.type === 'code';
  let targetIndexes: number[];
  if (targets === 'all') {
    targetIndexes = cells
      .map((cell, index) => (isCode(cell) ? index : -1))
      .filter(index => index >= 0);
  } else {
    targetIndexes = [];
    for (const id of targets) {
      const index = cells.findIndex(cell => cell.id === id);
      if (index < 0) {
        return { problem: 'missing' };
      }
      if (!isCode(cells[index])) {
        return { problem: 'not_code' };
      }
      targetIndexes.push(index);
    }
    targetIndexes.sort((a, b) => a - b);
  }
  targetIndexes = targetIndexes.filter(index => !isBlank(cells[index].source));
  if (targetIndexes.length === 0) {
    return { problem: 'empty' };
  }
  const isTarget = new Set(targetIndexes);
  const first = targetIndexes[0];
  const isContext = (cell: ICellInfo) => isCode(cell) && !isBlank(cell.source);
  const tagged = cells
    .slice(0, first)
    .some(cell => isContext(cell) && cell.tags.includes(SETUP_TAG));
  const onlyTagged = mode === 'tagged' || tagged;
  const selected: IJobCell[] = [];
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index];
    if (isTarget.has(index)) {
      selected.push({ id: cell.id, source: cell.source, target: true });
    } else if (
      index < first &&
      isContext(cell) &&
      (!onlyTagged || cell.tags.includes(SETUP_TAG))
    ) {
      selected.push({ id: cell.id, source: cell.source, target: false });
    }
  }
  return { cells: selected };
}
