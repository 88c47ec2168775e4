// The page: controls → data and workers → charts, logs and status lines.
import './protocol.js';
import { Charts } from './charts.js';
import { fileSources, loadDataset, preparedSources } from './data.js';
import { download, epochLine, historyCsv, historyJson, statusLine } from './format.js';
import { MODELS, isolated, threadsPerModel } from './runner.js';
import { Session } from './session.js';

const { defaults, limits } = globalThis.WNProtocol;
const $ = (id) => document.getElementById(id);

const state = {
  data: null,          // {train, test, source}: what the next run trains on
  files: null,         // sources picked by the user, kept so a new subset size can re-read them
  loading: null,       // the load in flight
  paused: false,
};

// ---- isolation: say plainly which build runs.
function showIsolation() {
  const el = $('isolation');
  if (isolated()) {
    el.textContent = `Cross-origin isolated: each model trains in the threaded WebAssembly build (SIMD + pthreads) with ${threadsPerModel(MODELS.length)} thread(s).`;
  } else {
    el.classList.add('warn');
    el.textContent = 'This page is not cross-origin isolated (no COOP/COEP headers and no service worker), so SharedArrayBuffer is unavailable: each model runs the single-threaded SIMD build.';
  }
}

// ---- controls
const fields = {
  epochs: ['epochs', defaults.epochs], batchSize: ['batch-size', defaults.batchSize],
  learningRate: ['lr', defaults.learningRate], trainSamples: ['train-samples', defaults.trainSamples],
  testSamples: ['test-samples', defaults.testSamples], seed: ['seed', defaults.seed], wnInit: ['wn-init', defaults.wnInit],
};

function initControls() {
  const params = new URLSearchParams(location.search);
  for (const [key, [id, value]] of Object.entries(fields)) $(id).value = params.get(id) ?? value;
}

function readOptions() {
  const num = (id) => Number($(id).value);
  return {
    ...defaults,
    epochs: num('epochs'), batchSize: num('batch-size'), learningRate: num('lr'), seed: num('seed'),
    trainSamples: num('train-samples'), testSamples: num('test-samples'), wnInit: $('wn-init').value,
  };
}

// ---- data
function setDataError(message) {
  $('data-error').hidden = !message;
  $('data-error').textContent = message || '';
}

function describeData(d) {
  return `CIFAR-10: ${d.train.count.toLocaleString('en')} training and ${d.test.count.toLocaleString('en')} test images (${d.source}).`;
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
    const d = await task;
    if (d.train.count === 0 || d.test.count === 0) throw new Error(`${sourceName} holds no ${d.train.count ? 'test' : 'training'} images`);
    state.data = { ...d, source: sourceName, limits: { train: wanted.trainSamples, test: wanted.testSamples } };
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
  load(sources, name, readOptions()).then((ok) => { if (ok) state.files = { sources, name }; });
}

// The data a run needs: re-read when the subset asked for differs from what is loaded.
async function ensureData(o) {
  if (state.loading) await state.loading.catch(() => {});  // one load at a time: wait for the one in flight
  const d = state.data;
  if (d && d.limits.train === o.trainSamples && d.limits.test === o.testSamples) return true;
  if (state.files) return load(state.files.sources, state.files.name, o);
  return load(preparedSources({ train: o.trainSamples }), 'data/cifar-10-batches-bin', o);
}

function initDropzone() {
  const zone = $('dropzone');
  $('file').addEventListener('change', (e) => loadFiles(e.target.files));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); loadFiles(e.dataTransfer.files); });
}

// ---- training
const charts = new Charts($('accuracy-chart'), $('loss-chart'), MODELS);
const session = new Session(charts, onWorkerMessage);

function setRunning(running) {
  $('start').disabled = running;
  $('pause').disabled = !running;
  $('stop').disabled = !running;
  $('pause').textContent = 'Pause';
  state.paused = false;
  for (const id of ['export-json', 'export-csv', 'export-png']) $(id).disabled = !Object.keys(session.histories).length;
}

function log(model, line) {
  const el = $(`log-${model}`);
  el.textContent += line + '\n';
  el.scrollTop = el.scrollHeight;
}

function onWorkerMessage(type, model, m) {
  const status = $(`status-${model}`);
  if (type === 'ready') status.textContent = statusLine(null, m);
  if (type === 'progress') status.textContent = statusLine(m, session.ready[model]);
  if (type === 'epoch') log(model, epochLine(m));
  if (type === 'done') status.textContent = `done · ${m.ms_per_step.toFixed(1)} ms/step on average`;
  if (type === 'error') {
    status.classList.add('error');
    status.textContent = m.message;
    log(model, m.message);
  }
  if (!session.running) setRunning(false);
}

async function start(e) {
  e.preventDefault();
  if (!$('controls').reportValidity()) return;
  const o = readOptions();
  $('start').disabled = true;
  if (!(await ensureData(o))) { $('start').disabled = false; return; }
  for (const m of MODELS) {
    $(`log-${m}`).textContent = '';
    $(`status-${m}`).classList.remove('error');
    $(`status-${m}`).textContent = 'starting…';
  }
  session.start(MODELS, o, { train: state.data.train, test: state.data.test });
  setRunning(true);
}

function initButtons() {
  $('controls').addEventListener('submit', start);
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    state.paused ? session.pause() : session.resume();
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
  });
  $('stop').addEventListener('click', () => {
    session.stop();
    for (const m of MODELS) $(`status-${m}`).textContent = 'stopped';
    setRunning(false);
  });
  $('export-json').addEventListener('click', () =>
    download('wn-history.json', new Blob([historyJson(session.histories, session.options)], { type: 'application/json' })));
  $('export-csv').addEventListener('click', () =>
    download('wn-history.csv', new Blob([historyCsv(session.histories)], { type: 'text/csv' })));
  $('export-png').addEventListener('click', () => download('wn-accuracy.png', charts.png()));
}

showIsolation();
initControls();
initDropzone();
initButtons();
// The default subset loads at once, so Start is immediate.
ensureData(readOptions());
// For tests and the console.
globalThis.wnApp = { state, session, charts, limits };
