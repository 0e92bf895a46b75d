/**
 * The replay (`/interviews/<id>/replay`): an interview's event log played back with its
 * audio recording, drawn by the same `InterviewView` as the live observer view.
 *
 * The log is fetched page by page (MessagePack, `PAGE_LIMIT` events a page); playback may
 * start as soon as the first page is in, and the timeline grows as later pages arrive.
 * Nothing loaded is fetched again.
 *
 * Times: every event has `ts`, the server clock in ms. The replay runs on its own clock,
 * "replay time", which is the server time since the first event with every idle gap longer
 * than `IDLE_GAP_MS` shown as `IDLE_SHOWN_MS` (see `Timeline`). Playing advances replay time
 * by the wall clock times the speed and applies every event up to it. Seeking applies every
 * event before the target at once (one render); snapshots of the view taken every
 * `SNAPSHOT_EVERY_EVENTS` events or `SNAPSHOT_EVERY_MS` of replay time (`replay_snapshots.js`)
 * mean a backward seek starts from the nearest earlier snapshot, not from the first event.
 * Seeking never fetches anything: the log is in memory once loaded.
 * The `<audio>` element follows: its time is the server time minus the recording's
 * `started_ts` (`audioTimeFor`), re-aligned when it drifts.
 *
 * `?at=<server time, ms>` in the page's URL seeks to that moment as soon as the pages up to
 * it are loaded (the report links its chart points here).
 *
 * @module replay
 */

import { Decoder } from "./msgpack-loader.js";
import { $, InterviewView, clock, el } from "./interview_view.js";
import { Snapshots } from "./replay_snapshots.js";

export const PAGE_LIMIT = 2000;
export const IDLE_GAP_MS = 5_000;
export const IDLE_SHOWN_MS = 1_000;
/** The audio is moved when it is further than this from where the events are, seconds. */
const AUDIO_TOLERANCE_S = 0.35;
const TICK_MS = 50;

/**
 * Server time ↔ replay time, with idle gaps compressed. Events are pushed in log order.
 */
export class Timeline {
  constructor() {
    /** @type {number[]} server time of each event, ms */
    this.ts = [];
    /** @type {number[]} replay time of each event, ms */
    this.at = [];
  }

  /** @param {number} ts */
  push(ts) {
    const n = this.ts.length;
    if (n === 0) {
      this.ts.push(ts);
      this.at.push(0);
      return 0;
    }
    const last = this.ts[n - 1];
    const gap = Math.max(0, ts - last);
    const at = this.at[n - 1] + (gap > IDLE_GAP_MS ? IDLE_SHOWN_MS : gap);
    this.ts.push(Math.max(ts, last));
    this.at.push(at);
    return at;
  }

  get duration() {
    return this.at.length ? this.at[this.at.length - 1] : 0;
  }

  /**
   * How many events happen at or before replay time `at`.
   * @param {number} at
   */
  countUpTo(at) {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at[mid] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The server time at replay time `at` (inside a compressed gap, proportionally).
   * @param {number} at
   */
  toServer(at) {
    if (!this.ts.length) return 0;
    const i = this.countUpTo(at) - 1;
    if (i < 0) return this.ts[0];
    if (i >= this.ts.length - 1) return this.ts[this.ts.length - 1] + (at - this.at[this.at.length - 1]);
    const shown = this.at[i + 1] - this.at[i];
    const real = this.ts[i + 1] - this.ts[i];
    return this.ts[i] + (shown > 0 ? ((at - this.at[i]) * real) / shown : 0);
  }

  /**
   * The replay time at server time `ts`.
   * @param {number} ts
   */
  toReplay(ts) {
    const n = this.ts.length;
    if (!n || ts <= this.ts[0]) return 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ts[mid] <= ts) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i >= n - 1) return this.at[n - 1] + (ts - this.ts[n - 1]);
    const real = this.ts[i + 1] - this.ts[i];
    const shown = this.at[i + 1] - this.at[i];
    return this.at[i] + (real > 0 ? ((ts - this.ts[i]) * shown) / real : 0);
  }
}

/**
 * Where the recording is at server time `ts`, in seconds (negative: before it started).
 * @param {number} ts
 * @param {number} startedTs the recording's `started_ts`
 */
export function audioTimeFor(ts, startedTs) {
  return (ts - startedTs) / 1000;
}

/**
 * The server time at which the recording is at `seconds`.
 * @param {number} seconds
 * @param {number} startedTs
 */
export function serverTimeForAudio(seconds, startedTs) {
  return startedTs + seconds * 1000;
}

const MARKER_TITLES = {
  feedback: "Feedback",
  analysis: "Analysis",
  note: "Note",
  ask: "Instructor's question",
  face: "Face lost",
  pause: "Pause",
};

class Replay {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.interviewId = /** @type {string} */ (root.dataset.interviewId);
    /** @type {{t: string, seq: number, ts: number, d: any}[]} */
    this.events = [];
    this.timeline = new Timeline();
    this.complete = false;
    /** Replay time, ms. */
    this.position = 0;
    /** Events applied to the view so far (a prefix of `events`). */
    this.applied = 0;
    this.playing = false;
    this.speed = 1;
    this.lastFrame = 0;
    /** @type {{at: number, node: HTMLElement}[]} */
    this.markers = [];
    this.facePresent = true;
    this.view = new InterviewView({
      total: Number(root.dataset.questionsTotal) || 0,
      now: () => this.timeline.toServer(this.position),
    });
    /** @type {any[]} */
    const recordings = JSON.parse(root.dataset.recordings || "[]");
    this.recording = recordings.find((r) => r.size_bytes > 0 && r.started_ts !== null) ?? null;
    this.audio = /** @type {HTMLAudioElement} */ ($("replay-audio"));
    this.audioBroken = false;
    /** @type {Snapshots<import("./interview_view.js").ViewSnapshot>} */
    this.snapshots = new Snapshots();
    /** Server time to seek to once loaded (`?at=`), or null. */
    this.startAt = startAtFrom(location.search);
  }

  start() {
    $("btn-play").addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    $("replay-speed").addEventListener("change", (event) => {
      this.speed = Number(/** @type {HTMLSelectElement} */ (event.target).value) || 1;
      this.#syncAudio();
    });
    $("replay-timeline").addEventListener("click", (event) => {
      const box = $("replay-timeline").getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      this.seek(fraction * this.timeline.duration);
    });
    $("replay-timeline").addEventListener("keydown", (event) => {
      const step = { ArrowLeft: -5000, ArrowRight: 5000 }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      this.seek(this.position + step);
    });
    if (this.recording) {
      this.audio.src = this.recording.url;
      this.audio.hidden = false;
      this.audio.addEventListener("error", () => {
        this.audioBroken = true;
        $("audio-status").textContent = "The recording could not be played; the events replay without it.";
      });
    } else {
      $("audio-status").textContent = "No audio was recorded for this interview.";
    }
    this.view.loadChart();
    this.#renderControls();
    setInterval(() => this.#tick(), TICK_MS);
    this.#load().catch((error) => this.#alert(`The interview could not be loaded (${error.message}).`));
  }

  // ----- loading ---------------------------------------------------------------------------

  async #load() {
    const decoder = new Decoder();
    let after = 0;
    for (;;) {
      const response = await fetch(
        `/api/interviews/${encodeURIComponent(this.interviewId)}/events?after=${after}&limit=${PAGE_LIMIT}`,
        { headers: { Accept: "application/msgpack" }, credentials: "same-origin" },
      );
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = /** @type {{events: any[], head: number}} */ (decoder.decode(new Uint8Array(await response.arrayBuffer())));
      for (const event of body.events) this.#add(event);
      if (body.events.length) after = Number(body.events[body.events.length - 1].seq);
      const done = body.events.length < PAGE_LIMIT || after >= Number(body.head);
      if (done) this.complete = true;
      this.root.dataset.loaded = String(this.events.length);
      this.#layoutMarkers();
      this.#seekToStart(done);
      this.#renderControls();
      if (done) break;
    }
    this.root.dataset.complete = "true";
    const status = $("load-status");
    status.className = "badge rounded-pill fs-6 fw-normal text-bg-dark border border-secondary-subtle";
    status.textContent = `${this.events.length} events`;
  }

  /**
   * Seeks to `?at=` once the events up to it are loaded (or all of them are).
   * @param {boolean} complete
   */
  #seekToStart(complete) {
    const startAt = this.startAt;
    if (startAt === null || Number.isNaN(startAt)) {
      if (Number.isNaN(startAt)) {
        this.#alert("The link's time (?at=) is not a time in milliseconds; the replay starts at the beginning.", "warning");
        this.startAt = null;
      }
      return;
    }
    const last = this.timeline.ts.at(-1);
    if (!complete && (last === undefined || last < startAt)) return;
    this.startAt = null;
    this.seek(this.timeline.toReplay(startAt));
    this.root.dataset.startedAt = String(Math.round(this.position));
  }

  /** @param {{t: string, seq: number, ts: number, d: any}} event */
  #add(event) {
    const ts = Number(event.ts);
    const before = this.timeline.duration;
    const previousTs = this.timeline.ts.at(-1);
    const at = this.timeline.push(ts);
    this.events.push({ ...event, ts });
    if (previousTs !== undefined && ts - previousTs > IDLE_GAP_MS) {
      this.#marker("pause", before, `Pause of ${clock(ts - previousTs)}`, "…");
    }
    const d = event.d ?? {};
    switch (event.t) {
      case "question": {
        if (d.kind === "instructor") {
          const title = `Instructor's question${d.name ? ` (${d.name})` : ""}: ${d.text}`;
          this.#marker("question", at, title, "I", d.qid).dataset.questionKind = "instructor";
          break;
        }
        const follow = d.kind && d.kind !== "main";
        const title = `${follow ? "Follow-up to question" : "Question"} ${d.idx}: ${d.text}`;
        this.#marker("question", at, title, `Q${d.idx}${follow ? "+" : ""}`, d.qid).dataset.questionKind = d.kind ?? "main";
        break;
      }
      case "ask":
        this.#marker("ask", at, `${MARKER_TITLES.ask} sent by ${d.name || "an instructor"}: ${d.text}`, "?");
        break;
      case "feedback":
        this.#marker("feedback", at, `${MARKER_TITLES.feedback}: ${d.message}`, "!");
        break;
      case "analysis":
        this.#marker("analysis", at, `${MARKER_TITLES.analysis}: ${d.score} / 10`, "A");
        break;
      case "note":
        this.#marker("note", at, `${MARKER_TITLES.note}: ${d.text}`, "N");
        break;
      case "face":
        for (const frame of d.frames ?? []) {
          if (this.facePresent && frame.present === false) this.#marker("face", at, MARKER_TITLES.face, "×");
          this.facePresent = frame.present !== false;
        }
        break;
      default:
        break;
    }
  }

  /**
   * @param {string} kind
   * @param {number} at
   * @param {string} title
   * @param {string} label
   * @param {string} [qid]
   * @returns {HTMLElement}
   */
  #marker(kind, at, title, label, qid) {
    const node = el("button", "replay-marker", label);
    node.type = "button";
    node.dataset.kind = kind;
    node.dataset.testid = "marker";
    node.dataset.at = String(at);
    if (qid) node.dataset.qid = qid;
    node.title = title;
    node.setAttribute("aria-label", `Jump to: ${title}`);
    node.addEventListener("click", (event) => {
      event.stopPropagation();
      this.seek(at);
    });
    $("replay-markers").append(node);
    this.markers.push({ at, node });
    return node;
  }

  #layoutMarkers() {
    const duration = this.timeline.duration || 1;
    for (const { at, node } of this.markers) node.style.left = `${(100 * at) / duration}%`;
  }

  // ----- playback --------------------------------------------------------------------------

  play() {
    if (!this.events.length) return;
    if (this.complete && this.position >= this.timeline.duration) this.seek(0);
    this.playing = true;
    this.lastFrame = performance.now();
    this.#renderControls();
    this.#syncAudio();
  }

  pause() {
    this.playing = false;
    this.#renderControls();
    this.#syncAudio();
  }

  /**
   * Shows the interview as it was at replay time `at`: every event up to it applied.
   * @param {number} at
   */
  seek(at) {
    this.position = Math.min(Math.max(0, at), this.timeline.duration);
    this.lastFrame = performance.now();
    this.#advance();
    this.#syncAudio(true);
  }

  #tick() {
    if (this.playing) {
      const now = performance.now();
      this.position += (now - this.lastFrame) * this.speed;
      this.lastFrame = now;
      if (this.position >= this.timeline.duration) {
        this.position = this.timeline.duration;
        if (this.complete) {
          this.playing = false;
          this.root.dataset.state = "ended";
        }
      }
      this.#advance();
      this.#syncAudio();
    }
    this.view.refreshChart();
  }

  #advance() {
    const upTo = this.timeline.countUpTo(this.position);
    if (upTo !== this.applied) {
      const plan = this.snapshots.plan(this.applied, upTo);
      if (plan.restore) {
        this.view.restore(plan.restore.state);
        this.root.dataset.restoredFrom = String(plan.restore.applied);
      } else if (plan.reset) {
        this.view.reset();
        this.root.dataset.restoredFrom = "0";
      }
      this.applied = plan.from;
      while (this.applied < upTo) {
        const { t, ts, d } = this.events[this.applied];
        this.view.apply(t, ts, d);
        this.applied++;
        const at = this.timeline.at[this.applied - 1];
        if (this.snapshots.due(this.applied, at)) this.snapshots.add(this.applied, at, this.view.snapshot());
      }
      this.root.dataset.snapshots = String(this.snapshots.size);
    }
    this.view.render();
    this.#renderControls();
  }

  /** @param {boolean} [force] re-align even when within tolerance */
  #syncAudio(force = false) {
    if (!this.recording) return;
    const target = audioTimeFor(this.timeline.toServer(this.position), this.recording.started_ts);
    this.audio.dataset.target = target.toFixed(3);
    if (this.audioBroken) return;
    const duration = Number.isFinite(this.audio.duration) ? this.audio.duration : Infinity;
    const inside = target >= 0 && target < duration;
    if (!this.playing || !inside) {
      if (!this.audio.paused) this.audio.pause();
      if (force && inside) this.audio.currentTime = target;
      return;
    }
    this.audio.playbackRate = this.speed;
    if (force || Math.abs(this.audio.currentTime - target) > AUDIO_TOLERANCE_S * this.speed) this.audio.currentTime = target;
    if (this.audio.paused) this.audio.play().catch(() => {});
  }

  // ----- rendering -------------------------------------------------------------------------

  #renderControls() {
    const duration = this.timeline.duration;
    const button = /** @type {HTMLButtonElement} */ ($("btn-play"));
    button.disabled = this.events.length === 0;
    const icon = /** @type {HTMLElement} */ (button.querySelector("i"));
    icon.className = `fa-solid ${this.playing ? "fa-pause" : "fa-play"} me-1`;
    /** @type {HTMLElement} */ (button.querySelector("span")).textContent = this.playing ? "Pause" : "Play";
    button.dataset.playing = String(this.playing);
    if (this.playing) this.root.dataset.state = "playing";
    else if (this.root.dataset.state !== "ended" || this.position < duration) {
      this.root.dataset.state = this.events.length ? "paused" : "loading";
    }
    this.root.dataset.position = String(Math.round(this.position));
    this.root.dataset.applied = String(this.applied);
    $("replay-position").textContent = clock(this.position);
    $("replay-duration").textContent = clock(duration);
    const fraction = duration ? Math.min(1, this.position / duration) : 0;
    $("replay-progress").style.width = `${100 * fraction}%`;
    $("replay-loaded").style.width = this.events.length ? "100%" : "0";
    const slider = $("replay-timeline");
    slider.setAttribute("aria-valuemax", String(Math.round(duration / 1000)));
    slider.setAttribute("aria-valuenow", String(Math.round(this.position / 1000)));
    slider.setAttribute("aria-valuetext", `${clock(this.position)} of ${clock(duration)}`);
  }

  /**
   * @param {string} message
   * @param {string} [kind]
   */
  #alert(message, kind = "danger") {
    const box = $("observe-alert");
    box.className = `alert alert-${kind} py-2 mb-3 small`;
    box.textContent = message;
    box.hidden = false;
  }
}

/**
 * The server time (ms) a replay link asks to start at: `?at=<integer>`; null without one,
 * NaN when it is not a time.
 * @param {string} search the page URL's query string
 */
export function startAtFrom(search) {
  const value = new URLSearchParams(search).get("at");
  if (value === null || value === "") return null;
  return /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : NaN;
}

const root = document.getElementById("replay");
if (root) new Replay(root).start();
