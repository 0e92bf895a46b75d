// The code pad's snapshots: debounced, deduplicated, flushed on demand, size-limited.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CodeSnapshots, utf8Length } from "../static/js/code_snapshots.js";

/** Timers that run only when told to. */
function manualTimers() {
  /** @type {Map<number, () => void>} */
  const due = new Map();
  let next = 1;
  return {
    set: (fn) => {
      due.set(next, fn);
      return next++;
    },
    clear: (id) => due.delete(id),
    fire() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
    get pending() {
      return due.size;
    },
  };
}

describe("code snapshots", () => {
  test("typing sends one snapshot once it pauses, with the latest text", () => {
    const timers = manualTimers();
    const sent = [];
    const pad = new CodeSnapshots({ send: (s) => sent.push(s), timers });
    pad.update("d", "python", "q1");
    pad.update("de", "python", "q1");
    pad.update("def", "python", "q1");
    assert.equal(timers.pending, 1);
    assert.deepEqual(sent, []);
    timers.fire();
    assert.deepEqual(sent, [{ text: "def", lang: "python", qid: "q1" }]);
  });

  test("flush sends what is pending at once, and never the same snapshot twice", () => {
    const timers = manualTimers();
    const sent = [];
    const pad = new CodeSnapshots({ send: (s) => sent.push(s), timers });
    pad.update("x = 1", "python", "q1");
    assert.equal(pad.flush(), true);
    assert.equal(timers.pending, 0);
    pad.update("x = 1", "python", "q1");
    pad.flush();
    pad.update("x = 1", "javascript", "q1");
    pad.flush();
    assert.deepEqual(sent.map((s) => s.lang), ["python", "javascript"]);
    pad.reset();
    pad.update("x = 1", "javascript", "q1");
    pad.flush();
    assert.equal(sent.length, 3, "after a reset the same text is sent again");
  });

  test("content over the limit is held back and reported", () => {
    const sizes = [];
    const sent = [];
    const pad = new CodeSnapshots({ send: (s) => sent.push(s), onSize: (s) => sizes.push(s),
      maxBytes: 8, timers: manualTimers() });
    pad.update("ééééé", "python", null); // 10 bytes in UTF-8
    assert.equal(pad.flush(), false);
    assert.deepEqual(sent, []);
    assert.deepEqual(sizes.at(-1), { bytes: 10, max: 8, tooLarge: true });
    pad.update("éééé", "python", null);
    assert.equal(pad.flush(), true);
    assert.equal(sent.length, 1);
    assert.equal(utf8Length("é"), 2);
  });
});

test("the default timers are called as plain functions (a browser refuses them as methods)", async () => {
  const sent = [];
  const pad = new CodeSnapshots({ send: (s) => sent.push(s), delayMs: 1 });
  pad.update("x", "python", null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(sent.length, 1);
});
