// Runs the two trainings at once: one worker per model, each with its share of the
// cores. The page talks to the models only through these messages.
import './protocol.js';

const { msg } = globalThis.WNProtocol;

export const MODELS = ['regular', 'weightnorm'];

export function isolated() {
  return Boolean(globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined');
}

// Threads per model: the cores split between the models running at once.
export function threadsPerModel(modelCount) {
  if (!isolated()) return 1;
  return Math.max(1, Math.floor((navigator.hardwareConcurrency || 2) / modelCount));
}

// on: {ready, progress, epoch, done, error}(model, data). Returns {pause, resume, stop, crash}.
export function startRun({ models, options, data, on }) {
  const workers = new Map();
  const finished = new Set();
  const end = (model) => {
    finished.add(model);
    workers.get(model)?.terminate();  // frees the module's memory at once
  };
  for (const model of models) {
    const worker = new Worker(new URL('./trainer.worker.js', import.meta.url));
    workers.set(model, worker);
    worker.onmessage = ({ data: m }) => {
      if (finished.has(model)) return;
      if (m.type === msg.ready) worker.postMessage({ type: msg.start });
      if (m.type === msg.done || m.type === msg.error) end(model);
      on[m.type]?.(model, m);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (finished.has(model)) return;
      end(model);
      on.error?.(model, { message: `the ${model} worker died: ${e.message || 'unknown error'}`, crashed: true });
    };
    worker.postMessage({ type: msg.init, model, options, data });
  }
  const each = (type) => () => { for (const [m, w] of workers) if (!finished.has(m)) w.postMessage({ type }); };
  return {
    pause: each(msg.pause),
    resume: each(msg.resume),
    stop() { for (const m of workers.keys()) end(m); },
    crash(model) { workers.get(model)?.postMessage({ type: msg.crash }); },
    get running() { return models.filter((m) => !finished.has(m)); },
  };
}
