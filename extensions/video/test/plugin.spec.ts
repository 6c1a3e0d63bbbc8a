import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import plugins, { CommandIDs, videoPlugin } from '../src';

describe('@classlab/video', () => {
  it('exports one auto-started plugin with a ClassLab id', () => {
    expect(plugins).toEqual([videoPlugin]);
    expect(videoPlugin.id).toBe('@classlab/video:plugin');
    expect(videoPlugin.autoStart).toBe(true);
  });

  it('registers its main command on activation, described and labelled', async () => {
    const commands = new CommandRegistry();
    const app = { commands } as unknown as JupyterFrontEnd;
    videoPlugin.activate(app, null, null, null);
    expect(commands.hasCommand(CommandIDs.insert)).toBe(true);
    expect(commands.label(CommandIDs.insert)).toBe('Insert Lecture Video');
    expect(await commands.describedBy(CommandIDs.insert)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    videoPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      null,
      null,
      null
    );
    expect(commands.isEnabled(CommandIDs.insert)).toBe(false);
  });

  it('adds its command to the command palette under a ClassLab category', () => {
    const items: Array<{ command: string; category: string }> = [];
    const palette = { addItem: (item: any) => items.push(item) } as any;
    videoPlugin.activate(
      { commands: new CommandRegistry() } as unknown as JupyterFrontEnd,
      null,
      palette,
      null
    );
    expect(items).toHaveLength(1);
    expect(items[0].category).toMatch(/^ClassLab /);
  });
});
