/**
 * Setting and showing a cell's slide type (`metadata.slideshow.slide_type`, as RISE and nbconvert write it).
 */
import { ICellModel } from '@jupyterlab/cells';
import { TranslationBundle } from '@jupyterlab/translation';

import { readSlideType, SLIDE_TYPES, SlideType } from './slideIndex';

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
