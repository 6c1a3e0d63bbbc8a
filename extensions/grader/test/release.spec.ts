import { Signal } from '@lumino/signaling';

import { keepClean, userContent } from '../src/release';
import type { CleanPanel } from '../src/release';

/** A notebook panel whose kernel writes its metadata as JupyterLab does, when `kernelSpeaks()` is called. */
function fakePanel() {
  let content: any = {
    metadata: { kernelspec: { name: 'python3' }, language_info: { name: '' } },
    cells: [{ cell_type: 'code', source: 'total = 1', metadata: {} }]
  };
  let dirty = false;
  const stateChanged = new Signal<any, any>({});
  const saveState = new Signal<any, string>({});
  const disposed = new Signal<any, void>({});
  const setDirty = (value: boolean) => {
    const old = dirty;
    dirty = value;
    if (old !== value) {
      stateChanged.emit({ name: 'dirty', oldValue: old, newValue: value });
    }
  };
  const panel = {
    isDisposed: false,
    disposed,
    saves: 0,
    context: {
      model: {
        get dirty() {
          return dirty;
        },
        toJSON: () => JSON.parse(JSON.stringify(content)),
        stateChanged
      },
      saveState,
      save: async () => {
        saveState.emit('started');
        panel.saves++;
        setDirty(false);
        saveState.emit('completed');
      }
    },
    kernelSpeaks(version = '3.11') {
      content = {
        ...content,
        metadata: {
          ...content.metadata,
          language_info: { name: 'python', version }
        }
      };
      setDirty(true);
    },
    edit(source: string) {
      content = { ...content, cells: [{ ...content.cells[0], source }] };
      setDirty(true);
    }
  };
  return panel;
}

const asPanel = (panel: ReturnType<typeof fakePanel>) =>
  panel as unknown as CleanPanel;

const tick = (ms = 80) => new Promise(resolve => setTimeout(resolve, ms));

describe('keeping a released notebook clean', () => {
  it('tells the user’s content from the kernel’s metadata', () => {
    const panel = fakePanel();
    const before = userContent(asPanel(panel));
    panel.kernelSpeaks();
    expect(userContent(asPanel(panel))).toBe(before);
    panel.edit('total = 2');
    expect(userContent(asPanel(panel))).not.toBe(before);
  });

  it('saves again when only the kernel made the notebook unsaved, however late', async () => {
    const panel = fakePanel();
    const done = keepClean(asPanel(panel), userContent(asPanel(panel)), 400);
    await tick();
    expect(panel.saves).toBe(0);
    panel.kernelSpeaks();
    await tick();
    expect(panel.saves).toBe(1);
    expect(panel.context.model.dirty).toBe(false);
    // The kernel restarted with another version: saved again.
    panel.kernelSpeaks('3.12');
    expect(await done).toBe(2);
    expect(panel.context.model.dirty).toBe(false);
  });

  it('leaves the user’s own changes unsaved for the user, and follows the user’s saves', async () => {
    const panel = fakePanel();
    const done = keepClean(asPanel(panel), userContent(asPanel(panel)), 400);
    panel.edit('total = 2');
    panel.kernelSpeaks();
    await tick();
    expect(panel.saves).toBe(0);
    expect(panel.context.model.dirty).toBe(true);
    // The user saves (Submit does): what the kernel writes after that is saved again.
    await panel.context.save();
    panel.kernelSpeaks('3.12');
    expect(await done).toBe(1);
    expect(panel.saves).toBe(2);
    expect(panel.context.model.dirty).toBe(false);
  });

  it('stops watching when its time is up or the notebook is closed', async () => {
    const late = fakePanel();
    expect(await keepClean(asPanel(late), userContent(asPanel(late)), 20)).toBe(
      0
    );
    late.kernelSpeaks();
    await tick();
    expect(late.saves).toBe(0);
    const closed = fakePanel();
    const done = keepClean(asPanel(closed), userContent(asPanel(closed)));
    closed.isDisposed = true;
    closed.disposed.emit();
    expect(await done).toBe(0);
  });
});
