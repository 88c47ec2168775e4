// Loads the WebAssembly trainer module, in a worker (importScripts) or on the page (a script
// tag). The threaded build needs SharedArrayBuffer, i.e. a cross-origin isolated page;
// otherwise the single-threaded SIMD build runs. Exposes a thin typed wrapper around the C ABI
// of src/wasm/bindings.cpp, and the module's catalog: limits, names and defaults from C++.
/* global createTrainerModule */
(function (root) {
  const WN_OK = 0, WN_ERROR = -1;
  const inWorker = typeof importScripts === 'function';
  // The pages and the workers sit side by side, the modules in wasm/ under them.
  const base = new URL('wasm/', root.location.href).href;

  function loadScript(url) {
    if (inWorker) return importScripts(url);
    return new Promise((ok, fail) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = ok;
      s.onerror = () => fail(new Error(`cannot load ${url}`));
      document.head.append(s);
    });
  }

  // threads: how many the trainer will run; the threaded build starts threads − 1 pthreads (at least 1).
  async function loadTrainerModule(wantThreads, threads = 1) {
    const threaded = Boolean(wantThreads && root.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined');
    const name = threaded ? 'wn-trainer-mt' : 'wn-trainer-st';
    const script = base + name + '.js';
    await loadScript(script);
    const mod = await createTrainerModule({
      mainScriptUrlOrBlob: script,  // pthread workers load the glue from here, not from this worker's URL
      // Started before main(), so a blocking join never waits on the event loop. At least one:
      // Emscripten 3.1.6 never finishes starting a threaded module with an empty pool.
      wnPoolSize: Math.max(1, threads - 1),
      locateFile: (file) => base + file,
      print: (s) => console.log(s),
      printErr: (s) => console.warn(s),
    });
    return new TrainerApi(mod, threaded);
  }

  class TrainerApi {
    constructor(mod, threaded) {
      this.mod = mod;
      this.threaded = threaded;
      this.catalog = JSON.parse(mod.UTF8ToString(mod._wn_catalog()));
      this.simd = this.catalog.simd;
    }
    // Views are made fresh: memory growth replaces the underlying buffer.
    u8(ptr, len) { return new Uint8Array(this.mod.HEAPU8.buffer, ptr, len); }
    u32(ptr, len) { return new Uint32Array(this.mod.HEAPU8.buffer, ptr, len); }
    f32(ptr, len) { return new Float32Array(this.mod.HEAPU8.buffer, ptr, len); }
    // Floats (a Float32Array) copied into the module's memory; free it with free().
    floats(values) {
      const p = this.malloc(values.byteLength);
      this.f32(p, values.length).set(values);
      return p;
    }
    lastError() { return this.mod.UTF8ToString(this.mod._wn_last_error()); }
    check(rc) {
      if (rc === WN_ERROR) throw new Error(this.lastError());
      return rc;
    }
    // A JSON string the module returned (null pointer: null).
    json(ptr) { return ptr ? JSON.parse(this.mod.UTF8ToString(ptr)) : null; }
    // A string copied into the module's memory; free it with free().
    string(s) {
      const n = this.mod.lengthBytesUTF8(s) + 1, p = this.malloc(n);
      this.mod.stringToUTF8(s, p, n);
      return p;
    }
    malloc(n) {
      const p = this.mod._malloc(n);
      if (!p) throw new Error(`out of WebAssembly memory allocating ${(n / 1e6).toFixed(0)} MB`);
      return p;
    }
    free(p) { this.mod._free(p); }
    // Whether the settings table takes text for the run setting key: null, or the reason.
    checkSetting(key, text) {
      const k = this.string(key), p = this.string(text);
      try {
        return this.mod._wn_setting_check(k, p) === WN_OK ? null : this.lastError();
      } finally {
        this.free(k);
        this.free(p);
      }
    }
    // What a model costs ({params, state, train_flops} per image), or throws why the settings
    // describe no model (src/wasm/bindings.cpp wn_model_cost). config: a run configuration's JSON.
    cost(config) {
      const p = this.string(config);
      try {
        const out = this.json(this.mod._wn_model_cost(p));
        if (!out) throw new Error(this.lastError());
        return out;
      } finally {
        this.free(p);
      }
    }
  }

  // One single-threaded module per page, loaded once: the catalog, and the page's own uses of
  // a model (predictions on the user's images, weight files; web/weights.js).
  let shared = null;
  function pageModule() {
    shared ??= loadTrainerModule(false);
    return shared;
  }
  // The catalog, with the core's check of free-text settings (web/params.js): null or why not.
  const catalog = () => pageModule().then((api) => Object.freeze({ ...api.catalog, checkText: (key, text) => api.checkSetting(key, text) }));

  root.WNWasm = { loadTrainerModule, pageModule, catalog, WN_OK, WN_ERROR };
})(typeof globalThis !== 'undefined' ? globalThis : self);
