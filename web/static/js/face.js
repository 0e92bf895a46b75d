/**
 * Face metrics from the candidate's camera, measured in this browser.
 *
 * The camera (640×480) plays into a small preview `<video>`; `@vladmandic/human` (served
 * locally under `/vendor/human/`, models included) runs on TensorFlow.js's WebAssembly
 * backend (`/vendor/tfjs-wasm/`) and measures, one frame at a time:
 * presence, head yaw/pitch/roll in degrees, an eye-contact estimate 0..1 (head pose and gaze
 * both towards the camera), the top emotion and its score, a smile score (the "happy"
 * emotion) and a blink (both eyes nearly closed).
 *
 * Pacing. A detection starts only when the previous one has finished, at most every
 * `TARGET_INTERVAL_MS` (about 12 fps); when detections are slow the interval grows (twice
 * the last detection time), so the page stays responsive. Detection pauses while the tab
 * is hidden.
 *
 * Frames go to `onBatch(frames)` in batches of `BATCH_SIZE`; the caller decides whether to
 * send them. Only these numbers leave the page: never an image or the video.
 *
 * @module face
 */

const HUMAN_URL = "/vendor/human/dist/human.esm.js";
const TARGET_INTERVAL_MS = 80;
const MAX_INTERVAL_MS = 1000;
export const BATCH_SIZE = 5;
/** Head angle (degrees) at which the head-pose share of eye contact has fallen to ~0.6. */
const EYE_HEAD_SIGMA_DEG = 20;
/** Eye openness (lid gap / eye width) under which an eye counts as closed. */
const BLINK_RATIO = 0.12;

const HUMAN_CONFIG = {
  backend: "wasm",
  wasmPath: "/vendor/tfjs-wasm/",
  modelBasePath: "/vendor/human/models/",
  debug: false,
  async: true,
  warmup: "none",
  cacheSensitivity: 0,
  filter: { enabled: false },
  face: {
    enabled: true,
    detector: { rotation: false, maxDetected: 1, minConfidence: 0.3, return: false },
    mesh: { enabled: true },
    iris: { enabled: true },
    attention: { enabled: false },
    emotion: { enabled: true, minConfidence: 0.1 },
    description: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    gear: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
};

const DEG = 180 / Math.PI;

/** @param {number} value @param {number} [digits] */
function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** @param {number} value */
const clamp01 = (value) => Math.max(0, Math.min(1, value));

/** @param {number} deg wrapped into -180..180 */
function wrapDeg(deg) {
  let d = deg % 360;
  if (d > 180) d -= 360;
  if (d < -180) d += 360;
  return d;
}

/**
 * Eye contact 0..1: 1 when the head faces the camera and the eyes look straight ahead,
 * falling off (Gaussian) with the head angle and linearly with the gaze's strength.
 * @param {number} yawDeg
 * @param {number} pitchDeg
 * @param {number | undefined} gazeStrength 0 (centre) .. 1 (far to one side)
 */
export function eyeContact(yawDeg, pitchDeg, gazeStrength) {
  const angle2 = yawDeg * yawDeg + pitchDeg * pitchDeg;
  const head = Math.exp(-angle2 / (2 * EYE_HEAD_SIGMA_DEG * EYE_HEAD_SIGMA_DEG));
  const gaze = gazeStrength === undefined || !Number.isFinite(gazeStrength) ? 1 : 1 - clamp01(gazeStrength * 1.5);
  return clamp01(head * gaze);
}

/**
 * Eye openness from the mesh: lid gap over eye width, for one eye.
 * @param {number[][] | undefined} mesh
 * @param {[number, number, number, number]} idx upper, lower, corner, corner
 */
function eyeOpenness(mesh, [upper, lower, a, b]) {
  if (!mesh || mesh.length < 400) return undefined;
  const [pu, pl, pa, pb] = [mesh[upper], mesh[lower], mesh[a], mesh[b]];
  if (!pu || !pl || !pa || !pb) return undefined;
  const gap = Math.hypot(pu[0] - pl[0], pu[1] - pl[1]);
  const width = Math.hypot(pa[0] - pb[0], pa[1] - pb[1]);
  return width > 0 ? gap / width : undefined;
}

/**
 * One protocol frame from a Human face result (or none).
 * @param {number} t
 * @param {any} face
 */
export function toFrame(t, face) {
  /** @type {Record<string, unknown>} */
  const frame = { t, present: Boolean(face) };
  if (!face) return frame;
  const angle = face.rotation?.angle;
  if (angle && [angle.yaw, angle.pitch, angle.roll].every(Number.isFinite)) {
    const yaw = wrapDeg(angle.yaw * DEG);
    const pitch = wrapDeg(angle.pitch * DEG);
    frame.yaw = round(yaw);
    frame.pitch = round(pitch);
    frame.roll = round(wrapDeg(angle.roll * DEG));
    frame.eye_contact = round(eyeContact(yaw, pitch, face.rotation?.gaze?.strength), 3);
  }
  const emotions = Array.isArray(face.emotion) ? face.emotion : [];
  if (emotions.length > 0) {
    const top = emotions.reduce((a, b) => (b.score > a.score ? b : a));
    if (top.emotion) {
      frame.emotion = String(top.emotion).slice(0, 32);
      frame.emotion_score = round(clamp01(top.score), 3);
    }
    const happy = emotions.find((e) => e.emotion === "happy");
    frame.smile = round(clamp01(happy ? happy.score : 0), 3);
  }
  // MediaPipe face-mesh indices: right eye 159/145 lids, 33/133 corners; left eye 386/374, 263/362.
  const right = eyeOpenness(face.mesh, [159, 145, 33, 133]);
  const left = eyeOpenness(face.mesh, [386, 374, 263, 362]);
  if (right !== undefined && left !== undefined) frame.blink = right < BLINK_RATIO && left < BLINK_RATIO;
  return frame;
}

export class FaceTracker {
  /**
   * @param {object} options
   * @param {HTMLVideoElement} options.video the preview element
   * @param {(frames: Record<string, unknown>[]) => void} options.onBatch
   * @param {(text: string, kind: "starting" | "present" | "absent" | "unavailable" | "stopped") => void} options.onStatus
   * @param {(stream: MediaStream | null, problem?: string) => void} [options.onCamera] the camera opened (or not)
   */
  constructor({ video, onBatch, onStatus, onCamera }) {
    this.video = video;
    this.onCamera = onCamera ?? (() => {});
    this.onBatch = onBatch;
    this.onStatus = onStatus;
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {any} */
    this.human = null;
    this.running = false;
    this.busy = false;
    this.interval = TARGET_INTERVAL_MS;
    /** @type {Record<string, unknown>[]} */
    this.batch = [];
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.lastKind = "";
    /** @type {Promise<boolean> | null} */
    this.starting = null;
    this.frames = 0;
    this.stopped = false;
    // Leaving the page mid-detection must not let the library's work outlive the camera.
    window.addEventListener("pagehide", () => this.stop());
    // The library's own background work (model loading, a detection cut short) can fail
    // outside any call of ours; face metrics are optional, so such a failure is reported
    // in the console and the interview goes on.
    window.addEventListener("unhandledrejection", (event) => {
      const stack = String(event.reason?.stack ?? "");
      if (stack.includes("/vendor/human/") || stack.includes("/vendor/tfjs-wasm/")) {
        event.preventDefault();
        console.warn("face tracking failed in the background:", event.reason);
        this.#status("Face: face tracking stopped after an error. The interview continues.", "unavailable");
        this.running = false;
      }
    });
  }

  /** Open the camera and load the library once; resolves to whether tracking runs. */
  start() {
    if (this.starting) return this.starting;
    this.starting = (async () => {
      this.#status("Face: starting the camera…", "starting");
      if (!navigator.mediaDevices?.getUserMedia) {
        this.#status("Face: camera unavailable in this browser. The interview continues without face metrics.", "unavailable");
        this.onCamera(null, "not available in this browser.");
        return false;
      }
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 640 }, height: { ideal: 480 } },
          audio: false,
        });
      } catch (error) {
        const name = /** @type {any} */ (error)?.name ?? "";
        const why = name === "NotAllowedError" ? "permission was refused"
          : name === "NotFoundError" ? "no camera was found" : "it could not be opened";
        this.#status(`Face: camera unavailable (${why}). The interview continues without face metrics.`, "unavailable");
        this.onCamera(null, `unavailable (${why}).`);
        return false;
      }
      if (this.stopped) {
        for (const track of this.stream.getTracks()) track.stop();
        this.stream = null;
        return false;
      }
      this.video.muted = true;
      this.video.playsInline = true;
      this.video.srcObject = this.stream;
      try {
        await this.video.play();
      } catch {
        // autoplay of a muted video is allowed; frames still arrive if play() complains
      }
      this.onCamera(this.stream);
      this.#status("Face: loading face tracking…", "starting");
      try {
        const module = await import(HUMAN_URL);
        const Human = module.Human ?? module.default;
        this.human = new Human(HUMAN_CONFIG);
        await this.human.load();
      } catch (error) {
        console.warn("face tracking unavailable:", error);
        this.human = null;
        this.#status("Face: face tracking could not load. The interview continues without face metrics.", "unavailable");
        return false;
      }
      if (this.stopped) return false;
      this.running = true;
      this.#schedule(0);
      return true;
    })();
    return this.starting;
  }

  /** Forget the frames of the batch being filled (measured before sending was wanted). */
  discard() {
    this.batch = [];
  }

  /** Release the camera for good. */
  stop() {
    this.stopped = true;
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.batch = [];
    this.#status("Face: camera off.", "stopped");
  }

  /** @param {number} delay */
  #schedule(delay) {
    if (!this.running) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      // requestAnimationFrame waits for the page to be idle enough to paint; hidden tabs pause.
      requestAnimationFrame(() => this.#detect());
    }, delay);
  }

  async #detect() {
    if (!this.running || this.busy || this.stopped) return;
    if (document.hidden || this.video.readyState < 2) {
      this.#schedule(250);
      return;
    }
    this.busy = true;
    const started = performance.now();
    /** @type {any} */
    let face = null;
    let ok = true;
    try {
      const result = await this.human.detect(this.video);
      face = result?.face?.[0] ?? null;
    } catch (error) {
      ok = false;
      console.warn("face detection failed:", error);
    } finally {
      this.busy = false;
    }
    const took = performance.now() - started;
    this.interval = Math.min(MAX_INTERVAL_MS, Math.max(TARGET_INTERVAL_MS, took * 2));
    if (ok && this.running) {
      this.frames += 1;
      const frame = toFrame(Math.round(started), face);
      this.batch.push(frame);
      this.video.dataset.frames = String(this.frames);
      if (frame.present) this.#status("Face: in view.", "present");
      else this.#status("Face: not detected. Face the camera, with your face well lit.", "absent");
      if (this.batch.length >= BATCH_SIZE) {
        const frames = this.batch;
        this.batch = [];
        this.onBatch(frames);
      }
    }
    this.#schedule(Math.max(0, this.interval - took));
  }

  /**
   * @param {string} text
   * @param {"starting" | "present" | "absent" | "unavailable" | "stopped"} kind
   */
  #status(text, kind) {
    if (kind === this.lastKind && kind !== "starting") return;
    this.lastKind = kind;
    this.onStatus(text, kind);
  }
}
