// The messages between the page and its workers, and between an embed and its parent: one
// place for their names. Shared by the page (imported as a module) and the workers
// (importScripts). Limits, model names and hyperparameter defaults are not here: they come
// from the C++ core through the module's catalog (WNWasm.catalog(), src/wasm/bindings.cpp).
//
// Page → trainer worker:  init {build, threads, data} · run {job} · evaluate {job: a model and its params}
//                         · pause · resume
// Trainer worker → page:  ready {simd, threaded} · started {job, threads} · error {job?, message}
//                         and the fit loop's events, each with the job's id:
//                         progress · diagnostics {layers} · epoch {log, run, predictions, filters, params}
//                         · diverged {message, run} · done {run}; an evaluation posts one epoch event
//                         (no training metrics) and done
// Page → data worker:     load {sources, limits, shared}
// Data worker → page:     progress {phase, loaded, total} · loaded {train, test, bytesRead} · error {message, bytesRead}
// Embed ↔ parent:         see `embed` below (web/embed.js in the frame, web/wn-trainer.js around it)
(function (root) {
  const WNProtocol = Object.freeze({
    msg: Object.freeze({
      init: 'init', ready: 'ready', run: 'run', evaluate: 'evaluate', started: 'started', pause: 'pause', resume: 'resume',
      progress: 'progress', epoch: 'epoch', diagnostics: 'diagnostics', diverged: 'diverged', done: 'done', error: 'error',
      load: 'load', loaded: 'loaded',
    }),
    // The fit loop's events that end a run.
    finalEvents: Object.freeze(['done', 'diverged', 'error']),
    // What the page loads unless told otherwise: a subset, so a first run is short.
    pageDefaults: Object.freeze({ trainSamples: 10000, testSamples: 2000, build: 'auto' }),

    // The embed and the page around it (a tutorial on any site), over postMessage.
    // Frame → parent: {source, type, …}: the events (ready, resize, the runs' events with model,
    //   seed, lr, optimizer, wn_init, experiment-done) and the answers to commands (ack,
    //   history, or error with the command's name and id).
    // Parent → frame: {target, type, id?, …}: the commands; `id` comes back in the answer.
    // The frame obeys its parent only (event.source === window.parent), whatever its origin: it
    // holds nothing secret, and training on command is what it is embedded for.
    embed: Object.freeze({
      source: 'wn-trainer',
      target: 'wn-trainer',
      events: Object.freeze({
        ready: 'ready', resize: 'resize', ack: 'ack', history: 'history', error: 'error',
        experimentDone: 'experiment-done',
      }),
      commands: Object.freeze({
        start: 'start', stop: 'stop', pause: 'pause', resume: 'resume', configure: 'configure', getHistory: 'get-history',
      }),
      // The URL parameters (the catalog's settings with a `param`; tests/unit keeps the two lists equal):
      // the attributes <wn-trainer> passes on to the frame.
      params: Object.freeze(['experiment', 'models', 'wninit', 'arch', 'width', 'epochs', 'batch', 'train', 'test', 'seed', 'seeds',
        'initsamples', 'lr', 'momentum', 'optimizer', 'sweeps', 'threads', 'build', 'autostart']),
      // What an embed trains unless an experiment or a parameter says otherwise: small, so that a
      // tutorial's first run is short.
      defaults: Object.freeze({ epochs: 2, trainSamples: 2000, testSamples: 500 }),
    }),

    // One run's configuration as the module takes it (wn_run_create): JSON with the keys of the
    // history's run records and shared settings, checked by the core's settings table
    // (src/config/settings.cpp), the same parsers as wn-train's flags, so the page and the CLI accept
    // and refuse exactly the same settings. job: {model, seed, lr, optimizer, momentum, epochs,
    // batchSize, wnInit, threads, arch, width, initSamples?, progressEvery?}.
    runConfig(job) {
      const config = { arch: job.arch, width: job.width, model: job.model, wn_init: job.wnInit, seed: job.seed, optimizer: job.optimizer, learning_rate: job.lr,
        epochs: job.epochs, batch_size: job.batchSize, threads: job.threads };
      if (job.optimizer === 'sgd') config.momentum = job.momentum ?? 0;
      if (job.initSamples != null) config.init_samples = job.initSamples;
      if (job.progressEvery != null) config.progress_every = job.progressEvery;
      return JSON.stringify(config);
    },
    // A model on its own (wn_model_create): which net, its weight-norm init and the seed its weights
    // are drawn from; nothing about training. job: {arch, width, model, wnInit, seed}.
    modelConfig(job) {
      return JSON.stringify({ arch: job.arch, width: job.width, model: job.model, wn_init: job.wnInit, seed: job.seed });
    },
  });
  root.WNProtocol = WNProtocol;
})(typeof globalThis !== 'undefined' ? globalThis : self);
