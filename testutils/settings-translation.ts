/**
 * Settings Editor texts in the user's language, checked the same way in each package whose settings schemas set
 * `"jupyter.lab.transform": true`: the plugins, activated against a real setting registry that serves the real
 * schema files, register the translating transform before they load their settings, so what the registry (and the
 * Settings Editor with it) holds has the schema's and each property's title and description translated.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import { ServerConnection } from '@jupyterlab/services';
import { IDataConnector } from '@jupyterlab/statedb';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

/** A "translation" that marks every text, so a test sees which ones went through it. */
export const MARK = '译:';

function markingBundle(): TranslationBundle {
  const mark = (...texts: unknown[]) =>
    MARK + texts.find(text => typeof text === 'string');
  return {
    __: mark,
    _n: mark,
    _p: (_context: string, text: string) => mark(text),
    _np: (_context: string, text: string) => mark(text),
    gettext: mark,
    ngettext: mark,
    pgettext: (_context: string, text: string) => mark(text),
    npgettext: (_context: string, text: string) => mark(text),
    dcnpgettext: (_domain: string, _context: string, text: string) => mark(text)
  } as unknown as TranslationBundle;
}

export const markingTranslator = {
  languageCode: 'zh-CN',
  load: () => markingBundle()
} as unknown as ITranslator;

/** A setting registry whose server holds `schemas` (plugin id → schema) and no user settings. */
export function registryWith(
  schemas: Record<string, ISettingRegistry.ISchema>
): SettingRegistry {
  const connector = {
    fetch: async (id: string) =>
      schemas[id] && {
        id,
        schema: JSON.parse(JSON.stringify(schemas[id])),
        raw: '{}',
        data: { composite: {}, user: {} },
        version: 'test'
      },
    list: async () => ({ ids: [], values: [] }),
    save: async () => undefined,
    remove: async () => undefined
  } as unknown as IDataConnector<ISettingRegistry.IPlugin, string, string>;
  return new SettingRegistry({ connector });
}

export function describeTranslatedSettings(options: {
  packageName: string;
  schemas: Record<string, ISettingRegistry.ISchema>;
  /** Activate the package's plugins with this app, translator and setting registry. */
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator,
    registry: ISettingRegistry
  ) => void;
}): void {
  const { packageName, schemas, activate } = options;

  describe(`${packageName} settings in the user's language`, () => {
    it.each(Object.keys(schemas))(
      '%s: the Settings Editor gets the titles and descriptions translated',
      async id => {
        const schema = schemas[id];
        expect(schema['jupyter.lab.transform']).toBe(true);
        const registry = registryWith(schemas);
        const app = {
          commands: new CommandRegistry(),
          serviceManager: { serverSettings: ServerConnection.makeSettings() },
          // Never restored: nothing polls the server in this test.
          restored: new Promise(() => undefined)
        } as unknown as JupyterFrontEnd;
        activate(app, markingTranslator, registry);
        const loaded = await registry.load(id);
        const shown = loaded.schema;
        expect(shown.title).toBe(MARK + schema.title);
        expect(shown.description).toBe(MARK + schema.description);
        const properties = Object.entries(schema.properties ?? {});
        expect(properties.length).toBeGreaterThan(0);
        for (const [key, property] of properties) {
          expect(shown.properties![key].title).toBe(MARK + property.title);
          expect(shown.properties![key].description).toBe(
            MARK + property.description
          );
          // The choices' titles too; everything else (types, defaults, values) is the schema's own.
          const choices = (property.oneOf ?? []) as { title?: string }[];
          const shownChoices = (shown.properties![key].oneOf ?? []) as {
            title?: string;
          }[];
          expect(shownChoices.map(choice => choice.title)).toEqual(
            choices.map(choice => MARK + choice.title)
          );
          expect({
            ...shown.properties![key],
            title: property.title,
            description: property.description,
            ...(property.oneOf ? { oneOf: property.oneOf } : {})
          }).toEqual(property);
          expect(
            shownChoices.map(choice => ({ ...choice, title: undefined }))
          ).toEqual(choices.map(choice => ({ ...choice, title: undefined })));
        }
        // Menus, toolbars and shortcuts are untouched.
        for (const key of [
          'jupyter.lab.menus',
          'jupyter.lab.toolbars',
          'jupyter.lab.shortcuts'
        ]) {
          expect(shown[key]).toEqual(schema[key]);
        }
      }
    );
  });
}
