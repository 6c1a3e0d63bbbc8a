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
    helpPlugin.activate(app, null, null, null);
    expect(commands.hasCommand(CommandIDs.ask)).toBe(true);
    expect(commands.label(CommandIDs.ask)).toBe('Ask for Help');
    expect(await commands.describedBy(CommandIDs.ask)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    helpPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      null,
      null,
      null
    );
    expect(commands.isEnabled(CommandIDs.ask)).toBe(false);
  });

  it('adds its command to the command palette under a ClassLab category', () => {
    const items: Array<{ command: string; category: string }> = [];
    const palette = { addItem: (item: any) => items.push(item) } as any;
    helpPlugin.activate(
      { commands: new CommandRegistry() } as unknown as JupyterFrontEnd,
      null,
      palette,
      null
    );
    expect(items).toHaveLength(1);
    expect(items[0].category).toMatch(/^ClassLab /);
  });
});
