/**
 * The live observer view (`/interviews/<id>/observe`): the owner or a granted instructor
 * watches an interview as it happens.
 *
 * The page connects as `observer` with `last_seq` 0, so the server first replays the whole
 * event log (catch-up) and then sends live events. Everything shown is derived from those
 * events, so a reconnect (e.g. after 4010, "too far behind", where the socket resumes from
 * its `last_seq`) simply continues where the page left off; the socket drops events it has
 * already delivered.
 *
 * Shown: connection state, phase and current question (streamed `question.delta`, then the
 * final `question`), the transcript as spoken (relayed `transcript`: interim segments differ
 * from final ones, a later message with the same `seg` replaces the earlier one), feedback,
 * notes, per-answer analyses, the report, who is watching (`presence`), talk time and pace
 * (words per minute from the transcripts), and a Chart.js chart of eye contact and head yaw
 * from relayed `face` frames. Relayed `audio` is ignored. Instructors can send notes and ask a
 * question of their own (`ask`): it shows in the stream as waiting until the interview flow
 * asks it (a `question` of kind `instructor`), which happens when the candidate is not answering.
 *
 * The events are drawn by the `InterviewView` of `interview_view.js`, which the replay shares.
 *
 * @module observe
 */

import { ConnectionState, InterviewSocket } from "./socket.js";
import { $, InterviewView, countWords, el, icon, wordsPerMinute } from "./interview_view.js";

export { countWords, wordsPerMinute };

const CHART_REFRESH_MS = 500;

const CONNECTION_LABELS = {
  [ConnectionState.CONNECTING]: ["text-bg-secondary", "fa-solid fa-circle-notch fa-spin", "Connecting…"],
  [ConnectionState.LIVE]: ["text-bg-success", "fa-solid fa-circle", "Live"],
  [ConnectionState.RECONNECTING]: ["text-bg-warning", "fa-solid fa-rotate fa-spin", "Reconnecting…"],
  [ConnectionState.OFFLINE]: ["text-bg-danger", "fa-solid fa-plug-circle-xmark", "Offline"],
};

class Observer {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.interviewId = /** @type {string} */ (root.dataset.interviewId);
    this.canNote = root.dataset.canNote === "true";
    /** Server time minus local time. */
    this.clockOffset = 0;
    this.view = new InterviewView({ total: Number(root.dataset.questionsTotal) || 0, now: () => this.#serverNow() });
    this.socket = new InterviewSocket({ interviewId: this.interviewId, role: "observer", lastSeq: 0 });
    /** This page's `ask` messages (numbered when written), to tell their errors apart. @type {Set<{seq: number | null}>} */
    this.asks = new Set();
  }

  start() {
    this.socket.on("message", (message) => this.#onMessage(message));
    this.socket.on("connection", () => this.#renderConnection());
    this.socket.on("stopped", (detail) => {
      this.#alert(`${detail.message} Reload the page to try again.`, "danger");
      this.#renderConnection();
    });
    if (this.canNote) {
      this.#bindNotes();
      this.#bindAsk();
    }
    this.socket.start();
    this.#renderConnection();
    this.view.loadChart();
    setInterval(() => this.#tick(), 1000);
    setInterval(() => this.view.refreshChart(), CHART_REFRESH_MS);
  }

  #serverNow() {
    return Date.now() + this.clockOffset;
  }

  /** @param {{t: string, seq: number | null, ts: number | null, d: any}} message */
  #onMessage({ t, ts, d }) {
    const at = ts ?? this.#serverNow();
    switch (t) {
      case "welcome":
        this.clockOffset = d.server_time - Date.now();
        this.view.total = d.interview.questions_total || this.view.total;
        if (this.socket.lastSeq === 0) this.view.phase = d.interview.phase;
        this.#hideAlert();
        break;
      case "presence":
        this.#showPresence(d.observers ?? []);
        break;
      case "error":
        if (d.ref !== undefined && [...this.asks].some((entry) => entry.seq === d.ref)) {
          $("ask-status").textContent = `Not asked: ${d.message}.`;
        } else if (!["seq_gap", "unavailable"].includes(d.code)) {
          this.#alert(`Server error (${d.code}): ${d.message}`);
        }
        break;
      default:
        this.view.apply(t, at, d);
        break;
    }
    this.view.render();
  }

  #tick() {
    const current = this.view.currentAnswer();
    if (current && current.endedAt === null) this.view.renderMetrics();
  }

  /** @param {{user: string, name: string}[]} observers */
  #showPresence(observers) {
    const list = $("presence");
    list.replaceChildren();
    if (!observers.length) {
      list.append(el("li", "text-body-secondary", "Nobody."));
      return;
    }
    for (const observer of observers) {
      const li = el("li");
      li.dataset.user = observer.user;
      li.append(icon("fa-solid fa-eye me-1 text-info"), observer.name || observer.user);
      list.append(li);
    }
  }

  // ----- notes -----------------------------------------------------------------------------

  #bindNotes() {
    const form = /** @type {HTMLFormElement} */ ($("note-form"));
    const box = /** @type {HTMLTextAreaElement} */ ($("note-text"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#sendNote();
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.#sendNote();
      }
    });
  }

  #sendNote() {
    const box = /** @type {HTMLTextAreaElement} */ ($("note-text"));
    const text = box.value.trim();
    if (!text) return;
    const to = /** @type {HTMLInputElement | null} */ (document.querySelector('input[name="note-to"]:checked'))?.value ?? "candidate";
    try {
      const entry = this.socket.send("note", { text, to });
      if (!entry) {
        $("note-status").textContent = "Not connected: the note was not sent.";
        return;
      }
    } catch (error) {
      $("note-status").textContent = `Not sent: ${/** @type {Error} */ (error).message}`;
      return;
    }
    box.value = "";
    $("note-status").textContent = this.socket.state === ConnectionState.LIVE ? "Sent." : "Queued: it is sent when the connection is back.";
  }

  // ----- an instructor's own question ------------------------------------------------------

  #bindAsk() {
    const form = /** @type {HTMLFormElement} */ ($("ask-form"));
    const box = /** @type {HTMLTextAreaElement} */ ($("ask-text"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#sendAsk();
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.#sendAsk();
      }
    });
  }

  #sendAsk() {
    const box = /** @type {HTMLTextAreaElement} */ ($("ask-text"));
    const status = $("ask-status");
    const text = box.value.trim();
    if (!text) {
      status.textContent = "Write a question first.";
      return;
    }
    try {
      const entry = this.socket.send("ask", { text });
      if (!entry) {
        status.textContent = "Not connected: the question was not sent.";
        return;
      }
      this.asks.add(entry);
    } catch (error) {
      status.textContent = `Not sent: ${/** @type {Error} */ (error).message}`;
      return;
    }
    box.value = "";
    status.textContent = this.socket.state === ConnectionState.LIVE
      ? "Sent: it is asked as soon as the candidate is not answering."
      : "Queued: it is sent when the connection is back.";
  }

  #renderConnection() {
    const state = this.socket.state;
    const badge = $("connection");
    const [cls, glyph, label] = CONNECTION_LABELS[state] ?? CONNECTION_LABELS[ConnectionState.OFFLINE];
    badge.className = `badge rounded-pill fs-6 fw-normal ${cls}`;
    badge.dataset.state = state;
    badge.replaceChildren(icon(`${glyph} me-1`), label);
    const send = /** @type {HTMLButtonElement | null} */ (document.getElementById("btn-note"));
    if (send) send.disabled = state === ConnectionState.OFFLINE;
    const ask = /** @type {HTMLButtonElement | null} */ (document.getElementById("btn-ask"));
    if (ask) ask.disabled = state === ConnectionState.OFFLINE;
  }

  /**
   * @param {string} message
   * @param {string} [kind]
   */
  #alert(message, kind = "warning") {
    const box = $("observe-alert");
    box.className = `alert alert-${kind} py-2 mb-3 small`;
    box.textContent = message;
    box.hidden = false;
  }

  #hideAlert() {
    $("observe-alert").hidden = true;
  }
}

const root = document.getElementById("observe");
if (root) new Observer(root).start();
