import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, slidesPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/slides',
  plugins,
  plugin: slidesPlugin,
  command: CommandIDs.present,
  label: 'Present Notebook as Slides'
});
