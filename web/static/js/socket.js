/**
 * `InterviewSocket`: the one live-interview connection every page uses.
 *
 * ```js
 * import { InterviewSocket } from "/static/js/socket.js";
 * const socket = new InterviewSocket({ interviewId, role: "candidate" });
 * socket.addEventListener("message", (e) => render(e.detail));      // {t, seq, ts, d}
 * socket.addEventListener("connection", (e) => showState(e.detail.state));
 * socket.addEventListener("unsent", (e) => showPending(e.detail.count));
 * socket.addEventListener("stopped", (e) => explain(e.detail.reason));
 * socket.start();
 * socket.send("transcript", { seg: 0, text: "Hello", final: true, src: "typed" });
 * ```
 *
 * What it does:
 * - connects to `ws(s)://<host>/ws/interviews/<id>` (session cookie, same origin) or to the
 *   URL the `url` option gives: a string, or a function called before every attempt (for
 *   single-use tickets). Relative URLs are resolved against the page; `http(s)` becomes
 *   `ws(s)`;
 * - sends `hello {v: 1, role, stream, last_seq}` on open and goes `live` on `welcome`;
 * - keeps an outbox of data messages until the server acknowledges them (`ack`), resends
 *   the unacknowledged ones in order after `welcome` (entries `≤ acked` are dropped);
 * - tracks `last_seq` over logged events and ignores events it has already applied;
 * - reconnects with exponential backoff and jitter (0.5 s doubling to 10 s) unless the
 *   server closed for good: 4001 not authenticated, 4003 forbidden, 4004 not found, 4009
 *   opened elsewhere (state `offline`, a `stopped` event); 4010 (too far behind)
 *   reconnects at once;
 * - pings every 20 s and drops a connection that has been silent for 45 s.
 *
 * Sequence numbers. A data message gets its stream `seq` when it is first written to a
 * socket (at once when `live`), so messages queued while offline are numbered in the order
 * they are sent. A message the server refuses (an `error` with `ref`) is dropped: its `seq`
 * is used up. `seq_gap` or `unavailable` make the client reconnect and resume from the
 * server's `acked`.
 *
 * Outbox bound. At most `maxOutbox` (5,000) messages wait; beyond that the oldest face
 * batch not yet written is dropped. Transcripts, state changes, audio and notes are never
 * dropped (the bound is then exceeded), nor is anything already numbered (that would leave
 * a gap in the stream).
 *
 * Memory only. The outbox and the counters live in this object: a tab reload (or a new
 * `InterviewSocket`) starts a new stream with a new UUID, recorded in `sessionStorage`
 * under `interview-engine.stream.<interview id>`. The stream is deliberately not reused
 * across reloads: its unacknowledged messages and its `seq` counter are gone, and reusing
 * it would make the server drop new messages as duplicates of old ones.
 *
 * Events (`CustomEvent`, payload in `detail`):
 * - `connection` `{state, previous}`: `connecting` | `live` | `reconnecting` | `offline`;
 * - `unsent` `{count}`: messages not yet acknowledged;
 * - `message` `{t, seq, ts, d}`: every server message except `ack` and `pong`, logged
 *   events only the first time (`welcome`, `error`, `presence`, `question.delta` included);
 * - `protocolerror` `ProtocolError`: a server frame that failed validation (skipped);
 * - `stopped` `{reason, code, message}`: no more reconnecting; `reason` is
 *   `not_authenticated` | `forbidden` | `not_found` | `superseded` | `protocol` | `closed`.
 *
 * @module socket
 */

import {
  CloseCode,
  DATA_MESSAGE_TYPES,
  ErrorCode,
  LOGGED_EVENT_TYPES,
  PROTOCOL_VERSION,
  ProtocolError,
  checkClientMessage,
  decodeServerFrame,
  encode,
} from "./protocol.js";

/** @typedef {"connecting" | "live" | "reconnecting" | "offline"} ConnectionState */

export const ConnectionState = Object.freeze({
  CONNECTING: "connecting",
  LIVE: "live",
  RECONNECTING: "reconnecting",
  OFFLINE: "offline",
});

/**
 * Close codes after which reconnecting cannot help.
 * @type {Map<number, {reason: string, message: string}>}
 */
const TERMINAL_CLOSES = new Map([
  [CloseCode.NOT_AUTHENTICATED, { reason: "not_authenticated", message: "You are not logged in." }],
  [CloseCode.FORBIDDEN, { reason: "forbidden", message: "You may not join this interview." }],
  [CloseCode.NOT_FOUND, { reason: "not_found", message: "This interview does not exist." }],
  [CloseCode.SUPERSEDED, { reason: "superseded", message: "This interview was opened elsewhere." }],
]);

/** Server errors after which the client resumes from the server's `acked`. */
const RESUME_ERRORS = new Set([ErrorCode.SEQ_GAP, ErrorCode.UNAVAILABLE]);

/** Which role sends which data message (the server refuses the others). */
const SENDERS = Object.freeze({
  state: "candidate",
  transcript: "candidate",
  face: "candidate",
  audio: "candidate",
  code: "candidate",
  note: "observer",
});

const WS_OPEN = 1;
const CLOSE_NORMAL = 1000;
/** A connection that stayed live this long resets the backoff. */
const STABLE_MS = 10_000;

/**
 * @typedef {object} Backoff
 * @property {number} initialMs first delay
 * @property {number} maxMs cap
 * @property {number} jitter ± share of the delay, randomised
 */

/** @type {Readonly<Backoff>} */
export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 500, maxMs: 10_000, jitter: 0.2 });

/**
 * The delay before reconnect attempt `attempt` (0 for the first): `initialMs · 2^attempt`
 * within ± `jitter`, never above `maxMs`.
 * @param {number} attempt
 * @param {Backoff} backoff
 * @param {number} random a number in [0, 1)
 */
export function backoffDelay(attempt, backoff = DEFAULT_BACKOFF, random = Math.random()) {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  const jittered = base * (1 + backoff.jitter * (2 * random - 1));
  return Math.round(Math.min(backoff.maxMs, Math.max(0, jittered)));
}

/**
 * The WebSocket URL for `url` (absolute, or relative to the page), `http(s)` as `ws(s)`.
 * @param {string} url
 * @param {{href: string} | undefined} base the page location
 */
export function resolveSocketUrl(url, base) {
  const resolved = new URL(url, base?.href);
  if (resolved.protocol === "http:") resolved.protocol = "ws:";
  else if (resolved.protocol === "https:") resolved.protocol = "wss:";
  return resolved.href;
}

/** A random UUID, also outside secure contexts (where `crypto.randomUUID` is missing). */
export function newStreamId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * @typedef {object} Timers
 * @property {(fn: () => void, ms: number) => unknown} setTimeout
 * @property {(id: any) => void} clearTimeout
 * @property {(fn: () => void, ms: number) => unknown} setInterval
 * @property {(id: any) => void} clearInterval
 */

/**
 * @typedef {object} InterviewSocketOptions
 * @property {string} interviewId
 * @property {"candidate" | "observer"} role
 * @property {string | (() => string | Promise<string>)} [url] the socket URL, or a function
 *   returning one before every attempt (e.g. a fresh ticket URL); default: the interview's
 *   endpoint on this origin
 * @property {number} [lastSeq] the highest event `seq` the page has already applied
 * @property {string} [stream] the stream id; default: a new UUID
 * @property {number} [maxOutbox] default 5000
 * @property {number} [pingIntervalMs] default 20000
 * @property {number} [idleTimeoutMs] default 45000
 * @property {Partial<Backoff>} [backoff]
 * @property {typeof WebSocket} [WebSocket] injectable for tests
 * @property {Storage | null} [storage] default `sessionStorage` when available
 * @property {{href: string}} [location] the page's address, to resolve relative URLs
 * @property {Partial<Timers>} [timers]
 * @property {() => number} [now]
 * @property {() => number} [random]
 */

/**
 * @typedef {object} OutboxEntry A data message waiting for its acknowledgement.
 * @property {string} t
 * @property {Record<string, unknown>} d the validated payload
 * @property {number} ts when it was sent, ms since the epoch
 * @property {number | null} seq assigned when first written to a socket
 */

export class InterviewSocket extends EventTarget {
  /** @type {ConnectionState} */
  #state = ConnectionState.OFFLINE;
  #started = false;
  #stopped = false;
  /** @type {WebSocket | null} */
  #ws = null;
  /** @type {OutboxEntry[]} */
  #outbox = [];
  #nextSeq = 1;
  /** The highest seq written on the current connection. */
  #sentUpto = 0;
  #lastSeq = 0;
  #attempts = 0;
  #connectToken = 0;
  /** @type {unknown} */
  #reconnectTimer = null;
  /** @type {unknown} */
  #pingTimer = null;
  #lastFrameAt = 0;
  #liveSince = 0;
  #droppedFaces = 0;
  /** @type {Record<string, any> | null} */
  #welcome = null;
  /** @type {InterviewSocketOptions["url"]} */
  #url;
  /** @type {typeof WebSocket} */
  #WebSocket;
  /** @type {{href: string} | undefined} */
  #location;
  /** @type {Timers} */
  #timers;
  /** @type {() => number} */
  #now;
  /** @type {() => number} */
  #random;

  /** @param {InterviewSocketOptions} options */
  constructor(options) {
    super();
    const { interviewId, role } = options;
    if (!interviewId) throw new TypeError("interviewId: required");
    if (role !== "candidate" && role !== "observer") throw new TypeError("role: candidate or observer");
    this.interviewId = String(interviewId);
    this.role = role;
    this.#lastSeq = options.lastSeq ?? 0;
    this.stream = options.stream ?? newStreamId();
    this.maxOutbox = options.maxOutbox ?? 5000;
    this.pingIntervalMs = options.pingIntervalMs ?? 20_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    /** @type {Backoff} */
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#url = options.url;
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.#location = options.location ?? globalThis.location;
    this.#timers = {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id),
      setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
      clearInterval: (id) => globalThis.clearInterval(id),
      ...options.timers,
    };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    const storage = options.storage !== undefined ? options.storage : defaultStorage();
    rememberStream(storage, this.interviewId, this.stream);
  }

  // ----- public state ----------------------------------------------------------------------

  /** @returns {ConnectionState} */
  get state() {
    return this.#state;
  }

  /** Data messages not yet acknowledged by the server. */
  get unsent() {
    return this.#outbox.length;
  }

  /** The highest event-log `seq` applied (sent as `last_seq` on every reconnect). */
  get lastSeq() {
    return this.#lastSeq;
  }

  /** Face batches dropped because the outbox was full. */
  get droppedFaces() {
    return this.#droppedFaces;
  }

  /** The last `welcome` payload (`interview`, `acked`, `head`, `server_time`), or null. */
  get welcome() {
    return this.#welcome;
  }

  // ----- public actions --------------------------------------------------------------------

  /** Connect (once); reconnects by itself until `close()` or a terminal close code. */
  start() {
    if (this.#started) return;
    this.#started = true;
    this.#setState(ConnectionState.CONNECTING);
    this.#connect();
  }

  /** Stop for good: close the socket, no reconnecting (state `offline`). */
  close() {
    this.#stop("closed", CLOSE_NORMAL, "Closed.");
  }

  /** Reconnect now instead of waiting for the backoff (e.g. when the browser is back online). */
  reconnectNow() {
    if (this.#stopped || !this.#started || this.#reconnectTimer === null) return;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#connect();
  }

  /**
   * Queue a data message (`state`, `transcript`, `face`, `audio`, `code`, `note`) and send it as soon
   * as the connection is live. The payload is validated first.
   * @param {string} type
   * @param {Record<string, unknown>} d
   * @returns {OutboxEntry | null} the queued entry (its `seq` is set once it is written),
   *   or null once the socket has stopped
   * @throws {ProtocolError} an unknown type, a message of the other role, an invalid payload
   */
  send(type, d) {
    if (!DATA_MESSAGE_TYPES.has(type)) {
      throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `'${type}' is not a data message`);
    }
    if (SENDERS[/** @type {keyof SENDERS} */ (type)] !== this.role) {
      throw new ProtocolError(ErrorCode.FORBIDDEN, `a ${this.role} does not send '${type}'`);
    }
    /** @type {OutboxEntry} */
    const entry = { t: type, d: checkClientMessage(type, d), ts: this.#now(), seq: null };
    if (this.#stopped) return null;
    this.#outbox.push(entry);
    this.#flush();
    this.#trimOutbox();
    this.#emitUnsent();
    return entry;
  }

  /**
   * Send a control message (e.g. `ping`) now if the socket is open; never queued.
   * @param {string} type
   * @param {Record<string, unknown>} [d]
   * @returns {boolean} whether it was written
   */
  sendControl(type, d = {}) {
    if (DATA_MESSAGE_TYPES.has(type)) {
      throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `'${type}' is a data message; use send()`);
    }
    const payload = checkClientMessage(type, d);
    return this.#write(encode(type, payload));
  }

  /**
   * Listen to an event; returns a function that removes the listener.
   * @param {string} type
   * @param {(detail: any) => void} handler called with the event's `detail`
   */
  on(type, handler) {
    /** @param {Event} event */
    const listener = (event) => handler(/** @type {CustomEvent} */ (event).detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  // ----- connecting ------------------------------------------------------------------------

  #connect() {
    const token = ++this.#connectToken;
    let url;
    try {
      url = typeof this.#url === "function" ? this.#url() : (this.#url ?? this.#defaultUrl());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    if (url && typeof (/** @type {any} */ (url).then) === "function") {
      /** @type {Promise<string>} */ (url).then(
        (resolved) => token === this.#connectToken && !this.#stopped && this.#open(resolved),
        () => token === this.#connectToken && !this.#stopped && this.#scheduleReconnect(),
      );
    } else {
      this.#open(/** @type {string} */ (url));
    }
  }

  #defaultUrl() {
    return `/ws/interviews/${encodeURIComponent(this.interviewId)}`;
  }

  /** @param {string} url */
  #open(url) {
    let ws;
    try {
      ws = new this.#WebSocket(resolveSocketUrl(url, this.#location));
    } catch {
      this.#scheduleReconnect();
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => this.#onOpen(ws);
    ws.onmessage = (event) => this.#onFrame(ws, event.data);
    ws.onclose = (event) => this.#onClose(ws, event.code, event.reason);
    ws.onerror = () => {}; // a close event follows
    this.#ws = ws;
    this.#sentUpto = 0;
  }

  /** @param {WebSocket} ws */
  #onOpen(ws) {
    if (ws !== this.#ws) return;
    this.#lastFrameAt = this.#now();
    const hello = { v: PROTOCOL_VERSION, role: this.role, stream: this.stream, last_seq: this.#lastSeq };
    this.#write(encode("hello", hello));
    this.#pingTimer = this.#timers.setInterval(() => this.#tick(), this.pingIntervalMs);
  }

  #tick() {
    if (this.#now() - this.#lastFrameAt > this.idleTimeoutMs) {
      this.#dropConnection();
      return;
    }
    this.sendControl("ping");
  }

  /**
   * @param {WebSocket} ws
   * @param {number} code
   * @param {string} reason
   */
  #onClose(ws, code, reason) {
    if (ws !== this.#ws) return;
    this.#detach();
    const terminal = TERMINAL_CLOSES.get(code);
    if (terminal) {
      this.#stop(terminal.reason, code, reason || terminal.message);
    } else if (code === CloseCode.TOO_FAR_BEHIND) {
      this.#setState(ConnectionState.RECONNECTING);
      this.#connect();
    } else {
      this.#scheduleReconnect();
    }
  }

  /** Give up the current connection (it is broken or must be resumed) and reconnect. */
  #dropConnection() {
    const ws = this.#ws;
    this.#detach();
    try {
      ws?.close(CLOSE_NORMAL, "reconnecting");
    } catch {
      // already closed
    }
    this.#scheduleReconnect();
  }

  /** Forget the current socket: its late events are ignored. */
  #detach() {
    const ws = this.#ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    }
    this.#ws = null;
    if (this.#pingTimer !== null) this.#timers.clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    if (this.#state === ConnectionState.LIVE && this.#now() - this.#liveSince >= STABLE_MS) {
      this.#attempts = 0;
    }
  }

  #scheduleReconnect() {
    if (this.#stopped) return;
    this.#setState(ConnectionState.RECONNECTING);
    const delay = backoffDelay(this.#attempts, this.backoff, this.#random());
    this.#attempts += 1;
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connect();
    }, delay);
  }

  /**
   * @param {string} reason
   * @param {number | null} code
   * @param {string} message
   */
  #stop(reason, code, message) {
    if (this.#stopped) return;
    this.#stopped = true;
    const ws = this.#ws;
    this.#detach();
    try {
      ws?.close(CLOSE_NORMAL, reason);
    } catch {
      // already closed
    }
    if (this.#reconnectTimer !== null) this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#setState(ConnectionState.OFFLINE);
    this.#emit("stopped", { reason, code, message });
  }

  // ----- receiving -------------------------------------------------------------------------

  /**
   * @param {WebSocket} ws
   * @param {ArrayBuffer | string} data
   */
  #onFrame(ws, data) {
    if (ws !== this.#ws) return;
    this.#lastFrameAt = this.#now();
    let envelope;
    try {
      envelope = decodeServerFrame(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#emit("protocolerror", error);
      if (error.fatal) this.#stop("protocol", null, error.message);
      return;
    }
    this.#dispatch(envelope);
  }

  /** @param {import("./protocol.js").Envelope} envelope */
  #dispatch(envelope) {
    const { t, seq, d } = envelope;
    if (t === "pong") return;
    if (t === "ack") {
      this.#onAck(d.upto);
      return;
    }
    if (t === "welcome") {
      this.#onWelcome(d);
    } else if (t === "error") {
      this.#onServerError(d);
    } else if (LOGGED_EVENT_TYPES.has(t) && seq !== null) {
      if (seq <= this.#lastSeq) return; // already applied
      this.#lastSeq = seq;
    }
    this.#emit("message", envelope);
  }

  /** @param {Record<string, any>} d */
  #onWelcome(d) {
    this.#welcome = d;
    this.#liveSince = this.#now();
    this.#dropAcked(d.acked);
    if (this.#nextSeq <= d.acked) this.#nextSeq = d.acked + 1;
    this.#sentUpto = d.acked;
    this.#setState(ConnectionState.LIVE);
    this.#flush();
    this.#emitUnsent();
  }

  /** @param {number} upto */
  #onAck(upto) {
    if (this.#dropAcked(upto)) this.#emitUnsent();
  }

  /**
   * A refused message is dropped (its seq is used up); `seq_gap` and `unavailable` mean
   * the server did not take the message: resume from its `acked` on a new connection.
   * @param {Record<string, any>} d
   */
  #onServerError(d) {
    if (RESUME_ERRORS.has(d.code)) {
      if (d.ref !== undefined || d.code === ErrorCode.SEQ_GAP) this.#dropConnection();
      return;
    }
    if (d.ref === undefined) return;
    const index = this.#outbox.findIndex((entry) => entry.seq === d.ref);
    if (index >= 0) {
      this.#outbox.splice(index, 1);
      this.#emitUnsent();
    }
  }

  // ----- the outbox ------------------------------------------------------------------------

  /**
   * Drop the acknowledged entries (a numbered prefix of the outbox).
   * @param {number} upto
   * @returns {boolean} whether anything was dropped
   */
  #dropAcked(upto) {
    let count = 0;
    while (count < this.#outbox.length) {
      const seq = this.#outbox[count].seq;
      if (seq === null || seq > upto) break;
      count += 1;
    }
    if (count > 0) this.#outbox.splice(0, count);
    return count > 0;
  }

  /** Over the bound, drop the oldest face batches that were never written. */
  #trimOutbox() {
    while (this.#outbox.length > this.maxOutbox) {
      const index = this.#outbox.findIndex((entry) => entry.seq === null && entry.t === "face");
      if (index < 0) return;
      this.#outbox.splice(index, 1);
      this.#droppedFaces += 1;
    }
  }

  /** When live, write every entry not yet written on this connection, numbering new ones. */
  #flush() {
    if (this.#state !== ConnectionState.LIVE) return;
    for (const entry of this.#outbox) {
      if (entry.seq === null) entry.seq = this.#nextSeq++;
      if (entry.seq <= this.#sentUpto) continue;
      if (!this.#write(encode(entry.t, entry.d, { seq: entry.seq, ts: entry.ts }))) return;
      this.#sentUpto = entry.seq;
    }
  }

  /**
   * @param {Uint8Array} frame
   * @returns {boolean} whether it was written
   */
  #write(frame) {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WS_OPEN) return false;
    ws.send(frame);
    return true;
  }

  // ----- events ----------------------------------------------------------------------------

  /** @param {ConnectionState} state */
  #setState(state) {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.#emit("connection", { state, previous });
  }

  #emitUnsent() {
    this.#emit("unsent", { count: this.#outbox.length });
  }

  /**
   * @param {string} type
   * @param {unknown} detail
   */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** @returns {Storage | null} */
function defaultStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

/**
 * Record the tab's current stream for this interview.
 * @param {Storage | null} storage
 * @param {string} interviewId
 * @param {string} stream
 */
function rememberStream(storage, interviewId, stream) {
  try {
    storage?.setItem(`interview-engine.stream.${interviewId}`, stream);
  } catch {
    // storage full or disabled: the stream lives in memory anyway
  }
}
