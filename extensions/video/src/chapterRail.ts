/**
 * The chapter rail under a video: one row per chapter (time and title; a click seeks), "Try it" on chapters
 * linked to a cell, the chapter playing now marked. Built with DOM calls only (chapter titles are untrusted
 * notebook data: `textContent`, never `innerHTML`).
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { formatTime } from './chapters';
import type { IChapter } from './tokens';

export class ChapterRail extends Widget {
  constructor(
    private readonly _trans: TranslationBundle,
    private readonly _actions: {
      /** Seek the video to the chapter. */
      seek: (index: number) => void;
      /** Go to the chapter's linked cell. */
      tryIt: (index: number) => void;
    }
  ) {
    super({ node: document.createElement('nav') });
    this.addClass('jp-ClassLabVideo-rail');
    this.node.setAttribute('aria-label', _trans.__('Chapters'));
    this._list = document.createElement('ol');
    this._list.className = 'jp-ClassLabVideo-chapters';
    this.node.appendChild(this._list);
  }

  /** The chapter marked as playing now; -1 for none. */
  get current(): number {
    return this._current;
  }

  /** Shows these chapters (the rail hides itself when there are none). */
  setChapters(chapters: IChapter[]): void {
    this._current = -1;
    this._list.replaceChildren(
      ...chapters.map((chapter, index) => this._row(chapter, index))
    );
    this.setHidden(chapters.length === 0);
  }

  /** Marks the chapter playing now. */
  setCurrent(index: number): void {
    if (index === this._current) {
      return;
    }
    const rows = this._list.children;
    rows[this._current]?.classList.remove('jp-mod-current');
    rows[this._current]?.removeAttribute('aria-current');
    this._current = index;
    rows[index]?.classList.add('jp-mod-current');
    rows[index]?.setAttribute('aria-current', 'true');
  }

  private _row(chapter: IChapter, index: number): HTMLLIElement {
    const row = document.createElement('li');
    row.className = 'jp-ClassLabVideo-chapter';
    const seek = document.createElement('button');
    seek.type = 'button';
    seek.className = 'jp-ClassLabVideo-chapterSeek';
    seek.title = this._trans.__('Play from %1', formatTime(chapter.time));
    const time = document.createElement('span');
    time.className = 'jp-ClassLabVideo-chapterTime';
    time.textContent = formatTime(chapter.time);
    const title = document.createElement('span');
    title.className = 'jp-ClassLabVideo-chapterTitle';
    title.textContent = chapter.title;
    seek.append(time, title);
    if (chapter.checkpoint) {
      const badge = document.createElement('span');
      badge.className = 'jp-ClassLabVideo-checkpointBadge';
      badge.textContent = this._trans.__('Practice stop');
      badge.title = this._trans.__(
        'The video stops here until you run the linked cell'
      );
      seek.appendChild(badge);
    }
    seek.addEventListener('click', () => this._actions.seek(index));
    row.appendChild(seek);
    if (chapter.cell) {
      const tryIt = document.createElement('button');
      tryIt.type = 'button';
      tryIt.className = 'jp-ClassLabVideo-tryIt jp-mod-styled';
      tryIt.textContent = this._trans.__('Try it');
      tryIt.title = this._trans.__('Go to the code cell for this chapter');
      tryIt.addEventListener('click', () => this._actions.tryIt(index));
      row.appendChild(tryIt);
    }
    return row;
  }

  private _list: HTMLOListElement;
  private _current = -1;
}
