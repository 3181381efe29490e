// The capture AudioWorkletProcessor: a thin shim over the Rust DSP (capture-dsp.wasm).
// The main thread compiles the module and passes it in processorOptions.module; it is
// instantiated synchronously here (no wasm-bindgen: its glue needs APIs this scope lacks).
// Per render quantum: copy the input into wasm memory, call dsp_process, and post any
// completed chunk (2048 samples, or the size asked for in processorOptions.chunk). Views are created once; nothing is allocated per quantum.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.running = true;
    this.firstFrame = -1;
    try {
      const instance = new WebAssembly.Instance(options.processorOptions.module, {});
      this.dsp = instance.exports;
      this.handle = this.dsp.dsp_new(sampleRate);
      if (!this.handle) throw new Error(`unsupported sample rate ${sampleRate} Hz`);
      // A chunk size the page asked for (a setting); the DSP keeps 2048 for any other.
      this.chunkSize = this.dsp.dsp_set_chunk(this.handle, options.processorOptions.chunk ?? 0);
      this.memory = this.dsp.memory;
      this.makeViews();
    } catch (e) {
      this.running = false;
      this.port.postMessage({ type: 'error', message: String(e && e.message || e) });
      return;
    }
    this.port.onmessage = (e) => {
      if (e.data === 'flush') {
        this.post(this.dsp.dsp_flush(this.handle));
        this.port.postMessage({ type: 'flushed' });
      } else if (e.data === 'stop') {
        this.running = false;
        this.dsp.dsp_free(this.handle);
        this.handle = 0;
      }
    };
  }

  makeViews() {
    this.buffer = this.memory.buffer;
    this.input = new Float32Array(this.buffer, this.dsp.dsp_input_ptr(this.handle), 4096);
  }

  post(ready) {
    for (let i = 0; i < ready; i++) {
      const len = this.dsp.dsp_chunk_len(this.handle, i);
      const view = new Int16Array(this.memory.buffer, this.dsp.dsp_chunk_ptr(this.handle, i), len);
      const samples = view.slice(); // one copy per chunk (every 128 ms), transferred below
      const frame = this.firstFrame + this.dsp.dsp_chunk_frame(this.handle, i);
      const level = new Float32Array(this.memory.buffer, this.dsp.dsp_level(this.handle), 2);
      this.port.postMessage(
        { type: 'chunk', samples, frame, rate: sampleRate, peak: level[0], rms: level[1] },
        [samples.buffer],
      );
    }
    if (ready > 0) this.dsp.dsp_clear(this.handle);
  }

  process(inputs) {
    if (!this.running) {
      // The last call: an active processor keeps its node, and the node its context, alive
      // in Chromium even after the context closes; the page closes it after this message.
      if (!this.ended) this.port.postMessage({ type: 'stopped' });
      this.ended = true;
      return false;
    }
    const channels = inputs[0];
    if (this.firstFrame < 0) this.firstFrame = currentFrame;
    if (this.memory.buffer !== this.buffer) this.makeViews(); // memory grew (never, by design)
    // An input with no active source has no channels: it counts as silence, so the chunk
    // stamps stay on the audio clock (skipping it would pull later audio earlier).
    let frames = 128;
    if (channels && channels.length > 0) {
      frames = channels[0].length;
      this.input.set(channels[0]);
    } else {
      this.input.fill(0, 0, frames);
    }
    this.post(this.dsp.dsp_process(this.handle, frames));
    return true;
  }
}

registerProcessor('capture-processor', CaptureProcessor);
