/**
 * Icons of @classlab/grader.
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** A sheet with a check mark: the grader panel. */
export const graderIcon = new LabIcon({
  name: 'classlab-grader:sheet-check',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M6 2h9l5 5v13a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm0 2v16h12V8h-4V4H6z"/>' +
    '<path d="M8.2 13.3l1.4-1.4 1.9 1.9 4-4 1.4 1.4-5.4 5.4z"/>' +
    '</g></svg>'
});
