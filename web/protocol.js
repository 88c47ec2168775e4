// The messages between the page and its workers, and between an embed and its parent: one
// place for their names. Shared by the page (imported as a module) and the workers
// (importScripts). Limits, model names and hyperparameter defaults are not here: they come
// from the C++ core through the module's catalog (WNWasm.catalog(), src/wasm/bindings.cpp).
//
// Page → trainer worker:  init {build, threads, data} · run {job} · pause · resume
// Trainer worker → page:  ready {simd, threaded} · started {job, threads} · error {job?, message}
//                         and the fit loop's events, each with the job's id:
//                         progress · diagnostics {layers} · epoch {log, run, predictions, filters, params}
//                         · diverged {message, run} · done {run}
// Page → data worker:     load {sources, limits, shared}
// Data worker → page:     progress {phase, loaded, total} · loaded {train, test} · error {message}
(function (root) {
  const WNProtocol = Object.freeze({
    msg: Object.freeze({
      init: 'init', ready: 'ready', run: 'run', started: 'started', pause: 'pause', resume: 'resume',
      progress: 'progress', epoch: 'epoch', diagnostics: 'diagnostics', diverged: 'diverged', done: 'done', error: 'error',
      load: 'load', loaded: 'loaded',
    }),
    // The fit loop's events that end a run.
    finalEvents: Object.freeze(['done', 'diverged', 'error']),
    // What the page loads unless told otherwise: a subset, so a first run is short.
    pageDefaults: Object.freeze({ trainSamples: 10000, testSamples: 2000, build: 'auto' }),

    // wn-train's flags for one run (src/cli/options.cpp parses them in the worker's module, so
    // the page and the CLI accept and refuse exactly the same settings). job: {model, seed, lr,
    // optimizer, momentum, epochs, batchSize, wnInit, threads, initSamples?, progressEvery?}.
    runFlags(job) {
      const flags = ['--model', job.model, '--seed', job.seed, '--lr', job.lr, '--optimizer', job.optimizer,
        '--epochs', job.epochs, '--batch-size', job.batchSize, '--wn-init', job.wnInit, '--threads', job.threads];
      if (job.optimizer === 'sgd') flags.push('--momentum', job.momentum ?? 0);
      if (job.initSamples != null) flags.push('--init-samples', job.initSamples);
      if (job.progressEvery != null) flags.push('--progress-every', job.progressEvery);
      return flags.map(String).join('\n');
    },
  });
  root.WNProtocol = WNProtocol;
})(typeof globalThis !== 'undefined' ? globalThis : self);
