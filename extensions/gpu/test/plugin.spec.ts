import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import plugins, { CommandIDs, gpuPlugin } from '../src';

describe('@classlab/gpu', () => {
  it('exports one auto-started plugin with a ClassLab id', () => {
    expect(plugins).toEqual([gpuPlugin]);
    expect(gpuPlugin.id).toBe('@classlab/gpu:plugin');
    expect(gpuPlugin.autoStart).toBe(true);
  });

  it('registers its main command on activation, described and labelled', async () => {
    const commands = new CommandRegistry();
    const app = { commands } as unknown as JupyterFrontEnd;
    gpuPlugin.activate(app, null, null, null);
    expect(commands.hasCommand(CommandIDs.runCell)).toBe(true);
    expect(commands.label(CommandIDs.runCell)).toBe('Run Cell on GPU');
    expect(await commands.describedBy(CommandIDs.runCell)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    gpuPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      null,
      null,
      null
    );
    expect(commands.isEnabled(CommandIDs.runCell)).toBe(false);
  });

  it('adds its command to the command palette under a ClassLab category', () => {
    const items: Array<{ command: string; category: string }> = [];
    const palette = { addItem: (item: any) => items.push(item) } as any;
    gpuPlugin.activate(
      { commands: new CommandRegistry() } as unknown as JupyterFrontEnd,
      null,
      palette,
      null
    );
    expect(items).toHaveLength(1);
    expect(items[0].category).toMatch(/^ClassLab /);
  });
});
