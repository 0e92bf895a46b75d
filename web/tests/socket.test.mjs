// The shared socket client: handshake, outbox, acknowledgements, resume and reconnecting,
// against a fake WebSocket and a manual clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ErrorCode, ProtocolError } from "../static/js/protocol.js";
import {
  ConnectionState,
  DEFAULT_BACKOFF,
  InterviewSocket,
  backoffDelay,
  resolveSocketUrl,
} from "../static/js/socket.js";
import { FakeClock, MemoryStorage, fakeWebSocket, welcome } from "./fakes.mjs";

const PAGE = { href: "https://interviews.example/interviews/iv-1", protocol: "https:", host: "interviews.example" };
const STREAM = "0b7e1a52-6d1e-4c0b-9a57-2b8e1f4d7c10";

/**
 * A socket client wired to fakes; `events` records what it dispatched.
 * @param {Partial<import("../static/js/socket.js").InterviewSocketOptions>} [options]
 */
function setup(options = {}) {
  const clock = new FakeClock();
  const { FakeWebSocket, sockets } = fakeWebSocket();
  const storage = new MemoryStorage();
  const socket = new InterviewSocket({
    interviewId: "iv-1",
    role: "candidate",
    stream: STREAM,
    WebSocket: /** @type {any} */ (FakeWebSocket),
    storage,
    location: PAGE,
    timers: clock,
    now: () => clock.now,
    random: () => 0.5, // no jitter
    ...options,
  });
  /** @type {{type: string, detail: any}[]} */
  const events = [];
  for (const type of ["connection", "unsent", "message", "stopped", "protocolerror"]) {
    socket.on(type, (detail) => events.push({ type, detail }));
  }
  const states = () => events.filter((e) => e.type === "connection").map((e) => e.detail.state);
  const messages = () => events.filter((e) => e.type === "message").map((e) => e.detail);
  const last = () => sockets[sockets.length - 1];
  /** Start (if needed), open the newest socket and answer its hello with `welcome`. */
  const goLive = (acked = 0) => {
    if (socket.state === ConnectionState.OFFLINE) socket.start();
    last().open();
    last().receive("welcome", welcome({ acked }));
  };
  return { socket, clock, sockets, storage, events, states, messages, last, goLive };
}

const transcript = (seg, text = `segment ${seg}`) => ({ seg, text, final: true, src: "typed" });
const faceBatch = (t) => ({ frames: [{ t, present: true }] });

describe("handshake", () => {
  test("opens the interview's endpoint on this origin and says hello", () => {
    const { socket, sockets, states } = setup({ lastSeq: 17 });
    socket.start();
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0].url, "wss://interviews.example/ws/interviews/iv-1");
    assert.equal(sockets[0].binaryType, "arraybuffer");
    assert.deepEqual(states(), ["connecting"]);
    sockets[0].open();
    assert.deepEqual(sockets[0].sent, [
      { t: "hello", seq: null, ts: null, d: { v: 1, role: "candidate", stream: STREAM, last_seq: 17 } },
    ]);
    assert.equal(socket.state, ConnectionState.CONNECTING);
  });

  test("goes live on welcome and reports it as a message", () => {
    const { socket, states, messages, goLive } = setup();
    goLive();
    assert.equal(socket.state, ConnectionState.LIVE);
    assert.deepEqual(states(), ["connecting", "live"]);
    assert.equal(messages()[0].t, "welcome");
    assert.equal(socket.welcome.interview.id, "iv-1");
  });

  test("observers say hello with their role and a stream too", () => {
    const { socket, last } = setup({ role: "observer" });
    socket.start();
    last().open();
    assert.equal(last().sent[0].d.role, "observer");
    assert.equal(typeof last().sent[0].d.stream, "string");
  });

  test("a new stream per instance, recorded in sessionStorage for the interview", () => {
    const storage = new MemoryStorage();
    const clock = new FakeClock();
    const { FakeWebSocket } = fakeWebSocket();
    const make = () =>
      new InterviewSocket({ interviewId: "iv-9", role: "candidate", storage, WebSocket: /** @type {any} */ (FakeWebSocket), timers: clock });
    const first = make();
    assert.match(first.stream, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(storage.getItem("interview-engine.stream.iv-9"), first.stream);
    const second = make(); // e.g. after a reload: the old outbox is gone, so is the stream
    assert.notEqual(second.stream, first.stream);
    assert.equal(storage.getItem("interview-engine.stream.iv-9"), second.stream);
  });

  test("a ticket URL function is asked before every attempt; relative URLs become ws(s)", async () => {
    let issued = 0;
    const { socket, sockets, clock } = setup({
      url: async () => `/ws/interviews/iv-1?ticket=t${++issued}`,
    });
    socket.start();
    await Promise.resolve();
    assert.equal(sockets[0].url, "wss://interviews.example/ws/interviews/iv-1?ticket=t1");
    sockets[0].serverClose(1006);
    clock.advance(DEFAULT_BACKOFF.initialMs);
    await Promise.resolve();
    assert.equal(sockets[1].url, "wss://interviews.example/ws/interviews/iv-1?ticket=t2");
  });

  test("resolveSocketUrl keeps absolute ws URLs and maps http to ws", () => {
    assert.equal(resolveSocketUrl("ws://other:8000/ws/interviews/x?ticket=a", PAGE), "ws://other:8000/ws/interviews/x?ticket=a");
    assert.equal(resolveSocketUrl("/ws/interviews/x", { href: "http://localhost:5000/a" }), "ws://localhost:5000/ws/interviews/x");
  });
});

describe("outbox and acknowledgements", () => {
  test("data messages are numbered when written and dropped when acknowledged", () => {
    const { socket, last, goLive, events } = setup();
    goLive();
    socket.send("state", { action: "start" });
    socket.send("transcript", transcript(0));
    socket.send("face", faceBatch(0));
    assert.deepEqual(last().dataSent, [["state", 1], ["transcript", 2], ["face", 3]]);
    assert.equal(socket.unsent, 3);
    last().receive("ack", { upto: 2 });
    assert.equal(socket.unsent, 1);
    last().receive("ack", { upto: 3 });
    assert.equal(socket.unsent, 0);
    const counts = events.filter((e) => e.type === "unsent").map((e) => e.detail.count);
    assert.deepEqual(counts.slice(-2), [1, 0]);
    // ack and pong are handled internally, not reported as messages
    assert.ok(!events.some((e) => e.type === "message" && e.detail.t === "ack"));
  });

  test("each message keeps the time it was sent", () => {
    const { socket, last, goLive, clock } = setup();
    goLive();
    socket.send("state", { action: "start" });
    assert.equal(last().sent.at(-1).ts, clock.now);
  });

  test("messages sent before the connection is live wait, then go out in order", () => {
    const { socket, last } = setup();
    socket.start();
    socket.send("state", { action: "start" });
    socket.send("transcript", transcript(0));
    last().open();
    assert.deepEqual(last().dataSent, []); // hello only, until welcome
    last().receive("welcome", welcome({ acked: 0 }));
    assert.deepEqual(last().dataSent, [["state", 1], ["transcript", 2]]);
  });

  test("send validates the payload and the role", () => {
    const { socket } = setup();
    assert.throws(() => socket.send("transcript", { seg: -1, text: "", final: true, src: "typed" }), (e) => e instanceof ProtocolError && e.code === ErrorCode.BAD_PAYLOAD);
    assert.throws(() => socket.send("note", { text: "hi", to: "candidate" }), (e) => e instanceof ProtocolError && e.code === ErrorCode.FORBIDDEN);
    assert.throws(() => socket.send("ask", { text: "Why?" }), (e) => e instanceof ProtocolError && e.code === ErrorCode.FORBIDDEN);
    assert.throws(() => socket.send("ping", {}), (e) => e instanceof ProtocolError && e.code === ErrorCode.UNKNOWN_TYPE);
    assert.equal(socket.unsent, 0);
  });

  test("a refused message is dropped and its seq stays used", () => {
    const { socket, last, goLive, clock } = setup();
    goLive();
    socket.send("state", { action: "start" });
    socket.send("state", { action: "pause" });
    socket.send("transcript", transcript(0));
    last().receive("error", { code: "conflict", message: "cannot pause now", ref: 2, fatal: false });
    assert.equal(socket.unsent, 2);
    socket.send("transcript", transcript(1));
    assert.deepEqual(last().dataSent.at(-1), ["transcript", 4]);
    // after a reconnect only the messages still in the outbox are resent
    last().serverClose(1006);
    clock.advance(DEFAULT_BACKOFF.initialMs);
    goLive(0);
    assert.deepEqual(last().dataSent, [["state", 1], ["transcript", 3], ["transcript", 4]]);
  });

  test("errors without ref leave the outbox alone and are reported", () => {
    const { socket, last, goLive, messages } = setup();
    goLive();
    socket.send("state", { action: "start" });
    last().receive("error", { code: "conflict", message: "hello was already received", fatal: false });
    assert.equal(socket.unsent, 1);
    assert.equal(messages().at(-1).t, "error");
  });

  test("over the bound, the oldest unsent face batches go first, never transcripts or state", () => {
    const { socket, last } = setup({ maxOutbox: 4 });
    socket.start();
    socket.send("face", faceBatch(1));
    socket.send("transcript", transcript(0));
    socket.send("face", faceBatch(2));
    socket.send("state", { action: "start" });
    socket.send("face", faceBatch(3)); // 5 > 4: face 1 goes
    socket.send("transcript", transcript(1)); // face 2 goes
    assert.equal(socket.unsent, 4);
    assert.equal(socket.droppedFaces, 2);
    socket.send("transcript", transcript(2)); // face 3 goes
    socket.send("transcript", transcript(3)); // nothing left to drop: the bound is exceeded
    assert.equal(socket.unsent, 5);
    assert.equal(socket.droppedFaces, 3);
    last().open();
    last().receive("welcome", welcome());
    assert.deepEqual(last().sent.filter((e) => e.seq !== null).map((e) => [e.t, e.seq, e.d.seg ?? e.d.action]), [
      ["transcript", 1, 0],
      ["state", 2, "start"],
      ["transcript", 3, 1],
      ["transcript", 4, 2],
      ["transcript", 5, 3],
    ]);
  });

  test("numbered messages are never dropped for the bound (that would leave a gap)", () => {
    const { socket, last, goLive } = setup({ maxOutbox: 2 });
    goLive();
    socket.send("face", faceBatch(1));
    socket.send("face", faceBatch(2));
    socket.send("face", faceBatch(3)); // all written, unacknowledged
    assert.equal(socket.unsent, 3);
    assert.equal(socket.droppedFaces, 0);
    assert.deepEqual(last().dataSent, [["face", 1], ["face", 2], ["face", 3]]);
  });
});

describe("resume after a reconnect", () => {
  test("the same stream says hello again; acked entries are dropped, the rest resent in order", () => {
    const { socket, sockets, last, goLive, clock, states } = setup();
    goLive();
    socket.send("state", { action: "start" });
    socket.send("transcript", transcript(0));
    socket.send("face", faceBatch(0));
    last().receive("ack", { upto: 1 });
    last().serverClose(1006);
    assert.equal(socket.state, ConnectionState.RECONNECTING);
    socket.send("transcript", transcript(1)); // while away
    clock.advance(DEFAULT_BACKOFF.initialMs);
    assert.equal(sockets.length, 2);
    last().open();
    assert.equal(last().sent[0].d.stream, STREAM);
    last().receive("welcome", welcome({ acked: 2 })); // seq 2 was stored, its ack lost
    assert.deepEqual(last().dataSent, [["face", 3], ["transcript", 4]]);
    assert.equal(socket.unsent, 2);
    assert.deepEqual(states(), ["connecting", "live", "reconnecting", "live"]);
  });

  test("a resent message carries its original seq and ts", () => {
    const { socket, last, goLive, clock } = setup();
    goLive();
    socket.send("transcript", transcript(0));
    const first = last().sent.at(-1);
    last().serverClose(1001);
    clock.advance(60_000);
    goLive(0);
    assert.deepEqual(last().sent.at(-1), first);
  });

  test("logged events already applied are ignored; last_seq goes into the next hello", () => {
    const { socket, last, goLive, clock, messages } = setup({ lastSeq: 3 });
    goLive();
    const ts = clock.now;
    last().receive("phase", { phase: "asking", qid: "q1", idx: 0 }, { seq: 3, ts }); // already applied
    last().receive("question", { qid: "q1", idx: 0, kind: "main", text: "Why?" }, { seq: 4, ts });
    last().receive("phase", { phase: "answering", qid: "q1", idx: 0 }, { seq: 5, ts });
    last().receive("phase", { phase: "answering", qid: "q1", idx: 0 }, { seq: 5, ts }); // duplicate
    last().receive("question.delta", { qid: "q2", text: "Tell" });
    assert.deepEqual(
      messages().map((m) => [m.t, m.seq]),
      [["welcome", null], ["question", 4], ["phase", 5], ["question.delta", null]],
    );
    assert.equal(socket.lastSeq, 5);
    last().serverClose(1011);
    clock.advance(DEFAULT_BACKOFF.initialMs);
    last().open();
    assert.equal(last().sent[0].d.last_seq, 5);
  });

  test("seq_gap: the client resumes from the server's acked on a new connection", () => {
    const { socket, sockets, last, goLive, clock } = setup();
    goLive();
    socket.send("state", { action: "start" });
    socket.send("transcript", transcript(0));
    const first = last();
    first.receive("error", { code: "seq_gap", message: "expected seq 1", ref: 2, expected: 1, fatal: false });
    assert.deepEqual(first.closedByClient?.code, 1000);
    assert.equal(socket.state, ConnectionState.RECONNECTING);
    first.receive("error", { code: "seq_gap", message: "late", ref: 3, expected: 1, fatal: false }); // ignored
    clock.advance(DEFAULT_BACKOFF.initialMs);
    assert.equal(sockets.length, 2);
    goLive(0);
    assert.deepEqual(last().dataSent, [["state", 1], ["transcript", 2]]);
  });

  test("unavailable: the message is kept and resent after reconnecting", () => {
    const { socket, last, goLive, clock } = setup();
    goLive();
    socket.send("transcript", transcript(0));
    last().receive("error", { code: "unavailable", message: "database busy", ref: 1, fatal: false });
    assert.equal(socket.unsent, 1);
    clock.advance(DEFAULT_BACKOFF.initialMs);
    goLive(0);
    assert.deepEqual(last().dataSent, [["transcript", 1]]);
  });

  test("4010 (too far behind) reconnects at once", () => {
    const { sockets, last, goLive, clock } = setup({ role: "observer" });
    goLive();
    last().receive("phase", { phase: "lobby" }, { seq: 8, ts: clock.now });
    last().serverClose(4010);
    assert.equal(sockets.length, 2);
    last().open();
    assert.equal(last().sent[0].d.last_seq, 8);
  });
});

describe("reconnecting", () => {
  test("the backoff doubles from 0.5 s and is capped at 10 s", () => {
    const { socket, sockets, clock } = setup();
    socket.start();
    const delays = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      sockets.at(-1).serverClose(1006);
      delays.push(...clock.pendingTimeouts);
      clock.advance(clock.pendingTimeouts[0]);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    assert.equal(sockets.length, 9);
  });

  test("jitter stays within ±20 % and under the cap", () => {
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, 0), 400);
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, 0.999999), 600);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, 0), 3200);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, 0.999999), 10000);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, 0), 8000);
  });

  test("a connection that stayed live resets the backoff; a short one does not", () => {
    const { socket, sockets, clock, goLive } = setup();
    goLive();
    sockets.at(-1).serverClose(1006);
    assert.deepEqual(clock.pendingTimeouts, [500]);
    clock.advance(500);
    goLive(); // live for a moment only
    sockets.at(-1).serverClose(1006);
    assert.deepEqual(clock.pendingTimeouts, [1000]);
    clock.advance(1000);
    goLive();
    clock.advance(30_000); // stable
    sockets.at(-1).serverClose(1006);
    assert.deepEqual(clock.pendingTimeouts, [500]);
    assert.equal(socket.state, ConnectionState.RECONNECTING);
  });

  for (const [code, reason] of [
    [4001, "not_authenticated"],
    [4003, "forbidden"],
    [4004, "not_found"],
    [4009, "superseded"],
  ]) {
    test(`close ${code} stops for good (${reason})`, () => {
      const { socket, sockets, clock, events, goLive } = setup();
      goLive();
      socket.send("transcript", transcript(0));
      sockets.at(-1).serverClose(code, "");
      assert.equal(socket.state, ConnectionState.OFFLINE);
      const stopped = events.filter((e) => e.type === "stopped");
      assert.equal(stopped.length, 1);
      assert.equal(stopped[0].detail.reason, reason);
      assert.equal(stopped[0].detail.code, code);
      assert.ok(stopped[0].detail.message);
      clock.advance(600_000);
      assert.equal(sockets.length, 1);
      assert.deepEqual(clock.timers, []);
      assert.equal(socket.send("transcript", transcript(1)), null);
    });
  }

  test("close() stops without reconnecting", () => {
    const { socket, sockets, clock, goLive, states } = setup();
    goLive();
    socket.close();
    assert.deepEqual(sockets[0].closedByClient, { code: 1000, reason: "closed" });
    assert.equal(socket.state, ConnectionState.OFFLINE);
    assert.deepEqual(states(), ["connecting", "live", "offline"]);
    clock.advance(600_000);
    assert.equal(sockets.length, 1);
  });

  test("reconnectNow skips the wait", () => {
    const { socket, sockets, clock } = setup();
    socket.start();
    for (let i = 0; i < 4; i += 1) {
      sockets.at(-1).serverClose(1006);
      clock.advance(clock.pendingTimeouts[0]);
    }
    sockets.at(-1).serverClose(1006);
    assert.deepEqual(clock.pendingTimeouts, [8000]);
    socket.reconnectNow();
    assert.equal(sockets.length, 6);
    assert.deepEqual(clock.pendingTimeouts, []);
  });

  test("an invalid welcome (another protocol version) stops with reason protocol", () => {
    const { socket, last, events } = setup();
    socket.start();
    last().open();
    last().receive("welcome", { ...welcome(), v: 2 });
    assert.equal(socket.state, ConnectionState.OFFLINE);
    assert.equal(events.find((e) => e.type === "stopped").detail.reason, "protocol");
    assert.equal(events.find((e) => e.type === "protocolerror").detail.code, ErrorCode.BAD_PAYLOAD);
  });

  test("an invalid event is reported and skipped", () => {
    const { socket, last, goLive, clock, events } = setup();
    goLive();
    last().receive("phase", { phase: "dancing" }, { seq: 1, ts: clock.now });
    assert.equal(socket.state, ConnectionState.LIVE);
    assert.equal(socket.lastSeq, 0);
    assert.equal(events.filter((e) => e.type === "protocolerror").length, 1);
  });
});

describe("keep-alive", () => {
  test("pings every 20 s while connected", () => {
    const { last, goLive, clock } = setup();
    goLive();
    clock.advance(20_000);
    last().receive("pong");
    clock.advance(20_000);
    const pings = last().sent.filter((e) => e.t === "ping");
    assert.equal(pings.length, 2);
    assert.deepEqual(pings[0], { t: "ping", seq: null, ts: null, d: {} });
  });

  test("a connection silent for 45 s is dropped and replaced", () => {
    const { socket, sockets, goLive, clock } = setup();
    goLive();
    clock.advance(60_000); // pings at 20 s and 40 s unanswered; the 60 s tick gives up
    assert.equal(sockets[0].closedByClient?.code, 1000);
    assert.equal(socket.state, ConnectionState.RECONNECTING);
    clock.advance(DEFAULT_BACKOFF.initialMs);
    assert.equal(sockets.length, 2);
  });

  test("sendControl writes only when the socket is open", () => {
    const { socket, last } = setup();
    assert.equal(socket.sendControl("ping"), false);
    socket.start();
    assert.equal(socket.sendControl("ping"), false);
    last().open();
    assert.equal(socket.sendControl("ping"), true);
    assert.throws(() => socket.sendControl("state", { action: "start" }), ProtocolError);
  });
});
