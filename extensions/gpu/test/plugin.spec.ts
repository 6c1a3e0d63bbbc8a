import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, gpuPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/gpu',
  plugins,
  plugin: gpuPlugin,
  command: CommandIDs.runCell,
  label: 'Run Cell on GPU'
});
