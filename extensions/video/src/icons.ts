/**
 * Icons of @classlab/video.
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** A film frame with a play sign: the "Insert Lecture Video" toolbar button. */
export const videoIcon = new LabIcon({
  name: 'classlab-video:insert',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2v10h14V7z"/>' +
    '<path d="M10 9v6l5-3z"/></g></svg>'
});
