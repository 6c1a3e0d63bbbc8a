import { ICodeCellModel } from '@jupyterlab/cells';
import { NotebookModel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import { GpuApi } from '../src/api';
import { OutputSink, readNote, writeNote } from '../src/outputs';
import { JobRun, LOG_LINES } from '../src/run';
import type { GpuEvent, IGpuJob } from '../src/tokens';

import { fakeJob } from './fakeJob';

/** A notebook model with code cells c1, c2 and a markdown cell m. */
function notebook(): NotebookModel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(0, [
    { cell_type: 'code', id: 'c1', source: 'print(1)' },
    { cell_type: 'markdown', id: 'm', source: '# hi' },
    { cell_type: 'code', id: 'c2', source: 'show()' }
  ]);
  return model;
}

function code(model: NotebookModel, id: string): ICodeCellModel {
  return [...model.cells].find(cell => cell.id === id) as ICodeCellModel;
}

const stream = (text: string, name = 'stdout') => ({
  output_type: 'stream',
  name,
  text
});
const display = (text: string) => ({
  output_type: 'display_data',
  data: { 'text/plain': text },
  metadata: {}
});

let seq = 0;
function output(cell_id: string, out: any, display_id?: string): GpuEvent {
  return { seq: ++seq, type: 'output', cell_id, output: out, display_id };
}

describe('events into cells', () => {
  it('appends outputs, merging consecutive streams like a kernel run', () => {
    const model = notebook();
    const sink = new OutputSink(model);
    sink.apply(output('c1', stream('hello ')));
    sink.apply(output('c1', stream('world\n')));
    sink.apply(output('c1', stream('oops\n', 'stderr')));
    sink.apply(output('c1', display('a plot')));
    const outputs = code(model, 'c1').outputs.toJSON();
    expect(outputs.map(o => o.output_type)).toEqual([
      'stream',
      'stream',
      'display_data'
    ]);
    expect(outputs[0].text).toBe('hello world\n');
    expect(outputs[1]).toMatchObject({ name: 'stderr', text: 'oops\n' });
    expect(code(model, 'c2').outputs.length).toBe(0);
  });

  it('clears at once, or at the next output when asked to wait', () => {
    const model = notebook();
    const sink = new OutputSink(model);
    const outputs = code(model, 'c1').outputs;
    sink.apply(output('c1', stream('1\n')));
    sink.apply({ seq: ++seq, type: 'clear', cell_id: 'c1', wait: false });
    expect(outputs.length).toBe(0);
    sink.apply(output('c1', stream('2\n')));
    sink.apply({ seq: ++seq, type: 'clear', cell_id: 'c1', wait: true });
    expect(outputs.toJSON()[0].text).toBe('2\n');
    sink.apply(output('c1', stream('3\n')));
    expect(outputs.toJSON()).toEqual([
      { output_type: 'stream', name: 'stdout', text: '3\n' }
    ]);
  });

  it('updates the outputs shown under a display id, in any cell', () => {
    const model = notebook();
    const sink = new OutputSink(model);
    sink.apply(output('c1', display('step 1'), 'bar'));
    sink.apply(
      output('c2', {
        ...display('also step 1'),
        transient: { display_id: 'bar' }
      })
    );
    sink.apply(output('c2', stream('text\n')));
    sink.apply({
      seq: ++seq,
      type: 'update',
      cell_id: 'c1',
      display_id: 'bar',
      output: {
        output_type: 'update_display_data',
        data: { 'text/plain': 'step 2' },
        metadata: {}
      } as any
    });
    expect(code(model, 'c1').outputs.toJSON()).toEqual([
      {
        output_type: 'display_data',
        data: { 'text/plain': 'step 2' },
        metadata: {}
      }
    ]);
    const c2 = code(model, 'c2').outputs.toJSON();
    expect(c2[0]).toEqual({
      output_type: 'display_data',
      data: { 'text/plain': 'step 2' },
      metadata: {}
    });
    // (No `transient` is stored: it is not nbformat.)
    expect(c2[1].text).toBe('text\n');
    // An unknown display id changes nothing.
    sink.apply({
      seq: ++seq,
      type: 'update',
      cell_id: 'c1',
      display_id: 'nope',
      output: display('x') as any
    });
    expect(code(model, 'c1').outputs.toJSON()[0].data).toEqual({
      'text/plain': 'step 2'
    });
  });

  it('skips cells that are gone, not code, or detached', () => {
    const model = notebook();
    const sink = new OutputSink(model);
    sink.apply(output('m', stream('x')));
    sink.apply(output('gone', stream('x')));
    sink.detach('c2');
    sink.apply(output('c2', stream('x')));
    expect(code(model, 'c2').outputs.length).toBe(0);
  });

  it('starts a run with no outputs and no execution count, trusted', () => {
    const model = notebook();
    const c1 = code(model, 'c1');
    c1.outputs.add(stream('old\n') as any);
    c1.executionCount = 4;
    new OutputSink(model).reset(['c1']);
    expect(c1.outputs.length).toBe(0);
    expect(c1.executionCount).toBeNull();
    expect(c1.trusted).toBe(true);
  });
});

describe('the cell note', () => {
  it('is kept under metadata.classlab.gpu, next to other ClassLab keys', () => {
    const model = notebook();
    const cell = code(model, 'c1');
    cell.setMetadata('classlab', { video: { src: 'a.mp4' } });
    writeNote(cell, {
      job: 'j_1',
      state: 'succeeded',
      device: 'cuda:0',
      seconds: 42
    });
    expect(cell.getMetadata('classlab')).toEqual({
      video: { src: 'a.mp4' },
      gpu: { job: 'j_1', state: 'succeeded', device: 'cuda:0', seconds: 42 }
    });
    expect(readNote(cell)).toEqual({
      job: 'j_1',
      state: 'succeeded',
      device: 'cuda:0',
      seconds: 42
    });
    writeNote(cell, null);
    expect(cell.getMetadata('classlab')).toEqual({ video: { src: 'a.mp4' } });
  });

  it('leaves no empty classlab key, and reads only valid notes', () => {
    const model = notebook();
    const cell = code(model, 'c1');
    writeNote(cell, { job: 'j', state: 'queued', device: null, seconds: 0 });
    writeNote(cell, null);
    expect(cell.getMetadata('classlab')).toBeUndefined();
    cell.setMetadata('classlab', { gpu: { job: 'j', state: 'exploded' } });
    expect(readNote(cell)).toBeNull();
    cell.setMetadata('classlab', { gpu: 'nonsense' });
    expect(readNote(cell)).toBeNull();
  });

  it('survives a save and reload (it is in the notebook JSON)', () => {
    const model = notebook();
    writeNote(code(model, 'c2'), {
      job: 'j_9',
      state: 'timed_out',
      device: 'cpu',
      seconds: 60
    });
    const reloaded = new NotebookModel();
    reloaded.fromJSON(model.toJSON() as any);
    expect(readNote(reloaded.cells.get(2))).toEqual({
      job: 'j_9',
      state: 'timed_out',
      device: 'cpu',
      seconds: 60
    });
  });
});

/** A WebSocket stand-in: records sockets, lets the test open, feed and close them. */
class FakeSocket {
  static sockets: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.sockets.push(this);
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.();
  }

  send(event: object): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }

  drop(): void {
    this.onclose?.({ code: 1006 });
  }
}

function job(state: IGpuJob['state'], more: Partial<IGpuJob> = {}): IGpuJob {
  return fakeJob({
    notebook: 'a.ipynb',
    targets: ['c1', 'c2'],
    state,
    ...more
  });
}

describe('a job followed live', () => {
  let fetched: string[];
  let api: GpuApi;

  beforeEach(() => {
    FakeSocket.sockets = [];
    fetched = [];
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    api = new GpuApi(
      ServerConnection.makeSettings({
        baseUrl: 'http://h/',
        wsUrl: 'ws://h/',
        WebSocket: FakeSocket as any,
        fetch: (async (input: RequestInfo) => {
          fetched.push(new Request(input).url);
          return new Response(
            JSON.stringify({
              job: job('succeeded', { device: 'cuda:0', elapsed_seconds: 9 }),
              outputs: { c1: [stream('from REST\n')] }
            }),
            { status: 200 }
          );
        }) as any
      })
    );
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('clears its cells, writes outputs and notes, and ends with the terminal state', () => {
    const model = notebook();
    code(model, 'c1').outputs.add(stream('old\n') as any);
    const ended = jest.fn();
    const run = new JobRun({ api, job: job('queued'), notebook: model, ended });
    expect(code(model, 'c1').outputs.length).toBe(0);
    expect(readNote(code(model, 'c1'))).toMatchObject({
      job: 'j_1',
      state: 'queued'
    });
    const socket = FakeSocket.sockets[0];
    expect(socket.url).toBe('ws://h/classlab/api/gpu/jobs/j_1/events?after=0');
    socket.open();
    expect(run.connected).toBe(true);
    socket.send({
      seq: 1,
      type: 'state',
      job: job('queued', { position: 2, estimate_seconds: 60 })
    });
    expect(run.job.position).toBe(2);
    socket.send({
      seq: 2,
      type: 'state',
      job: job('running', { device: 'cuda:0', started: 'x' })
    });
    expect(readNote(code(model, 'c2'))).toMatchObject({
      state: 'running',
      device: 'cuda:0'
    });
    socket.send({
      seq: 3,
      type: 'output',
      cell_id: 'c1',
      output: stream('hi\n')
    });
    expect(code(model, 'c1').outputs.toJSON()[0].text).toBe('hi\n');
    socket.send({
      seq: 4,
      type: 'state',
      job: job('succeeded', { device: 'cuda:0', elapsed_seconds: 42.4 })
    });
    expect(run.ended).toBe(true);
    expect(socket.closed).toBe(true);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(readNote(code(model, 'c1'))).toEqual({
      job: 'j_1',
      state: 'succeeded',
      device: 'cuda:0',
      seconds: 42
    });
    run.dispose();
  });

  it('reconnects after a drop with the last seq, and ignores replayed events', () => {
    const model = notebook();
    const run = new JobRun({ api, job: job('running'), notebook: model });
    const first = FakeSocket.sockets[0];
    first.open();
    first.send({
      seq: 1,
      type: 'output',
      cell_id: 'c1',
      output: stream('a\n')
    });
    first.send({
      seq: 2,
      type: 'output',
      cell_id: 'c1',
      output: stream('b\n')
    });
    first.drop();
    expect(run.connected).toBe(false);
    jest.advanceTimersByTime(1000);
    const second = FakeSocket.sockets[1];
    expect(second.url).toBe('ws://h/classlab/api/gpu/jobs/j_1/events?after=2');
    second.open();
    second.send({
      seq: 2,
      type: 'output',
      cell_id: 'c1',
      output: stream('b\n')
    });
    second.send({
      seq: 3,
      type: 'output',
      cell_id: 'c1',
      output: stream('c\n')
    });
    expect(code(model, 'c1').outputs.toJSON()[0].text).toBe('a\nb\nc\n');
    run.dispose();
  });

  it('keeps the last lines of stream output as a live log', () => {
    const run = new JobRun({ api, job: job('running'), notebook: null });
    FakeSocket.sockets[0].open();
    let text = '';
    for (let i = 1; i <= 12; i++) {
      text += `line ${i}\n`;
    }
    run.apply({
      seq: 1,
      type: 'output',
      cell_id: 'c1',
      output: stream(text) as any
    });
    run.apply({
      seq: 2,
      type: 'output',
      cell_id: 'c1',
      output: stream('epoch 1 10%\repoch 1 50%\repoch 1 90%') as any
    });
    expect(run.log.length).toBe(LOG_LINES);
    expect(run.log[run.log.length - 2]).toBe('line 12');
    expect(run.log[run.log.length - 1]).toBe('epoch 1 90%');
    run.dispose();
  });

  it('re-attached to a reopened notebook, replays every event from the first', () => {
    const run = new JobRun({ api, job: job('running'), notebook: null });
    FakeSocket.sockets[0].open();
    run.apply({
      seq: 1,
      type: 'output',
      cell_id: 'c1',
      output: stream('x\n') as any
    });
    const model = notebook();
    code(model, 'c1').outputs.add(stream('saved partial\n') as any);
    run.setNotebook(model);
    expect(code(model, 'c1').outputs.length).toBe(0);
    const again = FakeSocket.sockets[FakeSocket.sockets.length - 1];
    expect(again.url).toMatch(/after=0$/);
    again.open();
    again.send({
      seq: 1,
      type: 'output',
      cell_id: 'c1',
      output: stream('x\n')
    });
    expect(code(model, 'c1').outputs.toJSON()[0].text).toBe('x\n');
    run.dispose();
  });

  it('asks the REST API when the socket keeps failing; a finished job’s outputs come from there', async () => {
    const model = notebook();
    const run = new JobRun({ api, job: job('running'), notebook: model });
    for (let i = 0; i < 3; i++) {
      FakeSocket.sockets[FakeSocket.sockets.length - 1].drop();
      jest.advanceTimersByTime(60000);
    }
    for (let i = 0; i < 20 && !run.ended; i++) {
      await Promise.resolve();
      // (A real turn of Node's event loop: the fake fetch's Response is read there.)
      await new Promise(resolve =>
        jest.requireActual('timers').setImmediate(resolve)
      );
    }
    expect(fetched[0]).toMatch(/classlab\/api\/gpu\/jobs\/j_1/);
    expect(run.ended).toBe(true);
    expect(code(model, 'c1').outputs.toJSON()[0].text).toBe('from REST\n');
    expect(readNote(code(model, 'c1'))).toMatchObject({
      state: 'succeeded',
      seconds: 9
    });
    run.dispose();
  });

  it('stops writing into a cell the user ran in the kernel', () => {
    const model = notebook();
    const run = new JobRun({ api, job: job('running'), notebook: model });
    run.detachCell('c2');
    run.apply({
      seq: 1,
      type: 'output',
      cell_id: 'c2',
      output: stream('x') as any
    });
    expect(code(model, 'c2').outputs.length).toBe(0);
    run.dispose();
  });
});

describe('the time so far', () => {
  it('never counts back when old state events are replayed', () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://h/',
      wsUrl: 'ws://h/',
      WebSocket: FakeSocket as any
    });
    const run = new JobRun({
      api: new GpuApi(settings),
      // As the list said when the page came back: running for 30 s.
      job: job('running', { elapsed_seconds: 30 }),
      notebook: null
    });
    jest.advanceTimersByTime(2000);
    // The replay: queued, then running from its start.
    run.apply({ seq: 1, type: 'state', job: job('queued') });
    run.apply({
      seq: 2,
      type: 'state',
      job: job('running', { elapsed_seconds: 0 })
    });
    expect(run.job.elapsed_seconds).toBeGreaterThanOrEqual(32);
    run.dispose();
    jest.useRealTimers();
  });
});
