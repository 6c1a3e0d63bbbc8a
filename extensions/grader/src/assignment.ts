/**
 * Reading a notebook's grader information: a released assignment (`notebook.metadata.classlab.grader.assignment`
 * and each question's `cell.metadata.classlab.grader`, PROTOCOL.md "Release"), a teacher's source notebook (nbgrader
 * or ClassLab grader cells, not yet released), and texts given in several languages. The metadata is the student's
 * to change, so every field is type-checked; it only ever shapes the student's own view, never a grade.
 */
import type { INotebookModel } from '@jupyterlab/notebook';

import type {
  IAssignment,
  ICheckMeta,
  INotebookContent,
  IQuestion,
  LocalText
} from './tokens';

/** The language code the grader uses (`en`, `zh_CN`) for a translator's (`en`, `zh-CN`, `default`). */
export function graderLang(languageCode: string | null | undefined): string {
  const code = String(languageCode || 'en').replace(/-/g, '_');
  return code === 'default' ? 'en' : code;
}

/** A text in the user's language: the exact language, then its base (`zh`), then English, then any. */
export function localText(text: unknown, lang: string): string {
  if (typeof text === 'string') {
    return text;
  }
  if (!text || typeof text !== 'object' || Array.isArray(text)) {
    return '';
  }
  const texts = text as { [lang: string]: unknown };
  const wanted = lang.replace(/-/g, '_');
  const base = wanted.split('_')[0];
  const keys = Object.keys(texts).filter(
    key => typeof texts[key] === 'string' && texts[key] !== ''
  );
  const pick =
    keys.find(key => key.replace(/-/g, '_') === wanted) ??
    keys.find(key => key.replace(/-/g, '_').split('_')[0] === base) ??
    keys.find(key => key === 'en' || key.startsWith('en_')) ??
    keys[0];
  return pick === undefined ? '' : String(texts[pick]);
}

function record(value: unknown): { [key: string]: unknown } | null {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as { [key: string]: unknown })
    : null;
}

function points(value: unknown): number {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : 0;
}

/** `metadata.classlab.grader` of a notebook or a cell, or null. */
export function graderMeta(
  metadata: unknown
): { [key: string]: unknown } | null {
  return record(record(record(metadata)?.classlab)?.grader);
}

/** The assignment id of a released notebook, or null. */
export function assignmentId(content: INotebookContent): string | null {
  const id = graderMeta(content.metadata)?.assignment;
  return typeof id === 'string' && id ? id : null;
}

function readCheck(value: unknown): ICheckMeta | null {
  const check = record(value);
  if (!check || typeof check.id !== 'string' || !check.id) {
    return null;
  }
  const hint = check.hint;
  return {
    id: check.id,
    kind: typeof check.kind === 'string' ? check.kind : undefined,
    visibility: check.visibility === 'hidden' ? 'hidden' : 'visible',
    points: points(check.points),
    hint:
      typeof hint === 'string' || record(hint) ? (hint as LocalText) : undefined
  };
}

/** A released assignment's questions in notebook order, or null when the notebook is not one. */
export function readAssignment(
  content: INotebookContent,
  lang: string
): IAssignment | null {
  const id = assignmentId(content);
  if (!id) {
    return null;
  }
  const questions: IQuestion[] = [];
  const byId = new Map<string, IQuestion>();
  for (const cell of content.cells) {
    const meta = graderMeta(cell.metadata);
    const qid = meta?.question;
    if (!meta || typeof qid !== 'string' || !qid) {
      continue;
    }
    const checks = (Array.isArray(meta.checks) ? meta.checks : [])
      .map(readCheck)
      .filter((check): check is ICheckMeta => check !== null);
    let question = byId.get(qid);
    if (!question) {
      question = {
        id: qid,
        title: localText(meta.title, lang),
        points: 0,
        cellId: cell.id,
        checks: [],
        hidden: 0,
        hiddenPoints: 0
      };
      byId.set(qid, question);
      questions.push(question);
      if (meta.points !== undefined) {
        question.points = points(meta.points);
      }
    }
    for (const check of checks) {
      if (check.visibility === 'hidden') {
        question.hidden++;
        question.hiddenPoints += check.points;
      } else {
        question.checks.push(check);
      }
    }
  }
  for (const question of questions) {
    if (question.points === 0) {
      question.points =
        question.checks.reduce((sum, check) => sum + check.points, 0) +
        question.hiddenPoints;
    }
  }
  return {
    id,
    questions,
    points: questions.reduce((sum, question) => sum + question.points, 0)
  };
}

/**
 * Whether a notebook looks like a teacher's source notebook: nbgrader or ClassLab grader cells, but not a released
 * copy (a release writes `spec_version` next to the assignment id; a source may name its assignment id itself).
 */
export function isSourceNotebook(content: INotebookContent): boolean {
  if (graderMeta(content.metadata)?.spec_version !== undefined) {
    return false;
  }
  return content.cells.some(
    cell => record(cell.metadata.nbgrader) || graderMeta(cell.metadata)
  );
}

/** The question asked by a cell, or by the nearest question cell above it; null when none. */
export function questionAt(
  content: INotebookContent,
  cellIndex: number
): string | null {
  for (let i = Math.min(cellIndex, content.cells.length - 1); i >= 0; i--) {
    const qid = graderMeta(content.cells[i].metadata)?.question;
    if (typeof qid === 'string' && qid) {
      return qid;
    }
  }
  return null;
}

/** The grader's part of an open notebook's model. */
export function modelContent(model: INotebookModel | null): INotebookContent {
  if (!model) {
    return { metadata: {}, cells: [] };
  }
  const cells: INotebookContent['cells'] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({
      id: cell.id,
      metadata: {
        classlab: cell.getMetadata('classlab'),
        nbgrader: cell.getMetadata('nbgrader')
      }
    });
  }
  return { metadata: { classlab: model.getMetadata('classlab') }, cells };
}
