/**
 * A small ✓/◐/✗ line under each graded question's cell of an open assignment notebook ("✓ q1 · 3 / 3 points",
 * "◐ q1 · 2 / 3 points" for some of the points, "✗ q1 · 0 / 3 points" for none), drawn from the notebook's grading session (nothing is fetched for it); a click on it opens the grader panel.
 */
import type { Cell } from '@jupyterlab/cells';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { modelContent, readAssignment } from './assignment';
import type { IGrader, IGradingSession } from './tokens';
import {
  formatPoints,
  IQuestionView,
  questionView,
  STATUS_MARKS,
  statusLabel
} from './view';

/** The class of the line under a question's cell. */
export const BADGE_CLASS = 'jp-classlab-grader-cellBadge';

/** What the line under a question's cell says, or null for no line (not graded yet, or being graded). */
export function badgeText(
  view: IQuestionView,
  trans: TranslationBundle
): string | null {
  if (
    view.status !== 'passed' &&
    view.status !== 'partial' &&
    view.status !== 'failed'
  ) {
    return null;
  }
  const mark = STATUS_MARKS[view.status];
  if (view.from === 'submit' && view.score !== null) {
    return trans.__(
      '%1 %2 · %3 / %4 points',
      mark,
      view.question.id,
      formatPoints(view.score),
      formatPoints(view.maxScore)
    );
  }
  const passed = view.rows.filter(row => row.passed).length;
  return trans.__(
    '%1 %2 · %3 of %4 checks passed',
    mark,
    view.question.id,
    passed,
    view.rows.length
  );
}

/** The line read aloud: the status in words instead of its mark ("partly passed: q1 · 2 / 3 points"). */
export function badgeLabel(
  view: IQuestionView,
  trans: TranslationBundle
): string | null {
  const text = badgeText(view, trans);
  if (text === null) {
    return null;
  }
  const mark = STATUS_MARKS[view.status];
  return trans._p(
    'the line under a question read aloud: its status in words, then the line',
    '%1: %2',
    statusLabel(view.status, trans),
    text.startsWith(mark) ? text.slice(mark.length).trim() : text
  );
}

export class CellBadges {
  constructor(
    tracker: INotebookTracker,
    private readonly _grader: IGrader,
    private readonly _trans: TranslationBundle,
    private readonly _open: () => void
  ) {
    tracker.forEach(panel => this._followPanel(panel));
    tracker.widgetAdded.connect((_, panel) => this._followPanel(panel));
  }

  private _followPanel(panel: NotebookPanel): void {
    void panel.context.ready.then(() => {
      if (panel.isDisposed) {
        return;
      }
      const render = () => this._render(panel);
      panel.content.model?.cells.changed.connect(render);
      panel.content.model?.metadataChanged.connect(render);
      panel.context.pathChanged.connect(render);
      panel.disposed.connect(() => {
        this._sessions.get(panel)?.changed.disconnect(render);
        this._sessions.delete(panel);
        panel.content.model?.cells.changed.disconnect(render);
        panel.content.model?.metadataChanged.disconnect(render);
      });
      this._renders.set(panel, render);
      render();
    });
  }

  private _render(panel: NotebookPanel): void {
    if (panel.isDisposed) {
      return;
    }
    const render = this._renders.get(panel);
    const assignment = readAssignment(
      modelContent(panel.content.model),
      this._grader.lang
    );
    const session: IGradingSession | null = assignment
      ? this._grader.session(panel.context.localPath)
      : null;
    const before = this._sessions.get(panel) ?? null;
    if (session !== before && render) {
      before?.changed.disconnect(render);
      session?.changed.connect(render);
      if (session) {
        this._sessions.set(panel, session);
      } else {
        this._sessions.delete(panel);
      }
    }
    const texts = new Map<
      string,
      { text: string; label: string; status: string }
    >();
    if (assignment && session) {
      for (const question of assignment.questions) {
        const view = questionView(question, session, this._grader.lang);
        const text = badgeText(view, this._trans);
        if (text !== null) {
          texts.set(question.cellId, {
            text,
            label: badgeLabel(view, this._trans) ?? text,
            status: view.status
          });
        }
      }
    }
    for (const cell of panel.content.widgets) {
      this._draw(cell, texts.get(cell.model.id) ?? null);
    }
  }

  private _draw(
    cell: Cell,
    badge: { text: string; label: string; status: string } | null
  ): void {
    let node = cell.node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
    if (!badge) {
      node?.remove();
      return;
    }
    if (!node) {
      node = document.createElement('div');
      node.className = BADGE_CLASS;
      node.title = this._trans.__('Open the grader panel');
      node.setAttribute('role', 'button');
      node.tabIndex = 0;
      node.addEventListener('click', () => this._open());
      node.addEventListener('keydown', event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          this._open();
        }
      });
      cell.node.appendChild(node);
    }
    node.dataset.status = badge.status;
    if (node.getAttribute('aria-label') !== badge.label) {
      node.setAttribute('aria-label', badge.label);
    }
    if (node.textContent !== badge.text) {
      node.textContent = badge.text;
    }
  }

  private _renders = new WeakMap<NotebookPanel, () => void>();
  private _sessions = new Map<NotebookPanel, IGradingSession>();
}
