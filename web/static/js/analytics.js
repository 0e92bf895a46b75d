/**
 * The dashboards: a candidate's progress, or one block per candidate for an instructor.
 * Each `[data-progress]` block names its JSON data (the progress document of
 * `GET /api/analytics`) and holds five canvases: score, pace, fillers, eye contact and talk
 * time per interview, oldest first. A point opens that interview's report.
 *
 * @module analytics
 */

import { COLORS, bandPlugin, duration, linkedChart, loadChartJs, num, pageData, percent } from "./charts.js";

/** @param {string} iso */
function day(iso) {
  return iso.slice(0, 10);
}

/**
 * A line over the interviews of `trend`.
 * @param {any} Chart @param {HTMLCanvasElement} canvas @param {any[]} trend
 * @param {(row: any) => number|null} value @param {string} color @param {(v: number) => string} format
 * @param {any} [extra] scale and plugin options
 */
function trendChart(Chart, canvas, trend, value, color, format, extra = {}) {
  const config = {
    type: "line",
    data: {
      labels: trend.map((row) => day(row.created_at)),
      datasets: [{
        data: trend.map(value), borderColor: color, backgroundColor: color, pointRadius: 4,
        pointHoverRadius: 6, borderWidth: 2, tension: 0.2, spanGaps: true,
      }],
    },
    options: {
      scales: { y: extra.y || { beginAtZero: true } },
      plugins: {
        legend: { display: false },
        ...(extra.band ? { band: extra.band } : {}),
        tooltip: {
          callbacks: {
            title: (/** @type {any[]} */ items) => (items.length ? `${trend[items[0].dataIndex].role_title} · ${day(trend[items[0].dataIndex].created_at)}` : ""),
            label: (/** @type {any} */ item) => format(item.parsed.y),
          },
        },
      },
    },
    plugins: extra.band ? [bandPlugin] : [],
  };
  linkedChart(Chart, canvas, config, trend.map((row) => row.report_url));
}

/** @param {any} Chart @param {HTMLElement} block */
function drawBlock(Chart, block) {
  const data = pageData(block.dataset.progress || "");
  if (!data) return;
  const key = (block.dataset.progress || "").replace(/^progress-/, "");
  const trend = data.trend;
  /** @param {string} name */
  const canvas = (name) => /** @type {HTMLCanvasElement} */ (document.getElementById(`${name}-${key}`));
  trendChart(Chart, canvas("score"), trend, (row) => row.score, COLORS.score, (v) => `score ${num(v)}`,
    { y: { min: 0, max: 10 } });
  trendChart(Chart, canvas("pace"), trend, (row) => row.delivery.wpm, COLORS.pace, (v) => `${num(v, 0)} wpm`,
    { y: { suggestedMin: 60, suggestedMax: 200 }, band: data.pace_band });
  trendChart(Chart, canvas("fillers"), trend, (row) => row.delivery.fillers_per_100, COLORS.fillers,
    (v) => `${num(v)} per 100 words`);
  trendChart(Chart, canvas("eye"), trend,
    (row) => (row.delivery.eye_contact_share === null ? null : Math.round(row.delivery.eye_contact_share * 1000) / 10),
    COLORS.eye, (v) => percent(v / 100), { y: { min: 0, max: 100 } });
  trendChart(Chart, canvas("talk"), trend, (row) => Math.round(row.delivery.talk_s / 6) / 10, COLORS.talk,
    (v) => duration(v * 60));
}

async function main() {
  const root = /** @type {HTMLElement} */ (document.getElementById("analytics"));
  const blocks = /** @type {HTMLElement[]} */ ([...document.querySelectorAll("[data-progress]")]);
  if (!blocks.length) {
    root.dataset.state = "empty";
    return;
  }
  try {
    const Chart = await loadChartJs();
    for (const block of blocks) drawBlock(Chart, block);
    root.dataset.state = "ready";
  } catch (error) {
    root.dataset.state = "error";
    const note = document.createElement("p");
    note.className = "text-warning small";
    note.textContent = `The charts could not be loaded (${/** @type {Error} */ (error).message}); the figures above are complete.`;
    root.prepend(note);
  }
}

main();
