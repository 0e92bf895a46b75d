/**
 * Chart.js for the report and the dashboards: loading it, the dark theme, charts whose
 * points are links, the pace band, and the formats numbers are shown in.
 *
 * Each chart writes what it plots onto its canvas (`data-values`, `data-links`,
 * `data-rendered`) so the numbers can be read and checked without reading pixels.
 *
 * @module charts
 */

/** @typedef {{x: number, y: number|null}} Point */

/** @type {Promise<any>|null} */
let loaded = null;

/**
 * Chart.js, themed once. Its self-contained build (every chart type registered) is loaded
 * with a script element: the ES module build imports a helper by bare name, which would
 * need an inline import map, and the pages allow no inline scripts.
 * @returns {Promise<any>}
 */
export function loadChartJs() {
  if (!loaded) {
    loaded = new Promise((resolve, reject) => {
      const ready = /** @type {any} */ (window).Chart;
      if (ready) {
        resolve(ready);
        return;
      }
      const script = document.createElement("script");
      script.src = "/vendor/chartjs/chart.umd.min.js";
      script.onload = () => resolve(/** @type {any} */ (window).Chart);
      script.onerror = () => reject(new Error("Chart.js did not load"));
      document.head.append(script);
    }).then((Chart) => {
      const style = getComputedStyle(document.body);
      Chart.defaults.color = style.getPropertyValue("--bs-secondary-color").trim() || "#adb5bd";
      Chart.defaults.borderColor = style.getPropertyValue("--bs-border-color").trim() || "#495057";
      return Chart;
    });
  }
  return loaded;
}

/** Draws a horizontal band (e.g. the comfortable pace) behind the datasets. */
export const bandPlugin = {
  id: "band",
  /** @param {any} chart @param {any} _args @param {{min?: number, max?: number, color?: string}} options */
  beforeDatasetsDraw(chart, _args, options) {
    if (options.min === undefined || options.max === undefined) return;
    const { ctx, chartArea, scales } = chart;
    const top = scales.y.getPixelForValue(options.max);
    const bottom = scales.y.getPixelForValue(options.min);
    ctx.save();
    ctx.fillStyle = options.color || "rgba(25,135,84,.18)";
    ctx.fillRect(chartArea.left, Math.max(top, chartArea.top), chartArea.right - chartArea.left,
      Math.min(bottom, chartArea.bottom) - Math.max(top, chartArea.top));
    ctx.restore();
  },
};

/**
 * A chart whose points (bars) open a link when clicked.
 *
 * @param {any} Chart
 * @param {HTMLCanvasElement} canvas
 * @param {any} config Chart.js configuration; `options` is completed here
 * @param {Array<string|null>} links one per point of the first dataset
 */
export function linkedChart(Chart, canvas, config, links) {
  const options = config.options || (config.options = {});
  options.animation = false;
  options.maintainAspectRatio = false;
  options.onClick = (/** @type {any} */ _event, /** @type {any[]} */ elements) => {
    const target = elements.length ? links[elements[0].index] : null;
    if (target) window.location.assign(target);
  };
  options.onHover = (/** @type {any} */ event, /** @type {any[]} */ elements) => {
    const linked = elements.length > 0 && Boolean(links[elements[0].index]);
    event.native.target.style.cursor = linked ? "pointer" : "default";
  };
  const existing = Chart.getChart(canvas);
  if (existing) existing.destroy();
  const chart = new Chart(canvas, config);
  canvas.dataset.values = JSON.stringify(config.data.datasets[0].data);
  canvas.dataset.links = JSON.stringify(links);
  canvas.dataset.rendered = String(config.data.datasets[0].data.length);
  return chart;
}

/** @param {number|null|undefined} value @param {number} [digits] */
export function num(value, digits = 1) {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

/** @param {number|null|undefined} share 0..1 */
export function percent(share) {
  return share === null || share === undefined ? "—" : `${Math.round(share * 100)} %`;
}

/** @param {number|null|undefined} seconds */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/**
 * The page's JSON data block.
 * @param {string} id
 */
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent || "null") : null;
}

/** Colours of the series, matching the rest of the site. */
export const COLORS = {
  score: "#0dcaf0",
  pace: "#ffc107",
  fillers: "#fd7e14",
  eye: "#20c997",
  talk: "#6ea8fe",
  pauses: "#d63384",
};
