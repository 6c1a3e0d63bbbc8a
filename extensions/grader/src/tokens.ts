/**
 * The shapes @classlab/grader shares between its modules and with the bridge (`classlab/api/grader/`, see the
 * bridge's grader/PROTOCOL.md), and the grader store the plugins share. Everything the server or the notebook's
 * metadata holds is shown as text (`textContent`), never as HTML.
 */
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

/** A text in several languages (`{"en": "…", "zh_CN": "…"}`) or one plain string. */
export type LocalText = string | { [lang: string]: string };

/** A check as a released notebook describes it (`cell.metadata.classlab.grader.checks[]`). */
export interface ICheckMeta {
  id: string;
  kind?: string;
  visibility: 'visible' | 'hidden';
  points: number;
  hint?: LocalText;
}

/** A question of a released notebook, read from its cell's metadata. */
export interface IQuestion {
  id: string;
  /** The title in the user's language ('' when there is none). */
  title: string;
  points: number;
  /** The id of the cell that asks it (where "go to question" jumps). */
  cellId: string;
  /** Its visible checks (run on Check), with their hints. */
  checks: ICheckMeta[];
  /** How many hidden checks run on Submit, and their points. */
  hidden: number;
  hiddenPoints: number;
}

/** A released assignment notebook as the panel sees it. */
export interface IAssignment {
  id: string;
  questions: IQuestion[];
  /** The points of all questions. */
  points: number;
}

/** The parts of a notebook the grader reads (nbformat JSON, or the same read from an open notebook's model). */
export interface INotebookContent {
  metadata: { [key: string]: unknown };
  cells: { id: string; metadata: { [key: string]: unknown } }[];
}

/** A notebook the panel follows: its path, its content now, and a way to save it before grading. */
export interface IGradedNotebook {
  readonly path: string;
  /** The notebook's content now (read again on each render). */
  read(): INotebookContent;
  /** Save it: the server grades the saved file. */
  save(): Promise<void>;
  /** Emitted when its metadata or cells change. */
  readonly changed: ISignal<unknown, void>;
}

/** A submission's state; done and failed never change again (until a teacher regrades). */
export type SubmissionState = 'queued' | 'running' | 'done' | 'failed';

/** Check: the visible checks of one question; submit: everything, counted as an attempt. */
export type GradingMode = 'check' | 'submit';

/** One graded test of the results (Gradescope's `tests[]`). */
export interface IResultTest {
  /** The check's id. */
  name: string;
  number?: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  /** Plain words for a 12-year-old in the user's language (never a hidden check's expected value). */
  output?: string;
  visibility?: string;
  extra_data?: {
    question?: string;
    kind?: string;
    /** "isolated" (judged outside), "in-sandbox" (an nbgrader assert cell: forgeable), "unsandboxed". */
    trust?: string;
    hint?: LocalText;
    seconds?: number;
  };
}

/** A question's score in the results (`extra_data.questions[]`). */
export interface IQuestionScore {
  id: string;
  score: number;
  max_score: number;
  /** Checks passed (a count; a boolean is read as all or none). */
  passed?: number | boolean;
  total?: number;
  hidden_passed?: number;
  hidden_total?: number;
}

/** A repair made to the graded copy of the notebook. */
export interface IRepair {
  grade_id: string;
  what: 'restored' | 'reinserted' | 'duplicate_dropped' | 'retyped' | string;
}

/** A submission's results (a superset of Gradescope's results.json). */
export interface IResults {
  score: number;
  max_score: number;
  execution_time?: number;
  output?: string;
  visibility?: string;
  tests: IResultTest[];
  extra_data?: {
    submission?: string;
    user?: string;
    assignment?: string;
    attempt?: number;
    mode?: GradingMode;
    repairs?: IRepair[];
    created?: string;
    questions?: IQuestionScore[];
  };
}

/** A submission (`S` in PROTOCOL.md). */
export interface ISubmission {
  id: string;
  user: string;
  assignment: string;
  notebook: string;
  mode: GradingMode;
  question: string | null;
  state: SubmissionState;
  created: string;
  ended: string | null;
  /** Once graded (a student's copy: hidden tests only as counts). */
  results: IResults | null;
  error: { code: string; message: string } | null;
  /** The bridge also sends these (not in PROTOCOL.md's `S`): the attempt number and the score of a submit. */
  attempt?: number;
  score?: number | null;
  max_score?: number | null;
}

/** An assignment as `GET assignments` and a release describe it. */
export interface IAssignmentSummary {
  id: string;
  notebook: string;
  questions: {
    id: string;
    title: LocalText;
    points: number;
    visible: number;
    hidden: number;
  }[];
  released: string;
}

/** `POST assignments` (a teacher releases a source notebook). */
export interface IReleaseReply {
  assignment: IAssignmentSummary;
  student_notebook: string;
}

/** Whether a submission is still waiting or being graded. */
export function isGrading(sub: { state: string } | null | undefined): boolean {
  return sub != null && (sub.state === 'queued' || sub.state === 'running');
}

/** What the store is doing for a notebook before the server has the submission. */
export type GradingPhase = 'idle' | 'saving' | 'sending' | 'queued' | 'running';

/** The grading of one notebook (by path): what is being graded, the latest results, the attempts. */
export interface IGradingSession {
  readonly path: string;
  /** What is going on now. */
  readonly phase: GradingPhase;
  /** What is being graded (from the moment Check or Submit is pressed), or null. */
  readonly pending: { mode: GradingMode; question: string | null } | null;
  /** The submission being graded, once the server has it. */
  readonly active: ISubmission | null;
  /** The newest graded submit. */
  readonly lastSubmit: ISubmission | null;
  /** The newest graded check of a question. */
  lastCheck(question: string): ISubmission | null;
  /** The submits (attempts), newest first, the one being graded included. */
  readonly attempts: readonly ISubmission[];
  /** The last error (translated), or ''. */
  readonly error: string;
  /** Whether the attempts have been fetched. */
  readonly loaded: boolean;
  readonly changed: ISignal<IGradingSession, void>;
  /** Fetch the attempts now (and follow one still being graded). */
  refresh(): Promise<void>;
  /** Save the notebook, then check one question's visible checks. */
  check(question: string, save: () => Promise<void>): Promise<void>;
  /** Save the notebook, then submit it (every check; counts as an attempt). */
  submit(save: () => Promise<void>): Promise<void>;
}

/** The class's latest submits of one assignment (teachers). */
export interface IClassResults {
  readonly assignment: string;
  readonly rows: readonly ISubmission[];
  readonly loaded: boolean;
  readonly loading: boolean;
  /** The last error (translated), or ''. */
  readonly error: string;
  /** A note after an action ("12 submissions are being graded again."), or ''. */
  readonly note: string;
  readonly changed: ISignal<IClassResults, void>;
  refresh(): Promise<void>;
  /** Grade every latest submit again. */
  regrade(): Promise<void>;
  /** The class's results as CSV text. */
  csv(): Promise<string>;
  /** The class's latest graded results as Gradescope JSON (a list of `{student, …, results}`; PROTOCOL.md). */
  gradescope(): Promise<string>;
}

/** The grader of @classlab/grader: sessions per notebook, the teacher's views, releases. */
export interface IGrader {
  /** The language sent with submissions (`en`, `zh_CN`), from the translator. */
  readonly lang: string;
  /** Whether the user is a teacher; null until known. */
  readonly teacher: boolean | null;
  /** Whether something (a visible panel) watches: nothing is polled otherwise. */
  readonly watched: boolean;
  /** Emitted when the teacher flag or a release changes. */
  readonly changed: ISignal<IGrader, void>;
  /** The grading of the notebook at a path (made on first use; fetches nothing by itself). */
  session(path: string): IGradingSession;
  /** Ask the server once whether the user is a teacher (`GET results?assignment=`: 200 teacher, 403 student). */
  probeTeacher(): Promise<boolean>;
  /** The class's results of an assignment (teachers). */
  classResults(assignment: string): IClassResults;
  /** Release a teacher's source notebook (saved first by the caller). */
  release(path: string): Promise<IReleaseReply>;
  /** The release made in this browser from, or of, the notebook at a path. */
  releaseOf(path: string): IReleaseReply | null;
  /** Let grading be followed while the returned handle lives (a visible panel). */
  watch(): { dispose(): void };
}

/** The grader store of @classlab/grader, for the panel, the commands and the cell badges. */
export const IGrader = new Token<IGrader>(
  '@classlab/grader:IGrader',
  'The auto-grader of the current user: check and submit notebooks, results, attempts, and the class view for teachers.'
);
