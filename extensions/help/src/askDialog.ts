/**
 * The "Ask for help" dialog: an optional message, who may help, and whether to share the cells above.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { Audience } from './tokens';

export interface IAskChoice {
  message: string;
  audience: Audience;
  context: boolean;
}

class AskBody extends Widget implements Dialog.IBodyWidget<IAskChoice> {
  constructor(trans: TranslationBundle, error: string, classAllowed: boolean) {
    super();
    this.addClass('jp-classlab-help-ask');
    const node = this.node;
    if (error) {
      const summary = document.createElement('div');
      summary.className = 'jp-classlab-help-askError';
      summary.textContent = error;
      node.appendChild(summary);
    }
    const label = document.createElement('label');
    label.textContent = trans.__('What do you need help with? (optional)');
    this._message = document.createElement('textarea');
    this._message.className = 'jp-mod-styled jp-classlab-help-askMessage';
    this._message.rows = 3;
    this._message.maxLength = 500;
    this._message.placeholder = trans.__('What I tried, what I expected…');
    label.appendChild(this._message);
    node.appendChild(label);

    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = trans.__('Who may help');
    fieldset.appendChild(legend);
    const options: Array<[Audience, string]> = [
      ['teacher', trans.__('My teacher only')],
      ['class', trans.__('My teacher and classmates')]
    ];
    for (const [value, text] of options) {
      const row = document.createElement('label');
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = 'classlab-help-audience';
      radio.value = value;
      radio.checked = value === 'teacher';
      radio.disabled = value === 'class' && !classAllowed;
      this._audience.push(radio);
      row.append(radio, document.createTextNode(' ' + text));
      fieldset.appendChild(row);
    }
    if (!classAllowed) {
      const note = document.createElement('div');
      note.className = 'jp-classlab-help-askNote';
      note.textContent = trans.__(
        'This cell is part of a graded assignment: only your teacher can help.'
      );
      fieldset.appendChild(note);
    }
    node.appendChild(fieldset);

    const contextRow = document.createElement('label');
    this._context = document.createElement('input');
    this._context.type = 'checkbox';
    this._context.className = 'jp-classlab-help-askContext';
    contextRow.append(
      this._context,
      document.createTextNode(
        ' ' + trans.__('Also show the cells above (they cannot be changed)')
      )
    );
    node.appendChild(contextRow);
  }

  getValue(): IAskChoice {
    const chosen = this._audience.find(radio => radio.checked);
    return {
      message: this._message.value.trim(),
      audience: (chosen?.value as Audience) ?? 'teacher',
      context: this._context.checked
    };
  }

  private _message: HTMLTextAreaElement;
  private _audience: HTMLInputElement[] = [];
  private _context: HTMLInputElement;
}

/** Ask what the request should say; null when cancelled. */
export async function askForHelpDialog(
  trans: TranslationBundle,
  error: string,
  classAllowed = true
): Promise<IAskChoice | null> {
  const result = await showDialog<IAskChoice>({
    title: trans.__('Ask for help'),
    body: new AskBody(trans, error, classAllowed),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Ask') })
    ],
    focusNodeSelector: 'textarea'
  });
  return result.button.accept ? result.value : null;
}
