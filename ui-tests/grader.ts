/**
 * What the grader browser tests share (the lab's tests/grader.spec.ts and the Hub's hub/tests/grader.spec.ts): the
 * teacher's source notebook they release.
 */

/** Grading starts a sandboxed kernel; on a busy 2-core machine that can take a while. */
export const GRADING = { timeout: 120_000 };

/** A source notebook like server-ext-bridge/tests/test_grader_api.py's source_notebook(), for this assignment. */
export function sourceNotebook(assignment: string): Record<string, any> {
  const question = {
    question: 'q1',
    title: { en: 'Add up', zh_CN: '加起来' },
    checks: [
      {
        id: 'total-visible',
        kind: 'value',
        name: 'total',
        expected: 55,
        points: 1,
        visibility: 'visible',
        hint: {
          en: 'Add the numbers from 1 to 10.',
          zh_CN: '把 1 到 10 加起来。'
        }
      },
      {
        id: 'square-hidden',
        kind: 'function',
        name: 'square',
        calls: [
          { args: [3], expected: 9 },
          { args: [-4], expected: 16 }
        ],
        points: 2,
        visibility: 'hidden'
      }
    ]
  };
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      classlab: { grader: { assignment } }
    },
    cells: [
      {
        cell_type: 'markdown',
        id: 'intro',
        metadata: {},
        source: '# Adding up\nMake `total` and `square(x)`.'
      },
      {
        cell_type: 'code',
        id: 'answer',
        metadata: {
          nbgrader: {
            schema_version: 3,
            grade: false,
            solution: true,
            locked: false,
            task: false,
            grade_id: 'answer'
          },
          classlab: { grader: question }
        },
        source:
          '### BEGIN SOLUTION\ntotal = sum(range(1, 11))\n\ndef square(x):\n    return x * x\n### END SOLUTION',
        outputs: [],
        execution_count: null
      }
    ]
  };
}
