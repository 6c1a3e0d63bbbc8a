/**
 * The request list's pure parts: order, wait time, error summary.
 */
import type { IHelpRequest } from './tokens';

/** How the Help panel orders open requests. */
export type RequestOrder = 'newest' | 'waiting';

function createdMs(request: IHelpRequest): number {
  const ms = Date.parse(request.created);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * The requests in the given order, closed ones left out: `newest` first, or `waiting` (the longest wait first).
 * Ties keep the server's order (by id).
 */
export function sortRequests(
  requests: readonly IHelpRequest[],
  order: RequestOrder
): IHelpRequest[] {
  const open = requests.filter(r => r.state !== 'closed');
  const sign = order === 'newest' ? -1 : 1;
  return open
    .map((request, index) => ({ request, index }))
    .sort(
      (a, b) =>
        sign * (createdMs(a.request) - createdMs(b.request)) ||
        a.index - b.index
    )
    .map(each => each.request);
}

/** Whole minutes waited since `created` (never negative). */
export function waitMinutes(created: string, now = Date.now()): number {
  const ms = Date.parse(created);
  if (Number.isNaN(ms)) {
    return 0;
  }
  return Math.max(0, Math.floor((now - ms) / 60000));
}

/** The first non-empty line of an error text, at most `max` characters. */
export function firstLine(text: string, max = 120): string {
  const line =
    (text ?? '')
      .split('\n')
      .map(each => each.trim())
      .find(each => each !== '') ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}
