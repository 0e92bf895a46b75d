/**
 * The live interview protocol, version 1: the JavaScript twin of the Python `protocol`
 * package (see `protocol/README.md`).
 *
 * - `encode(type, d, {seq, ts})` builds one binary frame: the MessagePack map
 *   `{t, seq?, ts?, d}`.
 * - `decodeServerFrame(bytes)` (what a browser receives) and `decodeClientFrame(bytes)`
 *   (what a server receives) validate a frame exactly like the Python codec and return
 *   `{t, seq, ts, d}` (`seq`/`ts` are `null` when absent), or throw a `ProtocolError`
 *   carrying the protocol's error code. `d` is normalised like the Python `to_payload()`:
 *   known fields only, absent optional fields (or `nil`) omitted, binary as `Uint8Array`.
 * - `checkClientMessage(type, d)` validates an outgoing payload before it is queued.
 *
 * Exact types. MessagePack tells integers from floats but JavaScript numbers do not, so
 * the decoder (a small subclass of the library's `Decoder`) wraps every decoded float in a
 * `FloatValue` until validation: an integer field refuses a float, even `1.0`; a number field
 * accepts both. Strings are decoded as strict UTF-8 (invalid bytes are a `bad_frame`).
 *
 * Known differences from the Python codec, all outside realistic traffic:
 * - integers beyond ±(2^53 − 1) are not exact in JavaScript: they are accepted within the
 *   signed 64-bit range like in Python but lose precision, and the few that round to
 *   ±2^63 are refused;
 * - a non-string map key anywhere in the frame is a `bad_frame` (Python reports a binary
 *   key nested inside a payload field as `bad_payload`), and a `__proto__` key is refused;
 * - `phase.paused` must be a boolean (Python also lets other falsy values through).
 *
 * The MessagePack library comes through `msgpack-loader.js` (`/vendor/msgpack/` in the
 * browser, `web/node_modules` under Node).
 *
 * @module protocol
 */

import { Decoder, Encoder, ExtensionCodec } from "./msgpack-loader.js";

export const PROTOCOL_VERSION = 1;

/** Error codes carried by `error` messages and by `ProtocolError.code`. */
export const ErrorCode = Object.freeze({
  BAD_FRAME: "bad_frame",
  BAD_PAYLOAD: "bad_payload",
  UNKNOWN_TYPE: "unknown_type",
  SEQ_GAP: "seq_gap",
  FORBIDDEN: "forbidden",
  RATE_LIMITED: "rate_limited",
  CONFLICT: "conflict",
  UNAVAILABLE: "unavailable",
  INTERNAL: "internal",
});

/** WebSocket close codes used by the protocol. */
export const CloseCode = Object.freeze({
  GOING_AWAY: 1001,
  TEXT_FRAME: 1003,
  POLICY: 1008,
  TOO_LARGE: 1009,
  INTERNAL: 1011,
  NOT_AUTHENTICATED: 4001,
  NO_HELLO: 4002,
  FORBIDDEN: 4003,
  NOT_FOUND: 4004,
  RATE_LIMITED: 4008,
  SUPERSEDED: 4009,
  TOO_FAR_BEHIND: 4010,
});

/**
 * @typedef {object} Limits What a decoder accepts; string lengths count code points.
 * @property {number} maxFrameBytes
 * @property {number} maxTranscriptChars
 * @property {number} maxNoteChars
 * @property {number} maxFaceFrames
 * @property {number} maxAudioBytes
 * @property {number} maxCodeBytes
 * @property {number} maxIdChars
 * @property {number} maxNameChars
 * @property {number} maxMimeChars
 * @property {number} maxEmotionChars
 * @property {number} maxLabelChars
 * @property {number} maxTextChars
 * @property {number} maxItems
 */

/** @type {Readonly<Limits>} */
export const DEFAULT_LIMITS = Object.freeze({
  maxFrameBytes: 256 * 1024,
  maxTranscriptChars: 4000,
  maxNoteChars: 2000,
  maxFaceFrames: 30,
  maxAudioBytes: 128 * 1024,
  maxCodeBytes: 64 * 1024,
  maxIdChars: 128,
  maxNameChars: 200,
  maxMimeChars: 100,
  maxEmotionChars: 32,
  maxLabelChars: 64,
  maxTextChars: 20000,
  maxItems: 200,
});

/** An error message may quote input; this keeps it short (as in Python). */
const MAX_ERROR_MESSAGE_CHARS = 500;
/** Non-empty containers nested deeper than this are a `bad_frame` (the Python unpacker's stack). */
const MAX_CONTAINER_DEPTH = 1024;
/** Report metrics may nest this deep. */
const MAX_METRICS_NESTING = 8;
const MAX_SCORE = 10;
/**
 * Protocol integers fit a signed 64-bit value. Beyond 2^53 JavaScript numbers are not
 * exact: such integers are accepted like in Python but lose precision, and values that
 * round to ±2^63 are refused.
 */
const INT64_LIMIT = 2 ** 63;

/** A frame or message the protocol rejects. */
export class ProtocolError extends Error {
  /**
   * @param {string} code one of `ErrorCode`
   * @param {string} message
   * @param {{ref?: number|null, fatal?: boolean, closeCode?: number|null}} [options]
   *   `ref`: the offending client `seq` when known; `fatal`: the connection ends, with
   *   `closeCode` (1008 unless given).
   */
  constructor(code, message, { ref = null, fatal = false, closeCode = null } = {}) {
    const text = String(message).slice(0, MAX_ERROR_MESSAGE_CHARS);
    super(text);
    this.name = "ProtocolError";
    this.code = code;
    this.message = text;
    /** @type {number|null} */
    this.ref = ref;
    this.fatal = fatal;
    /** @type {number|null} */
    this.closeCode = closeCode ?? (fatal ? CloseCode.POLICY : null);
  }
}

// ----- Message registries ------------------------------------------------------------------

/** Client → server data messages: they carry the stream `seq` and are stored. */
export const DATA_MESSAGE_TYPES = Object.freeze(
  new Set(["state", "transcript", "face", "audio", "note", "code"]),
);
/** Server → client logged events: they carry the event-log `seq` and `ts`. */
export const LOGGED_EVENT_TYPES = Object.freeze(
  new Set([
    "phase", "question", "feedback", "analysis", "report", "note",
    "transcript", "face", "audio", "state", "code",
  ]),
);
export const CLIENT_CONTROL_TYPES = Object.freeze(new Set(["hello", "ping"]));
export const SERVER_CONTROL_TYPES = Object.freeze(
  new Set(["welcome", "ack", "question.delta", "presence", "pong", "error"]),
);

// ----- Decoding MessagePack ----------------------------------------------------------------

/** A decoded MessagePack float, kept apart from integers until validation. */
class FloatValue {
  /** @param {number} value */
  constructor(value) {
    this.value = value;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The library's decoder with two hooks into the pinned build: floats come out wrapped in
 * `FloatValue`, and strings are decoded as strict UTF-8. Map keys must be strings.
 */
class StrictDecoder extends Decoder {
  readF32() {
    return new FloatValue(super.readF32());
  }

  readF64() {
    return new FloatValue(super.readF64());
  }

  /**
   * @param {number} byteLength
   * @param {number} headerOffset
   */
  decodeUtf8String(byteLength, headerOffset) {
    if (byteLength > this.maxStrLength) {
      throw new RangeError(`string of ${byteLength} bytes exceeds the frame`);
    }
    const start = this.pos + headerOffset;
    if (this.bytes.byteLength < start + byteLength) {
      throw new RangeError("Insufficient data");
    }
    const text = strictUtf8.decode(this.bytes.subarray(start, start + byteLength));
    this.pos = start + byteLength;
    return text;
  }
}

/**
 * Extension types: like Python, a negative type other than -1 (the timestamp) is invalid;
 * other extensions decode to values no field accepts.
 */
class StrictExtensions extends ExtensionCodec {
  /**
   * @param {Uint8Array} data
   * @param {number} type
   * @param {unknown} context
   */
  decode(data, type, context) {
    if (type < -1) throw new RangeError(`reserved extension type ${type}`);
    return super.decode(data, type, context);
  }
}
const extensions = new StrictExtensions();

/** @param {unknown} key */
function stringKey(key) {
  if (typeof key !== "string") throw new TypeError("map keys must be strings");
  return key;
}

/**
 * Check once that the hooks above reach the library (a different build would silently
 * decode `1.0` as `1` and accept invalid UTF-8).
 */
function assertDecoderHooks() {
  const decoder = new StrictDecoder({ keyDecoder: null, mapKeyConverter: stringKey });
  const one = decoder.decode(Uint8Array.of(0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0));
  let lenient = true;
  try {
    decoder.decode(Uint8Array.of(0xa1, 0xff));
  } catch {
    lenient = false;
  }
  if (!(one instanceof FloatValue) || lenient) {
    throw new Error("protocol.js: unsupported @msgpack/msgpack build; use the pinned version");
  }
}
assertDecoderHooks();

/**
 * @param {Uint8Array} bytes
 * @returns {unknown}
 */
function unpack(bytes) {
  const size = bytes.byteLength;
  const decoder = new StrictDecoder({
    extensionCodec: extensions,
    keyDecoder: null,
    mapKeyConverter: stringKey,
    maxStrLength: size,
    maxBinLength: size,
    maxArrayLength: size,
    maxMapLength: Math.floor(size / 2),
    maxExtLength: size,
  });
  let value;
  try {
    value = decoder.decode(bytes);
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ProtocolError(ErrorCode.BAD_FRAME, `not valid MessagePack (${detail})`.slice(0, 200));
  }
  if (exceedsDepth(value, 1)) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "not valid MessagePack (nested too deeply)");
  }
  return value;
}

/**
 * @param {unknown} value
 * @param {number} depth the nesting level of `value` if it is a container
 */
function exceedsDepth(value, depth) {
  const children = Array.isArray(value) ? value : isMap(value) ? Object.values(value) : null;
  if (children === null || children.length === 0) return false;
  if (depth > MAX_CONTAINER_DEPTH) return true;
  return children.some((child) => exceedsDepth(child, depth + 1));
}

// ----- Value checks (messages mirror the Python field checks) ------------------------------

/** A payload that fails validation; turned into a `bad_payload` `ProtocolError`. */
class PayloadError extends Error {}

/** @param {string} message */
function invalid(message) {
  return new PayloadError(message);
}

/**
 * A plain MessagePack map (decoded maps are plain objects).
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isMap(value) {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * @param {unknown} value
 * @returns {value is number}
 */
function isInt(value) {
  return (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value > -INT64_LIMIT &&
    value < INT64_LIMIT
  );
}

/** @param {unknown} value */
function kindOf(value) {
  if (value === null || value === undefined) return "nil";
  if (value instanceof FloatValue) return "float";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  if (value instanceof Uint8Array) return "binary";
  if (Array.isArray(value)) return "list";
  if (isMap(value)) return "map";
  return "extension";
}

/**
 * @param {Record<string, unknown>} d
 * @param {string} key
 */
function field(d, key) {
  const value = Object.hasOwn(d, key) ? d[key] : undefined;
  return value === null ? undefined : value; // nil counts as absent
}

/**
 * @param {Record<string, unknown>} d
 * @param {string} key
 */
function required(d, key) {
  const value = field(d, key);
  if (value === undefined) throw invalid(`${key}: required`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} [minimum]
 * @returns {number}
 */
function int(value, name, minimum = 0) {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw invalid(`${name}: must be an integer, not ${kindOf(value)}`);
  }
  if (!isInt(value)) throw invalid(`${name}: out of range`);
  if (value < minimum) throw invalid(`${name}: must be at least ${minimum}`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} [minimum]
 */
function optionalInt(value, name, minimum = 0) {
  return value === undefined ? undefined : int(value, name, minimum);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} [minimum]
 * @param {number} [maximum]
 * @returns {number}
 */
function number(value, name, minimum = -Infinity, maximum = Infinity) {
  const n = value instanceof FloatValue ? value.value : value;
  if (typeof n !== "number") throw invalid(`${name}: must be a number, not ${kindOf(value)}`);
  if (!Number.isFinite(n)) throw invalid(`${name}: must be finite`);
  if (!(value instanceof FloatValue) && !isInt(n)) {
    throw invalid(`${name}: out of range`);
  }
  if (n < minimum || n > maximum) {
    throw invalid(`${name}: must be between ${minimum} and ${maximum}`);
  }
  return n;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} [minimum]
 * @param {number} [maximum]
 */
function optionalNumber(value, name, minimum, maximum) {
  return value === undefined ? undefined : number(value, name, minimum, maximum);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {boolean}
 */
function bool(value, name) {
  if (typeof value !== "boolean") throw invalid(`${name}: must be a boolean, not ${kindOf(value)}`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {{max: number, nonEmpty?: boolean}} rules
 * @returns {string}
 */
function str(value, name, { max, nonEmpty = false }) {
  if (typeof value !== "string") throw invalid(`${name}: must be a string, not ${kindOf(value)}`);
  if (value.length > max && codePoints(value) > max) {
    throw invalid(`${name}: longer than ${max} characters`);
  }
  if (nonEmpty && value.length === 0) throw invalid(`${name}: must not be empty`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {{max: number, nonEmpty?: boolean}} rules
 */
function optionalStr(value, name, rules) {
  return value === undefined ? undefined : str(value, name, rules);
}

/** @param {string} text */
function codePoints(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * @template {string} T
 * @param {readonly T[]} choices
 * @param {unknown} value
 * @param {string} name
 * @returns {T}
 */
function oneOf(choices, value, name) {
  if (typeof value === "string" && choices.includes(/** @type {T} */ (value))) {
    return /** @type {T} */ (value);
  }
  throw invalid(`${name}: must be one of ${choices.map((c) => `'${c}'`).join(", ")}`);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} max
 * @returns {unknown[]}
 */
function list(value, name, max) {
  if (!Array.isArray(value)) throw invalid(`${name}: must be a list, not ${kindOf(value)}`);
  if (value.length > max) throw invalid(`${name}: more than ${max} items`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} max
 * @returns {Record<string, unknown>}
 */
function map(value, name, max) {
  if (!isMap(value)) throw invalid(`${name}: must be a map, not ${kindOf(value)}`);
  if (Object.keys(value).length > max) throw invalid(`${name}: more than ${max} entries`);
  return value;
}

/**
 * @param {unknown} value
 * @param {string} name
 * @param {number} max
 * @returns {Uint8Array}
 */
function bin(value, name, max) {
  if (!(value instanceof Uint8Array)) throw invalid(`${name}: must be binary, not ${kindOf(value)}`);
  if (value.byteLength > max) throw invalid(`${name}: longer than ${max} bytes`);
  return value.slice(); // a copy, independent of the frame's buffer
}

/**
 * A free-form report value: maps with string keys, lists, strings, finite numbers,
 * booleans and nil, nested at most `MAX_METRICS_NESTING` levels.
 * @param {unknown} value
 * @param {string} name
 * @param {number} depth
 * @returns {unknown}
 */
function json(value, name, depth) {
  if (depth > MAX_METRICS_NESTING) {
    throw invalid(`${name}: nested deeper than ${MAX_METRICS_NESTING} levels`);
  }
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number" || value instanceof FloatValue) return number(value, name);
  if (Array.isArray(value)) return value.map((item, i) => json(item, `${name}[${i}]`, depth + 1));
  if (isMap(value)) {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = json(item, `${name}.${key}`, depth + 1);
    }
    return out;
  }
  throw invalid(`${name}: unsupported value ${kindOf(value)}`);
}

/**
 * A payload object in field order, without absent optional fields.
 * @param {Record<string, unknown>} fields
 * @returns {Record<string, unknown>}
 */
function compact(fields) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// ----- Payload parsers ---------------------------------------------------------------------
// Each takes the decoded `d` and the limits and returns the normalised payload, throwing
// `PayloadError` (or `ProtocolError` for fatal messages).

/** @typedef {(d: Record<string, any>, limits: Limits) => Record<string, unknown>} Parser */

const ROLES = ["candidate", "observer"];
const STATE_ACTIONS = ["start", "answer_start", "answer_end", "skip", "pause", "resume", "finish"];
const TRANSCRIPT_SOURCES = ["speech", "typed"];
const NOTE_TARGETS = ["candidate", "observers"];
const PHASES = ["lobby", "asking", "answering", "reviewing", "finished"];
const INTERVIEW_KINDS = ["technical", "behavioral", "mixed"];
const QUESTION_KINDS = ["main", "follow_up", "instructor"];
const FEEDBACK_LEVELS = ["good", "info", "warn"];
const CODE_LANGUAGES = ["python", "javascript"];
const ERROR_CODES = Object.values(ErrorCode);

export const Enums = Object.freeze({
  ROLES, STATE_ACTIONS, TRANSCRIPT_SOURCES, NOTE_TARGETS, PHASES, INTERVIEW_KINDS,
  QUESTION_KINDS, FEEDBACK_LEVELS, ERROR_CODES, CODE_LANGUAGES,
});

/**
 * Without a valid `hello` (client) or `welcome` (server) the connection cannot proceed:
 * every failure of these is fatal.
 * @param {Parser} parse
 * @returns {Parser}
 */
function fatalOnError(parse) {
  return (d, limits) => {
    try {
      return parse(d, limits);
    } catch (error) {
      if (error instanceof PayloadError || error instanceof ProtocolError) {
        const code = error instanceof ProtocolError ? error.code : ErrorCode.BAD_PAYLOAD;
        throw new ProtocolError(code, error.message, { fatal: true });
      }
      throw error;
    }
  };
}

/** @param {unknown} v */
function version(v) {
  if (!isInt(v) || v !== PROTOCOL_VERSION) {
    throw invalid(`v: unsupported protocol version (this codec speaks ${PROTOCOL_VERSION})`);
  }
  return v;
}

/** @type {Parser} */
const hello = fatalOnError((d, limits) => {
  const v = version(required(d, "v"));
  const role = oneOf(ROLES, required(d, "role"), "role");
  const stream = optionalStr(field(d, "stream"), "stream", { max: limits.maxIdChars, nonEmpty: true });
  if (role === "candidate" && stream === undefined) throw invalid("stream: required for a candidate");
  const lastSeq = int(required(d, "last_seq"), "last_seq");
  return compact({ v, role, stream, last_seq: lastSeq });
});

/** @type {Parser} */
const empty = () => ({});

/** @type {Parser} */
const state = (d) => ({ action: oneOf(STATE_ACTIONS, required(d, "action"), "action") });

/** @type {Parser} */
const transcript = (d, limits) =>
  compact({
    seg: int(required(d, "seg"), "seg"),
    text: str(required(d, "text"), "text", { max: limits.maxTranscriptChars }),
    final: bool(required(d, "final"), "final"),
    conf: optionalNumber(field(d, "conf"), "conf", 0, 1),
    src: oneOf(TRANSCRIPT_SOURCES, required(d, "src"), "src"),
  });

/** @type {Parser} */
const faceFrame = (d, limits) =>
  compact({
    t: int(required(d, "t"), "t"),
    present: bool(required(d, "present"), "present"),
    yaw: optionalNumber(field(d, "yaw"), "yaw", -180, 180),
    pitch: optionalNumber(field(d, "pitch"), "pitch", -180, 180),
    roll: optionalNumber(field(d, "roll"), "roll", -180, 180),
    eye_contact: optionalNumber(field(d, "eye_contact"), "eye_contact", 0, 1),
    emotion: optionalStr(field(d, "emotion"), "emotion", {
      max: limits.maxEmotionChars,
      nonEmpty: true,
    }),
    emotion_score: optionalNumber(field(d, "emotion_score"), "emotion_score", 0, 1),
    smile: optionalNumber(field(d, "smile"), "smile", 0, 1),
    blink: field(d, "blink") === undefined ? undefined : bool(field(d, "blink"), "blink"),
  });

/** @type {Parser} */
const face = (d, limits) => {
  const items = list(required(d, "frames"), "frames", limits.maxFaceFrames);
  if (items.length === 0) throw invalid("frames: at least one frame is required");
  const frames = items.map((item, i) =>
    faceFrame(map(item, `frames[${i}]`, limits.maxItems), limits),
  );
  return { frames };
};

/** @type {Parser} */
const audio = (d, limits) => ({
  chunk: int(required(d, "chunk"), "chunk"),
  mime: str(required(d, "mime"), "mime", { max: limits.maxMimeChars, nonEmpty: true }),
  data: bin(required(d, "data"), "data", limits.maxAudioBytes),
});

/** @type {Parser} */
const noteRequest = (d, limits) => ({
  text: str(required(d, "text"), "text", { max: limits.maxNoteChars, nonEmpty: true }),
  to: oneOf(NOTE_TARGETS, required(d, "to"), "to"),
});

const utf8 = new TextEncoder();

/**
 * The code pad's text: at most `max` bytes in UTF-8 (a UTF-16 unit is at most 3 bytes, so
 * only long texts are encoded to be measured).
 * @param {unknown} value
 * @param {number} max
 */
function codeText(value, max) {
  const text = str(value, "text", { max: Infinity });
  if (3 * text.length > max && utf8.encode(text).length > max) {
    throw invalid(`text: longer than ${max} bytes in UTF-8`);
  }
  return text;
}

/** @type {Parser} */
const code = (d, limits) =>
  compact({
    text: codeText(required(d, "text"), limits.maxCodeBytes),
    lang: oneOf(CODE_LANGUAGES, required(d, "lang"), "lang"),
    qid: optionalStr(field(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
  });

/** @type {Parser} */
const interviewSummary = (d, limits) => ({
  id: str(required(d, "id"), "interview.id", { max: limits.maxIdChars, nonEmpty: true }),
  status: str(required(d, "status"), "interview.status", {
    max: limits.maxLabelChars,
    nonEmpty: true,
  }),
  phase: oneOf(PHASES, required(d, "phase"), "interview.phase"),
  kind: oneOf(INTERVIEW_KINDS, required(d, "kind"), "interview.kind"),
  role_title: str(required(d, "role_title"), "interview.role_title", { max: limits.maxNameChars }),
  question_idx: int(required(d, "question_idx"), "interview.question_idx"),
  questions_total: int(required(d, "questions_total"), "interview.questions_total"),
});

/** @type {Parser} */
const welcome = fatalOnError((d, limits) => {
  const v = version(required(d, "v"));
  const interview = map(required(d, "interview"), "interview", limits.maxItems);
  return {
    v,
    interview: interviewSummary(interview, limits),
    acked: int(required(d, "acked"), "acked"),
    head: int(required(d, "head"), "head"),
    server_time: int(required(d, "server_time"), "server_time"),
  };
});

/** @type {Parser} */
const ack = (d) => ({ upto: int(required(d, "upto"), "upto") });

/** @type {Parser} */
const questionDelta = (d, limits) => ({
  qid: str(required(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
  text: str(required(d, "text"), "text", { max: limits.maxTextChars }),
});

/** @type {Parser} */
const presence = (d, limits) => {
  const items = list(required(d, "observers"), "observers", limits.maxItems);
  const observers = items.map((item, i) => {
    const o = map(item, `observers[${i}]`, limits.maxItems);
    return {
      user: str(required(o, "user"), "user", { max: limits.maxIdChars, nonEmpty: true }),
      name: str(required(o, "name"), "name", { max: limits.maxNameChars }),
    };
  });
  return { observers };
};

/** @type {Parser} */
const error = (d, limits) =>
  compact({
    code: oneOf(ERROR_CODES, required(d, "code"), "code"),
    message: str(required(d, "message"), "message", { max: limits.maxTextChars }),
    ref: optionalInt(field(d, "ref"), "ref", 1),
    fatal: bool(required(d, "fatal"), "fatal"),
    expected: optionalInt(field(d, "expected"), "expected", 1),
  });

/** @type {Parser} */
const phase = (d, limits) => {
  const paused = field(d, "paused");
  return compact({
    phase: oneOf(PHASES, required(d, "phase"), "phase"),
    qid: optionalStr(field(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
    idx: optionalInt(field(d, "idx"), "idx"),
    paused: paused !== undefined && bool(paused, "paused") ? true : undefined,
  });
};

/** @type {Parser} */
const question = (d, limits) =>
  compact({
    qid: str(required(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
    idx: int(required(d, "idx"), "idx"),
    kind: oneOf(QUESTION_KINDS, required(d, "kind"), "kind"),
    text: str(required(d, "text"), "text", { max: limits.maxTextChars, nonEmpty: true }),
    parent_qid: optionalStr(field(d, "parent_qid"), "parent_qid", {
      max: limits.maxIdChars,
      nonEmpty: true,
    }),
    coding:
      field(d, "coding") !== undefined && bool(field(d, "coding"), "coding") ? true : undefined,
  });

/** @type {Parser} */
const feedback = (d, limits) =>
  compact({
    fid: str(required(d, "fid"), "fid", { max: limits.maxIdChars, nonEmpty: true }),
    qid: optionalStr(field(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
    kind: str(required(d, "kind"), "kind", { max: limits.maxLabelChars, nonEmpty: true }),
    level: oneOf(FEEDBACK_LEVELS, required(d, "level"), "level"),
    message: str(required(d, "message"), "message", { max: limits.maxTextChars }),
    value: optionalNumber(field(d, "value"), "value"),
  });

/**
 * @param {Record<string, unknown>} d
 * @param {string} key
 * @param {Limits} limits
 * @returns {string[]}
 */
function texts(d, key, limits) {
  return list(required(d, key), key, limits.maxItems).map((item, i) =>
    str(item, `${key}[${i}]`, { max: limits.maxTextChars }),
  );
}

/** @type {Parser} */
const analysis = (d, limits) => {
  const rubricIn = map(required(d, "rubric"), "rubric", limits.maxItems);
  /** @type {Record<string, number>} */
  const rubric = {};
  for (const [name, score] of Object.entries(rubricIn)) {
    str(name, "rubric key", { max: limits.maxLabelChars, nonEmpty: true });
    rubric[name] = number(score, `rubric['${name}']`, 0, MAX_SCORE);
  }
  return {
    qid: str(required(d, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
    score: number(required(d, "score"), "score", 0, MAX_SCORE),
    summary: str(required(d, "summary"), "summary", { max: limits.maxTextChars }),
    strengths: texts(d, "strengths", limits),
    improvements: texts(d, "improvements", limits),
    rubric,
  };
};

/** @type {Parser} */
const report = (d, limits) => {
  const rows = list(required(d, "per_question"), "per_question", limits.maxItems);
  const perQuestion = rows.map((row, i) => {
    const r = map(row, `per_question[${i}]`, limits.maxItems);
    return {
      qid: str(required(r, "qid"), "qid", { max: limits.maxIdChars, nonEmpty: true }),
      score: number(required(r, "score"), "score", 0, MAX_SCORE),
    };
  });
  const metrics = map(required(d, "metrics"), "metrics", limits.maxItems);
  return {
    score: number(required(d, "score"), "score", 0, MAX_SCORE),
    summary: str(required(d, "summary"), "summary", { max: limits.maxTextChars }),
    per_question: perQuestion,
    metrics: json(metrics, "metrics", 0),
  };
};

/** @type {Parser} */
const noteEvent = (d, limits) =>
  compact({
    from: str(required(d, "from"), "from", { max: limits.maxIdChars, nonEmpty: true }),
    text: str(required(d, "text"), "text", { max: limits.maxNoteChars, nonEmpty: true }),
    to: oneOf(NOTE_TARGETS, required(d, "to"), "to"),
    name: optionalStr(field(d, "name"), "name", { max: limits.maxNameChars }),
  });

/**
 * The candidate's message as observers receive it: the stored payload plus `src_seq`.
 * @param {Parser} parse
 * @returns {Parser}
 */
function relayed(parse) {
  return (d, limits) => {
    const message = parse(d, limits);
    return { ...message, src_seq: int(required(d, "src_seq"), "src_seq", 1) };
  };
}

/** @type {Readonly<Record<string, Parser>>} */
const CLIENT_PARSERS = Object.freeze({
  hello,
  ping: empty,
  state,
  transcript,
  face,
  audio,
  note: noteRequest,
  code,
});

/** @type {Readonly<Record<string, Parser>>} */
const SERVER_PARSERS = Object.freeze({
  welcome,
  ack,
  "question.delta": questionDelta,
  presence,
  pong: empty,
  error,
  phase,
  question,
  feedback,
  analysis,
  report,
  note: noteEvent,
  state: relayed(state),
  transcript: relayed(transcript),
  face: relayed(face),
  audio: relayed(audio),
  code: relayed(code),
});

// ----- The codec ---------------------------------------------------------------------------

/**
 * @typedef {object} Envelope A decoded frame.
 * @property {string} t message type
 * @property {number|null} seq stream seq (data messages) or event-log seq (logged events)
 * @property {number|null} ts sender's clock, ms since the Unix epoch
 * @property {Record<string, any>} d the validated, normalised payload
 */

/** @typedef {ArrayBuffer | ArrayBufferView | string} Frame a WebSocket message */

const encoder = new Encoder({ ignoreUndefined: true });

/**
 * One binary frame: the MessagePack map `{t, seq?, ts?, d}`. Integers are encoded as
 * MessagePack integers, other numbers as float64, `Uint8Array` as binary; `undefined`
 * fields are left out. The payload is not validated here (see `checkClientMessage`).
 * @param {string} type
 * @param {Record<string, unknown>} [d]
 * @param {{seq?: number|null, ts?: number|null}} [envelope]
 * @returns {Uint8Array}
 */
export function encode(type, d = {}, { seq = null, ts = null } = {}) {
  if (typeof type !== "string" || type === "") throw new TypeError("type: a non-empty string");
  if (!isMap(d)) throw new TypeError("d: a plain object");
  /** @type {Record<string, unknown>} */
  const frame = { t: type };
  if (seq !== null && seq !== undefined) {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new TypeError("seq: an integer >= 1");
    frame.seq = seq;
  }
  if (ts !== null && ts !== undefined) {
    if (!Number.isSafeInteger(ts) || ts < 0) throw new TypeError("ts: an integer >= 0");
    frame.ts = ts;
  }
  frame.d = d;
  return encoder.encode(frame);
}

/**
 * A frame received by a client. `note` is the logged note event; `transcript`, `face`,
 * `audio` and `state` are the relayed forms carrying `src_seq`.
 * @param {Frame} frame
 * @param {Limits} [limits]
 * @returns {Envelope}
 * @throws {ProtocolError}
 */
export function decodeServerFrame(frame, limits = DEFAULT_LIMITS) {
  return decode(frame, limits, SERVER_PARSERS, LOGGED_EVENT_TYPES, true);
}

/**
 * A frame received by the server. `note` is an instructor's note request; `transcript`,
 * `face`, `audio` and `state` are the candidate's plain messages.
 * @param {Frame} frame
 * @param {Limits} [limits]
 * @returns {Envelope}
 * @throws {ProtocolError}
 */
export function decodeClientFrame(frame, limits = DEFAULT_LIMITS) {
  return decode(frame, limits, CLIENT_PARSERS, DATA_MESSAGE_TYPES, false);
}

/**
 * Validate an outgoing client payload exactly as the server will see it: the message is
 * encoded and decoded again (an integer field given a non-integer becomes a float on the
 * wire and is refused). Returns the normalised payload; throws `ProtocolError` (`ref`
 * null) for an unknown type or an invalid payload.
 * @param {string} type
 * @param {Record<string, unknown>} d
 * @param {Limits} [limits]
 * @returns {Record<string, any>}
 * @throws {ProtocolError}
 */
export function checkClientMessage(type, d, limits = DEFAULT_LIMITS) {
  if (typeof type !== "string" || !Object.hasOwn(CLIENT_PARSERS, type)) {
    throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `unknown message type '${String(type).slice(0, 40)}'`);
  }
  if (!isMap(d)) throw new ProtocolError(ErrorCode.BAD_FRAME, "d: required, a map");
  let frame;
  try {
    frame = encode(type, d, { seq: DATA_MESSAGE_TYPES.has(type) ? 1 : null });
  } catch (error) {
    throw new ProtocolError(ErrorCode.BAD_PAYLOAD, `cannot be encoded: ${String(error)}`);
  }
  try {
    return decodeClientFrame(frame, limits).d;
  } catch (error) {
    if (error instanceof ProtocolError) error.ref = null;
    throw error;
  }
}

/**
 * @param {Frame} frame
 * @returns {Uint8Array}
 */
function asBytes(frame) {
  if (frame instanceof Uint8Array) return frame;
  if (ArrayBuffer.isView(frame)) return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame instanceof ArrayBuffer) return new Uint8Array(frame);
  throw new ProtocolError(ErrorCode.BAD_FRAME, "a frame must be binary");
}

/**
 * @param {Frame} frame
 * @param {Limits} limits
 * @param {Readonly<Record<string, Parser>>} registry
 * @param {ReadonlySet<string>} sequenced
 * @param {boolean} needsTs
 * @returns {Envelope}
 */
function decode(frame, limits, registry, sequenced, needsTs) {
  if (typeof frame === "string") {
    throw new ProtocolError(ErrorCode.BAD_FRAME, "text frames are not accepted; send binary MessagePack", {
      fatal: true,
      closeCode: CloseCode.TEXT_FRAME,
    });
  }
  const bytes = asBytes(frame);
  if (bytes.byteLength > limits.maxFrameBytes) {
    throw new ProtocolError(
      ErrorCode.BAD_FRAME,
      `frame of ${bytes.byteLength} bytes exceeds the limit of ${limits.maxFrameBytes} bytes`,
      { fatal: true, closeCode: CloseCode.TOO_LARGE },
    );
  }
  const envelope = unpack(bytes);
  if (!isMap(envelope)) throw new ProtocolError(ErrorCode.BAD_FRAME, "frame must be a MessagePack map");

  const seq = field(envelope, "seq");
  let validSeq = isInt(seq) && seq >= 1 ? seq : null;
  const t = field(envelope, "t");
  if (typeof t !== "string") throw badFrame("t: required, a string", validSeq);
  const parse = Object.hasOwn(registry, t) ? registry[t] : undefined;
  if (parse !== undefined && !sequenced.has(t)) validSeq = null; // control messages ignore seq
  const d = field(envelope, "d");
  if (!isMap(d)) throw badFrame("d: required, a map", validSeq);
  const ts = field(envelope, "ts");
  if (ts !== undefined && !(isInt(ts) && ts >= 0)) {
    throw badFrame("ts: must be a non-negative integer", validSeq);
  }

  if (parse === undefined) {
    throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `unknown message type '${t.slice(0, 40)}'`, {
      ref: validSeq,
    });
  }
  if (sequenced.has(t)) {
    if (validSeq === null) throw badFrame(`seq: '${t}' requires an integer seq >= 1`, null);
    if (needsTs && ts === undefined) throw badFrame(`ts: required on '${t}'`, validSeq);
  }
  const time = ts === undefined ? null : /** @type {number} */ (ts);
  return { t, seq: validSeq, ts: time, d: parsePayload(parse, d, limits, validSeq) };
}

/**
 * @param {Parser} parse
 * @param {Record<string, unknown>} d
 * @param {Limits} limits
 * @param {number|null} ref
 */
function parsePayload(parse, d, limits, ref) {
  try {
    return parse(d, limits);
  } catch (error) {
    if (error instanceof PayloadError) {
      throw new ProtocolError(ErrorCode.BAD_PAYLOAD, error.message, { ref });
    }
    if (error instanceof ProtocolError) {
      error.ref = ref;
    }
    throw error;
  }
}

/**
 * @param {string} message
 * @param {number|null} ref
 */
function badFrame(message, ref) {
  return new ProtocolError(ErrorCode.BAD_FRAME, message, { ref });
}
