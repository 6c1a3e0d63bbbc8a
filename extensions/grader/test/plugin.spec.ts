import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import { describeMainCommandContract } from '../../../testutils/plugin-contract';
import plugins, { CommandIDs, graderPlugin, IGrader } from '../src';
import { badgeLabel, badgeText } from '../src/badges';
import { readAssignment } from '../src/assignment';
import { questionView } from '../src/view';

import { checkDone, released, submitDone, trans } from './fixtures';

describeMainCommandContract({
  packageName: '@classlab/grader',
  plugins,
  plugin: graderPlugin,
  command: CommandIDs.openPanel,
  label: 'Open Grader Panel'
});

describe('@classlab/grader commands', () => {
  const commands = new CommandRegistry();
  const items: { command: string; category: string }[] = [];
  void graderPlugin.activate(
    { commands } as unknown as JupyterFrontEnd,
    null,
    {
      addItem: (item: { command: string; category: string }) => items.push(item)
    },
    null
  );

  it('registers Check, Submit and Release, callable with no arguments, in the palette', async () => {
    expect(commands.label(CommandIDs.check)).toBe('Check This Question');
    expect(commands.label(CommandIDs.submit)).toBe('Submit Assignment');
    expect(commands.label(CommandIDs.release)).toBe(
      'Release Assignment to Students'
    );
    for (const command of [
      CommandIDs.check,
      CommandIDs.submit,
      CommandIDs.release
    ]) {
      expect(command).toMatch(/^classlab-grader:[a-z]+(-[a-z]+)*$/);
      expect(commands.isEnabled(command)).toBe(false);
      const described = await commands.describedBy(command);
      expect((described.args as any).required ?? []).toEqual([]);
    }
    expect(items.map(item => item.command)).toEqual([
      CommandIDs.openPanel,
      CommandIDs.check,
      CommandIDs.submit,
      CommandIDs.release
    ]);
  });

  it('provides the grader store under its token', () => {
    const store = plugins.find(plugin => plugin.provides === IGrader)!;
    expect(store.id).toBe('@classlab/grader:grader');
    expect(IGrader.name).toBe('@classlab/grader:IGrader');
  });
});

describe('the line under a question’s cell', () => {
  const [q1, q2] = readAssignment(released(), 'en')!.questions;
  const session = (lastSubmit: any, checks: any[] = []) => ({
    pending: null,
    lastSubmit,
    lastCheck: (id: string) => checks.find(c => c.question === id) ?? null
  });

  it('is there once a question is graded: points after a submit, checks after a check', () => {
    expect(badgeText(questionView(q1, session(null), 'en'), trans)).toBeNull();
    expect(
      badgeText(questionView(q2, session(submitDone()), 'en'), trans)
    ).toBe('✓ q2 · 2 / 2 points');
    expect(
      badgeText(questionView(q1, session(submitDone()), 'en'), trans)
    ).toBe('◐ q1 · 2 / 3 points');
    expect(
      badgeText(questionView(q1, session(null, [checkDone()]), 'en'), trans)
    ).toBe('✗ q1 · 0 of 1 checks passed');
  });

  it('marks some of the points ◐, none ✗, all ✓, and reads the status out in words', () => {
    const scored = (score: number) =>
      submitDone({
        results: {
          ...submitDone().results!,
          extra_data: {
            ...submitDone().results!.extra_data,
            questions: [
              {
                id: 'q1',
                score,
                max_score: 3,
                passed: score > 0 ? 1 : 0,
                total: 2,
                hidden_passed: 0,
                hidden_total: 1
              }
            ]
          }
        }
      });
    const view = (score: number) =>
      questionView(q1, session(scored(score)), 'en');
    expect(view(2).status).toBe('partial');
    expect(badgeText(view(2), trans)).toBe('◐ q1 · 2 / 3 points');
    expect(badgeLabel(view(2), trans)).toBe('partly passed: q1 · 2 / 3 points');
    expect(badgeText(view(0), trans)).toBe('✗ q1 · 0 / 3 points');
    expect(badgeLabel(view(0), trans)).toBe(
      'not passed yet: q1 · 0 / 3 points'
    );
    expect(badgeText(view(3), trans)).toBe('✓ q1 · 3 / 3 points');
    expect(badgeLabel(view(3), trans)).toBe('passed: q1 · 3 / 3 points');
    expect(badgeLabel(questionView(q1, session(null), 'en'), trans)).toBeNull();
  });
});
