/**
 * The live interview room: the candidate's side of a live interview.
 *
 * Everything shown comes from the server's event log, replayed on connect and then live
 * (`question.delta`, `question`, `phase`, `feedback`, `analysis`, `report`, `note`); the page
 * sends `state` actions, `transcript` segments (typed, or from the browser's speech
 * recognition) and the microphone's `audio` through the shared `InterviewSocket`.
 *
 * Transcript segments. One counter numbers the segments of this page (one stream): a typed
 * submission takes a new `seg`; a speech recognition result takes a new `seg` the first time
 * its result index appears in a recognition session, its interim updates reuse that `seg`
 * and its final version freezes it. A page that joins an answer already in progress (a
 * reload) starts numbering from the clock, above anything an earlier stream used.
 *
 * Audio. One `MediaRecorder` per page records in 250 ms slices while the candidate answers
 * (paused in between, so the stream's chunks form one playable file); each slice is sent as
 * `audio {chunk, mime, data}` with gapless chunk numbers for this socket's stream.
 *
 * @module room
 */

import { RoomCodePad } from "./room_code.js";
import { showRequirements } from "./requirements_view.js";
import { DeviceCheck } from "./devices.js";
import { clock, el, formatScore, scoreClass } from "./interview_view.js";
import { FaceTracker } from "./face.js";
import { ConnectionState, InterviewSocket } from "./socket.js";

const TIMESLICE_MS = 250;
const MAX_AUDIO_BYTES = 128 * 1024;
const MAX_TEXT = 4000;
const FEEDBACK_SHOWN = 4;
const FEEDBACK_TTL_MS = 20_000;
/** How long to wait for the recogniser's last results when an answer ends. */
const SPEECH_FLUSH_MS = 1500;
/** Speech errors after which retrying cannot help. */
const SPEECH_FATAL = new Set(["not-allowed", "service-not-allowed", "audio-capture", "language-not-supported", "bad-grammar"]);
const SPEECH_MAX_FAILURES = 3;

const PHASE_LABELS = {
  lobby: "Lobby",
  asking: "Your turn",
  answering: "Answering",
  reviewing: "Reviewing",
  finished: "Finished",
};

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {Element | null} target */
function isTextField(target) {
  // Focus inside a shadow root (the code pad's editor) shows as its host.
  while (target instanceof HTMLElement && target.shadowRoot?.activeElement) {
    target = target.shadowRoot.activeElement;
  }
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * Whether Space/Enter already mean something for the focused element (an enabled button, a link).
 * @param {Element | null} target
 */
function isInteractive(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLButtonElement && target.disabled) return false;
  return ["BUTTON", "A", "SUMMARY"].includes(target.tagName) || target.getAttribute("role") === "button";
}

// ----- speech recognition --------------------------------------------------------------------

/**
 * The browser's speech recognition, kept running while `wanted`: Chrome ends a session on
 * silence, after `no-speech` or a network error, and it is restarted then (a few failed
 * sessions in a row without a result give up).
 */
class SpeechInput {
  /**
   * @param {object} handlers
   * @param {(session: number, index: number, text: string, final: boolean, conf: number | undefined) => void} handlers.onResult
   * @param {(status: string, kind: "idle" | "listening" | "error" | "unsupported") => void} handlers.onStatus
   */
  constructor({ onResult, onStatus }) {
    const Recognition = /** @type {any} */ (window).SpeechRecognition || /** @type {any} */ (window).webkitSpeechRecognition;
    this.Recognition = Recognition ?? null;
    this.onResult = onResult;
    this.onStatus = onStatus;
    this.wanted = false;
    this.failed = false;
    /** @type {any} */
    this.recognition = null;
    this.session = 0;
    this.failures = 0;
    this.gotResult = false;
    this.lastError = "";
    /** @type {(() => void) | null} */
    this.ended = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.restartTimer = null;
  }

  get supported() {
    return this.Recognition !== null;
  }

  get usable() {
    return this.supported && !this.failed;
  }

  start() {
    if (!this.usable) return;
    this.wanted = true;
    if (!this.recognition) this.#begin();
  }

  /** Stop listening; resolves once the recogniser has delivered its last results. */
  stop() {
    this.wanted = false;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const recognition = this.recognition;
    if (!recognition) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // The recogniser never said it ended: forget it (a new one starts next time).
        this.ended = null;
        if (this.recognition === recognition) this.recognition = null;
        try {
          recognition.abort();
        } catch {
          // already ended
        }
        resolve(undefined);
      }, SPEECH_FLUSH_MS);
      this.ended = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      try {
        recognition.stop();
      } catch {
        this.ended?.();
      }
    });
  }

  #begin() {
    let recognition;
    try {
      recognition = new this.Recognition();
      recognition.continuous = true;
      recognition.interimResults = true;
      recognition.maxAlternatives = 1;
      recognition.lang = (navigator.language || "").toLowerCase().startsWith("en") ? navigator.language : "en-US";
    } catch (error) {
      this.#fail(`Speech recognition could not start (${String(error)}).`);
      return;
    }
    const session = ++this.session;
    this.gotResult = false;
    this.lastError = "";
    recognition.onresult = (/** @type {any} */ event) => {
      if (recognition !== this.recognition) return;
      this.gotResult = true;
      this.failures = 0;
      const results = event.results;
      for (let i = event.resultIndex ?? 0; i < results.length; i += 1) {
        const result = results[i];
        const best = result?.[0];
        if (!best) continue;
        const conf = typeof best.confidence === "number" ? best.confidence : undefined;
        this.onResult(session, i, String(best.transcript ?? ""), result.isFinal === true, conf);
      }
    };
    recognition.onerror = (/** @type {any} */ event) => {
      if (recognition !== this.recognition) return;
      this.lastError = String(event?.error ?? "error");
      if (SPEECH_FATAL.has(this.lastError)) {
        const why = this.lastError === "not-allowed" || this.lastError === "service-not-allowed"
          ? "the microphone or the speech service is not allowed"
          : this.lastError === "audio-capture" ? "no microphone was found" : `error: ${this.lastError}`;
        this.#fail(`Voice input is unavailable (${why}). Type your answer instead.`);
      }
    };
    recognition.onstart = () => {
      if (recognition === this.recognition) this.onStatus("Listening…", "listening");
    };
    recognition.onend = () => {
      if (recognition !== this.recognition) return;
      this.recognition = null;
      const ended = this.ended;
      this.ended = null;
      ended?.();
      if (!this.wanted || this.failed) {
        if (!this.failed) this.onStatus("Voice paused.", "idle");
        return;
      }
      // Chrome ends sessions by itself (silence, no-speech, network): carry on.
      if (!this.gotResult && this.lastError && this.lastError !== "no-speech" && this.lastError !== "aborted") {
        this.failures += 1;
      }
      if (this.failures >= SPEECH_MAX_FAILURES) {
        this.#fail(`Voice input keeps failing (${this.lastError}). Type your answer instead.`);
        return;
      }
      const delay = this.failures > 0 ? 500 * 2 ** (this.failures - 1) : 100;
      this.onStatus(this.lastError === "network" ? "Speech service unreachable, retrying…" : "Listening…", "listening");
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.wanted && !this.failed && !this.recognition) this.#begin();
      }, delay);
    };
    this.recognition = recognition;
    try {
      recognition.start();
    } catch (error) {
      this.recognition = null;
      this.#fail(`Speech recognition could not start (${String(error)}). Type your answer instead.`);
    }
  }

  /** @param {string} message */
  #fail(message) {
    this.failed = true;
    this.wanted = false;
    const recognition = this.recognition;
    this.recognition = null;
    const ended = this.ended;
    this.ended = null;
    ended?.();
    try {
      recognition?.abort();
    } catch {
      // already ended
    }
    this.onStatus(message, "error");
  }
}

// ----- microphone recording ------------------------------------------------------------------

/** The recorder's container: WebM/Opus where supported, else MP4; "" when neither. */
function chooseMime() {
  const Recorder = /** @type {any} */ (window).MediaRecorder;
  if (!Recorder || typeof Recorder.isTypeSupported !== "function") return "";
  for (const mime of ["audio/webm;codecs=opus", "audio/mp4"]) {
    if (Recorder.isTypeSupported(mime)) return mime;
  }
  return "";
}

class AudioRecorder {
  /**
   * @param {object} handlers
   * @param {(blob: Blob, mime: string) => void} handlers.onData
   * @param {(status: string, kind: "idle" | "recording" | "paused" | "error") => void} handlers.onStatus
   */
  constructor({ onData, onStatus }) {
    this.onData = onData;
    this.onStatus = onStatus;
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {MediaRecorder | null} */
    this.recorder = null;
    this.mime = "";
    this.failed = false;
    /** @type {Promise<boolean> | null} */
    this.preparing = null;
    this.wanted = false;
  }

  /** Ask for the microphone once; resolves to whether recording is possible. */
  prepare() {
    if (this.preparing) return this.preparing;
    this.preparing = (async () => {
      if (!navigator.mediaDevices?.getUserMedia || !(/** @type {any} */ (window).MediaRecorder)) {
        this.#fail("This browser cannot record audio: your answers are not recorded (transcripts still are).");
        return false;
      }
      this.mime = chooseMime();
      if (!this.mime) {
        this.#fail("This browser records no supported audio format: your answers are not recorded.");
        return false;
      }
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      } catch (error) {
        const name = /** @type {any} */ (error)?.name ?? "";
        const why = name === "NotAllowedError" ? "permission was refused"
          : name === "NotFoundError" ? "no microphone was found" : "it could not be opened";
        this.#fail(`Microphone unavailable (${why}): your answers are not recorded. Carry on by typing.`);
        return false;
      }
      try {
        const recorder = new MediaRecorder(this.stream, { mimeType: this.mime });
        recorder.ondataavailable = (event) => {
          if (event.data && event.data.size > 0) this.onData(event.data, this.mime);
        };
        recorder.onerror = () => this.#fail("The recording stopped because of an error.");
        this.recorder = recorder;
      } catch (error) {
        this.#fail(`Recording could not start (${String(error)}).`);
        return false;
      }
      this.onStatus("Microphone ready; recording while you answer.", "idle");
      return true;
    })();
    return this.preparing;
  }

  /** Record (again) while answering. */
  async record() {
    this.wanted = true;
    if (!(await this.prepare()) || !this.wanted) return;
    const recorder = this.recorder;
    if (!recorder) return;
    try {
      if (recorder.state === "inactive") recorder.start(TIMESLICE_MS);
      else if (recorder.state === "paused") recorder.resume();
      this.onStatus("Recording your answer.", "recording");
    } catch (error) {
      this.#fail(`Recording could not start (${String(error)}).`);
    }
  }

  /** Pause between answers: what was recorded so far is delivered first. */
  pause() {
    this.wanted = false;
    const recorder = this.recorder;
    if (!recorder || recorder.state !== "recording") return;
    try {
      recorder.requestData();
      recorder.pause();
      this.onStatus("Microphone ready; not recording between answers.", "paused");
    } catch {
      // the recorder stopped by itself
    }
  }

  /** The interview is over: deliver the rest and release the microphone. */
  stop() {
    this.wanted = false;
    const recorder = this.recorder;
    if (recorder && recorder.state !== "inactive") {
      try {
        recorder.stop();
      } catch {
        // already stopped
      }
    }
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    if (this.recorder) this.onStatus("Recording finished; the microphone is released.", "idle");
  }

  /** @param {string} message */
  #fail(message) {
    this.failed = true;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.onStatus(message, "error");
  }
}

// ----- the room ------------------------------------------------------------------------------

class Room {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.interviewId = String(root.dataset.interviewId);
    this.total = Number(root.dataset.questionsTotal) || 0;

    // What the log says.
    this.phase = "lobby";
    this.paused = false;
    this.started = false;
    this.finishing = false;
    this.finished = false;
    /** @type {string | null} the question on screen */
    this.qid = null;
    /** @type {Map<string, {idx: number, kind: string, text: string}>} */
    this.questions = new Map();
    /** @type {Map<string, string>} streamed text of questions not logged yet */
    this.deltas = new Map();
    /** @type {Map<string, any>} */
    this.analyses = new Map();
    /** @type {{qid: string | null, startedAt: number, pausedAt: number | null, pausedTotal: number, endedAt: number | null, local: boolean} | null} */
    this.answer = null;

    // The page's own work.
    /** @type {string | null} an action sent and not yet answered by a phase (or refused) */
    this.pending = null;
    this.stopped = null;
    this.catchUpHead = 0;
    this.clockOffset = 0;
    this.nextSeg = 0;
    /** @type {Map<number, {text: string, final: boolean, src: string}>} the current answer */
    this.segments = new Map();
    /** @type {Map<number, number>} result index → seg, for the current speech session */
    this.speechSegs = new Map();
    this.speechSession = 0;
    this.audioChunk = 0;
    this.audioQueue = Promise.resolve();
    this.finishArmed = false;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.finishArmTimer = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.captureTimer = null;
    this.capturing = false;

    this.socket = new InterviewSocket({ interviewId: this.interviewId, role: "candidate" });
    this.speech = new SpeechInput({
      onResult: (session, index, text, final, conf) => this.#onSpeech(session, index, text, final, conf),
      onStatus: (status, kind) => this.#speechStatus(status, kind),
    });
    this.audio = new AudioRecorder({
      onData: (blob, mime) => this.#queueAudio(blob, mime),
      onStatus: (status, kind) => this.#micStatus(status, kind),
    });
    this.useSpeech = this.speech.supported;
    this.devices = new DeviceCheck();
    this.face = new FaceTracker({
      video: /** @type {HTMLVideoElement} */ ($("camera-preview")),
      onBatch: (frames) => this.#onFaceBatch(frames),
      onStatus: (text, kind) => this.#faceStatus(text, kind),
      onCamera: (stream, problem) => this.devices.showCamera(stream, problem),
    });
    this.mediaStarted = false;
    /** Face metrics are sent from the first "Start answering" on (nothing before). */
    this.faceSending = false;
    this.code = new RoomCodePad(this.interviewId, (d) => this.socket.send("code", d));
  }

  start() {
    this.#bindControls();
    this.socket.on("connection", () => this.#renderConnection());
    this.socket.on("unsent", () => this.#renderConnection());
    this.socket.on("message", (message) => this.#onMessage(message));
    this.socket.on("stopped", (detail) => this.#onStopped(detail));
    this.socket.on("protocolerror", (error) => console.warn("skipped a server frame:", error));
    window.addEventListener("online", () => {
      this.#renderConnection();
      this.socket.reconnectNow();
    });
    window.addEventListener("offline", () => this.#renderConnection());
    window.addEventListener("beforeunload", (event) => {
      if (this.socket.unsent > 0 && !this.stopped) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    setInterval(() => this.#renderTimer(), 250);
    if (this.speech.supported) {
      $("speech-toggle-wrap").hidden = false;
      this.#speechStatus("Voice input on: speak after pressing Start answering.", "idle");
    } else {
      this.#speechStatus("Voice input is not available in this browser: type your answer.", "unsupported");
    }
    this.socket.start();
    this.#render();
    this.#renderConnection();
  }

  // ----- server messages -------------------------------------------------------------------

  /** @param {{t: string, seq: number | null, ts: number | null, d: any}} message */
  #onMessage({ t, seq, ts, d }) {
    const live = seq === null || seq > this.catchUpHead;
    switch (t) {
      case "welcome":
        this.#onWelcome(d);
        break;
      case "question.delta":
        this.#onDelta(d);
        break;
      case "question":
        this.code.onQuestion(d.qid, d.coding === true, seq);
        this.#onQuestion(d);
        if (live) this.#announce(d);
        break;
      case "phase":
        this.#onPhase(d, ts ?? this.#serverNow(), live);
        break;
      case "feedback":
        if (live) this.#showFeedback(d.level, d.message, d.kind);
        break;
      case "note":
        if (live) this.#showFeedback("info", d.text, `note from ${d.name || "your instructor"}`);
        break;
      case "analysis":
        this.analyses.set(d.qid, d);
        this.#showAnalysis(d);
        break;
      case "report":
        this.#showReport(d);
        break;
      case "presence":
        this.#showPresence(d.observers ?? []);
        break;
      case "error":
        this.#onError(d);
        break;
      default:
        break;
    }
    this.#render();
    this.#scheduleCapture();
  }

  /** @param {any} d */
  #onWelcome(d) {
    this.#startMedia(d.interview);
    this.clockOffset = d.server_time - Date.now();
    if (this.catchUpHead === 0) this.catchUpHead = d.head;
    const interview = d.interview;
    this.total = interview.questions_total || this.total;
    // Before the log is replayed (first connection), the summary gives the phase.
    if (this.socket.lastSeq === 0) {
      this.phase = interview.phase;
      this.started = interview.phase !== "lobby" || interview.status !== "created";
      this.finished = interview.phase === "finished";
    }
  }

  /** @param {{qid: string, text: string}} d */
  #onDelta({ qid, text }) {
    if (this.questions.has(qid)) return;
    this.deltas.set(qid, (this.deltas.get(qid) ?? "") + text);
    this.qid = qid;
    this.started = true;
  }

  /** @param {{qid: string, idx: number, kind: string, text: string}} d */
  #onQuestion({ qid, idx, kind, text }) {
    if (!this.questions.has(qid) && (!this.answer || this.answer.endedAt !== null)) {
      // A new question: the last answer's text and time go (its analysis stays on the side).
      this.segments.clear();
      this.answer = null;
      this.#renderTranscript();
    }
    this.questions.set(qid, { idx, kind, text });
    this.deltas.delete(qid);
    this.qid = qid;
    this.started = true;
  }

  /**
   * @param {{phase: string, qid?: string, idx?: number, paused?: boolean}} d
   * @param {number} ts
   * @param {boolean} live
   */
  #onPhase(d, ts, live) {
    const paused = d.paused === true;
    this.phase = d.phase;
    if (d.phase !== "lobby") this.started = true;
    if (d.qid) this.qid = d.qid;
    if (d.phase === "answering") {
      const answer = this.answer;
      if (!answer || answer.qid !== d.qid || answer.endedAt !== null) {
        this.#newAnswer(d.qid ?? null, ts, live);
      }
      const current = /** @type {NonNullable<Room["answer"]>} */ (this.answer);
      if (current.local) {
        // This page started the answer a moment ago; the log's time is the truth.
        current.startedAt = ts;
        current.local = false;
      }
      if (paused && current.pausedAt === null) current.pausedAt = ts;
      if (!paused && current.pausedAt !== null) {
        current.pausedTotal += ts - current.pausedAt;
        current.pausedAt = null;
      }
    } else if (this.answer && this.answer.endedAt === null && !paused) {
      this.answer.endedAt = ts;
      if (this.answer.pausedAt !== null) {
        this.answer.pausedTotal += ts - this.answer.pausedAt;
        this.answer.pausedAt = null;
      }
    }
    this.paused = paused;
    if (d.phase === "finished") {
      this.finished = true;
      this.finishing = false;
    }
    if (live) this.#clearPending();
  }

  /** @param {any} d */
  #onError(d) {
    if (d.code === "conflict") {
      // An answer this page started optimistically did not start after all.
      if (this.answer?.local) this.answer = null;
      this.#clearPending();
      this.#alert(`The server refused that: ${d.message}.`);
    } else if (d.code === "seq_gap" || d.code === "unavailable") {
      // The socket resumes by itself.
    } else {
      this.#alert(`Server error (${d.code}): ${d.message}`);
    }
  }

  /** @param {{reason: string, message: string}} detail */
  #onStopped(detail) {
    this.stopped = detail;
    this.speech.stop();
    this.audio.stop();
    this.face.stop();
    this.devices.stop();
    this.#alert(`${detail.message} The room is disconnected; reload the page to try again.`, "danger");
    this.#renderConnection();
    this.#render();
  }

  // ----- actions ---------------------------------------------------------------------------

  #bindControls() {
    $("btn-start").addEventListener("click", () => this.#act("start"));
    $("btn-answer-start").addEventListener("click", () => this.#startAnswer());
    $("btn-answer-end").addEventListener("click", () => this.#endAnswer("answer_end"));
    $("btn-skip").addEventListener("click", () => this.#endAnswer("skip"));
    $("btn-pause").addEventListener("click", () => this.#pause());
    $("btn-resume").addEventListener("click", () => this.#act("resume"));
    $("btn-finish").addEventListener("click", () => this.#finishClicked());
    $("typed-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#sendTyped();
    });
    $("typed-answer").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.#sendTyped();
      }
    });
    const toggle = /** @type {HTMLInputElement} */ ($("speech-toggle"));
    toggle.addEventListener("change", () => {
      this.useSpeech = toggle.checked;
      if (!toggle.checked) {
        this.speech.stop();
        this.#finalizeInterim();
        this.#speechStatus("Voice input off: type your answer.", "idle");
      } else {
        this.#speechStatus("Voice input on.", "idle");
      }
      this.#scheduleCapture(0);
    });
    document.addEventListener("keydown", (event) => this.#onKey(event));
  }

  /** @param {KeyboardEvent} event */
  #onKey(event) {
    if (event.key !== " " && event.key !== "Enter") return;
    if (event.repeat || event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return;
    if (isTextField(document.activeElement) || isInteractive(document.activeElement)) return;
    const start = /** @type {HTMLButtonElement} */ ($("btn-answer-start"));
    const end = /** @type {HTMLButtonElement} */ ($("btn-answer-end"));
    if (!start.disabled) {
      event.preventDefault();
      this.#startAnswer();
    } else if (!end.disabled) {
      event.preventDefault();
      this.#endAnswer("answer_end");
    }
  }

  /**
   * Send a `state` action and wait for the phase it leads to.
   * @param {string} action
   */
  #act(action) {
    this.#hideAlert();
    const entry = this.socket.send("state", { action });
    if (!entry) return false;
    this.pending = action;
    if (action === "start") this.started = true;
    if (action === "finish") this.finishing = true;
    this.#render();
    this.#scheduleCapture(0);
    return true;
  }

  #clearPending() {
    this.pending = null;
  }

  #startAnswer() {
    if (!this.#act("answer_start")) return;
    this.#newAnswer(this.qid, this.#serverNow(), true);
    if (this.answer) this.answer.local = true;
    // The microphone is asked for here, on the user's gesture.
    this.#startCapture();
    this.#render();
  }

  /**
   * End the answer (finish it, skip it, or end the whole interview): the last speech
   * results and any typed text still in the box are sent before the action.
   * @param {"answer_end" | "skip" | "finish"} action
   */
  async #endAnswer(action) {
    const wasAnswering = this.phase === "answering" || this.pending === "answer_start";
    this.pending = action;
    if (action === "finish") this.finishing = true;
    this.#render();
    if (wasAnswering && action !== "skip") {
      const box = /** @type {HTMLTextAreaElement} */ ($("typed-answer"));
      if (box.value.trim()) this.#sendTyped();
    }
    await this.#stopCapture();
    this.pending = null;
    // The code as it stands goes into the log before the action that ends the answer.
    if (action !== "skip") this.code.flush();
    this.#act(action);
    if (action === "finish") this.audio.stop();
  }

  #pause() {
    this.#act("pause");
  }

  #finishClicked() {
    const button = $("btn-finish");
    const label = /** @type {HTMLElement} */ (button.querySelector("span"));
    if (!this.finishArmed) {
      this.finishArmed = true;
      label.textContent = "Click again to end";
      this.finishArmTimer = setTimeout(() => {
        this.finishArmed = false;
        label.textContent = "End interview";
      }, 4000);
      return;
    }
    if (this.finishArmTimer !== null) clearTimeout(this.finishArmTimer);
    this.finishArmed = false;
    label.textContent = "End interview";
    if (this.phase === "answering" || this.pending === "answer_start") {
      this.#endAnswer("finish");
    } else {
      this.#act("finish");
      this.audio.stop();
    }
  }

  // ----- answers ---------------------------------------------------------------------------

  /**
   * @param {string | null} qid
   * @param {number} ts
   * @param {boolean} live
   */
  #newAnswer(qid, ts, live) {
    this.answer = { qid, startedAt: ts, pausedAt: null, pausedTotal: 0, endedAt: null, local: false };
    this.segments.clear();
    this.speechSegs.clear();
    if (!live && this.nextSeg === 0) {
      // An answer begun by an earlier page: its segments are unknown, so number above them.
      this.nextSeg = Math.floor(Date.now() / 1000);
    }
    this.#renderTranscript();
  }

  #sendTyped() {
    const box = /** @type {HTMLTextAreaElement} */ ($("typed-answer"));
    const text = box.value.trim();
    if (!text || !this.#canType()) return;
    if (this.phase === "asking" && this.pending !== "answer_start") this.#startAnswer();
    for (let at = 0; at < text.length; at += MAX_TEXT) {
      const seg = this.nextSeg++;
      const piece = text.slice(at, at + MAX_TEXT);
      this.socket.send("transcript", { seg, text: piece, final: true, src: "typed" });
      this.segments.set(seg, { text: piece, final: true, src: "typed" });
    }
    box.value = "";
    this.#renderTranscript();
    box.focus();
  }

  /**
   * @param {number} session
   * @param {number} index
   * @param {string} text
   * @param {boolean} final
   * @param {number | undefined} conf
   */
  #onSpeech(session, index, text, final, conf) {
    if (session !== this.speechSession) {
      this.speechSession = session;
      this.speechSegs.clear();
    }
    let seg = this.speechSegs.get(index);
    if (seg === undefined) {
      if (!text.trim()) return;
      seg = this.nextSeg++;
      this.speechSegs.set(index, seg);
    }
    const known = this.segments.get(seg);
    if (known?.final) return;
    const clipped = text.trim().slice(0, MAX_TEXT);
    if (known && known.text === clipped && !final) return;
    /** @type {Record<string, unknown>} */
    const d = { seg, text: clipped, final, src: "speech" };
    if (final && conf !== undefined && conf > 0 && conf <= 1) d.conf = conf;
    this.socket.send("transcript", d);
    this.segments.set(seg, { text: clipped, final, src: "speech" });
    this.#renderTranscript();
  }

  /** Interim speech that never became final is sent as final when the answer ends. */
  #finalizeInterim() {
    for (const [seg, segment] of this.segments) {
      if (!segment.final && segment.src === "speech") {
        segment.final = true;
        if (segment.text) this.socket.send("transcript", { seg, text: segment.text, final: true, src: "speech" });
      }
    }
    this.speechSegs.clear();
    this.#renderTranscript();
  }

  // ----- capture (speech and audio) --------------------------------------------------------

  #wantCapture() {
    if (this.stopped || this.finished || this.finishing) return false;
    if (this.pending === "answer_start") return true;
    if (this.pending !== null && this.pending !== "resume") return false;
    return this.phase === "answering" && (!this.paused || this.pending === "resume");
  }

  /** Follow the phase a moment after the log settles (not on every replayed event). */
  #scheduleCapture(delay = 150) {
    if (this.captureTimer !== null) clearTimeout(this.captureTimer);
    this.captureTimer = setTimeout(() => {
      this.captureTimer = null;
      if (this.#wantCapture()) this.#startCapture();
      else if (this.capturing) this.#stopCapture();
    }, delay);
  }

  #startCapture() {
    this.capturing = true;
    if (!this.faceSending) this.face.discard();
    this.faceSending = true;
    if (this.useSpeech && this.speech.usable) this.speech.start();
    this.audio.record();
  }

  async #stopCapture() {
    const wasCapturing = this.capturing;
    this.capturing = false;
    this.audio.pause();
    await this.speech.stop();
    if (wasCapturing || this.segments.size > 0) this.#finalizeInterim();
  }

  /**
   * @param {Blob} blob
   * @param {string} mime
   */
  #queueAudio(blob, mime) {
    this.audioQueue = this.audioQueue
      .then(async () => {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        for (let at = 0; at < bytes.length; at += MAX_AUDIO_BYTES) {
          const data = bytes.slice(at, at + MAX_AUDIO_BYTES);
          this.socket.send("audio", { chunk: this.audioChunk, mime, data });
          this.audioChunk += 1;
        }
      })
      .catch((error) => console.error("audio chunk not sent:", error));
  }

  // ----- camera and devices ----------------------------------------------------------------

  /**
   * Once, on the first welcome: the device check (in the lobby) and the face tracker
   * (unless the interview is over).
   * @param {any} interview
   */
  #startMedia(interview) {
    if (this.mediaStarted) return;
    this.mediaStarted = true;
    if (interview.phase === "finished") {
      this.#faceStatus("Face: the interview is over; the camera is not used.", "stopped");
      return;
    }
    if (interview.phase === "lobby" && interview.status === "created") this.devices.start(this.speech.supported);
    this.face.start();
  }

  /** @param {Record<string, unknown>[]} frames */
  #onFaceBatch(frames) {
    if (!this.faceSending || this.finished || this.finishing || this.stopped || this.paused) return;
    // Face batches are only worth sending live: stale ones are dropped, not queued.
    if (this.socket.state !== ConnectionState.LIVE) return;
    this.socket.send("face", { frames });
  }

  /**
   * @param {string} text
   * @param {string} kind
   */
  #faceStatus(text, kind) {
    const node = $("face-status");
    node.textContent = text;
    node.dataset.kind = kind;
    node.classList.toggle("text-warning", kind === "unavailable" || kind === "absent");
    node.classList.toggle("text-success", kind === "present");
    $("camera-preview").hidden = kind === "unavailable" || kind === "stopped";
  }

  // ----- rendering -------------------------------------------------------------------------

  #serverNow() {
    return Date.now() + this.clockOffset;
  }

  #canType() {
    if (this.stopped || this.finished || this.finishing || this.paused) return false;
    if (this.pending !== null && this.pending !== "answer_start") return false;
    return this.phase === "answering" || this.phase === "asking" || this.pending === "answer_start";
  }

  #render() {
    const phase = this.phase;
    const busy = this.pending !== null || this.finishing || this.stopped !== null;
    const inQuestion = phase === "asking" || phase === "answering";
    const connected = this.stopped === null;

    $("lobby").hidden = this.started || this.finished;
    if (this.started || this.finished) this.devices.stop();
    /** @type {HTMLButtonElement} */ ($("btn-start")).disabled = !connected || busy || phase !== "lobby";
    $("question-card").hidden = !this.started || this.finished;
    $("controls").hidden = !this.started || this.finished;
    $("answer-card").hidden = !this.started || this.finished;
    const answered = this.answer !== null && this.answer.qid === this.qid && this.answer.endedAt !== null;
    this.code.show(this.finished ? null : this.qid, inQuestion && !this.paused && !answered);

    const set = (/** @type {string} */ id, /** @type {boolean} */ enabled) => {
      /** @type {HTMLButtonElement} */ ($(id)).disabled = !enabled;
    };
    set("btn-answer-start", !busy && !this.paused && phase === "asking");
    set("btn-answer-end", !busy && !this.paused && phase === "answering");
    set("btn-skip", !busy && !this.paused && inQuestion);
    set("btn-pause", !busy && !this.paused && inQuestion);
    set("btn-resume", !busy && this.paused && phase !== "finished");
    set("btn-finish", connected && !this.finishing && this.started && phase !== "finished");
    $("btn-pause").hidden = this.paused;
    $("btn-resume").hidden = !this.paused;
    // One main button: Start answering, or Finish answer while an answer is open.
    const answering = phase === "answering" || this.pending === "answer_start";
    $("btn-answer-start").hidden = answering;
    $("btn-answer-end").hidden = !answering;

    const canType = this.#canType();
    /** @type {HTMLTextAreaElement} */ ($("typed-answer")).disabled = !canType;
    /** @type {HTMLButtonElement} */ ($("btn-typed-send")).disabled = !canType;

    // The phase badge.
    const badge = $("phase-badge");
    let label = PHASE_LABELS[/** @type {keyof PHASE_LABELS} */ (phase)] ?? phase;
    if (this.paused) label = "Paused";
    else if (this.pending === "start" || (phase === "lobby" && this.started)) label = "Preparing questions…";
    else if (this.finishing && !this.finished) label = "Finishing…";
    else if (phase === "reviewing") label = "Analysing your answer…";
    badge.textContent = label;
    badge.dataset.phase = this.paused ? "paused" : phase;
    $("paused-badge").hidden = !this.paused;
    $("question-counter").hidden = this.finished;
    $("answer-timer").hidden = this.finished || !this.started;

    this.#renderQuestion();
    this.#renderTimer();
  }

  #renderQuestion() {
    const qid = this.qid;
    const textEl = $("question-text");
    const counter = $("question-counter");
    const followUp = $("follow-up-badge");
    const label = $("question-label");
    if (!qid) {
      textEl.textContent = this.started && !this.finished ? "The interviewer is preparing the first question…" : "";
      textEl.classList.toggle("waiting", this.started);
      counter.textContent = this.finished ? "Finished" : "Not started";
      followUp.hidden = true;
      return;
    }
    textEl.classList.remove("waiting");
    const question = this.questions.get(qid);
    if (question) {
      textEl.textContent = question.text;
      textEl.classList.remove("streaming");
      textEl.dataset.qid = qid;
      textEl.dataset.final = "true";
      const total = Math.max(this.total, question.idx);
      counter.textContent = `${question.idx} / ${total}`;
      counter.setAttribute("aria-label", `Question ${question.idx} of ${total}`);
      followUp.hidden = question.kind === "main";
      followUp.textContent = question.kind === "instructor" ? "From your instructor" : "Follow-up";
      label.textContent = `Question ${question.idx} of ${total}`;
    } else {
      textEl.textContent = this.deltas.get(qid) ?? "";
      textEl.classList.add("streaming");
      textEl.dataset.qid = qid;
      textEl.dataset.final = "false";
      label.textContent = "The interviewer is asking…";
      followUp.hidden = true;
    }
    if (this.finished) counter.textContent = "Finished";
  }

  #renderTimer() {
    const answer = this.answer;
    const timer = $("answer-timer");
    let elapsed = 0;
    if (answer) {
      const end = answer.endedAt ?? answer.pausedAt ?? this.#serverNow();
      elapsed = end - answer.startedAt - answer.pausedTotal;
    }
    $("answer-timer-value").textContent = clock(elapsed);
    const running = answer !== null && answer.endedAt === null && answer.pausedAt === null;
    timer.classList.toggle("running", running);
  }

  #renderTranscript() {
    const box = $("transcript");
    box.replaceChildren();
    const segs = [...this.segments.entries()].sort((a, b) => a[0] - b[0]);
    if (segs.length === 0) {
      box.append(el("span", "transcript-empty text-body-secondary", "Your answer appears here as you speak or type."));
      return;
    }
    for (const [seg, segment] of segs) {
      const span = el("span", `seg ${segment.final ? "seg-final" : "seg-interim"} seg-${segment.src}`, segment.text);
      span.dataset.seg = String(seg);
      if (!segment.final) span.title = "Still being recognised";
      box.append(span, " ");
    }
    box.scrollTop = box.scrollHeight;
  }

  #renderConnection() {
    const badge = $("connection");
    const state = this.socket.state;
    const unsent = this.socket.unsent;
    let key = state;
    let text = "Connecting…";
    let cls = "text-bg-secondary";
    let icon = "fa-circle-notch fa-spin";
    if (this.stopped) {
      key = "stopped";
      text = "Disconnected";
      cls = "text-bg-danger";
      icon = "fa-plug-circle-xmark";
    } else if (state === ConnectionState.LIVE) {
      text = "Live";
      cls = "text-bg-success";
      icon = "fa-circle";
    } else if (state === ConnectionState.RECONNECTING && !navigator.onLine) {
      key = "offline";
      text = "Offline";
      cls = "text-bg-danger";
      icon = "fa-wifi";
    } else if (state === ConnectionState.RECONNECTING) {
      text = "Reconnecting…";
      cls = "text-bg-warning";
      icon = "fa-rotate fa-spin";
    } else if (state === ConnectionState.OFFLINE) {
      key = "offline";
      text = "Offline";
      cls = "text-bg-danger";
      icon = "fa-wifi";
    }
    if (unsent > 0 && state !== ConnectionState.LIVE) text += ` · ${unsent} unsent`;
    badge.className = `badge rounded-pill fs-6 fw-normal ${cls}`;
    badge.dataset.state = key;
    badge.dataset.unsent = String(unsent);
    badge.replaceChildren(el("i", `fa-solid ${icon} me-1`), text);
    badge.firstElementChild?.setAttribute("aria-hidden", "true");
    badge.title = state === ConnectionState.LIVE ? "Connected: everything you do is saved" : "Not connected: what you do is kept and sent when the connection is back";
  }

  /**
   * @param {string} level good | info | warn
   * @param {string} message
   * @param {string} [kind]
   */
  #showFeedback(level, message, kind) {
    const stack = $("feedback");
    stack.querySelector(".feedback-empty")?.remove();
    const icons = { good: "fa-circle-check", info: "fa-circle-info", warn: "fa-triangle-exclamation" };
    const item = el("div", `feedback-item feedback-${level} small`);
    item.dataset.level = level;
    if (kind) item.dataset.kind = kind;
    const icon = el("i", `fa-solid ${icons[/** @type {keyof icons} */ (level)] ?? icons.info} me-2`);
    icon.setAttribute("aria-hidden", "true");
    const text = el("span", "", message);
    item.append(icon, text);
    stack.prepend(item);
    const items = stack.querySelectorAll(".feedback-item");
    for (let i = FEEDBACK_SHOWN; i < items.length; i += 1) items[i].remove();
    setTimeout(() => {
      item.classList.add("fading");
      setTimeout(() => item.remove(), 600);
    }, FEEDBACK_TTL_MS);
  }

  /** @param {any} d */
  #showAnalysis(d) {
    const question = this.questions.get(d.qid);
    $("analysis-card").hidden = false;
    const score = $("analysis-score");
    score.textContent = `${formatScore(d.score)} / 10`;
    score.className = `badge fs-6 ${scoreClass(d.score)}`;
    $("analysis-question").textContent = question
      ? `${question.kind === "follow_up" ? "Follow-up to question" : "Question"} ${question.idx}: ${question.text}`
      : "";
    $("analysis-summary").textContent = d.summary;
    /**
     * @param {string} id
     * @param {string[]} items
     * @param {string} icon
     * @param {string} none
     */
    const fill = (id, items, icon, none) => {
      const list = $(id);
      list.replaceChildren();
      if (items.length === 0) list.append(el("li", "text-body-secondary", none));
      for (const item of items) {
        const li = el("li");
        const i = el("i", `fa-solid ${icon} me-1`);
        i.setAttribute("aria-hidden", "true");
        li.append(i, item);
        list.append(li);
      }
    };
    fill("analysis-strengths", d.strengths, "fa-check text-success", "None noted.");
    fill("analysis-improvements", d.improvements, "fa-arrow-trend-up text-warning", "Nothing to add.");
    const rubric = $("analysis-rubric");
    rubric.replaceChildren();
    for (const [name, value] of Object.entries(d.rubric ?? {})) {
      const row = el("div", "rubric-row");
      const bar = el("div", "progress");
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", name);
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "10");
      bar.setAttribute("aria-valuenow", String(value));
      const fillBar = el("div", "progress-bar bg-info");
      fillBar.style.width = `${Math.max(0, Math.min(10, Number(value))) * 10}%`;
      bar.append(fillBar);
      row.append(el("span", "rubric-name", name.replaceAll("_", " ")), bar, el("span", "rubric-value", formatScore(Number(value))));
      rubric.append(row);
    }
  }

  /** @param {any} d */
  #showReport(d) {
    this.finished = true;
    $("report-card").hidden = false;
    showRequirements($("report-requirements-section"), $("report-requirements"), d.metrics);
    $("report-score").textContent = formatScore(d.score);
    $("report-summary").textContent = d.summary;
    const list = $("report-questions");
    list.replaceChildren();
    for (const row of d.per_question ?? []) {
      const question = this.questions.get(row.qid);
      const li = el("li", "list-group-item d-flex justify-content-between align-items-start gap-2");
      const body = el("div", "me-auto", question ? question.text : "A question");
      if (question?.kind === "follow_up") body.prepend(el("span", "badge text-bg-warning me-1", "Follow-up"));
      if (question) body.prepend(el("span", "text-body-secondary me-1", `Q${question.idx}`));
      const badge = el("span", `badge ${scoreClass(row.score)}`, formatScore(row.score));
      li.append(body, badge);
      list.append(li);
    }
    this.speech.stop();
    this.audio.stop();
    this.face.stop();
    this.devices.stop();
  }

  /**
   * Screen readers hear each new question once, complete (not its streamed pieces).
   * @param {{idx: number, kind: string, text: string}} d
   */
  #announce({ idx, kind, text }) {
    const prefix = kind === "follow_up" ? `Follow-up to question ${idx}` : `Question ${idx} of ${Math.max(this.total, idx)}`;
    $("question-announce").textContent = `${prefix}: ${text}`;
  }

  /** @param {{user: string, name: string}[]} observers */
  #showPresence(observers) {
    const badge = $("presence");
    badge.hidden = observers.length === 0;
    badge.replaceChildren();
    if (observers.length > 0) {
      const icon = el("i", "fa-solid fa-eye me-1");
      icon.setAttribute("aria-hidden", "true");
      const names = observers.map((o) => o.name || o.user).join(", ");
      badge.append(icon, observers.length === 1 ? `${names} is watching` : `${observers.length} watching`);
      badge.title = names;
    }
  }

  /**
   * @param {string} status
   * @param {string} kind
   */
  #speechStatus(status, kind) {
    const node = $("speech-status");
    node.textContent = status;
    node.dataset.kind = kind;
    node.classList.toggle("text-warning", kind === "error" || kind === "unsupported");
    if (kind === "error") {
      /** @type {HTMLInputElement} */ ($("speech-toggle")).checked = false;
      $("speech-toggle-wrap").hidden = true;
      this.#finalizeInterim();
      if (this.phase === "answering") /** @type {HTMLTextAreaElement} */ ($("typed-answer")).focus();
    }
  }

  /**
   * @param {string} status
   * @param {string} kind
   */
  #micStatus(status, kind) {
    const node = $("mic-status");
    node.textContent = status;
    node.dataset.kind = kind;
    node.classList.toggle("text-warning", kind === "error");
    node.classList.toggle("text-danger", kind === "recording");
  }

  /**
   * @param {string} message
   * @param {"warning" | "danger"} [level]
   */
  #alert(message, level = "warning") {
    const box = $("room-alert");
    box.className = `alert alert-${level} py-2 mb-0 small`;
    box.textContent = message;
    box.hidden = false;
  }

  #hideAlert() {
    if (!this.stopped) $("room-alert").hidden = true;
  }
}

const root = document.getElementById("room");
if (root) {
  const room = new Room(root);
  room.start();
}
