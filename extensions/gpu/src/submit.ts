/**
 * "Run on GPU" for a cell or a whole notebook: check what can be checked here (GPU time left, an empty cell, a cell
 * already on the GPU), build the job (context cells, targets, kernel, notebook path, time limit), send it, and say
 * in plain words what went wrong when it cannot go.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { cellInfos, resolveContext, selectJobCells } from './context';
import { gpuErrorText } from './errorText';
import { quotaExhausted, quotaExhaustedText } from './format';
import { readNote } from './outputs';
import { ContextMode, IGpuInfo, IGpuJob, IGpuJobs, isTerminal } from './tokens';

export interface IRunOptions {
  jobs: IGpuJobs;
  panel: NotebookPanel;
  /** Target cell ids, or every code cell. */
  targets: readonly string[] | 'all';
  /** The `context` setting. */
  context: ContextMode;
  /** The `timeLimitMinutes` setting (null: the server's default). */
  timeLimitMinutes: number | null;
  trans: TranslationBundle;
}

/** The kernel spec name of a notebook: its metadata, else its running kernel's, else "python3". */
export function kernelName(panel: NotebookPanel): string {
  const spec = panel.model?.getMetadata('kernelspec') as
    { name?: unknown } | undefined;
  if (spec && typeof spec.name === 'string' && spec.name) {
    return spec.name;
  }
  return panel.sessionContext?.session?.kernel?.name || 'python3';
}

/** The time limit to ask for, within what the server allows; undefined for the server's default. */
export function timeLimitSeconds(
  minutes: number | null | undefined,
  info: Pick<IGpuInfo, 'max_time_limit_seconds'> | null
): number | undefined {
  if (minutes == null || !(minutes > 0)) {
    return undefined;
  }
  const seconds = Math.round(minutes * 60);
  const max = info?.max_time_limit_seconds;
  return max && max > 0 ? Math.min(seconds, max) : seconds;
}

/** The "no GPU time left" dialog. */
export async function showQuotaExhausted(
  jobs: IGpuJobs,
  trans: TranslationBundle
): Promise<void> {
  await showDialog({
    title: trans.__('No GPU time left'),
    body: quotaExhaustedText(jobs.quota, trans),
    buttons: [Dialog.okButton({ label: trans.__('OK') })]
  });
}

/** Send cells to the GPU queue; the job, or null when it did not go (the user was told why). */
export async function runOnGpu(options: IRunOptions): Promise<IGpuJob | null> {
  const { jobs, panel, targets, trans } = options;
  const model = panel.model;
  if (!model) {
    return null;
  }
  if (targets !== 'all') {
    for (const id of targets) {
      const cell = [...model.cells].find(each => each.id === id);
      const note = cell ? readNote(cell) : null;
      if (note && !isTerminal(note.state) && jobs.run(note.job)) {
        Notification.info(
          trans.__(
            'This cell is already on the GPU. Wait for it, or cancel it first.'
          ),
          { autoClose: 5000 }
        );
        return null;
      }
    }
  }

  let info: IGpuInfo;
  try {
    const state = await jobs.beforeSubmit();
    info = state.info;
    if (quotaExhausted(state.quota)) {
      await showQuotaExhausted(jobs, trans);
      return null;
    }
  } catch (reason) {
    Notification.error(gpuErrorText(reason, trans), { autoClose: 8000 });
    return null;
  }

  const selection = selectJobCells(
    cellInfos(model),
    targets,
    resolveContext(options.context, info)
  );
  if (selection.problem) {
    let text: string;
    switch (selection.problem) {
      case 'empty':
        text =
          targets === 'all'
            ? trans.__('This notebook has no code to run.')
            : trans.__('This cell is empty: write some code in it first.');
        break;
      case 'not_code':
        text = trans.__(
          'Only code cells can run on the GPU. Pick a code cell first.'
        );
        break;
      default:
        text = trans.__('That cell is not in the notebook any more.');
    }
    Notification.warning(text, { autoClose: 5000 });
    return null;
  }

  const limit = timeLimitSeconds(options.timeLimitMinutes, info);
  try {
    return await jobs.submit(panel, {
      notebook: panel.context.path,
      kernel: kernelName(panel),
      cells: selection.cells,
      ...(limit !== undefined ? { time_limit_seconds: limit } : {})
    });
  } catch (reason: any) {
    if (reason?.code === 'quota_exhausted') {
      // The numbers in the dialog are the server's latest.
      await jobs.beforeSubmit().catch(() => undefined);
      await showQuotaExhausted(jobs, trans);
    } else {
      Notification.error(gpuErrorText(reason, trans), { autoClose: 10000 });
    }
    return null;
  }
}
