/**
 * What to tell the user when a GPU call fails: the queue's error codes in the user's language (the server's own
 * messages are English). Where the server's message carries a detail the user needs (which cell and line has the
 * syntax error), it is quoted.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

export function gpuErrorText(
  reason: unknown,
  trans: TranslationBundle
): string {
  const code = (reason as { code?: unknown } | null)?.code;
  const message = String(
    (reason as { message?: unknown } | null)?.message ?? reason
  );
  switch (code) {
    case 'syntax_error':
      return trans.__(
        'Python cannot read this code, so it was not sent to the GPU: %1',
        message
      );
    case 'no_such_kernel':
      return trans.__(
        'The GPU machine does not have the kernel this notebook uses. Pick another kernel, or ask your teacher.'
      );
    case 'quota_exhausted':
      return trans.__(
        'You have used all your GPU time. Ask your teacher if you need more.'
      );
    case 'too_big':
      return trans.__(
        'The files in this notebook’s folder are too big to send to the GPU. Move large files out of the folder and try again.'
      );
    case 'too_many_jobs':
      return trans.__(
        'You already have jobs waiting or running on the GPU. Wait for one to finish, or cancel one, then try again.'
      );
    case 'unreachable':
    case 'gpu_service_unavailable':
      return trans.__(
        'The GPU queue cannot be reached right now. Try again in a minute.'
      );
    case 'isolation_unavailable':
      return trans.__(
        'GPU jobs are switched off on this server for now, so this was not sent. Ask your teacher. (%1)',
        message
      );
    case 'not_found':
      return trans.__('This GPU job is no longer there.');
    case 'bad_request':
      return trans.__('The GPU queue did not take this job: %1', message);
    case 'not_available':
      return trans.__('Running on a GPU is not available on this server yet.');
    case 'forbidden':
      return trans.__(
        'Only the owner of this Jupyter server can use its GPU queue.'
      );
    case 'no_gpu_api':
      return trans.__('Running on a GPU is not set up on this server.');
    case 'network':
      return trans.__(
        'Your Jupyter server cannot be reached. Check your connection and try again.'
      );
  }
  const status = (reason as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 500) {
    return trans.__(
      'The GPU queue had a problem (%1). Try again in a minute.',
      message
    );
  }
  return message;
}
