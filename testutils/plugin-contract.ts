/**
 * What every ClassLab extension promises at activation, checked the same way in each package's jest suite:
 * one auto-started plugin, its main command registered (labelled, described, off without a notebook) and
 * listed in the command palette.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

export interface IMainCommandContract {
  packageName: string;
  plugins: JupyterFrontEndPlugin<void>[];
  plugin: JupyterFrontEndPlugin<void>;
  command: string;
  label: string;
}

/** Activate the plugin against a real command registry; notebooks, palette and translator as given. */
function activate(
  plugin: JupyterFrontEndPlugin<void>,
  palette: unknown = null
): CommandRegistry {
  const commands = new CommandRegistry();
  const app = { commands } as unknown as JupyterFrontEnd;
  void plugin.activate(app, null, palette, null);
  return commands;
}

export function describeMainCommandContract(
  contract: IMainCommandContract
): void {
  const { packageName, plugins, plugin, command, label } = contract;

  describe(`${packageName} main command`, () => {
    it("is provided by the package's main plugin, auto-started, with a ClassLab id", () => {
      expect(plugins).toContain(plugin);
      expect(plugin.id).toBe(`${packageName}:plugin`);
      for (const each of plugins) {
        expect(each.id).toMatch(
          new RegExp(`^${packageName}:[a-z]+(-[a-z]+)*$`)
        );
        expect(each.autoStart).toBe(true);
        expect(each.description).toBeTruthy();
      }
    });

    it('requires nothing, so each plugin activates alone in any JupyterLab-based app', () => {
      // Every token is optional: no other ClassLab package, no JupyterLab-only shell part.
      for (const each of plugins) {
        expect(each.requires ?? []).toEqual([]);
      }
    });

    it('is registered on activation, labelled and described', async () => {
      const commands = activate(plugin);
      expect(commands.hasCommand(command)).toBe(true);
      expect(commands.label(command)).toBe(label);
      // Described, and callable with no arguments (menus, palette and shortcuts pass none).
      const described = await commands.describedBy(command);
      expect(described.args).toMatchObject({ type: 'object' });
      expect(
        (described.args as { required?: string[] }).required ?? []
      ).toEqual([]);
    });

    it('is disabled when there is no notebook', () => {
      expect(activate(plugin).isEnabled(command)).toBe(false);
    });

    it('is listed in the command palette under a ClassLab category', () => {
      const items: Array<{ command: string; category: string }> = [];
      activate(plugin, { addItem: (item: any) => items.push(item) });
      expect(items[0]).toEqual({
        command,
        category: expect.stringMatching(/^ClassLab /)
      });
      for (const item of items) {
        expect(item.category).toBe(items[0].category);
      }
    });
  });
}
