// The page: controls → data and an experiment's runs on the workers → charts, logs and status.
import './protocol.js';
import './wasm.js';
import { Charts } from './charts.js';
import { fileSources, loadDataset, preparedSources } from './data.js';
import { Experiment, variantLabel } from './experiment.js';
import { download, epochLine, historyCsv, historyJson, statusLine } from './format.js';
import { parseParams } from './params.js';
import { Scheduler, isolated, plan } from './scheduler.js';

const { pageDefaults } = globalThis.WNProtocol;
const catalog = await globalThis.WNWasm.catalog();
const $ = (id) => document.getElementById(id);

const state = {
  data: null,          // {train, test, source}: what the next run trains on
  files: null,         // sources picked by the user, kept so a new subset size can re-read them
  loading: null,       // the load in flight
  experiment: null,
  scheduler: null,
  paused: false,
};

// ---- isolation: say plainly which build runs.
function showIsolation() {
  const el = $('isolation');
  if (isolated()) {
    el.textContent = `Cross-origin isolated: each model trains in the threaded WebAssembly build (SIMD + pthreads) with ${plan(2).threads} thread(s).`;
  } else {
    el.classList.add('warn');
    el.textContent = 'This page is not cross-origin isolated (no COOP/COEP headers and no service worker), so SharedArrayBuffer is unavailable: each model runs the single-threaded SIMD build.';
  }
}

// ---- controls: limits and defaults from the C++ core's catalog; URL parameters (the embed's
// names, web/params.js) override them, and a bad one is shown, not guessed at.
const d = catalog.defaults, lim = catalog.limits;
const fields = {  // URL parameter → the control, its default and bounds
  epochs: { id: 'epochs', value: d.epochs, min: 1, max: lim.max_epochs },
  batch: { id: 'batch-size', value: d.batch_size, min: 1, max: lim.max_batch },
  lr: { id: 'lr', value: d.lr, min: lim.min_lr, max: lim.max_lr },
  train: { id: 'train-samples', value: pageDefaults.trainSamples, min: 1, max: lim.max_train },
  test: { id: 'test-samples', value: pageDefaults.testSamples, min: 1, max: lim.max_test },
  seed: { id: 'seed', value: d.seed, min: 0, max: lim.max_seed },
  wninit: { id: 'wn-init', value: d.wn_init },
};

function initControls() {
  const { values, errors } = parseParams(location.search, catalog);
  for (const [name, f] of Object.entries(fields)) {
    const el = $(f.id);
    if (f.min != null) el.min = f.min;
    if (f.max != null) el.max = f.max;
    el.value = values[name] ?? f.value;
  }
  if (errors.length) {
    $('params-error').hidden = false;
    $('params-error').textContent = `Ignored URL parameters: ${errors.join('; ')}.`;
  }
}

function readSpec() {
  const num = (id) => Number($(id).value);
  return {
    variants: catalog.models.filter((m) => m === 'regular' || m === 'weightnorm').map((model) => ({ model, wnInit: $('wn-init').value })),
    seeds: [num('seed')], lrs: [num('lr')], optimizer: d.optimizer, momentum: d.momentum,
    epochs: num('epochs'), batchSize: num('batch-size'), trainSamples: num('train-samples'), testSamples: num('test-samples'),
  };
}

// ---- data
function setDataError(message) {
  $('data-error').hidden = !message;
  $('data-error').textContent = message || '';
}

function describeData(data) {
  return `CIFAR-10: ${data.train.count.toLocaleString('en')} training and ${data.test.count.toLocaleString('en')} test images (${data.source}).`;
}

// Loads into a new dataset; the current one is replaced only when the load succeeds.
// Loads run one after another, so the one asked for last is the one that stays.
async function load(sources, sourceName, wanted) {
  while (state.loading) await state.loading.catch(() => {});
  const bar = $('data-progress');
  bar.hidden = false;
  bar.removeAttribute('value');
  setDataError(null);
  $('data-status').textContent = `Loading ${sourceName}…`;
  const task = loadDataset(sources, { train: wanted.trainSamples, test: wanted.testSamples }, (p) => {
    bar.max = p.total || 1;
    bar.value = p.loaded;
    $('data-status').textContent = `${p.phase === 'parsing' ? 'Parsing' : 'Reading'} ${sourceName}: ${(p.loaded / 1e6).toFixed(1)} of ${(p.total / 1e6).toFixed(1)} MB`;
  });
  state.loading = task;
  try {
    const data = await task;
    if (data.train.count === 0 || data.test.count === 0) throw new Error(`${sourceName} holds no ${data.train.count ? 'test' : 'training'} images`);
    state.data = { ...data, source: sourceName, limits: { train: wanted.trainSamples, test: wanted.testSamples } };
    return true;
  } catch (e) {
    setDataError(`Could not load ${sourceName}: ${e.message}. ${state.data ? 'The data loaded before is kept.' : ''}`);
    return false;
  } finally {
    state.loading = null;
    bar.hidden = true;
    $('data-status').textContent = state.data ? describeData(state.data) : 'No data loaded yet.';
  }
}

function loadFiles(files) {
  if (!files.length) return;
  const sources = fileSources(files);
  const name = files.length === 1 ? files[0].name : `${files.length} files`;
  load(sources, name, readSpec()).then((ok) => { if (ok) state.files = { sources, name }; });
}

// The data a run needs: re-read when the subset asked for differs from what is loaded.
async function ensureData(spec) {
  if (state.loading) await state.loading.catch(() => {});  // one load at a time: wait for the one in flight
  const data = state.data;
  if (data && data.limits.train === spec.trainSamples && data.limits.test === spec.testSamples) return true;
  if (state.files) return load(state.files.sources, state.files.name, spec);
  return load(preparedSources({ train: spec.trainSamples }), 'data/cifar-10-batches-bin', spec);
}

function initDropzone() {
  const zone = $('dropzone');
  $('file').addEventListener('change', (e) => loadFiles(e.target.files));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); loadFiles(e.dataTransfer.files); });
}

// ---- the runs' panels: a status line and a Keras-style log per variant.
function buildModelPanels(experiment) {
  const box = $('models');
  box.replaceChildren();
  for (const v of experiment.variants()) {
    const article = document.createElement('article');
    article.className = `model ${v.model}`;
    article.innerHTML = '<h2></h2><p class="status" role="status"></p><pre class="log"></pre>';
    article.querySelector('h2').textContent = variantLabel(v.model, v.wnInit);
    article.querySelector('.status').id = `status-${v.model}`;
    article.querySelector('.log').id = `log-${v.model}`;
    article.querySelector('.status').textContent = 'waiting…';
    box.append(article);
  }
}

function log(job, line) {
  const el = $(`log-${job.model}`);
  const seeds = state.experiment.spec.seeds.length > 1 ? `[seed ${job.seed}] ` : '';
  el.textContent += seeds + line + '\n';
  el.scrollTop = el.scrollHeight;
}

const charts = new Charts($('accuracy-chart'), $('loss-chart'));

function onEvent(job, e) {
  const experiment = state.experiment;
  experiment.handle(job, e);
  const run = experiment.run(job.id);
  const status = $(`status-${job.model}`);
  if (e.type === 'started') status.textContent = statusLine(null, e);
  if (e.type === 'progress') status.textContent = statusLine(e, run.started);
  if (e.type === 'epoch') log(job, epochLine(e));
  if (e.type === 'done') status.textContent = `done · ${e.ms_per_step.toFixed(1)} ms/step on average`;
  if (e.type === 'diverged' || e.type === 'error') {
    status.classList.add('error');
    status.textContent = e.message;
    log(job, e.message);
  }
  if (e.type !== 'started') charts.redraw();
  if (experiment.finished) setRunning(false);
}

function setRunning(running) {
  $('start').disabled = running;
  $('pause').disabled = !running;
  $('stop').disabled = !running;
  $('pause').textContent = 'Pause';
  state.paused = false;
  const records = state.experiment?.records() ?? [];
  for (const id of ['export-json', 'export-csv', 'export-png']) $(id).disabled = !records.length;
}

async function start(e) {
  e.preventDefault();
  if (!$('controls').reportValidity()) return;
  const spec = readSpec();
  $('start').disabled = true;
  if (!(await ensureData(spec))) { $('start').disabled = false; return; }
  state.scheduler?.stop();
  const experiment = new Experiment(spec);
  state.experiment = experiment;
  buildModelPanels(experiment);
  charts.reset(experiment);
  state.scheduler = new Scheduler({ data: { train: state.data.train, test: state.data.test }, onEvent });
  state.scheduler.run(experiment.jobs);
  setRunning(true);
}

// The settings every run shares, as wn-train writes them in its history file.
function sharedOptions() {
  const s = state.experiment.spec;
  return { tool: `wn-trainer web ${catalog.version}`, shared: { data: state.data.source, epochs: s.epochs, batch_size: s.batchSize,
    train_samples: state.data.train.count, test_samples: state.data.test.count, threads: state.scheduler.plan.threads,
    simd: catalog.simd, progress_every: catalog.defaults.progress_every } };
}

function initButtons() {
  $('controls').addEventListener('submit', start);
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    state.paused ? state.scheduler.pause() : state.scheduler.resume();
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  });
  $('stop').addEventListener('click', () => {
    state.experiment.stopped(state.scheduler.stop());
    for (const el of document.querySelectorAll('#models .status')) if (!el.classList.contains('error') && !/^done/.test(el.textContent)) el.textContent = 'stopped';
    setRunning(false);
  });
  $('export-json').addEventListener('click', () =>
    download('wn-history.json', new Blob([historyJson(state.experiment.records(), sharedOptions())], { type: 'application/json' })));
  $('export-csv').addEventListener('click', () =>
    download('wn-history.csv', new Blob([historyCsv(state.experiment.records())], { type: 'text/csv' })));
  $('export-png').addEventListener('click', () => download('wn-accuracy.png', charts.png()));
}

showIsolation();
initControls();
initDropzone();
initButtons();
// The default subset loads at once, so Start is immediate.
ensureData(readSpec());
// Browser tests look inside through this, and only when the URL asks for it (?hooks).
if (new URLSearchParams(location.search).has('hooks')) globalThis.wnTest = { state, charts, catalog };
