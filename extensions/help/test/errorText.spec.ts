import { nullTranslator } from '@jupyterlab/translation';

import { HelpApiError } from '../src/api';
import { helpErrorText } from '../src/errorText';

describe('helpErrorText', () => {
  const trans = nullTranslator.load('classlab_help');

  it('says what a relay error code means, in the translator’s words', () => {
    const full = new HelpApiError(409, 'enough_helpers', 'server words');
    expect(helpErrorText(full, trans)).toBe(
      'Enough classmates are already helping with this cell; find another request.'
    );
    expect(
      helpErrorText(
        new HelpApiError(502, 'help_service_unavailable', 'x'),
        trans
      )
    ).toBe('The help service cannot be reached; try again soon.');
  });

  it('passes on any other error as it came', () => {
    expect(
      helpErrorText(
        new HelpApiError(400, 'bad_request', 'cell_id must be a string'),
        trans
      )
    ).toBe('cell_id must be a string');
    expect(helpErrorText(new Error('offline'), trans)).toBe('offline');
    expect(helpErrorText('plain', trans)).toBe('plain');
  });
});
