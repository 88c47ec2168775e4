// The page's own uses of a trained model, on its main thread, in the C++ core (src/wasm/bindings.cpp
// wn_model_*): class probabilities for the user's images, and weight files. A weight file is a
// NumPy .npz (np.load reads it; Keras' names and layouts), zipped here with fflate: the core
// writes and checks each .npy array, fflate only packs and unpacks them.
import { Unzip, UnzipInflate, zipSync } from './vendor/fflate.js';
import './protocol.js';
import './wasm.js';

const { modelConfig } = globalThis.WNProtocol;
// A weight file of these nets holds at most 19 arrays, 250 kB in all; far more is not one.
const MAX_ARRAYS = 256, MAX_BYTES = 16 << 20;
// The file is unzipped this many bytes at a time: deflate turns each into at most ~4 MB, some
// 30 ms of work, and the page's main thread gets a turn whenever TURN_MS have gone by.
const STEP = 4 << 10, TURN_MS = 20;

// The arrays of a .npz, [{name, data: .npy bytes}], inflated step by step with a running count.
// A zip's sizes are only its word: a 2 MB entry that declares 168 bytes may inflate to 2 GiB,
// which fflate's unzipSync inflates in full, in one go, before anything can be checked.
async function unzipArrays(bytes) {
  const arrays = [];
  let total = 0, failure = null;
  const unzip = new Unzip((file) => {
    if (failure) return;
    if (!file.name.endsWith('.npy')) return void (failure = new Error(`${file.name} is not a .npy array`));
    if (arrays.length === MAX_ARRAYS) return void (failure = new Error(`more than ${MAX_ARRAYS} arrays`));
    const array = { name: file.name.slice(0, -4), data: null }, chunks = [];
    arrays.push(array);
    // A file written with sizes after its data (a data descriptor) declares none up front.
    const declared = file.originalSize ?? MAX_BYTES;
    let size = 0;
    file.ondata = (error, chunk, final) => {
      if (failure) return;
      if (error) return void (failure = error);
      size += chunk.length;
      total += chunk.length;
      if (size > declared) return void (failure = new Error(`${file.name} inflates to more than the ${declared} bytes its zip declares`));
      if (total > MAX_BYTES) return void (failure = new Error(`the arrays inflate to more than ${MAX_BYTES} bytes`));
      chunks.push(chunk);
      if (final) array.data = concat(chunks, size);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    let since = performance.now();
    for (let at = 0; at < bytes.length && !failure; at += STEP) {
      unzip.push(bytes.subarray(at, at + STEP));
      if (performance.now() - since > TURN_MS) {
        await new Promise((ok) => setTimeout(ok));
        since = performance.now();
      }
    }
    if (!failure) unzip.push(new Uint8Array(0), true);
  } catch (e) {
    failure ??= e;
  }
  if (!failure && !arrays.length) failure = new Error('no arrays in it');
  if (!failure && arrays.some((a) => !a.data)) failure = new Error('it ends before its last array does');
  if (failure) throw new Error(`not a weight file (${failure.message})`);
  return arrays;
}

function concat(chunks, size) {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// A model of the job's kind ({model, wnInit, seed}) with the given parameters (Float32Array) or
// freshly drawn ones. Call dispose() when done.
export async function modelOf(job, params = null) {
  const api = await globalThis.WNWasm.pageModule();
  const m = api.mod;
  const config = api.string(modelConfig(job));
  const h = m._wn_model_create(config);
  api.free(config);
  if (!h) throw new Error(api.lastError());
  const model = {
    setParams(p) {
      const at = api.floats(p);
      const rc = m._wn_model_set_params(h, at, p.length);
      api.free(at);
      api.check(rc);
    },
    params() {
      const at = m._wn_model_params(h), count = m._wn_model_param_count(h);  // may grow the memory: the view after
      return api.f32(at, count).slice();
    },
    // images: n × 3072 bytes (32×32 RGB, NHWC); resolves to n arrays of class probabilities.
    predict(images, n) {
      const at = api.malloc(images.length), out = api.malloc(n * 10 * 4);
      try {
        api.u8(at, images.length).set(images);
        api.check(m._wn_model_predict(h, at, n, out));
        const probs = api.f32(out, n * 10);
        return Array.from({ length: n }, (_, i) => Array.from(probs.subarray(i * 10, (i + 1) * 10)));
      } finally {
        api.free(at);
        api.free(out);
      }
    },
    // The weights as .npz bytes.
    npz() {
      const manifest = api.json(m._wn_model_export(h));
      const blob = m._wn_model_blob(h), files = {};
      for (const a of manifest) files[`${a.name}.npy`] = api.u8(blob + a.offset, a.size).slice();
      return zipSync(files, { level: 0 });  // stored, as np.savez writes
    },
    // Loads a weight file's arrays (unzipArrays): every array the model has, with its shape,
    // finite, and nothing else.
    load(arrays) {
      for (const { name, data } of arrays) {
        const label = api.string(name), at = api.malloc(data.length || 1);
        api.u8(at, data.length).set(data);
        const rc = m._wn_model_add_array(h, label, at, data.length);
        api.free(label);
        api.free(at);
        api.check(rc);
      }
      api.check(m._wn_model_import(h));
    },
    // The names of its arrays in a weight file.
    names: () => api.json(m._wn_model_export(h)).map((a) => a.name),
    dispose: () => m._wn_model_destroy(h),
  };
  if (params) model.setParams(params);
  return model;
}

// Which of the catalog's models of the architecture net ({arch, width}; the form's) a weight file
// is for: the first that takes it. The file is unzipped once for all of them. A file with just the
// arrays of one model is that model's, so that model's refusal (a shape, NaN) is the file's, not
// one among every model's.
export async function loadWeights(bytes, catalog, net = {}) {
  const arrays = await unzipArrays(bytes);
  const names = arrays.map((a) => a.name).sort().join('\n');
  const errors = [];
  for (const model of catalog.models) {
    const m = await modelOf({ ...net, model, wnInit: model === 'regular' ? 'tfa' : 'none', seed: 0 });
    try {
      m.load(arrays);
      return { model, params: m.params() };
    } catch (e) {
      if (m.names().sort().join('\n') === names) throw e;
      errors.push(`${model}: ${e.message}`);
    } finally {
      m.dispose();
    }
  }
  const which = net.arch ? ` of ${net.arch}${net.width && net.width !== 1 ? ` at width ${net.width}` : ''}` : '';
  throw new Error(`the file fits none of the models${which} (${errors.join('; ')})`);
}
