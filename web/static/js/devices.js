/**
 * The lobby's device check: camera preview, microphone level meter (Web Audio
 * `AnalyserNode`) and whether the browser has speech recognition. Nothing is recorded or
 * sent; `stop()` releases the microphone when the interview starts.
 *
 * @module devices
 */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} id the check's `<li>`
 * @param {string} text
 * @param {"checking" | "ok" | "missing"} kind
 * @param {HTMLElement} [span] where the text goes (the first `<span>` otherwise)
 */
function setCheck(id, text, kind, span) {
  const item = $(id);
  item.dataset.kind = kind;
  const target = span ?? /** @type {HTMLElement} */ (item.querySelector("span"));
  target.textContent = text;
  item.classList.toggle("text-warning", kind === "missing");
  item.classList.toggle("text-success", kind === "ok");
}

export class DeviceCheck {
  constructor() {
    /** @type {MediaStream | null} */
    this.micStream = null;
    /** @type {AudioContext | null} */
    this.audioContext = null;
    /** @type {number | null} */
    this.meterFrame = null;
    this.stopped = false;
    this.peak = 0;
  }

  /** @param {boolean} speechSupported */
  start(speechSupported) {
    if (this.stopped) return;
    setCheck(
      "check-speech",
      speechSupported
        ? "Voice input: available (the transcript comes from your browser's speech service)."
        : "Voice input: not available in this browser. You can type your answers.",
      speechSupported ? "ok" : "missing",
    );
    $("btn-mic-check").addEventListener("click", () => this.#resumeAudio());
    this.#startMic();
  }

  /**
   * The camera part follows the face tracker (one camera stream for both).
   * @param {MediaStream | null} stream
   * @param {string} [problem]
   */
  showCamera(stream, problem) {
    const video = /** @type {HTMLVideoElement} */ ($("check-video"));
    if (stream && !this.stopped) {
      video.srcObject = stream;
      video.play().catch(() => {});
      setCheck("check-camera", "Camera: working (preview shown; the video stays in this browser).", "ok");
    } else if (problem) {
      video.hidden = true;
      setCheck("check-camera", `Camera: ${problem} The interview works without it (no face metrics).`, "missing");
    }
  }

  async #startMic() {
    const text = $("check-mic-text");
    if (!navigator.mediaDevices?.getUserMedia || !(window.AudioContext || /** @type {any} */ (window).webkitAudioContext)) {
      setCheck("check-mic", "Microphone: this browser cannot measure the microphone.", "missing", text);
      return;
    }
    try {
      this.micStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (error) {
      const name = /** @type {any} */ (error)?.name ?? "";
      const why = name === "NotAllowedError" ? "permission was refused"
        : name === "NotFoundError" ? "no microphone was found" : "it could not be opened";
      setCheck("check-mic", `Microphone: unavailable (${why}). Your answers will not be recorded; you can type them.`, "missing", text);
      $("mic-meter").hidden = true;
      return;
    }
    if (this.stopped) {
      this.#releaseMic();
      return;
    }
    const Context = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    const context = new Context();
    this.audioContext = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(this.micStream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const bar = $("mic-meter-bar");
    const meter = $("mic-meter");
    setCheck("check-mic", "Microphone: working. Say something: the bar should move.", "ok", text);
    const tick = () => {
      if (this.stopped) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const rms = Math.sqrt(sum / samples.length);
      // About -50 dBFS (silence) .. -10 dBFS (loud speech) onto 0..100.
      const db = 20 * Math.log10(Math.max(rms, 1e-6));
      const level = Math.round(Math.max(0, Math.min(1, (db + 50) / 40)) * 100);
      this.peak = Math.max(this.peak, level);
      bar.style.width = `${level}%`;
      meter.setAttribute("aria-valuenow", String(level));
      meter.dataset.peak = String(this.peak);
      this.meterFrame = requestAnimationFrame(tick);
    };
    if (context.state === "suspended") {
      // Browsers may hold audio until the page is clicked.
      setCheck("check-mic", "Microphone: allowed. Click “Test the microphone” to see its level.", "ok", text);
      $("btn-mic-check").hidden = false;
    }
    this.meterFrame = requestAnimationFrame(tick);
  }

  async #resumeAudio() {
    try {
      await this.audioContext?.resume();
      $("btn-mic-check").hidden = true;
      setCheck("check-mic", "Microphone: working. Say something: the bar should move.", "ok", $("check-mic-text"));
    } catch {
      // stays suspended; the message already says what to do
    }
  }

  #releaseMic() {
    for (const track of this.micStream?.getTracks() ?? []) track.stop();
    this.micStream = null;
  }

  /** The interview has started: release the microphone and stop the meter. */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.meterFrame !== null) cancelAnimationFrame(this.meterFrame);
    this.#releaseMic();
    this.audioContext?.close().catch(() => {});
    this.audioContext = null;
    const video = /** @type {HTMLVideoElement} */ ($("check-video"));
    video.srcObject = null;
  }
}
