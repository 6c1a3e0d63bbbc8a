import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import plugins, { CommandIDs, graderPlugin } from '../src';

describe('@classlab/grader', () => {
  it('exports one auto-started plugin with a ClassLab id', () => {
    expect(plugins).toEqual([graderPlugin]);
    expect(graderPlugin.id).toBe('@classlab/grader:plugin');
    expect(graderPlugin.autoStart).toBe(true);
  });

  it('registers its main command on activation, described and labelled', async () => {
    const commands = new CommandRegistry();
    const app = { commands } as unknown as JupyterFrontEnd;
    graderPlugin.activate(app, null, null, null);
    expect(commands.hasCommand(CommandIDs.openPanel)).toBe(true);
    expect(commands.label(CommandIDs.openPanel)).toBe('Open Grader Panel');
    expect(await commands.describedBy(CommandIDs.openPanel)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    graderPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      null,
      null,
      null
    );
    expect(commands.isEnabled(CommandIDs.openPanel)).toBe(false);
  });

  it('adds its command to the command palette under a ClassLab category', () => {
    const items: Array<{ command: string; category: string }> = [];
    const palette = { addItem: (item: any) => items.push(item) } as any;
    graderPlugin.activate(
      { commands: new CommandRegistry() } as unknown as JupyterFrontEnd,
      null,
      palette,
      null
    );
    expect(items).toHaveLength(1);
    expect(items[0].category).toMatch(/^ClassLab /);
  });
});
