// What the code pad sends: snapshots of its whole text, debounced while the candidate types,
// never over the protocol's size limit, never the same twice. No DOM: tested under node.

import { DEFAULT_LIMITS } from "./protocol.js";

export const DEBOUNCE_MS = 500;
const utf8 = new TextEncoder();

/** @param {string} text */
export function utf8Length(text) {
  return utf8.encode(text).length;
}

/**
 * @typedef {object} Snapshot
 * @property {string} text
 * @property {string} lang
 * @property {string | null} qid
 */

export class CodeSnapshots {
  /**
   * @param {object} options
   * @param {(snapshot: Snapshot) => void} options.send sends one `code` message
   * @param {(state: {bytes: number, max: number, tooLarge: boolean}) => void} [options.onSize]
   * @param {number} [options.delayMs]
   * @param {number} [options.maxBytes]
   * @param {{set: typeof setTimeout, clear: typeof clearTimeout}} [options.timers]
   */
  constructor({ send, onSize = () => {}, delayMs = DEBOUNCE_MS, maxBytes = DEFAULT_LIMITS.maxCodeBytes,
    timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) } }) {
    this.send = send;
    this.onSize = onSize;
    this.delayMs = delayMs;
    this.maxBytes = maxBytes;
    this.timers = timers;
    /** @type {Snapshot | null} the latest content, not yet sent */
    this.pending = null;
    /** @type {Snapshot | null} */
    this.sent = null;
    /** @type {any} */
    this.timer = null;
  }

  /**
   * The pad changed: send its content once typing pauses for `delayMs`.
   * @param {string} text
   * @param {string} lang
   * @param {string | null} qid
   */
  update(text, lang, qid) {
    this.pending = { text, lang, qid };
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.flush();
    }, this.delayMs);
  }

  /**
   * Send what is pending now (before the answer ends, or when the language changes).
   * Returns false when the content is over the limit and was not sent.
   */
  flush() {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    const snapshot = this.pending;
    if (!snapshot) return true;
    const bytes = utf8Length(snapshot.text);
    const tooLarge = bytes > this.maxBytes;
    this.onSize({ bytes, max: this.maxBytes, tooLarge });
    if (tooLarge) return false;
    this.pending = null;
    const last = this.sent;
    if (last && last.text === snapshot.text && last.lang === snapshot.lang && last.qid === snapshot.qid) {
      return true;
    }
    this.sent = snapshot;
    this.send(snapshot);
    return true;
  }

  /** A new question: nothing pending, nothing sent for it yet. */
  reset() {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.pending = null;
    this.sent = null;
  }
}
