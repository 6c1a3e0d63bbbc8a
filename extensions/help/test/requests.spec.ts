import { firstLine, sortRequests, waitMinutes } from '../src/requests';
import type { IHelpRequest } from '../src/tokens';

function request(id: string, created: string, state = 'waiting'): IHelpRequest {
  return {
    id,
    owner: { name: id, display_name: id.toUpperCase() },
    cell_id: 'c',
    message: '',
    audience: 'class',
    error: '',
    created,
    state: state as IHelpRequest['state'],
    helpers: []
  };
}

describe('request list', () => {
  const list = [
    request('b', '2026-09-01T10:05:00Z'),
    request('a', '2026-09-01T10:00:00Z'),
    request('c', '2026-09-01T10:10:00Z'),
    request('d', '2026-09-01T10:01:00Z', 'closed'),
    request('e', '2026-09-01T10:05:00Z', 'joined')
  ];

  it('orders newest first, closed requests left out, ties in server order', () => {
    expect(sortRequests(list, 'newest').map(r => r.id)).toEqual([
      'c',
      'b',
      'e',
      'a'
    ]);
  });

  it('orders by wait time, the longest wait first', () => {
    expect(sortRequests(list, 'waiting').map(r => r.id)).toEqual([
      'a',
      'b',
      'e',
      'c'
    ]);
    expect(list.map(r => r.id)).toEqual(['b', 'a', 'c', 'd', 'e']);
  });

  it('counts whole minutes waited', () => {
    const now = Date.parse('2026-09-01T10:07:59Z');
    expect(waitMinutes('2026-09-01T10:05:00Z', now)).toBe(2);
    expect(waitMinutes('2026-09-01T10:09:00Z', now)).toBe(0);
    expect(waitMinutes('not a time', now)).toBe(0);
  });

  it('shows the first non-empty line of an error', () => {
    expect(firstLine('\n  NameError: x\nmore')).toBe('NameError: x');
    expect(firstLine('y'.repeat(200), 10)).toBe('yyyyyyyyy…');
    expect(firstLine('')).toBe('');
  });
});
