// The page's own uses of a trained model, on its main thread, in the C++ core (src/wasm/bindings.cpp
// wn_model_*): class probabilities for the user's images, and weight files. A weight file is a
// NumPy .npz (np.load reads it; Keras' names and layouts), zipped here with fflate: the core
// writes and checks each .npy array, fflate only packs them.
import { unzipSync, zipSync } from './vendor/fflate.js';
import './protocol.js';
import './wasm.js';

const { runFlags } = globalThis.WNProtocol;
// A weight file of these nets holds 15 arrays of at most 200 kB; far more is not one.
const MAX_ARRAYS = 256, MAX_ARRAY_BYTES = 64 << 20;

// A model of the job's kind ({model, wnInit, seed}) with the given parameters (Float32Array) or
// freshly drawn ones. Call dispose() when done.
export async function modelOf(job, params = null) {
  const api = await globalThis.WNWasm.pageModule();
  const m = api.mod;
  const flags = api.string(runFlags({ optimizer: 'adam', lr: 1e-3, epochs: 1, batchSize: 32, threads: 1, ...job }));
  const h = m._wn_model_create(flags);
  api.free(flags);
  if (!h) throw new Error(api.lastError());
  const model = {
    setParams(p) {
      const at = api.malloc(p.byteLength);
      new Float32Array(m.HEAPU8.buffer, at, p.length).set(p);
      const rc = m._wn_model_set_params(h, at, p.length);
      api.free(at);
      api.check(rc);
    },
    params: () => new Float32Array(m.HEAPU8.buffer, m._wn_model_params(h), m._wn_model_param_count(h)).slice(),
    // images: n × 3072 bytes (32×32 RGB, NHWC); resolves to n arrays of class probabilities.
    predict(images, n) {
      const at = api.malloc(images.length), out = api.malloc(n * 10 * 4);
      try {
        api.u8(at, images.length).set(images);
        api.check(m._wn_model_predict(h, at, n, out));
        const probs = new Float32Array(m.HEAPU8.buffer, out, n * 10);
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
    // Loads .npz bytes: every array the model has, with its shape, and nothing else.
    load(bytes) {
      let files, count = 0;
      // Sizes are checked from the zip's directory before anything is inflated.
      const filter = (f) => {
        if (++count > MAX_ARRAYS) throw new Error(`more than ${MAX_ARRAYS} arrays`);
        if (f.originalSize > MAX_ARRAY_BYTES) throw new Error(`${f.name} is ${f.originalSize} bytes`);
        return true;
      };
      try {
        files = unzipSync(bytes, { filter });
      } catch (e) {
        throw new Error(`not a weight file (${e.message})`);
      }
      for (const [name, data] of Object.entries(files)) {
        if (!name.endsWith('.npy')) throw new Error(`${name} is not a .npy array`);
        const label = api.string(name.slice(0, -4)), at = api.malloc(data.length || 1);
        api.u8(at, data.length).set(data);
        const rc = m._wn_model_add_array(h, label, at, data.length);
        api.free(label);
        api.free(at);
        api.check(rc);
      }
      api.check(m._wn_model_import(h));
    },
    dispose: () => m._wn_model_destroy(h),
  };
  if (params) model.setParams(params);
  return model;
}

// Which of the catalog's models a weight file is for: the first that takes it.
export async function loadWeights(bytes, catalog) {
  const errors = [];
  for (const model of catalog.models)
    for (const wnInit of model === 'regular' ? ['tfa'] : ['none']) {
      const m = await modelOf({ model, wnInit, seed: 0 });
      try {
        m.load(bytes);
        return { model, params: m.params() };
      } catch (e) {
        errors.push(`${model}: ${e.message}`);
      } finally {
        m.dispose();
      }
    }
  throw new Error(`the file fits none of the models (${errors.join('; ')})`);
}
