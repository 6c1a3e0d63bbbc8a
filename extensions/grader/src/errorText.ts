/**
 * What to tell the user when a grader call fails: the grader's error codes in the user's language (the server's own
 * messages are English). Where the server's message carries a detail the user needs (a teacher's mistake in a
 * source notebook), it is quoted.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

export function graderErrorText(
  reason: unknown,
  trans: TranslationBundle
): string {
  const code = (reason as { code?: unknown } | null)?.code;
  const message = String(
    (reason as { message?: unknown } | null)?.message ?? reason
  );
  switch (code) {
    case 'too_many_attempts':
      return trans.__(
        'You have submitted many times in the last hour. Take a break, then try again.'
      );
    case 'sandbox_unavailable':
      return trans.__(
        'The grader cannot run your code safely on this server right now, so nothing was graded. Ask your teacher.'
      );
    case 'no_such_assignment':
      return trans.__(
        'This assignment has not been opened for grading yet. Ask your teacher.'
      );
    case 'bad_notebook':
      return trans.__('This notebook is not a graded assignment.');
    case 'too_big':
      return trans.__(
        'This notebook or the files next to it are too big to grade. Move large files out of its folder and try again.'
      );
    case 'bad_assignment':
      return trans.__('This notebook cannot be released yet: %1', message);
    case 'grading_failed':
      return trans.__(
        'Grading could not finish. Your work is saved; try again in a minute.'
      );
    case 'not_found':
      return trans.__(
        'The grader could not find this notebook or submission. Save the notebook and try again.'
      );
    case 'forbidden':
      return trans.__('Only teachers can do this.');
    case 'unavailable':
      return trans.__(
        'The grader is not running right now. Try again in a minute.'
      );
    case 'bad_request':
      return trans.__('The grader did not take this: %1', message);
    case 'no_grader_api':
      return trans.__('Grading is not set up on this server.');
    case 'save_failed':
      return trans.__(
        'Your notebook could not be saved, so it was not graded: %1',
        message
      );
    case 'network':
      return trans.__(
        'Your Jupyter server cannot be reached. Check your connection and try again.'
      );
  }
  const status = (reason as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 500) {
    return trans.__(
      'The grader had a problem (%1). Try again in a minute.',
      message
    );
  }
  return message;
}
