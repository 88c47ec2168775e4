// Trains one model: loads the WebAssembly module once, then runs Keras' fit loop
// (shuffle → batches → validation) over the dataset it was given, posting progress.
// The dataset arrives once (shared or transferred); each step copies just its batch
// into the module's memory.
importScripts('protocol.js', 'wasm.js');
const { msg, models, wnInits, optimizers, imageBytes } = WNProtocol;

let api = null, handle = 0, dataset = null, options = null, model = null;
let paused = false, stopped = false, wake = null;

self.onmessage = ({ data }) => {
  switch (data.type) {
    case msg.init: init(data).catch(fail); break;
    case msg.start: run().catch(fail); break;
    case msg.pause: paused = true; break;
    case msg.resume: paused = false; wake?.(); break;
    case msg.stop: stopped = true; wake?.(); break;
    case msg.crash: setTimeout(() => { throw new Error('worker crashed on request (test hook)'); }); break;
  }
};

function fail(e) {
  self.postMessage({ type: msg.error, model, message: e.message || String(e) });
}

async function init(data) {
  ({ model, options, data: dataset } = data);
  // The threaded build wherever the page allows it, unless the single-threaded one is asked for.
  api = await WNWasm.loadTrainerModule(options.build !== 'st', options.threads);
  const m = api.mod;
  handle = m._wn_trainer_create(models[model], wnInits[options.wnInit], options.seed, options.threads,
    options.batchSize, optimizers[options.optimizer], options.learningRate, options.momentum);
  if (!handle) throw new Error(api.lastError());
  self.postMessage({
    type: msg.ready, model, simd: api.simd, threaded: api.threaded,
    threads: m._wn_trainer_threads(handle),
  });
}

// Lets pause/resume/stop messages in between steps. A MessageChannel round trip is
// not throttled in hidden tabs the way timers are.
const channel = new MessageChannel();
const tick = () => new Promise((ok) => { channel.port1.onmessage = ok; channel.port2.postMessage(0); });

async function breathe() {
  await tick();
  while (paused && !stopped) await new Promise((ok) => { wake = ok; });
}

// Copies samples order[from, from+n) (or from..from+n when order is null) into the batch buffers.
function gather(set, order, from, n) {
  const m = api.mod;
  const images = api.u8(m._wn_trainer_images(handle), n * imageBytes);
  const labels = api.u8(m._wn_trainer_labels(handle), n);
  for (let i = 0; i < n; i++) {
    const k = order ? order[from + i] : from + i;
    images.set(set.images.subarray(k * imageBytes, (k + 1) * imageBytes), i * imageBytes);
    labels[i] = set.labels[k];
  }
}

function step(n, train) {
  const m = api.mod;
  const rc = api.check(m._wn_trainer_step(handle, n, train ? 1 : 0));
  const [lossSum, correct, count] = api.f64(m._wn_trainer_result(handle), 3);
  return { diverged: rc === WNWasm.WN_DIVERGED, lossSum, correct, count };
}

function evaluate(set) {
  let lossSum = 0, correct = 0, count = 0;
  for (let i = 0; i < set.count; i += options.batchSize) {
    const n = Math.min(options.batchSize, set.count - i);
    gather(set, null, i, n);
    const r = step(n, false);
    lossSum += r.lossSum; correct += r.correct; count += r.count;
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

async function run() {
  const { train, test } = dataset;
  const B = options.batchSize, steps = Math.ceil(train.count / B);
  let trainMs = 0, trainSteps = 0;
  for (let epoch = 1; epoch <= options.epochs && !stopped; epoch++) {
    // Only time spent computing counts; pauses and message handling do not.
    let busyMs = 0, lastBreath = performance.now();
    const order = api.u32(api.mod._wn_trainer_shuffle(handle, train.count), train.count).slice();
    let lossSum = 0, correct = 0, count = 0;
    for (let s = 0; s < steps; s++) {
      const t = performance.now();
      const n = Math.min(B, train.count - s * B);
      gather(train, order, s * B, n);
      const r = step(n, true);
      const now = performance.now();
      busyMs += now - t;
      lossSum += r.lossSum; correct += r.correct; count += r.count;
      if (r.diverged) {
        self.postMessage({ type: msg.error, model, diverged: true, epoch, step: s + 1,
          message: `training diverged at epoch ${epoch} step ${s + 1} (${api.lastError()})` });
        return;
      }
      if ((s + 1) % options.progressEvery === 0 || s + 1 === steps) {
        self.postMessage({ type: msg.progress, model, epoch, step: s + 1, steps, loss: lossSum / count,
          accuracy: correct / count, ms_per_step: busyMs / (s + 1), samples_per_s: (1000 * count) / busyMs });
      }
      if (now - lastBreath > 50) {
        await breathe();
        if (stopped) return;
        lastBreath = performance.now();
      }
    }
    trainMs += busyMs; trainSteps += steps;
    const trainSeconds = busyMs / 1000;
    const t = performance.now();
    const val = evaluate(test);
    busyMs += performance.now() - t;
    self.postMessage({ type: msg.epoch, model, epoch, epochs: options.epochs, steps, seconds: busyMs / 1000,
      train_seconds: trainSeconds, samples_per_s: count / trainSeconds,
      loss: lossSum / count, accuracy: correct / count, val_loss: val.loss, val_accuracy: val.accuracy,
      ms_per_step: trainMs / trainSteps });
  }
  if (!stopped) self.postMessage({ type: msg.done, model, ms_per_step: trainMs / trainSteps });
}
