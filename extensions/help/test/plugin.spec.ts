import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import plugins, { CommandIDs, helpPlugin } from '../src';

describe('@classlab/help', () => {
  it('exports one auto-started plugin with a ClassLab id', () => {
    expect(plugins).toEqual([helpPlugin]);
    expect(helpPlugin.id).toBe('@classlab/help:plugin');
    expect(helpPlugin.autoStart).toBe(true);
  });

  it('registers its main command on activation, described and labelled', async () => {
    const commands = new CommandRegistry();
    const app = { commands } as unknown as JupyterFrontEnd;
    helpPlugin.activate(app, null, null);
    expect(commands.hasCommand(CommandIDs.ask)).toBe(true);
    expect(commands.label(CommandIDs.ask)).toBe('Ask for Help');
    expect(await commands.describedBy(CommandIDs.ask)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    helpPlugin.activate({ commands } as unknown as JupyterFrontEnd, null, null);
    expect(commands.isEnabled(CommandIDs.ask)).toBe(false);
  });
});
