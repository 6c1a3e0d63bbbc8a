/**
 * The shapes @classlab/help shares between its modules and with the relay (`classlab/api/help/`, see the bridge's
 * help/PROTOCOL.md). Everything the relay sends is untrusted text: it is shown with `textContent`, never as HTML.
 */

/** Who may help: the teacher only, or the teacher and classmates. */
export type Audience = 'teacher' | 'class';

/** How a helper joins a room: `helper` edits, `observer` (teachers) only watches. */
export type JoinRole = 'helper' | 'observer';

/** A person as the server names them (never as a client claims). */
export interface IPerson {
  name: string;
  display_name: string;
}

/** An open help request, as `GET requests` lists it. */
export interface IHelpRequest {
  id: string;
  owner: IPerson;
  cell_id: string;
  message: string;
  audience: Audience;
  /** The error the cell ended with (first line: "NameError: name 'x' is not defined"). */
  error: string;
  /** ISO 8601 time the request was made. */
  created: string;
  state: 'waiting' | 'joined' | 'closed';
  /** Names of the helpers in the room. */
  helpers: string[];
  /** Place in the queue (1 = next), when waiting. */
  position?: number | null;
}

/** What `POST requests` takes. */
export interface IAskBody {
  cell_id: string;
  message: string;
  audience: Audience;
  error: string;
  context: boolean;
  graded?: boolean;
}

/** A room's address and a ticket for one connection to it (valid for about 60 s, once). */
export interface IRoomTicket {
  ticket: string;
  /** WebSocket path relative to the server's base URL, e.g. `classlab/api/help/rooms/<room>`. */
  room_url: string;
}

/** What `POST requests` answers. */
export interface IAskReply extends IRoomTicket {
  request: IHelpRequest;
}

/** What `POST requests/{id}/join` answers. */
export interface IJoinReply extends IRoomTicket {
  request: IHelpRequest;
}

/** A chat line as the relay sends it (type-125 frame, JSON). */
export interface IChatMessage {
  from: string;
  display_name: string;
  role: string;
  text: string;
  /** Seconds since the epoch, or an ISO time. */
  time: number | string;
}

/** The awareness `user` the relay stamps on each connection. */
export interface IRoomUser {
  name: string;
  display_name: string;
  role: string;
}

/** One read-only context cell in the room (`doc.getArray('context')`). */
export interface IContextCell {
  source: string;
  cellType: string;
}

/** Relay close codes. */
export namespace CloseCode {
  /** The request was closed (cancelled, or ended by a teacher). */
  export const closed = 4001;
  /** This helper was revoked by the student. */
  export const revoked = 4003;
  /** The ticket was unknown, used or expired. */
  export const badTicket = 4401;
  /** Too many connections or messages. */
  export const rate = 4429;
}

/** Names inside a room's Y.Doc (both sides). */
export namespace RoomSchema {
  export const source = 'source';
  export const meta = 'meta';
  export const output = 'output';
  export const context = 'context';
}

/** The y-websocket message type the relay uses for chat. */
export const CHAT_MESSAGE = 125;
