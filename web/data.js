// Where CIFAR-10 comes from: the files `npm run data` prepared under data/, or a
// file the user picks or drops. Parsing happens in a throwaway worker (data.worker.js), which
// reads only the records asked for: a 2,000 + 500 subset fetches 7.7 MB, not two 30 MB files.
import './protocol.js';
import './wasm.js';
import { isolated } from './scheduler.js';

const { msg } = globalThis.WNProtocol;

// Where `npm run data` puts the prepared batch files, relative to the page; also the data's name
// in a history file.
export const PREPARED = 'data/cifar-10-batches-bin';

// The prepared .bin files needed for the first `train` training images (the core's catalog says
// how many images a batch file holds).
export async function preparedSources({ train }) {
  const perFile = (await globalThis.WNWasm.catalog()).images_per_batch_file;
  const sources = [];
  for (let k = 1; k <= Math.ceil(train / perFile); k++)
    sources.push({ name: `data_batch_${k}.bin`, url: new URL(`${PREPARED}/data_batch_${k}.bin`, location.href).href });
  sources.push({ name: 'test_batch.bin', url: new URL(`${PREPARED}/test_batch.bin`, location.href).href });
  return sources;
}

export function fileSources(files) {
  return [...files].map((file) => ({ name: file.name, file }));
}

// Resolves to {train: {count, images, labels}, test: {...}, bytesRead}; rejects with a readable
// message. bytesRead: what the worker read of the sources (for a refused file, 0).
// signal (an AbortSignal): aborting it terminates the worker, which cancels its fetches, and
// rejects with the signal's reason (an AbortError); an aborted signal starts no worker at all.
export function loadDataset(sources, limits, onProgress, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const worker = new Worker(new URL('./data.worker.js', import.meta.url));
    const abort = () => done(reject, signal.reason);
    const done = (f, v) => {
      worker.terminate();
      signal?.removeEventListener('abort', abort);
      f(v);
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.onmessage = ({ data: m }) => {
      if (m.type === msg.progress) onProgress?.(m);
      else if (m.type === msg.loaded) done(resolve, { train: m.train, test: m.test, bytesRead: m.bytesRead });
      else if (m.type === msg.error) done(reject, Object.assign(new Error(m.message), { bytesRead: m.bytesRead }));
    };
    worker.onerror = (e) => { e.preventDefault(); done(reject, new Error(`the data worker failed: ${e.message}`)); };
    worker.postMessage({ type: msg.load, sources, limits, shared: isolated() });
  });
}
