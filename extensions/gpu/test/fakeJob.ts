import type { IGpuJob } from '../src/tokens';

/** A job as the server sends it (PROTOCOL.md), queued and untouched unless `more` says otherwise. */
export function fakeJob(more: Partial<IGpuJob> = {}): IGpuJob {
  return {
    id: 'j_1',
    user: 'ann',
    notebook: 'lesson.ipynb',
    kernel: 'python3',
    targets: ['c1'],
    state: 'queued',
    position: 0,
    estimate_seconds: null,
    reason: null,
    created: '2026-11-23T21:40:00Z',
    started: null,
    ended: null,
    elapsed_seconds: 0,
    time_limit_seconds: 1800,
    device: null,
    error: null,
    output_truncated: false,
    backend: 'local',
    backend_job_id: null,
    ...more
  };
}
