/**
 * The report page of one interview: draws the charts from the page's `report-data` block
 * (the same document as `GET /api/interviews/<id>/report`). Every point and bar links to
 * that moment of the replay (`/interviews/<id>/replay?at=<server time in ms>`).
 *
 * @module report
 */

import { COLORS, bandPlugin, duration, linkedChart, loadChartJs, num, pageData, percent } from "./charts.js";

/** @param {number} seconds seconds since the first question */
function clockLabel(seconds) {
  return duration(seconds);
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {string} text
 */
function markEmpty(canvas, text) {
  canvas.dataset.empty = "true";
  const note = document.createElement("p");
  note.className = "small text-body-secondary mt-1 mb-0";
  note.textContent = text;
  canvas.parentElement?.after(note);
}

/** @param {any} Chart @param {any} report */
function drawScores(Chart, report) {
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("chart-scores"));
  const questions = report.questions;
  linkedChart(Chart, canvas, {
    type: "bar",
    data: {
      labels: questions.map((/** @type {any} */ q) => q.label),
      datasets: [{ label: "Score", data: questions.map((/** @type {any} */ q) => q.score), backgroundColor: COLORS.score }],
    },
    options: {
      scales: { y: { min: 0, max: 10 } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { afterLabel: (/** @type {any} */ item) => questions[item.dataIndex].text.slice(0, 80) } },
      },
    },
  }, questions.map((/** @type {any} */ q) => q.replay_url));
}

/** @param {any} Chart @param {any} report */
function drawPace(Chart, report) {
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("chart-pace"));
  const origin = report.origin_ts ?? 0;
  /** @type {Array<{x: number, y: number|null}>} */
  const points = [];
  /** @type {Array<string|null>} */
  const links = [];
  /** @type {string[]} */
  const labels = [];
  let previous = null;
  for (const point of report.pace) {
    const x = (point.ts - origin) / 1000;
    if (previous !== null && previous.qid !== point.qid) {
      // A gap between answers, so their lines are not joined.
      points.push({ x: (x + (previous.ts - origin) / 1000) / 2, y: null });
      links.push(null);
      labels.push("");
    }
    points.push({ x, y: point.wpm });
    links.push(point.replay_url);
    labels.push(point.label);
    previous = point;
  }
  const band = report.pace_band;
  linkedChart(Chart, canvas, {
    type: "line",
    data: {
      datasets: [{
        label: "Pace (wpm)", data: points, borderColor: COLORS.pace, backgroundColor: COLORS.pace,
        pointRadius: 4, pointHoverRadius: 6, borderWidth: 2, tension: 0.2, spanGaps: false,
      }],
    },
    options: {
      parsing: false,
      interaction: { mode: "nearest", intersect: true },
      scales: {
        x: {
          type: "linear", title: { display: true, text: "since the first question (m:ss)" },
          ticks: { maxTicksLimit: 8, callback: (/** @type {number} */ v) => clockLabel(v) },
        },
        y: { suggestedMin: 60, suggestedMax: 200, title: { display: true, text: "wpm" } },
      },
      plugins: {
        legend: { display: false },
        band: { min: band.min, max: band.max },
        tooltip: {
          callbacks: {
            title: (/** @type {any[]} */ items) => (items.length ? `${labels[items[0].dataIndex]} · ${clockLabel(items[0].parsed.x)}` : ""),
            label: (/** @type {any} */ item) => `${num(item.parsed.y, 0)} wpm`,
          },
        },
      },
    },
    plugins: [bandPlugin],
  }, links);
  canvas.dataset.band = `${band.min}-${band.max}`;
  if (!report.pace.length) markEmpty(canvas, "No spoken answer long enough to measure the pace.");
}

/**
 * A bar per measured answer.
 * @param {any} Chart @param {any} report @param {string} id @param {string} color
 * @param {(d: any) => number|null} value @param {(v: number) => string} format
 */
function drawPerAnswer(Chart, report, id, color, value, format) {
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById(id));
  const measured = report.questions.filter((/** @type {any} */ q) => q.delivery);
  linkedChart(Chart, canvas, {
    type: "bar",
    data: {
      labels: measured.map((/** @type {any} */ q) => q.label),
      datasets: [{ data: measured.map((/** @type {any} */ q) => value(q.delivery)), backgroundColor: color }],
    },
    options: {
      scales: { y: { beginAtZero: true } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (/** @type {any} */ item) => format(item.parsed.y) } } },
    },
  }, measured.map((/** @type {any} */ q) => q.replay_url));
  if (!measured.length) markEmpty(canvas, "No answer measured yet.");
}

/** @param {any} Chart @param {any} report */
function drawPauses(Chart, report) {
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("chart-pauses"));
  const origin = report.origin_ts ?? 0;
  const pauses = report.pauses;
  linkedChart(Chart, canvas, {
    type: "scatter",
    data: {
      datasets: [{
        data: pauses.map((/** @type {any} */ p) => ({ x: (p.ts - origin) / 1000, y: p.seconds })),
        backgroundColor: COLORS.pauses, pointRadius: 5, pointHoverRadius: 7,
      }],
    },
    options: {
      parsing: false,
      scales: {
        x: { type: "linear", ticks: { maxTicksLimit: 5, callback: (/** @type {number} */ v) => clockLabel(v) } },
        y: { beginAtZero: true },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (/** @type {any} */ item) => `${pauses[item.dataIndex].label}: ${num(item.parsed.y)} s pause` } },
      },
    },
  }, pauses.map((/** @type {any} */ p) => p.replay_url));
  if (!pauses.length) markEmpty(canvas, "No pause over 4 s.");
}

async function main() {
  const root = /** @type {HTMLElement} */ (document.getElementById("report"));
  const report = pageData("report-data");
  if (!report || !report.questions.length) {
    root.dataset.state = "empty";
    return;
  }
  let Chart;
  try {
    Chart = await loadChartJs();
  } catch (error) {
    const status = /** @type {HTMLElement} */ (document.getElementById("chart-status"));
    status.hidden = false;
    status.textContent = `The charts could not be loaded (${/** @type {Error} */ (error).message}); the tables below have every number.`;
    root.dataset.state = "error";
    return;
  }
  drawScores(Chart, report);
  drawPace(Chart, report);
  drawPerAnswer(Chart, report, "chart-fillers", COLORS.fillers, (d) => d.fillers_per_100, (v) => `${num(v)} per 100 words`);
  drawPerAnswer(Chart, report, "chart-eye", COLORS.eye,
    (d) => (d.eye_contact_share === null ? null : Math.round(d.eye_contact_share * 1000) / 10), (v) => percent(v / 100));
  drawPerAnswer(Chart, report, "chart-talk", COLORS.talk, (d) => d.duration_s, (v) => duration(v));
  drawPauses(Chart, report);
  root.dataset.state = "ready";
}

main();
