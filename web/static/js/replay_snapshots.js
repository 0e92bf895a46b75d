/**
 * Periodic snapshots of the replay's state, so that seeking does not rebuild the interview
 * from its first event.
 *
 * The replay applies events strictly in log order; after the `n`th event its state depends
 * on those `n` events only (the log never changes), so a snapshot taken after event `n` is
 * valid forever. A snapshot is taken every `everyEvents` events or every `everyMs` of replay
 * time since the previous one, whichever comes first; the points are the same on every pass,
 * so replaying a stretch twice adds nothing. Seeking to `target` events restores the latest
 * snapshot at or before it (unless the state already applied is closer) and applies the rest.
 *
 * Pure: what a snapshot holds is up to the caller (`InterviewView.snapshot()` in the replay).
 *
 * @module replay_snapshots
 */

export const SNAPSHOT_EVERY_EVENTS = 250;
export const SNAPSHOT_EVERY_MS = 15_000;

/**
 * @template S
 * @typedef {object} Snapshot
 * @property {number} applied events applied when it was taken
 * @property {number} at replay time of the last of them, ms
 * @property {S} state
 */

/**
 * @template S
 * @typedef {object} SeekPlan
 * @property {Snapshot<S> | null} restore restore this snapshot first
 * @property {boolean} reset start from nothing (no snapshot helps and the target is behind)
 * @property {number} from the first event to apply (index into the log)
 */

/** @template S */
export class Snapshots {
  /**
   * @param {{everyEvents?: number, everyMs?: number}} [options]
   */
  constructor({ everyEvents = SNAPSHOT_EVERY_EVENTS, everyMs = SNAPSHOT_EVERY_MS } = {}) {
    if (!(everyEvents >= 1) || !(everyMs > 0)) throw new RangeError("snapshot intervals must be positive");
    this.everyEvents = everyEvents;
    this.everyMs = everyMs;
    /** @type {Snapshot<S>[]} sorted by `applied` */
    this.list = [];
  }

  get size() {
    return this.list.length;
  }

  /**
   * The latest snapshot taken after at most `count` events, or null.
   * @param {number} count
   * @returns {Snapshot<S> | null}
   */
  nearest(count) {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid].applied <= count) lo = mid + 1;
      else hi = mid;
    }
    return lo ? this.list[lo - 1] : null;
  }

  /**
   * Whether to take a snapshot now that `applied` events are applied, the last at replay
   * time `at`.
   * @param {number} applied
   * @param {number} at
   */
  due(applied, at) {
    if (applied < 1) return false;
    const previous = this.nearest(applied);
    if (previous && previous.applied === applied) return false;
    const since = previous ?? { applied: 0, at: 0 };
    return applied - since.applied >= this.everyEvents || at - since.at >= this.everyMs;
  }

  /**
   * Keep `state` as the snapshot after `applied` events (a second one for the same point is
   * ignored).
   * @param {number} applied
   * @param {number} at
   * @param {S} state
   */
  add(applied, at, state) {
    const previous = this.nearest(applied);
    if (previous && previous.applied === applied) return;
    const index = previous ? this.list.indexOf(previous) + 1 : 0;
    this.list.splice(index, 0, { applied, at, state });
  }

  /**
   * How to go from `applied` events to `target` events.
   * @param {number} applied
   * @param {number} target
   * @returns {SeekPlan<S>}
   */
  plan(applied, target) {
    const snapshot = this.nearest(target);
    if (target >= applied) {
      // Forward: a snapshot beyond what is applied saves applying the events before it.
      if (snapshot && snapshot.applied > applied) return { restore: snapshot, reset: false, from: snapshot.applied };
      return { restore: null, reset: false, from: applied };
    }
    if (snapshot) return { restore: snapshot, reset: false, from: snapshot.applied };
    return { restore: null, reset: true, from: 0 };
  }
}
