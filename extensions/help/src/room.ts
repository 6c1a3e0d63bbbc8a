/**
 * One connection to a help room: a separate Y.Doc (never the notebook's own), a y-websocket provider on the
 * relay, a fresh ticket before every reconnect (tickets expire after 60 s and are single use), the relay's close
 * codes, and its chat (message type 125, a JSON varstring). Loaded lazily with y-websocket.
 */
import { Signal, ISignal } from '@lumino/signaling';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

import {
  CHAT_MESSAGE,
  CloseCode,
  IChatMessage,
  IRoomTicket,
  IRoomUser
} from './tokens';

/** Where a room connection is. */
export type RoomState = 'connecting' | 'connected' | 'ended';

/** Why a connection ended for good. */
export type EndReason = 'closed' | 'revoked' | 'refused' | 'left';

export interface IRoomOptions {
  /** The first ticket and the room's path (relative to the base URL). */
  ticket: IRoomTicket;
  /** The server's WebSocket base URL (`ServerConnection.ISettings.wsUrl`). */
  wsBase: string;
  /** A fresh ticket for a reconnect (`POST requests/{id}/join`). Rejects when the room is gone. */
  renew: () => Promise<IRoomTicket>;
  /** The doc to sync (a new Y.Doc by default). */
  doc?: Y.Doc;
  /** The awareness to share (a new one on the doc by default). */
  awareness?: Awareness;
  /** A WebSocket class (tests). */
  WebSocketPolyfill?: typeof WebSocket;
}

/**
 * The ws(s):// base and the room name of a room path, as y-websocket wants them. A relative `room_url` is under
 * the server's base URL (the in-process relay); an absolute one (starting with `/`) is a path on the same host
 * (the JupyterHub service, e.g. `/services/classlab-help/api/help/rooms/R`, through the Hub's proxy).
 */
export function splitRoomUrl(
  wsBase: string,
  roomUrl: string
): { serverUrl: string; room: string } {
  const absolute = roomUrl.startsWith('/');
  const path = roomUrl.replace(/^\/+/, '').split('?')[0];
  const at = path.lastIndexOf('/');
  const base = absolute
    ? wsBase.replace(/^(wss?:\/\/[^/]*).*$/, '$1/')
    : wsBase.endsWith('/')
      ? wsBase
      : wsBase + '/';
  return {
    serverUrl: base + path.slice(0, at),
    room: path.slice(at + 1)
  };
}

/** A chat frame (type 125, then the JSON object as a varstring). */
export function encodeChat(text: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, CHAT_MESSAGE);
  encoding.writeVarString(encoder, JSON.stringify({ text }));
  return encoding.toUint8Array(encoder);
}

/** A received chat frame's JSON object (after the type), or null when it is not one. */
export function decodeChat(decoder: decoding.Decoder): IChatMessage | null {
  try {
    const value = JSON.parse(decoding.readVarString(decoder));
    if (value && typeof value === 'object' && typeof value.text === 'string') {
      return {
        from: String(value.from ?? ''),
        display_name: String(value.display_name ?? value.from ?? ''),
        role: String(value.role ?? ''),
        text: value.text,
        time: value.time ?? Date.now() / 1000
      };
    }
  } catch {
    // not a chat frame we understand
  }
  return null;
}

export class RoomConnection {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  readonly provider: WebsocketProvider;

  constructor(options: IRoomOptions) {
    this._options = options;
    this.doc = options.doc ?? new Y.Doc();
    this.awareness = options.awareness ?? new Awareness(this.doc);
    const { serverUrl, room } = splitRoomUrl(
      options.wsBase,
      options.ticket.room_url
    );
    this.provider = new WebsocketProvider(serverUrl, room, this.doc, {
      connect: false,
      awareness: this.awareness,
      params: { ticket: options.ticket.ticket },
      disableBc: true,
      // Every close is handled below: a reconnect needs a fresh ticket first.
      shouldReconnect: () => false,
      WebSocketPolyfill: options.WebSocketPolyfill
    });
    this.provider.messageHandlers[CHAT_MESSAGE] = (
      _encoder,
      decoder,
      _provider,
      _emitSynced,
      _type
    ) => {
      const message = decodeChat(decoder);
      if (message) {
        this._chat.emit(message);
      }
    };
    this.provider.on('status', ({ status }) => {
      if (this._state !== 'ended') {
        this._setState(status === 'connected' ? 'connected' : 'connecting');
      }
    });
    this.provider.on('sync', (synced: boolean) => {
      if (synced && !this._firstSync.settled) {
        this._firstSync.settled = true;
        this._firstSync.resolve();
      }
    });
    this.provider.on('connection-close', event => this._onClose(event));
    // A peer ignores an awareness state at clock 0 (the initial one): set a field so that others see us at once.
    // (The relay replaces `user` with the server's identity; this is only presence.)
    this.awareness.setLocalStateField('present', true);
    this.provider.connect();
  }

  /** The connection state. */
  get state(): RoomState {
    return this._state;
  }

  /** Why it ended (once `state` is `ended`). */
  get endReason(): EndReason | null {
    return this._endReason;
  }

  get stateChanged(): ISignal<this, RoomState> {
    return this._stateChanged;
  }

  get chatReceived(): ISignal<this, IChatMessage> {
    return this._chat;
  }

  /** Resolves at the first complete sync with the relay. */
  get synced(): Promise<void> {
    return this._firstSync.promise;
  }

  /** The people in the room, as the relay stamped them (one entry per connection with a `user`). */
  people(): Array<{ clientId: number; user: IRoomUser; local: boolean }> {
    const people: Array<{ clientId: number; user: IRoomUser; local: boolean }> =
      [];
    this.awareness.getStates().forEach((state, clientId) => {
      const user = state?.user;
      if (user && typeof user.name === 'string') {
        people.push({
          clientId,
          user: {
            name: user.name,
            display_name: String(user.display_name ?? user.name),
            role: String(user.role ?? '')
          },
          local: clientId === this.doc.clientID
        });
      }
    });
    return people;
  }

  /** Send a chat line (the relay adds who sent it and when). */
  sendChat(text: string): boolean {
    const ws = this.provider.ws;
    const line = text.trim();
    if (!line || !ws || ws.readyState !== WebSocket.OPEN) {
      return false;
    }
    ws.send(encodeChat(line));
    return true;
  }

  /** Leave the room: close the socket, stop reconnecting. The doc stays for the caller to read or destroy. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._retry);
    this._end('left');
    this.provider.destroy();
    Signal.clearData(this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  private _onClose(event: CloseEvent | null): void {
    if (this._disposed || this._state === 'ended') {
      return;
    }
    // Stop the provider's own reconnect (it would reuse a spent ticket).
    this.provider.shouldConnect = false;
    const code = event?.code;
    if (code === CloseCode.closed) {
      this._end('closed');
      return;
    }
    if (code === CloseCode.revoked) {
      this._end('revoked');
      return;
    }
    this._setState('connecting');
    this._attempts++;
    const delay =
      code === CloseCode.rate
        ? 5000
        : Math.min(2 ** this._attempts * 100, 2500);
    clearTimeout(this._retry);
    this._retry = setTimeout(() => void this._reconnect(), delay);
  }

  private async _reconnect(): Promise<void> {
    if (this._disposed || this._state === 'ended') {
      return;
    }
    let ticket: IRoomTicket;
    try {
      ticket = await this._options.renew();
    } catch (reason: any) {
      const status = reason?.status;
      if (status === 403 || status === 404 || status === 410) {
        this._end(status === 403 ? 'refused' : 'closed');
        return;
      }
      this._onClose(null);
      return;
    }
    if (this._disposed || (this._state as RoomState) === 'ended') {
      return;
    }
    const { serverUrl, room } = splitRoomUrl(
      this._options.wsBase,
      ticket.room_url
    );
    this.provider.serverUrl = serverUrl;
    this.provider.roomname = room;
    this.provider.params = { ticket: ticket.ticket };
    this.provider.connect();
  }

  private _end(reason: EndReason): void {
    if (this._state === 'ended') {
      return;
    }
    this._endReason = reason;
    clearTimeout(this._retry);
    this.provider.disconnect();
    this._setState('ended');
  }

  private _setState(state: RoomState): void {
    if (state === 'connected') {
      this._attempts = 0;
    }
    if (this._state !== state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _options: IRoomOptions;
  private _state: RoomState = 'connecting';
  private _endReason: EndReason | null = null;
  private _attempts = 0;
  private _retry: ReturnType<typeof setTimeout> | undefined;
  private _disposed = false;
  private _stateChanged = new Signal<this, RoomState>(this);
  private _chat = new Signal<this, IChatMessage>(this);
  private _firstSync = (() => {
    let resolve!: () => void;
    const promise = new Promise<void>(r => (resolve = r));
    return { promise, resolve, settled: false };
  })();
}
