/**
 * One rendering of an interview's events, shared by the live observer view (`observe.js`)
 * and the replay (`replay.js`).
 *
 * An `InterviewView` holds what the events so far say (questions, phase, answers with their
 * transcript segments, face metrics) and draws it into the page's panels, found by id:
 * `question-text`, `question-kind`, `question-counter`, `phase-badge`, `paused-badge`,
 * `transcript`, `stream` (feedback and notes), `analyses`, `report-*`, the delivery metrics
 * and the `face-chart`. `apply()` takes one logged event; `render()` redraws the header and
 * metrics; `reset()` forgets everything and puts the panels back as the page served them;
 * `snapshot()` and `restore()` save and bring back everything at one point, so a replay can
 * seek backwards without rebuilding from the first event.
 *
 * @module interview_view
 */

import { showRequirements } from "./requirements_view.js";

const LANGUAGE_NAMES = { python: "Python", javascript: "JavaScript" };

const CHART_WINDOW_MS = 5 * 60_000;
const CHART_REFRESH_MS = 500;
const STREAM_MAX = 200;
/** Below this much talk time a words-per-minute figure means nothing. */
const MIN_PACE_MS = 5_000;

const PHASE_LABELS = {
  lobby: "Lobby",
  asking: "Asking",
  answering: "Answering",
  reviewing: "Reviewing",
  finished: "Finished",
};

const FEEDBACK_ICONS = {
  good: "fa-solid fa-circle-check",
  info: "fa-solid fa-circle-info",
  warn: "fa-solid fa-triangle-exclamation",
};

/** @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} className */
export function icon(className) {
  const node = el("i", className);
  node.setAttribute("aria-hidden", "true");
  return node;
}

/** @param {number} ms */
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** @param {number} ms epoch */
export function timeOfDay(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** @param {number} score */
export function scoreClass(score) {
  if (score >= 7) return "text-bg-success";
  if (score >= 4) return "text-bg-warning";
  return "text-bg-danger";
}

/** @param {number} value */
export function formatScore(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** @param {string} text */
export function countWords(text) {
  const words = text.trim().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
  return words ? words.length : 0;
}

/**
 * Words per minute, or null when there is too little talk time to say.
 * @param {number} words
 * @param {number} ms
 */
export function wordsPerMinute(words, ms) {
  if (ms < MIN_PACE_MS) return null;
  return Math.round(words / (ms / 60_000));
}

/**
 * @typedef {object} QuestionInfo
 * @property {number} idx
 * @property {string} kind `main`, `follow_up` or `instructor`
 * @property {string} text
 * @property {string} [name] for an instructor's question: who asked it
 */

/**
 * How a question is named in analyses, reports and transcripts.
 * @param {QuestionInfo} question
 */
export function questionTitle(question) {
  if (question.kind === "instructor") return `Instructor's question${question.name ? ` (${question.name})` : ""}`;
  if (question.kind === "follow_up") return `Follow-up to question ${question.idx}`;
  return `Question ${question.idx}`;
}

/** @param {QuestionInfo} question */
function answerTitle(question) {
  if (question.kind === "instructor") return "Answer to the instructor's question";
  if (question.kind === "follow_up") return `Answer to the follow-up to question ${question.idx}`;
  return `Answer to question ${question.idx}`;
}

/**
 * @typedef {object} Answer
 * @property {string | null} qid
 * @property {Map<number, {text: string, final: boolean, src: string}>} segments
 * @property {number} startedAt server time, ms
 * @property {number | null} endedAt
 * @property {number} pausedTotal
 * @property {number | null} pausedAt
 * @property {HTMLElement} node
 */

/** Panels whose served content is put back by `reset()`. */
const RESETTABLE = ["question-text", "transcript", "stream", "analyses", "report-questions", "face-summary"];
/** Panels whose content a snapshot keeps (the rest is drawn from the state by `render()`). */
const SNAPSHOT_PANELS = ["transcript", "stream", "analyses", "report-questions", "face-summary"];

/**
 * @typedef {object} ViewSnapshot What `InterviewView.snapshot()` saves.
 * @property {Map<string, QuestionInfo>} questions
 * @property {Map<string, string>} deltas
 * @property {string | null} qid
 * @property {string} phase
 * @property {boolean} paused
 * @property {(Omit<Answer, "node"> & {node: null})[]} answers
 * @property {{x: number, y: number}[]} eyePoints
 * @property {{x: number, y: number}[]} yawPoints
 * @property {number} waitingAsks
 * @property {string[]} panels
 * @property {{hidden: boolean, score: string | null, summary: string | null}} report
 */

export class InterviewView {
  /**
   * @param {object} options
   * @param {number} [options.total] questions in the interview
   * @param {() => number} options.now the current server time, ms (the replay clock in a replay)
   */
  constructor({ total = 0, now }) {
    this.total = total;
    this.now = now;
    /** @type {Map<string, string>} */
    this.served = new Map();
    for (const id of RESETTABLE) {
      const node = document.getElementById(id);
      if (node) this.served.set(id, node.innerHTML);
    }
    this.chartDirty = false;
    /** @type {any} */
    this.chart = null;
    this.#clear();
  }

  #clear() {
    /** @type {Map<string, QuestionInfo>} */
    this.questions = new Map();
    /** Stream items of instructors' questions not asked yet, oldest first. @type {HTMLElement[]} */
    this.waitingAsks = [];
    /** @type {Map<string, string>} */
    this.deltas = new Map();
    /** @type {string | null} */
    this.qid = null;
    this.phase = "lobby";
    this.paused = false;
    /** @type {Answer[]} */
    this.answers = [];
    /** @type {{x: number, y: number}[]} */
    this.eyePoints = [];
    /** @type {{x: number, y: number}[]} */
    this.yawPoints = [];
    this.chartDirty = true;
  }

  /** Forgets every event and puts the panels back as served. */
  reset() {
    this.#clear();
    for (const [id, html] of this.served) $(id).innerHTML = html;
    const textNode = $("question-text");
    textNode.dataset.final = "false";
    textNode.classList.remove("streaming");
    $("question-kind").hidden = true;
    $("report-card").hidden = true;
    $("code-card").hidden = true;
    $("code-view").textContent = "";
    $("question-counter").textContent = "Not started";
    this.render();
  }

  /**
   * Everything the events so far produced: the state and the panels' content.
   * @returns {ViewSnapshot}
   */
  snapshot() {
    this.#trimChart();
    return {
      questions: new Map(this.questions),
      deltas: new Map(this.deltas),
      qid: this.qid,
      phase: this.phase,
      paused: this.paused,
      answers: this.answers.map((a) => ({ ...a, segments: new Map(a.segments), node: null })),
      eyePoints: this.eyePoints.slice(),
      yawPoints: this.yawPoints.slice(),
      waitingAsks: this.waitingAsks.length,
      panels: SNAPSHOT_PANELS.map((id) => $(id).innerHTML),
      report: { hidden: $("report-card").hidden, score: $("report-score").textContent, summary: $("report-summary").textContent },
    };
  }

  /**
   * Back to what `snapshot()` saved (a snapshot can be restored any number of times).
   * @param {ViewSnapshot} saved
   */
  restore(saved) {
    this.reset();
    this.questions = new Map(saved.questions);
    this.deltas = new Map(saved.deltas);
    this.qid = saved.qid;
    this.phase = saved.phase;
    this.paused = saved.paused;
    SNAPSHOT_PANELS.forEach((id, i) => ($(id).innerHTML = saved.panels[i]));
    const blocks = $("transcript").querySelectorAll(".answer-block");
    this.answers = saved.answers.map((a, i) => ({ ...a, segments: new Map(a.segments), node: /** @type {HTMLElement} */ (blocks[i] ?? el("div")) }));
    this.eyePoints = saved.eyePoints.slice();
    this.yawPoints = saved.yawPoints.slice();
    // Oldest first (the stream shows the newest first); the oldest may have dropped off the
    // stream's end: detached stand-ins keep their places.
    const waiting = /** @type {HTMLElement[]} */ ([...$("stream").querySelectorAll('[data-testid="ask"][data-state="waiting"]')].reverse());
    const dropped = Array.from({ length: Math.max(0, saved.waitingAsks - waiting.length) }, () => el("div"));
    this.waitingAsks = [...dropped, ...waiting];
    $("report-card").hidden = saved.report.hidden;
    $("report-score").textContent = saved.report.score;
    $("report-summary").textContent = saved.report.summary;
    this.chartDirty = true;
    this.render();
  }

  /**
   * Applies one event of the interview; call `render()` afterwards (once for a batch).
   * Types that have nothing to show (audio, state, presence, ...) are ignored.
   * @param {string} t
   * @param {number} at server time of the event, ms
   * @param {any} d
   */
  apply(t, at, d) {
    switch (t) {
      case "question.delta":
        if (!this.questions.has(d.qid)) {
          this.deltas.set(d.qid, (this.deltas.get(d.qid) ?? "") + d.text);
          this.qid = d.qid;
        }
        break;
      case "question":
        if (d.kind === "instructor" && !this.questions.has(d.qid)) this.#askedNow(at);
        this.questions.set(d.qid, { idx: d.idx, kind: d.kind, text: d.text, name: d.name });
        this.deltas.delete(d.qid);
        this.qid = d.qid;
        break;
      case "ask":
        this.#addAsk(d, at);
        break;
      case "phase":
        this.#onPhase(d, at);
        break;
      case "transcript":
        this.#onTranscript(d, at);
        break;
      case "face":
        this.#onFace(d, at);
        break;
      case "feedback":
        this.#addFeedback(d, at);
        break;
      case "note":
        this.#addNote(d, at);
        break;
      case "analysis":
        this.#addAnalysis(d);
        break;
      case "report":
        this.#showReport(d);
        break;
      case "code":
        this.#showCode(d, at);
        break;
      default:
        break;
    }
  }

  /**
   * @param {{phase: string, qid?: string, paused?: boolean}} d
   * @param {number} ts
   */
  #onPhase(d, ts) {
    const paused = d.paused === true;
    this.phase = d.phase;
    if (d.qid) this.qid = d.qid;
    const current = this.currentAnswer();
    if (d.phase === "answering") {
      let answer = current;
      if (!answer || answer.endedAt !== null || answer.qid !== (d.qid ?? answer.qid)) {
        answer = this.#newAnswer(d.qid ?? this.qid, ts);
      }
      if (paused && answer.pausedAt === null) answer.pausedAt = ts;
      if (!paused && answer.pausedAt !== null) {
        answer.pausedTotal += ts - answer.pausedAt;
        answer.pausedAt = null;
      }
    } else if (current && current.endedAt === null && !paused) {
      current.endedAt = ts;
      if (current.pausedAt !== null) {
        current.pausedTotal += ts - current.pausedAt;
        current.pausedAt = null;
      }
    }
    this.paused = paused;
  }

  /** @returns {Answer | null} */
  currentAnswer() {
    return this.answers.length ? this.answers[this.answers.length - 1] : null;
  }

  /**
   * @param {string | null} qid
   * @param {number} ts
   * @returns {Answer}
   */
  #newAnswer(qid, ts) {
    const node = el("div", "answer-block");
    node.dataset.qid = qid ?? "";
    const question = qid ? this.questions.get(qid) : undefined;
    const label = el("div", "answer-label", question ? answerTitle(question) : "Answer");
    if (question) label.dataset.kind = question.kind;
    const text = el("div", "answer-text");
    node.append(label, text);
    const box = $("transcript");
    box.querySelector(".transcript-empty")?.remove();
    box.append(node);
    /** @type {Answer} */
    const answer = { qid, segments: new Map(), startedAt: ts, endedAt: null, pausedTotal: 0, pausedAt: null, node };
    this.answers.push(answer);
    return answer;
  }

  /**
   * @param {{seg: number, text: string, final: boolean, src: string}} d
   * @param {number} ts
   */
  #onTranscript(d, ts) {
    let answer = this.currentAnswer();
    if (!answer) answer = this.#newAnswer(this.qid, ts);
    const known = answer.segments.get(d.seg);
    if (known?.final) return; // a final segment is frozen
    answer.segments.set(d.seg, { text: d.text, final: d.final, src: d.src });
    this.#renderAnswer(answer);
  }

  /** @param {Answer} answer */
  #renderAnswer(answer) {
    const text = /** @type {HTMLElement} */ (answer.node.querySelector(".answer-text"));
    const spans = [...answer.segments.entries()]
      .sort(([a], [b]) => a - b)
      .map(([seg, s]) => {
        const span = el("span", `seg ${s.final ? "seg-final" : "seg-interim"} seg-${s.src}`, s.text);
        span.dataset.seg = String(seg);
        return span;
      });
    text.replaceChildren(...spans.flatMap((span, i) => (i ? [" ", span] : [span])));
    const box = $("transcript");
    box.scrollTop = box.scrollHeight;
  }

  /**
   * @param {{frames: any[]}} d
   * @param {number} ts
   */
  #onFace(d, ts) {
    for (const frame of d.frames ?? []) {
      // Frames carry the candidate's clock in ms since the epoch; fall back on the event time.
      const x = Number.isFinite(frame.t) && frame.t > 1e12 ? frame.t : ts;
      if (!frame.present) continue;
      if (Number.isFinite(frame.eye_contact)) this.eyePoints.push({ x, y: frame.eye_contact });
      if (Number.isFinite(frame.yaw)) this.yawPoints.push({ x, y: frame.yaw });
    }
    this.chartDirty = true;
  }

  // ----- the stream: feedback and notes ----------------------------------------------------

  /**
   * @param {HTMLElement} item
   */
  #pushStream(item) {
    const stream = $("stream");
    stream.querySelector(".feedback-empty")?.remove();
    stream.prepend(item);
    while (stream.children.length > STREAM_MAX) stream.lastElementChild?.remove();
  }

  /**
   * @param {{kind: string, level: string, message: string}} d
   * @param {number} ts
   */
  #addFeedback(d, ts) {
    const level = d.level in FEEDBACK_ICONS ? d.level : "info";
    const item = el("div", `feedback-item feedback-${level} small`);
    item.dataset.kind = d.kind;
    item.append(icon(`${FEEDBACK_ICONS[/** @type {keyof FEEDBACK_ICONS} */ (level)]} me-1`), d.message);
    item.append(el("div", "stream-meta", `${d.kind.replaceAll("_", " ")} · ${timeOfDay(ts)}`));
    this.#pushStream(item);
  }

  /**
   * @param {{name?: string, from: string, text: string, to: string}} d
   * @param {number} ts
   */
  #addNote(d, ts) {
    const item = el("div", `feedback-item feedback-note note-${d.to} small`);
    item.dataset.testid = "note";
    item.dataset.to = d.to;
    item.append(icon("fa-solid fa-note-sticky me-1"), d.text);
    const audience = d.to === "candidate" ? "to the candidate" : "to observers only";
    item.append(el("div", "stream-meta", `Note from ${d.name || "an instructor"}, ${audience} · ${timeOfDay(ts)}`));
    this.#pushStream(item);
  }

  /**
   * An instructor's question, logged and waiting until the interview flow asks it.
   * @param {{name?: string, from: string, text: string}} d
   * @param {number} ts
   */
  #addAsk(d, ts) {
    const item = el("div", "feedback-item feedback-ask small");
    item.dataset.testid = "ask";
    item.dataset.state = "waiting";
    item.append(icon("fa-solid fa-circle-question me-1"), d.text);
    const meta = el("div", "stream-meta", `Question from ${d.name || "an instructor"} · ${timeOfDay(ts)} · waiting to be asked`);
    item.append(meta);
    this.#pushStream(item);
    this.waitingAsks.push(item);
  }

  /**
   * The oldest waiting instructor's question was just asked (they are asked in order).
   * @param {number} ts
   */
  #askedNow(ts) {
    const item = this.waitingAsks.shift();
    if (!item) return;
    item.dataset.state = "asked";
    const meta = item.querySelector(".stream-meta");
    if (meta) meta.textContent = meta.textContent.replace(/waiting to be asked$/, `asked at ${timeOfDay(ts)}`);
  }

  // ----- analyses and report ---------------------------------------------------------------

  /** @param {{qid: string, score: number, summary: string, strengths: string[], improvements: string[], rubric: Record<string, number>}} d */
  #addAnalysis(d) {
    const box = $("analyses");
    box.querySelector(".analyses-empty")?.remove();
    box.querySelector(`[data-qid="${CSS.escape(d.qid)}"]`)?.remove();
    const item = el("div", "analysis-item small");
    item.dataset.qid = d.qid;
    item.dataset.testid = "analysis";
    const head = el("div", "d-flex align-items-start gap-2 mb-1");
    const question = this.questions.get(d.qid);
    head.append(el("span", "me-auto text-body-secondary", question ? `${questionTitle(question)}: ${question.text}` : "Answer"));
    if (question) item.dataset.kind = question.kind;
    head.append(el("span", `badge ${scoreClass(d.score)}`, `${formatScore(d.score)} / 10`));
    item.append(head, el("p", "mb-1", d.summary || "No answer."));
    const lists = [
      ["text-success", "fa-solid fa-plus", d.strengths ?? []],
      ["text-warning", "fa-solid fa-arrow-up", d.improvements ?? []],
    ];
    for (const [color, glyph, entries] of lists) {
      if (!entries.length) continue;
      const list = el("ul", "list-unstyled mb-1");
      for (const entry of entries) {
        const li = el("li");
        li.append(icon(`${glyph} me-1 ${color}`), entry);
        list.append(li);
      }
      item.append(list);
    }
    const rubric = Object.entries(d.rubric ?? {});
    if (rubric.length) {
      item.append(el("div", "text-body-secondary", rubric.map(([name, value]) => `${name.replaceAll("_", " ")} ${formatScore(value)}`).join(" · ")));
    }
    box.append(item);
  }

  /** @param {{score: number, summary: string, per_question: {qid: string, score: number}[]}} d */
  /**
   * The candidate's latest code pad snapshot.
   * @param {{text: string, lang: string, qid?: string}} d
   * @param {number} at
   */
  #showCode(d, at) {
    const qid = d.qid ?? this.qid;
    const question = qid ? this.questions.get(qid) : undefined;
    $("code-card").hidden = false;
    $("code-view").textContent = d.text;
    const language = LANGUAGE_NAMES[/** @type {keyof typeof LANGUAGE_NAMES} */ (d.lang)] ?? d.lang;
    const about = question ? ` · question ${question.idx}` : "";
    $("code-meta").textContent = `${language}${about} · ${d.text.split("\n").length} lines · ${timeOfDay(at)}`;
  }

  #showReport(d) {
    $("report-card").hidden = false;
    showRequirements($("report-requirements-section"), $("report-requirements"), d.metrics);
    $("report-score").textContent = formatScore(d.score);
    $("report-summary").textContent = d.summary;
    const list = $("report-questions");
    list.replaceChildren();
    for (const entry of d.per_question ?? []) {
      const question = this.questions.get(entry.qid);
      const li = el("li", "list-group-item d-flex gap-2 align-items-start");
      const body = el("span", "me-auto", question ? question.text : entry.qid);
      if (question?.kind === "instructor") {
        li.dataset.kind = "instructor";
        body.prepend(el("span", "badge text-bg-info me-1", "Instructor"));
      }
      li.append(body);
      li.append(el("span", `badge ${scoreClass(entry.score)}`, formatScore(entry.score)));
      list.append(li);
    }
  }

  render() {
    const phase = this.phase;
    const badge = $("phase-badge");
    badge.dataset.phase = this.paused ? "paused" : phase;
    badge.textContent = this.paused ? "Paused" : (PHASE_LABELS[/** @type {keyof PHASE_LABELS} */ (phase)] ?? phase);
    $("paused-badge").hidden = !this.paused;

    const textNode = $("question-text");
    const question = this.qid ? this.questions.get(this.qid) : undefined;
    const streaming = this.qid ? this.deltas.get(this.qid) : undefined;
    if (question) {
      if (textNode.dataset.final !== "true" || textNode.textContent !== question.text) textNode.textContent = question.text;
      textNode.dataset.final = "true";
      textNode.classList.remove("streaming");
      const kind = $("question-kind");
      kind.hidden = question.kind === "main";
      kind.dataset.kind = question.kind;
      kind.textContent = question.kind === "follow_up" ? "Follow-up" : questionTitle(question);
    } else if (streaming !== undefined) {
      textNode.textContent = streaming;
      textNode.dataset.final = "false";
      textNode.classList.add("streaming");
    }
    const counter = $("question-counter");
    counter.hidden = phase === "finished";
    if (question) counter.textContent = question.idx ? `${question.idx} / ${Math.max(this.total, question.idx)}` : "Instructor";
    this.renderMetrics();
  }

  renderMetrics() {
    const now = this.now();
    let talk = 0;
    let words = 0;
    for (const answer of this.answers) {
      talk += this.#answerTime(answer, now);
      for (const s of answer.segments.values()) words += countWords(s.text);
    }
    $("talk-time").textContent = clock(talk);
    $("word-count").textContent = String(words);
    const pace = wordsPerMinute(words, talk);
    $("pace").textContent = pace === null ? "–" : `${pace} wpm`;
    const current = this.currentAnswer();
    let answerPace = null;
    if (current) {
      let answerWords = 0;
      for (const s of current.segments.values()) answerWords += countWords(s.text);
      answerPace = wordsPerMinute(answerWords, this.#answerTime(current, now));
    }
    $("answer-pace").textContent = answerPace === null ? "–" : `${answerPace} wpm`;
  }

  /**
   * @param {Answer} answer
   * @param {number} now
   */
  #answerTime(answer, now) {
    const end = answer.endedAt ?? (answer.pausedAt ?? now);
    return Math.max(0, end - answer.startedAt - answer.pausedTotal);
  }

  async loadChart() {
    try {
      const Chart = await loadChartJs();
      this.chart = this.#makeChart(Chart);
      this.chartDirty = true;
      this.refreshChart();
    } catch (error) {
      $("face-summary").textContent = `The chart could not be loaded (${/** @type {Error} */ (error).message}).`;
    }
  }

  /** @param {any} Chart */
  #makeChart(Chart) {
    const canvas = /** @type {HTMLCanvasElement} */ ($("face-chart"));
    const style = getComputedStyle(document.body);
    const text = style.getPropertyValue("--bs-secondary-color").trim() || "#adb5bd";
    const grid = style.getPropertyValue("--bs-border-color").trim() || "#495057";
    Chart.defaults.color = text;
    Chart.defaults.borderColor = grid;
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "Eye contact (0–1)", data: [], yAxisID: "eye", borderColor: "#0dcaf0", backgroundColor: "rgba(13,202,240,.15)", fill: true, pointRadius: 0, borderWidth: 2, tension: 0.25 },
          { label: "Head yaw (°)", data: [], yAxisID: "yaw", borderColor: "#ffc107", backgroundColor: "#ffc107", pointRadius: 0, borderWidth: 1.5, tension: 0.25 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: {
            type: "linear",
            ticks: {
              maxTicksLimit: 6,
              callback: (/** @type {number} */ value) => timeOfDay(value),
            },
          },
          eye: { type: "linear", position: "left", min: 0, max: 1, title: { display: true, text: "eye contact" } },
          yaw: { type: "linear", position: "right", suggestedMin: -45, suggestedMax: 45, grid: { drawOnChartArea: false }, title: { display: true, text: "yaw °" } },
        },
        plugins: {
          legend: { labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: { title: (/** @type {any[]} */ items) => (items.length ? timeOfDay(items[0].parsed.x) : "") },
          },
        },
      },
    });
  }

  /** Drops chart points older than the chart's window. */
  #trimChart() {
    const latest = Math.max(this.eyePoints.at(-1)?.x ?? 0, this.yawPoints.at(-1)?.x ?? 0);
    const cutoff = latest - CHART_WINDOW_MS;
    const trim = (/** @type {{x: number, y: number}[]} */ points) => {
      const keep = points.findIndex((p) => p.x >= cutoff);
      if (keep > 0) points.splice(0, keep);
      else if (keep < 0) points.length = 0;
    };
    trim(this.eyePoints);
    trim(this.yawPoints);
  }

  refreshChart() {
    if (!this.chartDirty) return;
    this.chartDirty = false;
    this.#trimChart();
    const canvas = $("face-chart");
    canvas.dataset.points = String(this.eyePoints.length + this.yawPoints.length);
    const recent = this.eyePoints.slice(-30);
    if (recent.length) {
      const mean = recent.reduce((sum, p) => sum + p.y, 0) / recent.length;
      const yaw = this.yawPoints.at(-1)?.y;
      $("face-summary").textContent =
        `Eye contact lately: ${Math.round(mean * 100)} %` + (yaw === undefined ? "" : ` · head yaw now ${Math.round(yaw)}°`);
    }
    if (!this.chart) return;
    this.chart.data.datasets[0].data = this.eyePoints.slice();
    this.chart.data.datasets[1].data = this.yawPoints.slice();
    this.chart.update("none");
    canvas.dataset.rendered = String(this.chart.data.datasets[0].data.length + this.chart.data.datasets[1].data.length);
  }
}

/**
 * Chart.js's self-contained build (every chart type registered), loaded once with a script
 * element. Its ES module build imports a helper by bare name, which needs an inline import
 * map, and the pages' Content-Security-Policy allows no inline scripts.
 * @returns {Promise<any>}
 */
function loadChartJs() {
  const loaded = /** @type {any} */ (window).Chart;
  if (loaded) return Promise.resolve(loaded);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/vendor/chartjs/chart.umd.min.js";
    script.onload = () => resolve(/** @type {any} */ (window).Chart);
    script.onerror = () => reject(new Error("Chart.js did not load"));
    document.head.append(script);
  });
}
