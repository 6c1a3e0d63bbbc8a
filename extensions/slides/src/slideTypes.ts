/**
 * Setting and showing a cell's slide type (`metadata.slideshow.slide_type`, as RISE and nbconvert write it).
 */
import { ICellModel } from '@jupyterlab/cells';
import { TranslationBundle } from '@jupyterlab/translation';

import { CellShow, readSlideType, SLIDE_TYPES, SlideType } from './slideIndex';

/** Translated names of the slide types, for the selector and the badges. */
export function slideTypeLabels(
  trans: TranslationBundle
): Record<SlideType, string> {
  return {
    slide: trans.__('Slide'),
    subslide: trans.__('Subslide'),
    fragment: trans.__('Fragment'),
    '-': trans.__('Continue'),
    skip: trans.__('Skip'),
    notes: trans.__('Notes')
  };
}

/** The cell's slide type; no metadata reads as "continue". */
export function getSlideType(cell: ICellModel): SlideType {
  return readSlideType({ slideshow: cell.getMetadata('slideshow') }) ?? '-';
}

/** Write the slide type, keeping any other `slideshow` keys. */
export function setSlideType(cell: ICellModel, type: SlideType): void {
  if (!(SLIDE_TYPES as readonly string[]).includes(type)) {
    throw new Error(`Unknown slide type: ${type}`);
  }
  const current = cell.getMetadata('slideshow');
  const slideshow =
    typeof current === 'object' && current !== null ? current : {};
  cell.setMetadata('slideshow', { ...slideshow, slide_type: type });
}

/** Translated names of what a code cell shows on its slide. */
export function cellShowLabels(
  trans: TranslationBundle
): Record<CellShow, string> {
  return {
    all: trans.__('Code and output'),
    output: trans.__('Output only'),
    input: trans.__('Code only')
  };
}

const HIDE_INPUT = 'hide-input';
const HIDE_OUTPUT = 'hide-output';

function tagsOf(cell: ICellModel): string[] {
  const tags = cell.getMetadata('tags');
  return Array.isArray(tags)
    ? tags.filter((tag): tag is string => typeof tag === 'string')
    : [];
}

/** What the slide shows of the cell, from Jupyter Book's `hide-input` / `hide-output` tags. */
export function getCellShow(cell: ICellModel): CellShow {
  const tags = tagsOf(cell);
  const hideInput = tags.includes(HIDE_INPUT);
  const hideOutput = tags.includes(HIDE_OUTPUT);
  if (hideInput !== hideOutput) {
    return hideInput ? 'output' : 'input';
  }
  return 'all';
}

/** Set the `hide-input` / `hide-output` tags for `show`, keeping every other tag in its place. */
export function setCellShow(cell: ICellModel, show: CellShow): void {
  const kept = tagsOf(cell).filter(
    tag => tag !== HIDE_INPUT && tag !== HIDE_OUTPUT
  );
  const added =
    show === 'output' ? [HIDE_INPUT] : show === 'input' ? [HIDE_OUTPUT] : [];
  const tags = [...kept, ...added];
  if (tags.length > 0) {
    cell.setMetadata('tags', tags);
  } else {
    cell.deleteMetadata('tags');
  }
}
