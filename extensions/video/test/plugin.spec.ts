import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, videoPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/video',
  plugins,
  plugin: videoPlugin,
  command: CommandIDs.insert,
  label: 'Insert Lecture Video'
});
