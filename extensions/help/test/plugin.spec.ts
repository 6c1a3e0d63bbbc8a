import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, helpPlugin } from '../src';

describeMainCommandContract({
  packageName: '@classlab/help',
  plugins,
  plugin: helpPlugin,
  command: CommandIDs.ask,
  label: 'Ask for Help'
});
