// Test doubles for the socket client: a WebSocket driven by the test and a manual clock.
import { decodeClientFrame, encode } from "../static/js/protocol.js";

/** Timers that run only when the test advances the clock. */
export class FakeClock {
  now = 1_764_316_800_000;
  /** @type {{id: number, at: number, fn: () => void, every: number | null}[]} */
  timers = [];
  #nextId = 1;

  setTimeout = (fn, ms) => this.#add(fn, ms, null);
  setInterval = (fn, ms) => this.#add(fn, ms, ms);
  clearTimeout = (id) => this.#remove(id);
  clearInterval = (id) => this.#remove(id);

  /** Delays (from now) of the pending one-shot timers. */
  get pendingTimeouts() {
    return this.timers.filter((t) => t.every === null).map((t) => t.at - this.now);
  }

  /** Run every timer due within `ms`, in time order. */
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.now = due.at;
      if (due.every === null) this.#remove(due.id);
      else due.at += due.every;
      due.fn();
    }
    this.now = end;
  }

  #add(fn, ms, every) {
    const id = this.#nextId++;
    this.timers.push({ id, at: this.now + Math.max(0, ms), fn, every });
    return id;
  }

  #remove(id) {
    this.timers = this.timers.filter((t) => t.id !== id);
  }
}

/**
 * A WebSocket class whose instances the test drives from the server side; every instance
 * is kept in `sockets`, the frames each one was sent are decoded into `sent`.
 */
export function fakeWebSocket() {
  /** @type {FakeWebSocket[]} */
  const sockets = [];

  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;

    /** @param {string} url */
    constructor(url) {
      this.url = url;
      this.readyState = FakeWebSocket.CONNECTING;
      this.binaryType = "blob";
      /** @type {import("../static/js/protocol.js").Envelope[]} */
      this.sent = [];
      /** @type {{code: number, reason: string} | null} */
      this.closedByClient = null;
      this.onopen = null;
      this.onmessage = null;
      this.onclose = null;
      this.onerror = null;
      sockets.push(this);
    }

    /** @param {Uint8Array} frame */
    send(frame) {
      if (this.readyState !== FakeWebSocket.OPEN) throw new Error("InvalidStateError");
      if (!(frame instanceof Uint8Array)) throw new Error("the client sends binary frames");
      this.sent.push(decodeClientFrame(frame));
    }

    close(code = 1000, reason = "") {
      this.readyState = FakeWebSocket.CLOSED;
      this.closedByClient = { code, reason };
    }

    // ----- the server's side -----

    open() {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.({ type: "open" });
    }

    /** Deliver a server message (as an ArrayBuffer, like binaryType "arraybuffer"). */
    receive(t, d = {}, envelope = {}) {
      const bytes = encode(t, d, envelope);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      this.onmessage?.({ type: "message", data: buffer });
    }

    /** @param {number} code */
    serverClose(code, reason = "") {
      this.readyState = FakeWebSocket.CLOSED;
      this.onclose?.({ type: "close", code, reason, wasClean: code !== 1006 });
    }

    /** The data messages sent, as `[t, seq]` pairs. */
    get dataSent() {
      return this.sent.filter((e) => e.seq !== null).map((e) => [e.t, e.seq]);
    }
  }

  return { FakeWebSocket, sockets };
}

/** A valid `welcome` payload. */
export function welcome({ acked = 0, head = 0 } = {}) {
  return {
    v: 1,
    interview: {
      id: "iv-1",
      status: "live",
      phase: "lobby",
      kind: "technical",
      role_title: "Backend engineer",
      question_idx: 0,
      questions_total: 3,
    },
    acked,
    head,
    server_time: 1_764_316_800_000,
  };
}

/** A minimal in-memory `Storage`. */
export class MemoryStorage {
  #items = new Map();
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    this.#items.set(key, String(value));
  }
  removeItem(key) {
    this.#items.delete(key);
  }
}
