/**
 * The Settings Editor's texts of this extension in the user's language.
 *
 * JupyterLab's server translates the settings schemas of JupyterLab itself (from its language packs), never an
 * extension's. So a schema of ours that sets `"jupyter.lab.transform": true` is translated here instead, on its way
 * into the setting registry, from this extension's own catalog (scripts/i18n.py collects the strings from it).
 * The slides and GPU extensions each carry this same file (each installs alone); tests/install/test_i18n.py keeps
 * them equal.
 */
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Register the translating transform of `pluginId`; call it before the plugin's settings are loaded (the registry
 * holds a schema with `jupyter.lab.transform` back until its transform exists).
 */
export function translateSettings(
  registry: ISettingRegistry,
  pluginId: string,
  trans: TranslationBundle
): void {
  registry.transform(pluginId, {
    fetch: plugin => ({
      ...plugin,
      schema: translatedSchema(plugin.schema, trans)
    })
  });
}

/**
 * A copy of `schema` with its title and description translated, and each property's, with the titles of a
 * property's choices (`oneOf`).
 */
export function translatedSchema(
  schema: ISettingRegistry.ISchema,
  trans: TranslationBundle
): ISettingRegistry.ISchema {
  const properties: Record<string, ISettingRegistry.IProperty> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    properties[key] = withText(property, trans);
    if (Array.isArray(property.oneOf)) {
      properties[key].oneOf = property.oneOf.map(choice =>
        choice && typeof choice === 'object' && !Array.isArray(choice)
          ? withText(choice as { title?: string }, trans)
          : choice
      );
    }
  }
  return { ...withText(schema, trans), properties };
}

function withText<T extends { title?: string; description?: string }>(
  node: T,
  trans: TranslationBundle
): T {
  const copy = { ...node };
  for (const key of ['title', 'description'] as const) {
    const text = node[key];
    if (typeof text === 'string' && text) {
      // The text is the schema's (scripts/i18n.py extracts it from there), so it cannot be a literal here.
      // eslint-disable-next-line jupyter/no-dynamic-translation
      copy[key] = trans.gettext(text);
    }
  }
  return copy;
}
