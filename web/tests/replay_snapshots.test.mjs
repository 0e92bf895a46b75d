// The replay's snapshot schedule and seek plans, against a player whose state is a fold.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SNAPSHOT_EVERY_EVENTS, SNAPSHOT_EVERY_MS, Snapshots } from "../static/js/replay_snapshots.js";

/** A toy player: its state is the list of event ids applied, counted as the replay counts. */
class Player {
  /** @param {number[]} at replay time of each event */
  constructor(at, snapshots = new Snapshots({ everyEvents: 4, everyMs: 1000 })) {
    this.at = at;
    this.snapshots = snapshots;
    /** @type {number[]} */
    this.state = [];
    this.applied = 0;
    this.eventsApplied = 0;
    this.restores = 0;
  }

  /** @param {number} target */
  seek(target) {
    const plan = this.snapshots.plan(this.applied, target);
    if (plan.restore) {
      this.state = plan.restore.state.slice();
      this.restores++;
    } else if (plan.reset) {
      this.state = [];
    }
    this.applied = plan.from;
    while (this.applied < target) {
      this.state.push(this.applied);
      this.eventsApplied++;
      this.applied++;
      const at = this.at[this.applied - 1];
      if (this.snapshots.due(this.applied, at)) this.snapshots.add(this.applied, at, this.state.slice());
    }
  }
}

const evenly = (n, stepMs) => Array.from({ length: n }, (_, i) => i * stepMs);
const fresh = (n) => Array.from({ length: n }, (_, i) => i);

describe("snapshot schedule", () => {
  test("every N events, or every M ms of replay time, whichever comes first", () => {
    const player = new Player(evenly(20, 100));
    player.seek(20);
    assert.deepEqual(player.snapshots.list.map((s) => s.applied), [4, 8, 12, 16, 20]);
    const slow = new Player(evenly(20, 600));
    slow.seek(20);
    // 600 ms apart: two events span 600 ms, the third reaches 1200 ms since the start.
    assert.deepEqual(slow.snapshots.list.map((s) => [s.applied, s.at]), [[3, 1200], [5, 2400], [7, 3600], [9, 4800], [11, 6000], [13, 7200], [15, 8400], [17, 9600], [19, 10800]]);
  });

  test("the defaults are sane", () => {
    const snapshots = new Snapshots();
    assert.equal(snapshots.everyEvents, SNAPSHOT_EVERY_EVENTS);
    assert.equal(snapshots.everyMs, SNAPSHOT_EVERY_MS);
    assert.throws(() => new Snapshots({ everyEvents: 0 }), RangeError);
  });

  test("replaying a stretch again takes no new snapshots", () => {
    const player = new Player(evenly(30, 100));
    player.seek(30);
    const points = player.snapshots.list.map((s) => s.applied);
    player.seek(2);
    player.seek(30);
    player.seek(13);
    player.seek(29);
    assert.deepEqual(player.snapshots.list.map((s) => s.applied), points);
  });

  test("snapshots taken out of order stay sorted and unique", () => {
    const snapshots = new Snapshots({ everyEvents: 2, everyMs: 1e9 });
    snapshots.add(8, 0, "eight");
    snapshots.add(2, 0, "two");
    snapshots.add(5, 0, "five");
    snapshots.add(5, 0, "again");
    assert.deepEqual(snapshots.list.map((s) => s.state), ["two", "five", "eight"]);
    assert.equal(snapshots.nearest(1), null);
    assert.equal(snapshots.nearest(7)?.state, "five");
    assert.equal(snapshots.nearest(100)?.state, "eight");
    assert.equal(snapshots.due(6, 0), false);
    assert.equal(snapshots.due(7, 0), true);
  });
});

describe("seeking", () => {
  test("backwards restores the nearest earlier snapshot instead of starting over", () => {
    const player = new Player(evenly(40, 100));
    player.seek(40);
    const before = player.eventsApplied;
    player.seek(26);
    assert.deepEqual(player.state, fresh(26));
    assert.equal(player.restores, 1);
    // From the snapshot after 24 events: two events applied, not 26.
    assert.equal(player.eventsApplied - before, 2);
  });

  test("before the first snapshot it starts from nothing", () => {
    const player = new Player(evenly(40, 100));
    player.seek(40);
    assert.deepEqual(player.snapshots.plan(40, 3), { restore: null, reset: true, from: 0 });
    player.seek(3);
    assert.deepEqual(player.state, fresh(3));
    assert.deepEqual(player.snapshots.plan(3, 0), { restore: null, reset: true, from: 0 });
  });

  test("forwards it applies from where it is, or jumps to a later snapshot", () => {
    const player = new Player(evenly(40, 100));
    player.seek(40);
    player.seek(5);
    assert.deepEqual(player.snapshots.plan(5, 7), { restore: null, reset: false, from: 5 });
    const plan = player.snapshots.plan(5, 35);
    assert.equal(plan.restore?.applied, 32);
    assert.equal(plan.from, 32);
    player.seek(35);
    assert.deepEqual(player.state, fresh(35));
  });

  test("any sequence of seeks gives the state of applying the prefix from the start", () => {
    let seed = 7;
    const random = (n) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const at = [];
    let clock = 0;
    for (let i = 0; i < 300; i++) at.push((clock += random(3) === 0 ? 900 : 40));
    const player = new Player(at, new Snapshots({ everyEvents: 25, everyMs: 4000 }));
    for (let round = 0; round < 200; round++) {
      const target = random(at.length + 1);
      player.seek(target);
      assert.deepEqual(player.state, fresh(target), `after seeking to ${target}`);
      assert.equal(player.applied, target);
    }
    assert.ok(player.restores > 0, "backward seeks went through snapshots");
  });
});
