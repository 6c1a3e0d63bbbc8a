import { describeTranslatedSettings } from '../../../testutils/settings-translation';
import { slidesPlugin } from '../src';
import slidesSchema from '../schema/plugin.json';

describeTranslatedSettings({
  packageName: '@classlab/slides',
  schemas: { [slidesPlugin.id]: slidesSchema } as any,
  activate: (app, translator, registry) => {
    void slidesPlugin.activate(app, null, null, translator, registry, null);
  }
});
