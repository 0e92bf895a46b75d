// The JavaScript codec against the shared test vectors and the Python codec's rules.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import {
  CloseCode,
  DEFAULT_LIMITS,
  ErrorCode,
  ProtocolError,
  checkClientMessage,
  decodeClientFrame,
  decodeServerFrame,
  encode,
} from "../static/js/protocol.js";
import { Encoder } from "../static/js/msgpack-loader.js";

const VECTORS_URL = new URL("../../protocol/vectors.json", import.meta.url);
/** @type {any[]} */
const vectors = JSON.parse(readFileSync(VECTORS_URL, "utf8"));

/** @param {string} hex */
const bytes = (hex) => new Uint8Array(Buffer.from(hex, "hex"));

/** A vector's JSON payload as the codec represents it: `{"$bin": hex}` → `Uint8Array`. */
function fromJson(value) {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === "object") {
    if (Object.keys(value).length === 1 && typeof value.$bin === "string") return bytes(value.$bin);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

const decoderFor = (direction) => (direction === "client" ? decodeClientFrame : decodeServerFrame);

/**
 * @param {() => unknown} fn
 * @param {{code: string, message?: RegExp, fatal?: boolean, ref?: number|null, closeCode?: number|null}} expected
 */
function assertRejects(fn, expected) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
    for (const [key, value] of Object.entries(expected)) {
      if (value instanceof RegExp) assert.match(error[key], value);
      else assert.equal(error[key], value, `${key} of ${error.code}: ${error.message}`);
    }
    return true;
  });
}

// `encode` insists on a valid envelope; raw frames go through the same library directly.
const rawEncoder = new Encoder();
/** A raw MessagePack frame with the given fields. */
const frame = (fields) => rawEncoder.encode(fields);
/** @param {number} n a MessagePack float64, even for integral values */
const float64 = (n) => {
  const b = new Uint8Array(9);
  b[0] = 0xcb;
  new DataView(b.buffer).setFloat64(1, n);
  return b;
};

describe("test vectors", () => {
  test("the file holds vectors of both directions, valid and invalid", () => {
    assert.ok(vectors.length > 50);
    for (const direction of ["client", "server"]) {
      assert.ok(vectors.some((v) => v.direction === direction && v.valid));
      assert.ok(vectors.some((v) => v.direction === direction && !v.valid));
    }
  });

  for (const vector of vectors) {
    const label = `${vector.direction}: ${vector.name}`;
    if (vector.valid) {
      test(`decodes ${label}`, () => {
        const envelope = decoderFor(vector.direction)(bytes(vector.hex));
        assert.deepEqual(envelope, {
          t: vector.t,
          seq: vector.seq,
          ts: vector.ts,
          d: fromJson(vector.d_json),
        });
      });
      test(`encodes ${label} byte for byte`, () => {
        const encoded = encode(vector.t, fromJson(vector.d_json), { seq: vector.seq, ts: vector.ts });
        assert.equal(Buffer.from(encoded).toString("hex"), vector.hex);
      });
    } else {
      test(`rejects ${label} with ${vector.error}`, () => {
        assertRejects(() => decoderFor(vector.direction)(bytes(vector.hex)), { code: vector.error });
      });
    }
  }
});

describe("encode", () => {
  test("round-trips a client message with seq and ts", () => {
    const d = { seg: 4, text: "Naïve café 🎉", final: false, conf: 0.25, src: "speech" };
    const envelope = decodeClientFrame(encode("transcript", d, { seq: 9, ts: 1700000000123 }));
    assert.deepEqual(envelope, { t: "transcript", seq: 9, ts: 1700000000123, d });
  });

  test("round-trips binary audio data", () => {
    const d = { chunk: 0, mime: "audio/webm", data: Uint8Array.of(0, 1, 2, 255) };
    assert.deepEqual(decodeClientFrame(encode("audio", d, { seq: 1 })).d, d);
  });

  test("leaves out undefined fields and absent seq/ts", () => {
    const encoded = encode("ping", { extra: undefined });
    assert.deepEqual(decodeClientFrame(encoded), { t: "ping", seq: null, ts: null, d: {} });
    assert.equal(Buffer.from(encoded).toString("hex"), "82a174a470696e67a16480");
  });

  test("refuses an invalid envelope (a programming error)", () => {
    assert.throws(() => encode("state", { action: "start" }, { seq: 0 }), TypeError);
    assert.throws(() => encode("state", { action: "start" }, { seq: 1.5 }), TypeError);
    assert.throws(() => encode("state", { action: "start" }, { ts: -1 }), TypeError);
    assert.throws(() => encode("", {}), TypeError);
    assert.throws(() => encode("state", ["start"]), TypeError);
  });
});

describe("decoding like the Python codec", () => {
  test("integers and floats are told apart", () => {
    // A number field accepts a float64 1.0 and an integer; an integer field refuses 1.0.
    const withFloatConf = transcriptWith("conf", float64(1));
    assert.equal(decodeClientFrame(withFloatConf).d.conf, 1);
    const withFloatSeg = transcriptWith("seg", float64(1));
    assertRejects(() => decodeClientFrame(withFloatSeg), {
      code: ErrorCode.BAD_PAYLOAD,
      message: /^seg: must be an integer, not float/,
      ref: 1,
    });
    const withFloatTs = concat(
      Uint8Array.of(0x84, 0xa1, 0x74, 0xa4, ...ascii("ping"), 0xa2, ...ascii("ts")),
      float64(5),
      Uint8Array.of(0xa1, 0x64, 0x80, 0xa1, 0x78, 0x00),
    );
    assertRejects(() => decodeClientFrame(withFloatTs), { code: ErrorCode.BAD_FRAME, message: /^ts:/ });
  });

  test("nil optional fields count as absent; unknown keys are dropped", () => {
    const encoded = encode(
      "feedback",
      { fid: "f1", qid: null, kind: "pace", level: "info", message: "ok", value: null, zz: 1 },
      { seq: 3, ts: 5 },
    );
    assert.deepEqual(decodeServerFrame(encoded).d, {
      fid: "f1",
      kind: "pace",
      level: "info",
      message: "ok",
    });
  });

  test("an invalid hello is fatal (1008), an invalid welcome too", () => {
    assertRejects(() => decodeClientFrame(encode("hello", { v: 1, role: "observer" })), {
      code: ErrorCode.BAD_PAYLOAD,
      fatal: true,
      closeCode: CloseCode.POLICY,
    });
    const welcome = {
      v: 2,
      interview: {},
      acked: 0,
      head: 0,
      server_time: 0,
    };
    assertRejects(() => decodeServerFrame(encode("welcome", welcome)), {
      code: ErrorCode.BAD_PAYLOAD,
      fatal: true,
    });
  });

  test("text frames and oversize frames are fatal with their close codes", () => {
    assertRejects(() => decodeClientFrame("hello"), {
      code: ErrorCode.BAD_FRAME,
      fatal: true,
      closeCode: CloseCode.TEXT_FRAME,
    });
    const big = encode("ping", { pad: "x".repeat(DEFAULT_LIMITS.maxFrameBytes) });
    assertRejects(() => decodeClientFrame(big), {
      code: ErrorCode.BAD_FRAME,
      fatal: true,
      closeCode: CloseCode.TOO_LARGE,
    });
  });

  test("payload errors carry the data message's seq as ref, control messages none", () => {
    assertRejects(() => decodeClientFrame(encode("state", { action: "dance" }, { seq: 7 })), {
      code: ErrorCode.BAD_PAYLOAD,
      ref: 7,
      fatal: false,
    });
    assertRejects(() => decodeServerFrame(encode("ack", { upto: -1 }, { seq: 7 })), {
      code: ErrorCode.BAD_PAYLOAD,
      ref: null,
    });
    assertRejects(() => decodeClientFrame(encode("dance", {}, { seq: 4 })), {
      code: ErrorCode.UNKNOWN_TYPE,
      ref: 4,
    });
  });

  test("nesting: 1024 levels pass, deeper is a bad_frame", () => {
    const nested = (levels) =>
      concat(
        Uint8Array.of(0x83, 0xa1, 0x74, 0xa4, ...ascii("ping"), 0xa1, 0x64, 0x80, 0xa1, 0x78),
        new Uint8Array(levels).fill(0x91),
        Uint8Array.of(0xc0),
      );
    assert.equal(decodeClientFrame(nested(1023)).t, "ping"); // + the envelope map
    assertRejects(() => decodeClientFrame(nested(1024)), { code: ErrorCode.BAD_FRAME });
  });

  test("reserved extension types are a bad_frame; others are values no field accepts", () => {
    const withExt = (ext) =>
      concat(
        Uint8Array.of(0x83, 0xa1, 0x74, 0xa4, ...ascii("ping"), 0xa1, 0x64, 0x80, 0xa1, 0x78),
        ext,
      );
    assertRejects(() => decodeClientFrame(withExt(Uint8Array.of(0xd5, 0xfb, 1, 2))), {
      code: ErrorCode.BAD_FRAME,
    });
    assert.equal(decodeClientFrame(withExt(Uint8Array.of(0xd5, 0x05, 1, 2))).t, "ping");
  });

  test("report metrics: free-form values nested at most 8 levels", () => {
    const report = (metrics) =>
      encode("report", { score: 5, summary: "", per_question: [], metrics }, { seq: 1, ts: 1 });
    const deep = (levels) => (levels === 0 ? 1 : [deep(levels - 1)]);
    assert.deepEqual(decodeServerFrame(report({ a: deep(7) })).d.metrics, { a: deep(7) });
    assertRejects(() => decodeServerFrame(report({ a: deep(8) })), { code: ErrorCode.BAD_PAYLOAD });
    assertRejects(() => decodeServerFrame(report({ a: Uint8Array.of(1) })), {
      code: ErrorCode.BAD_PAYLOAD,
    });
  });

  test("string limits count code points", () => {
    const emoji = "😀".repeat(DEFAULT_LIMITS.maxNoteChars); // 2 UTF-16 units each
    assert.equal(decodeClientFrame(encode("note", { text: emoji, to: "candidate" }, { seq: 1 })).d.text, emoji);
    assertRejects(
      () => decodeClientFrame(encode("note", { text: `${emoji}!`, to: "candidate" }, { seq: 1 })),
      { code: ErrorCode.BAD_PAYLOAD },
    );
  });

  test("phase: paused true is kept, false is left out", () => {
    const phase = (paused) => decodeServerFrame(encode("phase", { phase: "asking", paused }, { seq: 1, ts: 1 })).d;
    assert.deepEqual(phase(true), { phase: "asking", paused: true });
    assert.deepEqual(phase(false), { phase: "asking" });
  });
});

describe("checkClientMessage", () => {
  test("returns the normalised payload", () => {
    assert.deepEqual(checkClientMessage("face", { frames: [{ t: 0, present: true, yaw: undefined }] }), {
      frames: [{ t: 0, present: true }],
    });
  });

  test("refuses what the server would refuse, without a ref", () => {
    assertRejects(() => checkClientMessage("transcript", { seg: 0.5, text: "", final: true, src: "typed" }), {
      code: ErrorCode.BAD_PAYLOAD,
      ref: null,
    });
    assertRejects(() => checkClientMessage("face", { frames: [] }), { code: ErrorCode.BAD_PAYLOAD });
    assertRejects(() => checkClientMessage("welcome", {}), { code: ErrorCode.UNKNOWN_TYPE });
    assertRejects(() => checkClientMessage("state", null), { code: ErrorCode.BAD_FRAME });
  });
});

// ----- helpers -----------------------------------------------------------------------------

/** @param {string} text */
function ascii(text) {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/** @param {...Uint8Array} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * A transcript frame (seq 1) whose field `key` holds the raw MessagePack `value`.
 * @param {string} key
 * @param {Uint8Array} value
 */
function transcriptWith(key, value) {
  const d = { seg: 0, text: "", final: true, src: "typed" };
  delete d[key];
  const head = frame({ t: "transcript", seq: 1 });
  const body = rawEncoder.encode(d);
  // Envelope map of 3 entries: t, seq, d; d gets one more entry (`key`: value).
  return concat(
    Uint8Array.of(0x83),
    head.subarray(1),
    Uint8Array.of(0xa1, 0x64, 0x80 + Object.keys(d).length + 1),
    body.subarray(1),
    rawEncoder.encode(key),
    value,
  );
}

describe("code pad snapshots", () => {
  test("a code snapshot round-trips, and observers get it with src_seq", () => {
    const d = { text: "const sq = (x) => x * x;\n", lang: "javascript", qid: "q1" };
    assert.deepEqual(decodeClientFrame(encode("code", d, { seq: 3 })).d, d);
    const relayed = decodeServerFrame(encode("code", { ...d, src_seq: 3 }, { seq: 9, ts: 1 }));
    assert.deepEqual(relayed.d, { ...d, src_seq: 3 });
  });

  test("the limit counts UTF-8 bytes, not characters", () => {
    const max = DEFAULT_LIMITS.maxCodeBytes;
    const fits = "é".repeat(max / 2);
    assert.equal(decodeClientFrame(encode("code", { text: fits, lang: "python" }, { seq: 1 })).d.text, fits);
    assert.throws(
      () => decodeClientFrame(encode("code", { text: fits + "é", lang: "python" }, { seq: 1 })),
      (error) => error instanceof ProtocolError && error.code === ErrorCode.BAD_PAYLOAD,
    );
    assert.throws(() => checkClientMessage("code", { text: "x", lang: "cobol" }));
  });

  test("a question says when it is a coding question", () => {
    const d = { qid: "q", idx: 1, kind: "main", text: "Write it.", coding: true };
    assert.deepEqual(decodeServerFrame(encode("question", d, { seq: 1, ts: 1 })).d, d);
    const plain = decodeServerFrame(encode("question", { ...d, coding: false }, { seq: 1, ts: 1 })).d;
    assert.equal(plain.coding, undefined);
  });
});
