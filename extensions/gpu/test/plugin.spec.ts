import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, gpuPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/gpu',
  plugins,
  plugin: gpuPlugin,
  command: CommandIDs.runCell,
  label: 'Run Cell on GPU'
});

describe('@classlab/gpu commands', () => {
  const commands = new CommandRegistry();
  const items: { command: string }[] = [];
  void gpuPlugin.activate(
    { commands } as unknown as JupyterFrontEnd,
    null,
    { addItem: (item: { command: string }) => items.push(item) },
    null
  );

  it('registers "Run Notebook on GPU", callable with no arguments, in the palette', async () => {
    expect(commands.label(CommandIDs.runNotebook)).toBe('Run Notebook on GPU');
    expect(commands.isEnabled(CommandIDs.runNotebook)).toBe(false);
    const described = await commands.describedBy(CommandIDs.runNotebook);
    expect((described.args as any).required ?? []).toEqual([]);
    expect(items.map(item => item.command)).toEqual([
      CommandIDs.runCell,
      CommandIDs.runNotebook
    ]);
  });

  it('is one narrow icon in the cell toolbar: no text there', () => {
    expect(commands.label(CommandIDs.runCell, { toolbar: true })).toBe('');
    expect(commands.icon(CommandIDs.runCell)).toBeTruthy();
  });
});
