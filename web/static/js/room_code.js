// The room's code pad for coding questions: shown while a coding question is on screen,
// editable while it can still be answered, its content sent as debounced `code` snapshots.

import { CodeSnapshots } from "./code_snapshots.js";
import { mountCodePad } from "./code_pad.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

export class RoomCodePad {
  /** @param {(d: {text: string, lang: string, qid?: string}) => void} send */
  constructor(send) {
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
  }

  /** @param {string} qid @param {boolean} coding */
  onQuestion(qid, coding) {
    this.coding.set(qid, coding);
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
      pad.then((p) => p.setText("")).catch(() => {});
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

  #pad() {
    if (!this.pad) {
      const select = /** @type {HTMLSelectElement} */ ($("code-lang"));
      this.pad = mountCodePad($("code-pad"), select, (text, lang) => {
        if (this.editable) this.snapshots.update(text, lang, this.qid);
      });
      this.pad.catch((error) => {
        $("code-status").textContent = `The code pad could not load (${error}).`;
      });
      select.addEventListener("change", () => this.snapshots.flush());
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
