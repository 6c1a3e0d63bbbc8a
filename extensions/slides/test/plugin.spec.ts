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
    slidesPlugin.activate(app, null, null);
    expect(commands.hasCommand(CommandIDs.present)).toBe(true);
    expect(commands.label(CommandIDs.present)).toBe('Present Notebook as Slides');
    expect(await commands.describedBy(CommandIDs.present)).toEqual({
      args: { type: 'object', properties: {} }
    });
  });

  it('keeps the command disabled when there is no notebook', () => {
    const commands = new CommandRegistry();
    slidesPlugin.activate({ commands } as unknown as JupyterFrontEnd, null, null);
    expect(commands.isEnabled(CommandIDs.present)).toBe(false);
  });
});
