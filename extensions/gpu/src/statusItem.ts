/**
 * The status-bar item: "GPU: 2 queued · 1 running" while the user has jobs going, "GPU free" otherwise; a click
 * opens the GPU panel.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IGpuJob, IGpuJobs } from './tokens';

/** The status-bar text for a list of jobs. */
export function statusText(
  jobs: readonly Pick<IGpuJob, 'state'>[],
  trans: TranslationBundle
): string {
  const queued = jobs.filter(job => job.state === 'queued').length;
  const running = jobs.filter(job => job.state === 'running').length;
  if (queued === 0 && running === 0) {
    return trans.__('GPU free');
  }
  const parts: string[] = [];
  if (queued > 0) {
    parts.push(trans._n('%1 queued', '%1 queued', queued));
  }
  if (running > 0) {
    parts.push(trans._n('%1 running', '%1 running', running));
  }
  return trans.__(
    'GPU: %1',
    parts.join(trans._p('between parts of a status', ' · '))
  );
}

export class GpuStatusItem extends Widget {
  constructor(
    private readonly _jobs: IGpuJobs,
    private readonly _trans: TranslationBundle,
    open: () => void
  ) {
    super({ node: document.createElement('button') });
    this.addClass('jp-classlab-gpu-status');
    const button = this.node as HTMLButtonElement;
    button.type = 'button';
    button.title = _trans.__('Show your GPU jobs');
    button.addEventListener('click', open);
    _jobs.changed.connect(this._update, this);
    this._update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._jobs.changed.disconnect(this._update, this);
    super.dispose();
  }

  private _update(): void {
    const text = statusText(this._jobs.jobs, this._trans);
    if (this.node.textContent !== text) {
      this.node.textContent = text;
    }
    const active = this._jobs.jobs.some(
      job => job.state === 'queued' || job.state === 'running'
    );
    this.node.dataset.active = String(active);
  }
}
