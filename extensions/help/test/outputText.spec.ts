import {
  errorSummary,
  outputsToText,
  outputToText,
  stripAnsi
} from '../src/outputText';

describe('outputs as text', () => {
  it('strips ANSI colours, OSC links and other escapes', () => {
    expect(stripAnsi('\u001b[0;31mNameError\u001b[0m: x')).toBe('NameError: x');
    expect(stripAnsi('\u001b]8;;http://x\u0007link\u001b]8;;\u0007')).toBe(
      'link'
    );
    expect(stripAnsi('a\u001b[2Kb\u001b[1;32;40mc')).toBe('abc');
  });

  it('keeps stream text, text/plain results and tracebacks; drops other data', () => {
    const text = outputsToText([
      { output_type: 'stream', name: 'stdout', text: ['hello\n', 'world\n'] },
      {
        output_type: 'execute_result',
        execution_count: 1,
        metadata: {},
        data: { 'text/plain': '42', 'text/html': '<b>42</b>' }
      },
      {
        output_type: 'display_data',
        metadata: {},
        data: { 'image/png': 'iVBOR' }
      },
      {
        output_type: 'error',
        ename: 'NameError',
        evalue: "name 'x' is not defined",
        traceback: [
          '\u001b[0;31m----------\u001b[0m',
          "\u001b[0;31mNameError\u001b[0m: name 'x' is not defined"
        ]
      }
    ]);
    expect(text).toBe(
      "hello\nworld\n42\n----------\nNameError: name 'x' is not defined\n"
    );
    expect(text).not.toContain('<b>');
  });

  it('uses ename and evalue when there is no traceback', () => {
    expect(
      outputToText({
        output_type: 'error',
        ename: 'ValueError',
        evalue: 'bad',
        traceback: []
      })
    ).toBe('ValueError: bad\n');
  });

  it('collapses carriage-return progress and caps the length', () => {
    expect(
      outputsToText([
        {
          output_type: 'stream',
          name: 'stdout',
          text: '10%\r50%\r100%\ndone\n'
        }
      ])
    ).toBe('100%\ndone\n');
    const long = outputsToText(
      [{ output_type: 'stream', name: 'stdout', text: 'x'.repeat(1000) }],
      100
    );
    expect(long).toHaveLength(100);
    expect(long).toContain('…');
  });

  it('summarises an error in one line', () => {
    expect(errorSummary('NameError', "name 'x' is not defined")).toBe(
      "NameError: name 'x' is not defined"
    );
    expect(errorSummary('KeyboardInterrupt', '')).toBe('KeyboardInterrupt');
  });
});
