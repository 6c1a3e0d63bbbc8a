/**
 * Test helpers: a released notebook's content, results and submissions as the bridge sends them, a bridge stand-in
 * (one handler per API path, calls recorded) and a notebook the panel can follow.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { GraderApi } from '../src/api';
import { Grader } from '../src/grader';
import type {
  IGradedNotebook,
  INotebookContent,
  IResults,
  IResultTest,
  ISubmission
} from '../src/tokens';

export const trans = nullTranslator.load('classlab_grader');

/** The released notebook of PROTOCOL.md's example: q1 (one visible, one hidden check), q2 (one visible). */
export function released(): INotebookContent {
  return {
    metadata: {
      classlab: { grader: { assignment: 'ps1', spec_version: 1 } }
    },
    cells: [
      { id: 'intro', metadata: {} },
      {
        id: 'c-q1',
        metadata: {
          nbgrader: { grade_id: 'q1', solution: true },
          classlab: {
            grader: {
              question: 'q1',
              title: { en: 'Count the digits', zh_CN: '数一数数字' },
              points: 3,
              checks: [
                {
                  id: 'q1-total',
                  kind: 'value',
                  visibility: 'visible',
                  points: 1,
                  hint: {
                    en: 'Add the numbers from 1 to 10.',
                    zh_CN: '把 1 到 10 加起来。'
                  }
                },
                { id: 'q1-h1', visibility: 'hidden', points: 2 }
              ]
            }
          }
        }
      },
      { id: 'c-q1-test', metadata: { nbgrader: { grade: true } } },
      {
        id: 'c-q2',
        metadata: {
          classlab: {
            grader: {
              question: 'q2',
              title: 'Square it',
              points: 2,
              checks: [
                {
                  id: 'q2-square',
                  kind: 'function',
                  visibility: 'visible',
                  points: 2,
                  hint: 'Multiply the number by itself.'
                }
              ]
            }
          }
        }
      }
    ]
  };
}

export function testResult(
  name: string,
  question: string,
  passed: boolean,
  more: Partial<IResultTest> = {}
): IResultTest {
  return {
    name,
    score: passed ? 1 : 0,
    max_score: 1,
    status: passed ? 'passed' : 'failed',
    output: passed ? '' : `${name} is not right yet.`,
    visibility: 'visible',
    extra_data: { question, kind: 'value', trust: 'isolated' },
    ...more
  };
}

export function results(more: Partial<IResults> = {}): IResults {
  return {
    score: 0,
    max_score: 0,
    tests: [],
    extra_data: { repairs: [], questions: [] },
    ...more
  };
}

let counter = 0;

export function submission(more: Partial<ISubmission> = {}): ISubmission {
  counter++;
  return {
    id: `s_${counter}`,
    user: 'ann',
    assignment: 'ps1',
    notebook: 'ps1.ipynb',
    mode: 'check',
    question: 'q1',
    state: 'queued',
    created: new Date(Date.UTC(2025, 0, 1, 10, counter)).toISOString(),
    ended: null,
    results: null,
    error: null,
    ...more
  };
}

/** A check of q1: the visible check failed. */
export function checkDone(more: Partial<ISubmission> = {}): ISubmission {
  return submission({
    mode: 'check',
    question: 'q1',
    state: 'done',
    results: results({
      score: 0,
      max_score: 1,
      tests: [testResult('q1-total', 'q1', false)],
      extra_data: {
        mode: 'check',
        repairs: [],
        questions: [
          {
            id: 'q1',
            score: 0,
            max_score: 1,
            passed: 0,
            total: 1,
            hidden_passed: 0,
            hidden_total: 0
          }
        ]
      }
    }),
    ...more
  });
}

/** A submit: q1 visible passed, hidden 1 of 2; q2 passed; one deleted test cell put back. */
export function submitDone(more: Partial<ISubmission> = {}): ISubmission {
  return submission({
    mode: 'submit',
    question: null,
    state: 'done',
    attempt: 1,
    score: 4,
    max_score: 5,
    results: results({
      score: 4,
      max_score: 5,
      tests: [
        testResult('q1-total', 'q1', true),
        { ...testResult('q2-square', 'q2', true), score: 2, max_score: 2 }
      ],
      extra_data: {
        mode: 'submit',
        attempt: 1,
        repairs: [{ grade_id: 'q1-test', what: 'reinserted' }],
        questions: [
          {
            id: 'q1',
            score: 2,
            max_score: 3,
            passed: 2,
            total: 3,
            hidden_passed: 1,
            hidden_total: 2
          },
          {
            id: 'q2',
            score: 2,
            max_score: 2,
            passed: 1,
            total: 1,
            hidden_passed: 0,
            hidden_total: 0
          }
        ]
      }
    }),
    ...more
  });
}

export type Reply = [number, unknown];
export type Route = (
  method: string,
  body: any,
  query: URLSearchParams
) => Reply | Promise<Reply>;

/** A bridge stand-in: one handler per API path (after `classlab/api/grader/`), the calls recorded. */
export function server(routes: { [path: string]: Route }) {
  const calls: {
    method: string;
    path: string;
    query: URLSearchParams;
    body: any;
  }[] = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const path = url.pathname.replace(/^.*classlab\/api\/grader\//, '');
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: request.method, path, query: url.searchParams, body });
    const route =
      routes[`${request.method} ${path}`] ??
      routes[path] ??
      (path.startsWith('submissions/') ? routes['submissions/*'] : undefined);
    if (!route) {
      // Tornado's own 404 page: the bridge has no such API.
      return new Response('<html>404</html>', { status: 404 });
    }
    const [status, reply] = await route(request.method, body, url.searchParams);
    return new Response(
      typeof reply === 'string' ? reply : JSON.stringify(reply),
      { status }
    );
  };
  const api = new GraderApi(
    ServerConnection.makeSettings({
      baseUrl: 'http://h/user/ann/',
      wsUrl: 'ws://h/user/ann/',
      fetch: fetch as any
    })
  );
  return { api, calls };
}

/** A grader store on a bridge stand-in, polling without pauses. */
export function grader(routes: { [path: string]: Route }, lang = 'en') {
  const { api, calls } = server(routes);
  const store = new Grader({
    api,
    trans,
    lang,
    pollGapMs: 0,
    classPollMs: 10
  });
  return { store, calls };
}

/** A notebook the panel follows, its content set by the test. */
export class FakeNotebook implements IGradedNotebook {
  constructor(
    public path: string,
    public content: INotebookContent
  ) {}
  saves = 0;
  saveError: Error | null = null;
  changed = new Signal<this, void>(this);
  read(): INotebookContent {
    return this.content;
  }
  async save(): Promise<void> {
    if (this.saveError) {
      throw this.saveError;
    }
    this.saves++;
  }
}

/** Let pending promises and zero-delay timers run. */
export async function settle(times = 10): Promise<void> {
  for (let i = 0; i < times; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

/** Wait until a condition holds (real timers), or fail after a while. */
export async function until(
  condition: () => boolean,
  what = 'condition'
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
