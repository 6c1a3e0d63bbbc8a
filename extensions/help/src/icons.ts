/**
 * Icons of @classlab/help.
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** A raised hand: "Ask for help" and the Help requests panel. */
export const helpHandIcon = new LabIcon({
  name: 'classlab-help:hand',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2a1.5 1.5 0 0 1 1.5 1.5V11h1V4.5a1.5 1.5 0 0 1 3 0V12h1V7.5a1.5 1.5 0 0 1 3 0V15a7 7 0 0 1-7 7h-1' +
    'a7 7 0 0 1-5.6-2.8l-3.6-4.8a1.5 1.5 0 0 1 2.4-1.8L7.5 15V5.5a1.5 1.5 0 0 1 3 0V11h0V3.5A1.5 1.5 0 0 1 12 2z"/>' +
    '</g></svg>'
});
