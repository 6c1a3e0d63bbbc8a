// Help rooms under typing load, driven by bench_help.py: N rooms × 3 y-websocket clients, all in this one process.
//
// stdin, first line: {"target": "classlab" | "collab", "base": "http://127.0.0.1:PORT/", "rooms", "seconds",
//   "rate", "delete_ratio", "seed", "tokens": {"owner", "helpers": [two tokens]} (classlab) |
//   {"token", "paths": [notebook per room], "warmup_path"} (collab)}
// Then it prints one JSON line per phase and waits for a line "go" before going on (the caller samples the
// server's memory and CPU time in between):
//   {"phase": "ready"}      one warm-up room was made, used and closed; nothing else is open
//   {"phase": "connected"}  every room has its 3 clients connected, synced and holding the seed text
//   {"phase": "loaded"}     the typing is over and every update reached every other client (or the wait ended)
//   {"phase": "done", "result": {...}}  after every client was closed
//
// Latency: one clock (performance.now() of this process) for sender and receivers. The sender notes the time of
// each local transaction (one keystroke: one character inserted, or a backspace deleting one of its own
// characters), keyed by the Yjs id of the inserted or deleted item; each other client of the room takes the time
// when its Y.Text observer sees that item arrive (the transaction's new clocks, or its delete set).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import readline from 'node:readline';

import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

const CONNECT_TIMEOUT_MS = 15000;
const SETTLE_TIMEOUT_MS = 15000;
const KEYS = 'abcdefghijklmnopqrstuvwxyz    ()=+.,';

const lines = readline.createInterface({ input: process.stdin });
const incoming = lines[Symbol.asyncIterator]();

async function nextLine() {
  const { value, done } = await incoming.next();
  if (done) {
    throw new Error('stdin closed');
  }
  return value;
}

function say(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

async function phase(name) {
  say({ phase: name });
  const answer = (await nextLine()).trim();
  if (answer !== 'go') {
    throw new Error(`expected "go" after ${name}, got ${answer}`);
  }
}

// A small seeded PRNG (mulberry32), so that every run types the same keys at the same intervals.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function percentile(sorted, p) {
  if (sorted.length === 0) {
    return null;
  }
  const rank = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)
  );
  return sorted[rank];
}

/** WebSocket frames the clients sent and received (reset when the typing starts). */
const frames = { sent: 0, received: 0 };

/**
 * The Jupyter token in a header (the Node `ws` client may set headers; browsers use the login cookie); counts
 * frames.
 */
function socketClass(token) {
  return class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, {
        headers: { Authorization: `token ${token}` },
        perMessageDeflate: false
      });
      this.on('message', () => {
        frames.received += 1;
      });
    }

    send(data, ...rest) {
      frames.sent += 1;
      return super.send(data, ...rest);
    }
  };
}

async function api(base, token, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: {
      Authorization: `token ${token}`,
      'Content-Type': 'application/json'
    },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${method} ${path}: ${response.status} ${text.slice(0, 300)}`
    );
  }
  return text ? JSON.parse(text) : null;
}

// -- measurement ------------------------------------------------------------------------------------------------

const stats = {
  sent: new Map(), // key -> {t0, remaining}
  latencies: [],
  expected: 0,
  received: 0,
  unexpected: 0,
  inserts: 0,
  deletes: 0,
  awareness: 0,
  closes: []
};

function noteSent(key, receivers) {
  stats.sent.set(key, { t0: performance.now(), remaining: receivers });
  stats.expected += receivers;
}

function noteSeen(key, now) {
  const entry = stats.sent.get(key);
  if (entry === undefined) {
    return;
  }
  stats.latencies.push(now - entry.t0);
  stats.received += 1;
  entry.remaining -= 1;
  if (entry.remaining === 0) {
    stats.sent.delete(key);
  } else if (entry.remaining < 0) {
    stats.unexpected += 1;
  }
}

// -- one client -------------------------------------------------------------------------------------------------

class Client {
  constructor(room, index, label) {
    this.room = room;
    this.index = index;
    this.label = label;
    this.doc = new Y.Doc();
    this.provider = null;
    this.ytext = null;
    this.own = []; // ids of this client's characters that are still there, oldest first
    this.cursor = null;
    this.timer = null;
    this.closing = false;
  }

  /**
   * Connects; resolves with the connect+sync time once synced and (with `expectSeed`) holding the room's text,
   * rejects on a close or after CONNECT_TIMEOUT_MS.
   */
  connect(serverUrl, roomName, params, token, findText, expectSeed = true) {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = error => {
        if (done) {
          return;
        }
        done = true;
        clearTimeout(timer);
        this.doc.off('update', check);
        if (error) {
          reject(error);
        } else {
          resolve(performance.now() - t0);
        }
      };
      const check = () => {
        if (!this.provider || !this.provider.synced) {
          return;
        }
        const ytext = findText(this.doc);
        if (ytext && (!expectSeed || ytext.toString() === this.room.seed)) {
          this.ytext = ytext;
          finish(null);
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `${this.label}: not synced after ${CONNECT_TIMEOUT_MS} ms`
            )
          ),
        CONNECT_TIMEOUT_MS
      );
      this.provider = new WebsocketProvider(serverUrl, roomName, this.doc, {
        params,
        disableBc: true,
        WebSocketPolyfill: socketClass(token),
        // Tickets are single use: a reconnect could not get in. Every close is counted instead.
        shouldReconnect: () => false
      });
      this.provider.on('sync', check);
      this.doc.on('update', check);
      this.provider.on('connection-close', event => {
        if (!this.closing) {
          stats.closes.push({
            client: this.label,
            code: event?.code,
            reason: String(event?.reason ?? '').slice(0, 200)
          });
          finish(
            new Error(
              `${this.label}: closed ${event?.code} ${String(event?.reason ?? '')}`
            )
          );
        }
      });
      // As the help front end does: a field at once (peers ignore a state at clock 0), then the cursor per key.
      this.provider.awareness.setLocalStateField('present', true);
    });
  }

  /** Receives: notes the arrival time of every item another client inserted or deleted. */
  observe() {
    this.ytext.observe(event => {
      const tr = event.transaction;
      if (tr.local) {
        return;
      }
      const now = performance.now();
      tr.afterState.forEach((after, client) => {
        const before = tr.beforeState.get(client) ?? 0;
        for (let clock = before; clock < after; clock++) {
          noteSeen(`i:${client}:${clock}`, now);
        }
      });
      tr.deleteSet.clients.forEach((items, client) => {
        for (const item of items) {
          for (let c = item.clock; c < item.clock + item.len; c++) {
            noteSeen(`d:${client}:${c}`, now);
          }
        }
      });
    });
  }

  /** The cursor starts at the end of this client's own line of the seed. */
  placeCursor() {
    const text = this.ytext.toString();
    let at = 0;
    for (let i = 0; i <= this.index; i++) {
      const nl = text.indexOf('\n', at);
      at = nl < 0 ? text.length : nl + (i < this.index ? 1 : 0);
    }
    this.cursor = Y.createRelativePositionFromTypeIndex(this.ytext, at, -1);
  }

  cursorIndex() {
    return Y.createAbsolutePositionFromRelativePosition(this.cursor, this.doc)
      .index;
  }

  publishCursor(index) {
    const rel = Y.relativePositionToJSON(
      Y.createRelativePositionFromTypeIndex(this.ytext, index)
    );
    this.provider.awareness.setLocalStateField('cursor', {
      anchor: rel,
      head: rel
    });
    stats.awareness += 1;
  }

  /** One keystroke: a character at the cursor, or (sometimes) a backspace over this client's last one. */
  key(random, deleteRatio) {
    const receivers = this.room.clients.length - 1;
    if (this.own.length > 0 && random() < deleteRatio) {
      const id = this.own.pop();
      const at = Y.createAbsolutePositionFromRelativePosition(
        Y.createRelativePositionFromJSON({ item: id }),
        this.doc
      ).index;
      noteSent(`d:${id.client}:${id.clock}`, receivers);
      this.ytext.delete(at, 1);
      stats.deletes += 1;
      this.cursor = Y.createRelativePositionFromTypeIndex(this.ytext, at, -1);
      this.publishCursor(at);
    } else {
      const at = this.cursorIndex();
      const clock = Y.getState(this.doc.store, this.doc.clientID);
      const ch = KEYS[Math.floor(random() * KEYS.length)];
      noteSent(`i:${this.doc.clientID}:${clock}`, receivers);
      this.ytext.insert(at, ch);
      stats.inserts += 1;
      this.own.push({ client: this.doc.clientID, clock });
      this.cursor = Y.createRelativePositionFromTypeIndex(
        this.ytext,
        at + 1,
        -1
      );
      this.publishCursor(at + 1);
    }
  }

  /** Types until `until` (performance.now()): about `rate` keys per second, each interval ×0.5…1.5. */
  type(random, rate, deleteRatio, until) {
    const step = 1000 / rate;
    const next = delay => {
      this.timer = setTimeout(() => {
        if (performance.now() >= until) {
          this.timer = null;
          return;
        }
        this.key(random, deleteRatio);
        next(step * (0.5 + random()));
      }, delay);
    };
    next(random() * step);
  }

  close() {
    this.closing = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.provider?.destroy();
    this.doc.destroy();
  }
}

// -- targets ----------------------------------------------------------------------------------------------------

function wsBase(base) {
  return base.replace(/^http/, 'ws');
}

/** ClassLab's relay: the owner asks (a help request), two helpers join; each socket needs its own fresh ticket. */
function classlabTarget(config) {
  const { owner, helpers } = config.tokens;
  const prefix = 'classlab/api/help/';
  const findText = doc => doc.getText('source');
  const connectClient = (client, grant, token, expectSeed) => {
    const path = grant.room_url.replace(/^\/+/, '');
    const at = path.lastIndexOf('/');
    return client.connect(
      wsBase(config.base) + path.slice(0, at),
      path.slice(at + 1),
      { ticket: grant.ticket },
      token,
      findText,
      expectSeed
    );
  };
  return {
    roles: ['owner', 'helper', 'helper'],
    async open(room, name) {
      const grant = await api(config.base, owner, 'POST', prefix + 'requests', {
        cell_id: `bench-${name}`,
        message: 'Why does this fail?',
        audience: 'class',
        error: "NameError: name 'y' is not defined"
      });
      room.requestId = grant.request.id;
      const [first, ...others] = room.clients;
      // The owner's browser seeds the room from the cell (the relay holds no document): synced, then typed in.
      const times = [await connectClient(first, grant, owner, false)];
      first.ytext.insert(0, room.seed);
      const joined = await Promise.all(
        others.map((client, i) =>
          api(
            config.base,
            helpers[i],
            'POST',
            `${prefix}requests/${room.requestId}/join`,
            { role: 'helper' }
          ).then(g => connectClient(client, g, helpers[i], true))
        )
      );
      return times.concat(joined);
    },
    async close(room) {
      await api(
        config.base,
        owner,
        'DELETE',
        `${prefix}requests/${room.requestId}`
      );
    }
  };
}

/** jupyter-collaboration: one notebook per room, its first cell's source; every client asks for a session. */
function collabTarget(config) {
  const { token } = config.tokens;
  const findText = doc => {
    const cells = doc.getArray('cells');
    if (cells.length === 0) {
      return null;
    }
    const source = cells.get(0).get('source');
    return source instanceof Y.Text ? source : null;
  };
  const connectClient = async (client, path) => {
    const session = await api(
      config.base,
      token,
      'PUT',
      `api/collaboration/session/${encodeURIComponent(path)}`,
      { format: 'json', type: 'notebook' }
    );
    return client.connect(
      wsBase(config.base) + 'api/collaboration/room',
      `json:notebook:${session.fileId}`,
      { sessionId: session.sessionId },
      token,
      findText
    );
  };
  return {
    roles: ['writer', 'writer', 'writer'],
    async open(room) {
      const [first, ...others] = room.clients;
      // The first client makes the server load the file into its Y document; the others join it.
      const times = [await connectClient(first, room.path)];
      const joined = await Promise.all(
        others.map(client => connectClient(client, room.path))
      );
      return times.concat(joined);
    },
    async close() {}
  };
}

// -- run --------------------------------------------------------------------------------------------------------

function makeRoom(target, name, seed, path) {
  const room = { name, seed, path, clients: [], requestId: null };
  room.clients = target.roles.map(
    (role, i) => new Client(room, i, `${name}/${role}${i}`)
  );
  return room;
}

/** Opens a room: its clients connected and holding the seed text, then observing and with their cursors. */
async function openRoom(target, room) {
  const times = await target.open(room, room.name);
  for (const client of room.clients) {
    client.observe();
    client.placeCursor();
  }
  return times;
}

function closeRoom(room) {
  for (const client of room.clients) {
    client.close();
  }
}

async function main() {
  const config = JSON.parse(await nextLine());
  const seed = config.seed_text;
  const target =
    config.target === 'classlab'
      ? classlabTarget(config)
      : collabTarget(config);

  // Warm-up: one room through the whole cycle, so that first-use costs (imports, caches) are not counted per room.
  const warm = makeRoom(target, 'warmup', seed, config.tokens.warmup_path);
  await openRoom(target, warm);
  const warmRandom = prng(config.seed + 999);
  for (let i = 0; i < 20; i++) {
    warm.clients[i % warm.clients.length].key(warmRandom, config.delete_ratio);
    await sleep(10);
  }
  await settle(5000);
  closeRoom(warm);
  await target.close(warm);
  resetStats();
  await sleep(500);
  await phase('ready');

  const rooms = [];
  const connectMs = [];
  const startConnect = performance.now();
  for (let i = 0; i < config.rooms; i++) {
    const room = makeRoom(
      target,
      `room${i}`,
      seed,
      config.tokens.paths?.[i] ?? null
    );
    rooms.push(room);
    connectMs.push(...(await openRoom(target, room)));
  }
  const connectSeconds = (performance.now() - startConnect) / 1000;
  await phase('connected');

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  frames.sent = 0;
  frames.received = 0;
  const t0 = performance.now();
  const until = t0 + config.seconds * 1000;
  rooms.forEach((room, r) =>
    room.clients.forEach((client, c) =>
      client.type(
        prng(config.seed + r * 16 + c),
        config.rate,
        config.delete_ratio,
        until
      )
    )
  );
  await sleep(config.seconds * 1000 + 50);
  const typedSeconds = (performance.now() - t0) / 1000;
  const settleMs = await settle(SETTLE_TIMEOUT_MS);
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const framesDuringLoad = { ...frames };

  // Convergence: every client of a room holds the same text and the same state vector.
  let converged = 0;
  const diverged = [];
  let textChars = 0;
  for (const room of rooms) {
    const texts = room.clients.map(c => c.ytext.toString());
    const vectors = room.clients.map(c =>
      Buffer.from(Y.encodeStateVector(c.doc)).toString('base64')
    );
    if (
      texts.every(t => t === texts[0]) &&
      vectors.every(v => v === vectors[0])
    ) {
      converged += 1;
    } else {
      diverged.push(room.name);
    }
    textChars += texts[0].length;
  }
  await phase('loaded');

  for (const room of rooms) {
    closeRoom(room);
  }
  for (const room of rooms) {
    await target.close(room).catch(() => undefined);
  }

  const sorted = Float64Array.from(stats.latencies).sort();
  const pct = p => percentile(sorted, p);
  const connectSorted = Float64Array.from(connectMs).sort();
  const ms = ns => ns / 1e6;
  say({
    phase: 'done',
    result: {
      target: config.target,
      roles: target.roles,
      rooms: rooms.length,
      clients: rooms.length * target.roles.length,
      typed_seconds: typedSeconds,
      settle_ms: settleMs,
      keystrokes: stats.inserts + stats.deletes,
      inserts: stats.inserts,
      deletes: stats.deletes,
      awareness_updates: stats.awareness,
      // Frames from the typing start to the end of the wait for stragglers, all clients together.
      frames_sent: framesDuringLoad.sent,
      frames_received: framesDuringLoad.received,
      expected: stats.expected,
      received: stats.received,
      unexpected: stats.unexpected,
      latency_ms: {
        p50: pct(50),
        p95: pct(95),
        p99: pct(99),
        p999: pct(99.9),
        max: sorted.length ? sorted[sorted.length - 1] : null,
        mean: sorted.length
          ? sorted.reduce((a, b) => a + b, 0) / sorted.length
          : null
      },
      // The same percentiles over every expected sample, an undelivered one counting as infinitely late (null).
      latency_ms_all: Object.fromEntries(
        [50, 95, 99].map(p => {
          const rank = Math.ceil((p / 100) * stats.expected) - 1;
          return [`p${p}`, rank < sorted.length ? sorted[rank] : null];
        })
      ),
      // Every whole percentile (1…100) of the latency, for the JSON report.
      latency_percentiles_ms: Array.from({ length: 100 }, (_, i) => pct(i + 1)),
      connect_ms: {
        p50: percentile(connectSorted, 50),
        p95: percentile(connectSorted, 95),
        max: connectSorted.length
          ? connectSorted[connectSorted.length - 1]
          : null,
        all: Array.from(connectMs)
      },
      connect_seconds: connectSeconds,
      converged_rooms: converged,
      diverged_rooms: diverged,
      mean_text_chars: textChars / rooms.length,
      closes: stats.closes,
      event_loop_delay_ms: {
        p50: ms(loop.percentile(50)),
        p99: ms(loop.percentile(99)),
        max: ms(loop.max)
      },
      driver_cpu_seconds: (cpu.user + cpu.system) / 1e6
    }
  });
}

function resetStats() {
  stats.sent.clear();
  stats.latencies = [];
  stats.expected = 0;
  stats.received = 0;
  stats.unexpected = 0;
  stats.inserts = 0;
  stats.deletes = 0;
  stats.awareness = 0;
  stats.closes = [];
}

/** Waits until every sent update reached every other client of its room, or `timeout` ms; how long it took. */
async function settle(timeout) {
  const start = performance.now();
  while (stats.sent.size > 0 && performance.now() - start < timeout) {
    await sleep(20);
  }
  return performance.now() - start;
}

main()
  .then(() => process.exit(0))
  .catch(error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
