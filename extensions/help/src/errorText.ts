/**
 * What to tell the user when a help call fails: the relay's error codes in the user's language (the relay's own
 * messages are English), anything else as it came.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

export function helpErrorText(
  reason: unknown,
  trans: TranslationBundle
): string {
  const code = (reason as { code?: unknown } | null)?.code;
  switch (code) {
    case 'enough_helpers':
      return trans.__(
        'Enough classmates are already helping with this cell; find another request.'
      );
    case 'revoked':
      return trans.__('The student stopped sharing with you.');
    case 'closed':
      return trans.__('This help request is closed.');
    case 'not_found':
      return trans.__('This help request is no longer there.');
    case 'peer_help_not_allowed':
      return trans.__(
        'Classmates may not help on graded cells; ask your teacher instead.'
      );
    case 'help_service_unavailable':
      return trans.__('The help service cannot be reached; try again soon.');
  }
  const message = (reason as { message?: unknown } | null)?.message;
  return String(message ?? reason);
}
