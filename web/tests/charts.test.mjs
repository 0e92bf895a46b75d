// The chart helpers of the report and dashboards: number formats and the pace band.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { bandPlugin, duration, num, percent } from "../static/js/charts.js";

describe("formats", () => {
  test("numbers, shares and durations, with a dash for unknown", () => {
    assert.equal(num(2.857), "2.9");
    assert.equal(num(160, 0), "160");
    assert.equal(num(null), "—");
    assert.equal(percent(0.7), "70 %");
    assert.equal(percent(0.766), "77 %");
    assert.equal(percent(undefined), "—");
    assert.equal(duration(180), "3:00");
    assert.equal(duration(59.6), "1:00");
    assert.equal(duration(605), "10:05");
    assert.equal(duration(null), "—");
  });
});

describe("pace band", () => {
  /** A chart with a y scale of 10 px per unit from 0 at 300 px. */
  function chart() {
    const calls = [];
    const ctx = {
      save: () => calls.push("save"),
      restore: () => calls.push("restore"),
      fillRect: (...args) => calls.push(["fillRect", ...args]),
      fillStyle: "",
    };
    return {
      calls,
      ctx,
      chartArea: { left: 40, right: 440, top: 0, bottom: 300 },
      scales: { y: { getPixelForValue: (v) => 300 - v } },
    };
  }

  test("fills between min and max, clipped to the chart area", () => {
    const c = chart();
    bandPlugin.beforeDatasetsDraw(c, {}, { min: 100, max: 165 });
    assert.deepEqual(c.calls, ["save", ["fillRect", 40, 135, 400, 65], "restore"]);
    const tall = chart();
    bandPlugin.beforeDatasetsDraw(tall, {}, { min: 100, max: 400 });
    assert.deepEqual(tall.calls[1], ["fillRect", 40, 0, 400, 200]);
  });

  test("draws nothing without a band", () => {
    const c = chart();
    bandPlugin.beforeDatasetsDraw(c, {}, {});
    assert.deepEqual(c.calls, []);
  });
});
