import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, graderPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/grader',
  plugins,
  plugin: graderPlugin,
  command: CommandIDs.openPanel,
  label: 'Open Grader Panel'
});
