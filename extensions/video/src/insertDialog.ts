/**
 * "Insert Lecture Video": a dialog asking for the video (a file found in the notebook's folder, an mp4/webm or
 * HLS .m3u8 address, or a YouTube link or id) and an optional title. The video cell it inserts below the active
 * cell is a markdown cell with one plain link as its text and the spec in `metadata.classlab.video`.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { videoCellSource } from './chapters';
import { isError, parseYouTubeId } from './spec';
import type { IVideoSpec } from './tokens';

/** Video files the dialog offers from the notebook's folder. */
export const VIDEO_FILE_PATTERN = /\.(mp4|webm|m3u8)$/i;

/**
 * The raw spec for what the teacher typed or picked: `{youtube}` for a YouTube link or id, else `{src}` (the spec
 * parser infers the kind: `.m3u8` is HLS) — and decides whether it is allowed.
 */
export function rawSpecFromInput(
  source: string,
  title: string
): Record<string, unknown> {
  const value = source.trim();
  const id = parseYouTubeId(value);
  const raw: Record<string, unknown> = !isError(id)
    ? { kind: 'youtube', youtube: id.id }
    : { src: value };
  if (title.trim()) {
    raw.title = title.trim();
  }
  return raw;
}

/** The spec as stored in a video cell's metadata: only what is set (no empty lists). */
export function specToMetadata(spec: IVideoSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: spec.kind };
  for (const key of ['src', 'youtube', 'title', 'poster'] as const) {
    if (spec[key]) {
      out[key] = spec[key];
    }
  }
  if (spec.autoplay) {
    out.autoplay = true;
  }
  if (spec.captions.length) {
    out.captions = spec.captions;
  }
  if (spec.chapters.length) {
    out.chapters = spec.chapters;
  }
  return out;
}

/** Finds .mp4, .webm and .m3u8 files in a folder and its sub-folders one level down (paths relative to it). */
export async function findVideoFiles(
  contents: Contents.IManager,
  folder: string
): Promise<string[]> {
  const list = async (path: string) => {
    try {
      const model = await contents.get(path, { content: true });
      return Array.isArray(model.content)
        ? (model.content as Contents.IModel[])
        : [];
    } catch {
      return [];
    }
  };
  const found: string[] = [];
  const top = await list(folder);
  const subfolders = top.filter(
    item => item.type === 'directory' && !item.name.startsWith('.')
  );
  const nested = await Promise.all(subfolders.map(item => list(item.path)));
  for (const [items, prefix] of [
    [top, ''] as const,
    ...nested.map((items, i) => [items, `${subfolders[i].name}/`] as const)
  ]) {
    // An HLS folder's .mp4 files are its init segment and parts, not videos of their own.
    const hls = items.some(item => /\.m3u8$/i.test(item.name));
    for (const item of items) {
      if (
        item.type !== 'directory' &&
        VIDEO_FILE_PATTERN.test(item.name) &&
        (!hls || /\.m3u8$/i.test(item.name))
      ) {
        found.push(prefix + item.name);
      }
    }
  }
  return found.sort((a, b) => a.localeCompare(b));
}

/** What the dialog returns. */
export interface IInsertChoice {
  source: string;
  title: string;
}

/** The dialog's body: the files found, one address field, a title field, and a message when refused. */
export class InsertVideoForm extends Widget {
  constructor(
    files: string[],
    previous: IInsertChoice,
    error: string,
    trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ClassLabVideo-insertForm');
    this.node.setAttribute('data-lm-suppress-shortcuts', 'true');

    const fileLabel = document.createElement('label');
    fileLabel.textContent = trans.__('A video in this folder');
    const select = document.createElement('select');
    select.name = 'file';
    select.className = 'jp-mod-styled';
    const none = document.createElement('option');
    none.value = '';
    none.textContent = files.length
      ? trans.__('Choose a file…')
      : trans.__('(no .mp4, .webm or .m3u8 files here)');
    select.appendChild(none);
    for (const file of files) {
      const option = document.createElement('option');
      option.value = file;
      option.textContent = file;
      select.appendChild(option);
    }
    select.disabled = files.length === 0;
    select.value = files.includes(previous.source) ? previous.source : '';
    fileLabel.appendChild(select);

    const sourceLabel = document.createElement('label');
    sourceLabel.textContent = trans.__(
      'or a video address (.mp4, .webm, HLS .m3u8) or a YouTube link or id'
    );
    this._source = document.createElement('input');
    this._source.name = 'source';
    this._source.className = 'jp-mod-styled';
    this._source.placeholder = trans.__('https://…/lecture.mp4');
    this._source.value = previous.source;
    sourceLabel.appendChild(this._source);
    select.addEventListener('change', () => {
      if (select.value) {
        this._source.value = select.value;
      }
    });
    this._source.addEventListener('input', () => {
      select.value = files.includes(this._source.value)
        ? this._source.value
        : '';
    });

    const titleLabel = document.createElement('label');
    titleLabel.textContent = trans.__('Title (optional)');
    this._title = document.createElement('input');
    this._title.name = 'title';
    this._title.className = 'jp-mod-styled';
    this._title.value = previous.title;
    titleLabel.appendChild(this._title);

    const message = document.createElement('p');
    message.className = 'jp-ClassLabVideo-formError';
    message.setAttribute('role', 'alert');
    message.textContent = error;

    this.node.append(fileLabel, sourceLabel, titleLabel, message);
  }

  getValue(): IInsertChoice {
    return { source: this._source.value.trim(), title: this._title.value };
  }

  private _source: HTMLInputElement;
  private _title: HTMLInputElement;
}

/**
 * Asks for a video until the answer is a spec the parser accepts (or the teacher cancels), then inserts the
 * video cell below the active cell and selects it. Returns the new cell's index, or null.
 */
export async function insertVideo(
  panel: NotebookPanel,
  contents: Contents.IManager,
  parse: (raw: unknown) => { spec: IVideoSpec } | { error: string },
  trans: TranslationBundle
): Promise<number | null> {
  const folder = PathExt.dirname(panel.context.localPath);
  const files = await findVideoFiles(contents, folder);
  let choice: IInsertChoice = { source: '', title: '' };
  let error = '';
  for (;;) {
    const result = await showDialog({
      title: trans.__('Insert Lecture Video'),
      body: new InsertVideoForm(files, choice, error, trans),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Insert') })
      ],
      focusNodeSelector: files.length ? 'select' : 'input[name="source"]'
    });
    if (!result.button.accept || !result.value || panel.isDisposed) {
      return null;
    }
    choice = result.value;
    if (!choice.source) {
      error = trans.__('Choose a video file or type an address.');
      continue;
    }
    const parsed = parse(rawSpecFromInput(choice.source, choice.title));
    if ('error' in parsed) {
      error = parsed.error;
      continue;
    }
    return insertVideoCell(panel, parsed.spec, trans);
  }
}

/** Inserts a video cell for `spec` below the active cell, selects it and returns its index. */
export function insertVideoCell(
  panel: NotebookPanel,
  spec: IVideoSpec,
  trans: TranslationBundle
): number | null {
  const notebook = panel.content;
  const model = notebook.model;
  if (!model) {
    return null;
  }
  const index = notebook.activeCell ? notebook.activeCellIndex + 1 : 0;
  // Plain JSON (what nbformat metadata holds).
  const video = JSON.parse(JSON.stringify(specToMetadata(spec)));
  model.sharedModel.insertCell(index, {
    cell_type: 'markdown',
    source: videoCellSource(spec, trans.__('Watch the video')),
    metadata: { classlab: { video } }
  });
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  const cell = notebook.widgets[index];
  if (cell && 'rendered' in cell) {
    (cell as { rendered: boolean }).rendered = true;
  }
  void notebook.scrollToItem(index).catch(() => undefined);
  return index;
}
