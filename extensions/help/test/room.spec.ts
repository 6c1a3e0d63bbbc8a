import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

import {
  decodeChat,
  encodeChat,
  RoomConnection,
  splitRoomUrl
} from '../src/room';
import { CHAT_MESSAGE } from '../src/tokens';

/** A WebSocket stand-in: records sockets, lets the test open and close them. */
class FakeSocket {
  static OPEN = 1;
  static sockets: FakeSocket[] = [];
  readonly OPEN = 1;
  readyState = 0;
  binaryType = '';
  sent: Uint8Array[] = [];
  onopen: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.sockets.push(this);
  }

  send(data: Uint8Array): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  receive(data: Uint8Array): void {
    this.onmessage?.({ data: data.slice().buffer });
  }
}

/** Let pending promise callbacks run (timers are fake). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

describe('room connection', () => {
  beforeEach(() => {
    FakeSocket.sockets = [];
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    (globalThis as any).WebSocket = FakeSocket;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('splits a room path into the provider URL and room name', () => {
    expect(
      splitRoomUrl('ws://h/user/a/', 'classlab/api/help/rooms/R1')
    ).toEqual({
      serverUrl: 'ws://h/user/a/classlab/api/help/rooms',
      room: 'R1'
    });
    expect(splitRoomUrl('ws://h', '/classlab/api/help/rooms/R2')).toEqual({
      serverUrl: 'ws://h/classlab/api/help/rooms',
      room: 'R2'
    });
    // An absolute room_url (the JupyterHub service) leaves the server's base URL for the same host.
    expect(
      splitRoomUrl(
        'wss://hub.example/user/a/',
        '/services/classlab-help/api/help/rooms/R3'
      )
    ).toEqual({
      serverUrl: 'wss://hub.example/services/classlab-help/api/help/rooms',
      room: 'R3'
    });
  });

  it('encodes chat as type 125 with a JSON varstring, and decodes stamped lines', () => {
    const frame = encodeChat('hi 你好');
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(CHAT_MESSAGE);
    expect(JSON.parse(decoding.readVarString(decoder))).toEqual({
      text: 'hi 你好'
    });

    const encoder = encoding.createEncoder();
    encoding.writeVarString(
      encoder,
      JSON.stringify({
        from: 'ms-li',
        display_name: 'Ms Li',
        role: 'helper',
        text: 'x',
        time: 't'
      })
    );
    expect(
      decodeChat(decoding.createDecoder(encoding.toUint8Array(encoder)))
    ).toEqual({
      from: 'ms-li',
      display_name: 'Ms Li',
      role: 'helper',
      text: 'x',
      time: 't'
    });
    const bad = encoding.createEncoder();
    encoding.writeVarString(bad, 'not json');
    expect(
      decodeChat(decoding.createDecoder(encoding.toUint8Array(bad)))
    ).toBeNull();
  });

  it('connects with its ticket, reconnects with a fresh one, and stops on revoke', async () => {
    const tickets = ['t2', 't3'];
    const renew = jest.fn(async () => ({
      ticket: tickets.shift()!,
      room_url: 'classlab/api/help/rooms/R'
    }));
    const room = new RoomConnection({
      ticket: { ticket: 't1', room_url: 'classlab/api/help/rooms/R' },
      wsBase: 'ws://h/',
      renew,
      WebSocketPolyfill: FakeSocket as any
    });
    const chats: string[] = [];
    room.chatReceived.connect((_, m) => chats.push(m.text));
    expect(FakeSocket.sockets).toHaveLength(1);
    expect(FakeSocket.sockets[0].url).toBe(
      'ws://h/classlab/api/help/rooms/R?ticket=t1'
    );
    FakeSocket.sockets[0].open();
    expect(room.state).toBe('connected');

    // A chat frame from the relay.
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, CHAT_MESSAGE);
    encoding.writeVarString(
      encoder,
      JSON.stringify({ from: 'a', text: 'hello' })
    );
    FakeSocket.sockets[0].receive(encoding.toUint8Array(encoder));
    expect(chats).toEqual(['hello']);

    // A dropped connection: no reuse of the spent ticket; a fresh one after the back-off.
    FakeSocket.sockets[0].serverClose(1006);
    expect(room.state).toBe('connecting');
    jest.advanceTimersByTime(3000);
    await flush();
    expect(renew).toHaveBeenCalledTimes(1);
    expect(FakeSocket.sockets).toHaveLength(2);
    expect(FakeSocket.sockets[1].url).toBe(
      'ws://h/classlab/api/help/rooms/R?ticket=t2'
    );
    FakeSocket.sockets[1].open();
    expect(room.state).toBe('connected');

    // Revoked: ended for good.
    FakeSocket.sockets[1].serverClose(4003);
    expect(room.state).toBe('ended');
    expect(room.endReason).toBe('revoked');
    jest.advanceTimersByTime(10000);
    await flush();
    expect(FakeSocket.sockets).toHaveLength(2);
    room.dispose();
  });

  it('ends when the relay closes the room or the request is gone', async () => {
    const room = new RoomConnection({
      ticket: { ticket: 't1', room_url: 'classlab/api/help/rooms/R' },
      wsBase: 'ws://h/',
      renew: async () => {
        throw Object.assign(new Error('closed'), { status: 410 });
      },
      WebSocketPolyfill: FakeSocket as any
    });
    FakeSocket.sockets[0].open();
    FakeSocket.sockets[0].serverClose(4401);
    jest.advanceTimersByTime(3000);
    await flush();
    expect(room.state).toBe('ended');
    expect(room.endReason).toBe('closed');
    room.dispose();

    const second = new RoomConnection({
      ticket: { ticket: 't1', room_url: 'classlab/api/help/rooms/S' },
      wsBase: 'ws://h/',
      renew: jest.fn(),
      WebSocketPolyfill: FakeSocket as any
    });
    FakeSocket.sockets[1].open();
    FakeSocket.sockets[1].serverClose(4001);
    expect(second.state).toBe('ended');
    expect(second.endReason).toBe('closed');
    second.dispose();
  });
});
