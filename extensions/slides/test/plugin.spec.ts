import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import plugins, { CommandIDs, slidesPlugin } from '../src';

describe('@classlab/slides', () => {
  it('exports one auto-started plugin with a ClassLab id', () => {
    expect(plugins).toEqual([slidesPlugin]);
    expect(slidesPlugin.id).toBe('@classlab/slides:plugin');
    expect(slidesPlugin.autoStart).toBe(true);
  });

  it('registers its main command on activation, described and labelled', async () => {
    const commands = new CommandRegistry();
    const app = { commands } as unknown as JupyterFrontEnd;
    slidesPlugin.activate(app, null, null, null);
    expect(commands.hasCommand(CommandIDs.present)).toBe(true);
    expect(commands.label(CommandIDs.present)).toBe(
      'Present Notebook as Slides'
    );
    expect(await commands.describedBy(CommandIDs.present)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    slidesPlugin.activate(
      { commands } as unknown as JupyterFrontEnd,
      null,
      null,
      null
    );
    expect(commands.isEnabled(CommandIDs.present)).toBe(false);
  });

  it('adds its command to the command palette under a ClassLab category', () => {
    const items: Array<{ command: string; category: string }> = [];
    const palette = { addItem: (item: any) => items.push(item) } as any;
    slidesPlugin.activate(
      { commands: new CommandRegistry() } as unknown as JupyterFrontEnd,
      null,
      palette,
      null
    );
    expect(items).toHaveLength(1);
    expect(items[0].category).toMatch(/^ClassLab /);
  });
});
