/**
 * A cell's outputs as plain text for the help room: stream text, `text/plain` results and the traceback without
 * ANSI colour codes. Never HTML: a helper sees what the student's code printed, nothing it could render.
 */
import type * as nbformat from '@jupyterlab/nbformat';

/** The most text one output update carries into the room. */
export const MAX_OUTPUT_CHARS = 20000;

// CSI (colours, cursor moves), OSC (titles, links) and the other two-character escapes.
const ANSI = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)',
    '\\u001b[@-Z\\\\-_]',
    '\\u009b[0-?]*[ -/]*[@-~]'
  ].join('|'),
  'g'
);

/** The text without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function joinText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(String).join('');
  }
  return typeof value === 'string' ? value : '';
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

/** One output as text ('' for outputs with no text form, e.g. an image alone). */
export function outputToText(output: nbformat.IOutput): string {
  switch (output.output_type) {
    case 'stream':
      return joinText((output as nbformat.IStream).text);
    case 'execute_result':
    case 'display_data':
    case 'update_display_data': {
      const data = (output as nbformat.IDisplayData).data ?? {};
      return withNewline(joinText(data['text/plain']));
    }
    case 'error': {
      const error = output as nbformat.IError;
      const traceback = Array.isArray(error.traceback) ? error.traceback : [];
      return withNewline(
        traceback.length > 0
          ? traceback.join('\n')
          : `${error.ename}: ${error.evalue}`
      );
    }
    default:
      return '';
  }
}

/** All outputs as one text, ANSI stripped, carriage-return progress collapsed, at most `max` characters. */
export function outputsToText(
  outputs: readonly nbformat.IOutput[],
  max = MAX_OUTPUT_CHARS
): string {
  let text = stripAnsi(outputs.map(outputToText).join(''));
  // "50%\r100%" shows as "100%" in the notebook: keep what is left after the last \r of each line.
  text = text
    .split('\n')
    .map(line => {
      const trimmed = line.replace(/\r+$/, '');
      const at = trimmed.lastIndexOf('\r');
      return at < 0 ? trimmed : trimmed.slice(at + 1);
    })
    .join('\n');
  if (text.length > max) {
    const marker = '\n…\n';
    const keep = max - marker.length;
    const head = Math.floor(keep / 2);
    text =
      text.slice(0, head) + marker + text.slice(text.length - (keep - head));
  }
  return text;
}

/** "NameError: name 'x' is not defined" from an error output's name and value. */
export function errorSummary(ename: string, evalue: string): string {
  const value = stripAnsi(evalue).split('\n')[0].trim();
  return value ? `${ename}: ${value}` : ename;
}
