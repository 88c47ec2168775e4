// The worker protocol, shared by the page (imported as a module) and the workers
// (importScripts). One place for message names and default hyperparameters.
//
// Page → trainer worker:  init {model, options, data} · start · pause · resume · stop
// Trainer worker → page:  ready {simd, threads, threaded} · progress {...} · epoch {...} · done {...} · error {message}
// Page → data worker:     load {sources, limits, shared}
// Data worker → page:     progress {phase, loaded, total} · loaded {train, test} · error {message}
(function (root) {
  const WNProtocol = Object.freeze({
    msg: Object.freeze({
      init: 'init', start: 'start', pause: 'pause', resume: 'resume', stop: 'stop',
      ready: 'ready', progress: 'progress', epoch: 'epoch', done: 'done', error: 'error',
      load: 'load', loaded: 'loaded',
      crash: 'crash',  // test hook: make a trainer worker die
    }),
    models: Object.freeze({ regular: 0, weightnorm: 1 }),
    wnInits: Object.freeze({ tfa: 0, paper: 1, none: 2 }),
    optimizers: Object.freeze({ adam: 0, sgd: 1 }),
    // The tutorial's settings; the page's default subset keeps a first run short.
    defaults: Object.freeze({
      epochs: 10,
      batchSize: 32,
      learningRate: 1e-3,
      optimizer: 'adam',
      momentum: 0,
      seed: 0,
      wnInit: 'tfa',
      trainSamples: 10000,
      testSamples: 2000,
      progressEvery: 25,  // steps between progress messages
      build: 'auto',      // 'auto': threaded where the page is isolated; 'st': always single-threaded
    }),
    limits: Object.freeze({ maxTrain: 50000, maxTest: 10000, maxBatch: 1024, maxEpochs: 1000 }),
    imageBytes: 3072,
    classes: 10,
  });
  root.WNProtocol = WNProtocol;
})(typeof globalThis !== 'undefined' ? globalThis : self);
