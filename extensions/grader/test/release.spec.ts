import { keepClean, userContent } from '../src/release';
import type { CleanPanel } from '../src/release';

/** A notebook panel whose kernel starts when `start()` is called, writing its metadata as JupyterLab does. */
function fakePanel(kernel: 'python' | 'none' = 'python') {
  let content: any = {
    metadata: { kernelspec: { name: 'python3' }, language_info: { name: '' } },
    cells: [{ cell_type: 'code', source: 'total = 1', metadata: {} }]
  };
  let started!: () => void;
  const ready = new Promise<void>(resolve => (started = resolve));
  const panel = {
    isDisposed: false,
    saves: 0,
    context: {
      ready: Promise.resolve(),
      model: {
        dirty: false,
        toJSON: () => JSON.parse(JSON.stringify(content))
      },
      save: async () => {
        panel.saves++;
        panel.context.model.dirty = false;
      }
    },
    sessionContext: {
      ready,
      session:
        kernel === 'none'
          ? null
          : {
              kernel: {
                info: ready.then(() => ({})),
                spec: ready.then(() => ({}))
              }
            }
    },
    start() {
      // The notebook panel's own handler: the kernel's language, once it has said.
      content = {
        ...content,
        metadata: {
          ...content.metadata,
          language_info: { name: 'python', version: '3.11' }
        }
      };
      panel.context.model.dirty = true;
      started();
    },
    edit(source: string) {
      content = { ...content, cells: [{ ...content.cells[0], source }] };
      panel.context.model.dirty = true;
    }
  };
  return panel;
}

describe('keeping a released notebook clean', () => {
  it('tells the user’s content from the kernel’s metadata', () => {
    const panel = fakePanel();
    const before = userContent(panel as unknown as CleanPanel);
    panel.start();
    expect(userContent(panel as unknown as CleanPanel)).toBe(before);
    panel.edit('total = 2');
    expect(userContent(panel as unknown as CleanPanel)).not.toBe(before);
  });

  it('saves again when only the kernel made the notebook unsaved', async () => {
    const panel = fakePanel();
    const snapshot = userContent(panel as unknown as CleanPanel);
    const done = keepClean(panel as unknown as CleanPanel, snapshot);
    panel.start();
    expect(await done).toBe(true);
    expect(panel.saves).toBe(1);
    expect(panel.context.model.dirty).toBe(false);
  });

  it('leaves the user’s own changes unsaved for the user', async () => {
    const panel = fakePanel();
    const snapshot = userContent(panel as unknown as CleanPanel);
    const done = keepClean(panel as unknown as CleanPanel, snapshot);
    panel.edit('total = 2');
    panel.start();
    expect(await done).toBe(false);
    expect(panel.saves).toBe(0);
    expect(panel.context.model.dirty).toBe(true);
  });

  it('does not save a clean notebook, and gives up when the kernel never says', async () => {
    const clean = fakePanel('none');
    const snapshot = userContent(clean as unknown as CleanPanel);
    const done = keepClean(clean as unknown as CleanPanel, snapshot);
    clean.start();
    clean.context.model.dirty = false;
    expect(await done).toBe(false);
    expect(clean.saves).toBe(0);
    const silent = fakePanel();
    silent.context.model.dirty = true;
    expect(
      await keepClean(
        silent as unknown as CleanPanel,
        userContent(silent as unknown as CleanPanel),
        20
      )
    ).toBe(false);
    expect(silent.saves).toBe(0);
  });
});
