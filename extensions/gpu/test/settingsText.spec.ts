import { describeTranslatedSettings } from '../../../testutils/settings-translation';
import { gpuPlugin, jobsPlugin } from '../src';
import gpuSchema from '../schema/plugin.json';
import jobsSchema from '../schema/jobs.json';

describeTranslatedSettings({
  packageName: '@classlab/gpu',
  schemas: { [gpuPlugin.id]: gpuSchema, [jobsPlugin.id]: jobsSchema } as any,
  activate: (app, translator, registry) => {
    void jobsPlugin.activate(app, translator, null, registry);
    void gpuPlugin.activate(app, null, null, translator, registry, null);
  }
});
