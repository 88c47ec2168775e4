// Loads the WebAssembly trainer module inside a worker (classic script, importScripts).
// The threaded build needs SharedArrayBuffer, i.e. a cross-origin isolated page;
// otherwise the single-threaded SIMD build runs. Exposes a thin typed wrapper
// around the C ABI of src/wasm/bindings.cpp.
/* global createTrainerModule */
(function (root) {
  const WN_OK = 0, WN_ERROR = -1, WN_DIVERGED = 1;

  // threads: how many the trainer will run; the threaded build starts threads − 1 pthreads (at least 1).
  async function loadTrainerModule(wantThreads, threads = 1) {
    const threaded = Boolean(wantThreads && root.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined');
    const name = threaded ? 'wn-trainer-mt' : 'wn-trainer-st';
    const base = new URL('wasm/', root.location.href).href;
    const script = base + name + '.js';
    importScripts(script);
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
      this.simd = mod.UTF8ToString(mod._wn_simd());
    }
    // Views are made fresh: memory growth replaces the underlying buffer.
    u8(ptr, len) { return new Uint8Array(this.mod.HEAPU8.buffer, ptr, len); }
    u32(ptr, len) { return new Uint32Array(this.mod.HEAPU8.buffer, ptr, len); }
    f64(ptr, len) { return new Float64Array(this.mod.HEAPU8.buffer, ptr, len); }
    lastError() { return this.mod.UTF8ToString(this.mod._wn_last_error()); }
    check(rc) {
      if (rc === WN_ERROR) throw new Error(this.lastError());
      return rc;
    }
    malloc(n) {
      const p = this.mod._malloc(n);
      if (!p) throw new Error(`out of WebAssembly memory allocating ${(n / 1e6).toFixed(0)} MB`);
      return p;
    }
    free(p) { this.mod._free(p); }
  }

  root.WNWasm = { loadTrainerModule, WN_OK, WN_ERROR, WN_DIVERGED };
})(self);
