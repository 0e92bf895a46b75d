// The room's code pad for coding questions: shown while a coding question is on screen,
// editable while it can still be answered, its content sent as debounced `code` snapshots.

import { CodeSnapshots } from "./code_snapshots.js";
import { mountCodePad } from "./code_pad.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

export class RoomCodePad {
  /**
   * @param {string} interviewId
   * @param {(d: {text: string, lang: string, qid?: string}) => void} send
   */
  constructor(interviewId, send) {
    this.interviewId = interviewId;
    /** @type {Map<string, number>} qid → the seq of its question event */
    this.askedSeq = new Map();
    this.snapshots = new CodeSnapshots({
      send: ({ text, lang, qid }) => send(qid ? { text, lang, qid } : { text, lang }),
      onSize: (size) => this.#showSize(size),
    });
    /** @type {Map<string, boolean>} qid → coding question */
    this.coding = new Map();
    /** @type {string | null} the question the pad holds code for */
    this.qid = null;
    /** @type {Promise<import("./code_pad.js").CodePad> | null} */
    this.pad = null;
    this.editable = false;
    this.quiet = false;
  }

  /** @param {string} qid @param {boolean} coding @param {number | null} seq */
  onQuestion(qid, coding, seq) {
    this.coding.set(qid, coding);
    if (seq !== null) this.askedSeq.set(qid, seq);
  }

  /**
   * The page shows question `qid`; the pad follows (a new coding question starts empty).
   * @param {string | null} qid
   * @param {boolean} editable the question can still be answered
   */
  show(qid, editable) {
    const card = $("code-card");
    const coding = qid !== null && this.coding.get(qid) === true;
    card.hidden = !coding;
    if (!coding) return;
    const pad = this.#pad();
    if (qid !== this.qid) {
      this.snapshots.flush();
      this.snapshots.reset();
      this.qid = qid;
      pad.then((p) => this.#quietly(() => p.setText(""))).then(() => this.#restore(qid)).catch(() => {});
    }
    if (editable !== this.editable) {
      this.editable = editable;
      pad.then((p) => p.setEditable(editable)).catch(() => {});
    }
  }

  /** Send what is pending now: before the answer ends, so the log has it first. */
  flush() {
    this.snapshots.flush();
  }

  /**
   * After a reload the pad starts empty, while the log holds what was written: the last
   * snapshot for the question comes back from the events API (the candidate's own frames
   * are not sent back on the socket).
   * @param {string} qid
   */
  async #restore(qid) {
    let after = this.askedSeq.get(qid) ?? 0;
    /** @type {{text: string, lang: string} | null} */
    let last = null;
    for (;;) {
      const response = await fetch(`/api/interviews/${this.interviewId}/events?after=${after}&limit=2000`,
        { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const { events } = await response.json();
      if (!events.length) break;
      for (const event of events) {
        if (event.t === "code" && event.d.qid === qid) last = { text: event.d.text, lang: event.d.lang };
      }
      after = events[events.length - 1].seq;
    }
    const pad = await this.#pad();
    // Only into an untouched pad of the same question.
    if (!last || this.qid !== qid || pad.text() !== "" || this.snapshots.pending) return;
    this.snapshots.sent = { text: last.text, lang: last.lang, qid };
    this.#quietly(() => {
      pad.setLang(last.lang);
      pad.setText(last.text);
    });
  }

  /** Change the pad without sending the change (it is not the candidate's edit). @param {() => void} change */
  #quietly(change) {
    this.quiet = true;
    try {
      change();
    } finally {
      this.quiet = false;
    }
  }

  #pad() {
    if (!this.pad) {
      const select = /** @type {HTMLSelectElement} */ ($("code-lang"));
      this.pad = mountCodePad($("code-pad"), select, (text, lang) => {
        if (this.editable && !this.quiet) this.snapshots.update(text, lang, this.qid);
      });
      this.pad.catch((error) => {
        $("code-status").textContent = `The code pad could not load (${error}).`;
      });
      // After the pad's own listener has queued the change: send it at once.
      select.addEventListener("change", () => setTimeout(() => this.snapshots.flush(), 0));
    }
    return this.pad;
  }

  /** @param {{bytes: number, max: number, tooLarge: boolean}} size */
  #showSize({ bytes, max, tooLarge }) {
    const status = $("code-status");
    status.textContent = tooLarge
      ? `Too long to send: ${Math.ceil(bytes / 1024)} KiB of at most ${max / 1024} KiB. Shorten it to send it.`
      : `${(bytes / 1024).toFixed(1)} of ${max / 1024} KiB`;
    status.classList.toggle("text-danger", tooLarge);
  }
}
