/**
 * Icons of @classlab/gpu.
 */
import { LabIcon } from '@jupyterlab/ui-components';

/** A chip with pins and a play mark: "Run on GPU" and the GPU panel. */
export const gpuIcon = new LabIcon({
  name: 'classlab-gpu:chip',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M9 1h2v3H9zM13 1h2v3h-2zM9 20h2v3H9zM13 20h2v3h-2zM1 9h3v2H1zM1 13h3v2H1zM20 9h3v2h-3zM20 13h3v2h-3z"/>' +
    '<path d="M6 4h12a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v12h12V6H6z"/>' +
    '<path d="M10 8.5v7l5.5-3.5z"/>' +
    '</g></svg>'
});
