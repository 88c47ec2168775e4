// Runs training jobs (and evaluations of given weights), one at a time, in the WebAssembly module's FitLoop (src/train/fit_loop.hpp):
// the loop owns the data order, metrics, validation, timing and history. What stays here is
// JavaScript's part: holding the shared dataset, copying each batch the loop asks for into the
// module (Module.wnGather), and posting the loop's events between slices, so that pause and
// resume messages get through.
importScripts('protocol.js', 'wasm.js');
const { msg, runConfig, modelConfig } = WNProtocol;

// Batches per slice: a few milliseconds of work between looks at the message queue.
const SLICE = 8;

let api = null, dataset = null, paused = false, wake = null;

self.onmessage = ({ data }) => {
  switch (data.type) {
    case msg.init: init(data).catch((e) => fail(null, e)); break;
    case msg.run: run(data.job).catch((e) => fail(data.job, e)); break;
    case msg.evaluate: evaluate(data.job).catch((e) => fail(data.job, e)); break;
    case msg.pause: paused = true; break;
    case msg.resume: paused = false; wake?.(); break;
  }
};

function fail(job, e) {
  self.postMessage({ type: msg.error, id: job?.id, message: e.message || String(e) });
}

async function init({ build, threads, data }) {
  dataset = data;
  // The threaded build wherever the page allows it, unless the single-threaded one is asked for.
  api = await WNWasm.loadTrainerModule(build !== 'st', threads);
  const imageBytes = api.catalog.image_bytes;
  // The loop's batch staging: samples index[0..n) of the train (0) or test (1) split.
  api.mod.wnGather = (split, index, n, images, labels) => {
    const set = split ? dataset.test : dataset.train;
    const heap = api.mod.HEAPU8, order = api.u32(index, n);
    for (let i = 0; i < n; i++) {
      const k = order[i];
      heap.set(set.images.subarray(k * imageBytes, (k + 1) * imageBytes), images + i * imageBytes);
      heap[labels + i] = set.labels[k];
    }
  };
  self.postMessage({ type: msg.ready, simd: api.simd, threaded: api.threaded });
}

// A MessageChannel round trip lets messages in and is not throttled in hidden tabs the way timers are.
const channel = new MessageChannel();
const tick = () => new Promise((ok) => { channel.port1.onmessage = ok; channel.port2.postMessage(0); });

async function yieldToMessages() {
  await tick();
  while (paused) await new Promise((ok) => { wake = ok; });
}

// The run's parameters now, copied out of the module.
function params(handle) {
  const m = api.mod;
  const at = m._wn_run_params(handle), count = m._wn_run_param_count(handle);  // may grow the memory: the view after
  return api.f32(at, count).slice();
}

// job.params (a Float32Array, optional): start from these weights instead of drawing them.
async function run(job) {
  const m = api.mod;
  const config = api.string(runConfig(job));
  const start = job.params ? api.floats(job.params) : 0;
  const handle = m._wn_run_create(config, dataset.train.count, dataset.test.count, start, job.params?.length ?? 0);
  api.free(config);
  if (start) api.free(start);
  if (!handle) throw new Error(api.lastError());
  try {
    self.postMessage({ type: msg.started, id: job.id, threads: m._wn_run_threads(handle), simd: api.simd, threaded: api.threaded,
      warnings: api.json(m._wn_run_warnings(handle)) });
    for (;;) {
      const event = api.json(m._wn_run_advance(handle, SLICE));
      if (event) {
        // Each epoch's weights go to the page: for its own predictions and the weight file.
        if (event.type === msg.epoch) {
          const p = params(handle);
          self.postMessage({ ...event, id: job.id, params: p }, [p.buffer]);
        } else {
          self.postMessage({ ...event, id: job.id });
        }
        if (event.type === msg.done || event.type === msg.diverged) return;
      }
      await yieldToMessages();
    }
  } finally {
    m._wn_run_destroy(handle);
  }
}

// A model with given weights (job.params, e.g. from a weight file), judged on the test set
// without training and without an optimiser (wn_model_evaluate): one epoch event with what the
// inspection shows, then done, as a run ends.
async function evaluate(job) {
  const m = api.mod;
  const config = api.string(modelConfig(job));
  const handle = m._wn_model_create(config);
  api.free(config);
  if (!handle) throw new Error(api.lastError());
  try {
    const at = api.floats(job.params);
    const rc = m._wn_model_set_params(handle, at, job.params.length);
    api.free(at);
    api.check(rc);
    const result = api.json(m._wn_model_evaluate(handle, dataset.test.count));
    if (!result) throw new Error(api.lastError());
    self.postMessage({ type: msg.epoch, id: job.id, ...result, params: job.params });
    self.postMessage({ type: msg.done, id: job.id });
  } finally {
    m._wn_model_destroy(handle);
  }
}
