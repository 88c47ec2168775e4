// The page: controls → data and an experiment's runs on the workers → charts, logs and status.
import './protocol.js';
import './wasm.js';
import { Charts, colorOf, gridPng, pngOf } from './charts.js';
import { CommandPanel } from './command-panel.js';
import { Controls } from './controls.js';
import { fileSources } from './data.js';
import { Dynamics } from './dynamics.js';
import { Experiment, variantLabel } from './experiment.js';
import { download, epochLine, historyCsv, statusLine } from './format.js';
import { HistoryOpener } from './history-open.js';
import { Inspect } from './inspect.js';
import { parseParams, specErrors, specFrom } from './params.js';
import { Results } from './results.js';
import { Session } from './session.js';
import { isolated, plan, singleThreadedNote } from './scheduler.js';

const { msg, pageDefaults, finalEvents } = globalThis.WNProtocol;
const catalog = await globalThis.WNWasm.catalog();
const $ = (id) => document.getElementById(id);

// The data, the runs and start/stop/pause: web/session.js, shared with the embed. This file draws.
const session = new Session({ catalog, tool: 'web', onLoad: showLoad, onExperiment: showExperiment, onEvent });

// ---- isolation: say plainly which build runs. build=st and threads=N in the URL choose, as in the embed.
function showIsolation({ build, threads }) {
  const el = $('isolation');
  if (isolated() && build === 'st') {
    el.textContent = 'Cross-origin isolated, but the URL asks for the single-threaded build (build=st): each model trains in the single-threaded SIMD build.';
  } else if (isolated()) {
    el.textContent = `Cross-origin isolated: each model trains in the threaded WebAssembly build (SIMD + pthreads) with ${plan(2, { threads }).threads} thread(s).`;
  } else {
    el.classList.add('warn');
    el.textContent = singleThreadedNote();
  }
}

// ---- controls: an experiment preset (or the URL's parameters, with the embed's names) fills
// the form; every edit is mirrored back into the URL, so a link reproduces the run.
const fallback = { train: pageDefaults.trainSamples, test: pageDefaults.testSamples };
// The form's architecture, checked and costed by the page's module: each model kind of the spec once.
const pageApi = await globalThis.WNWasm.pageModule();
const costOf = (spec) => [...new Set(spec.variants.map((v) => v.model))].map((model) =>
  ({ model, cost: pageApi.cost(JSON.stringify({ arch: spec.arch, width: spec.width, model })) }));
// "Run this at full scale": the wn-train command lines for the form as the URL mirrors it.
const commandPanel = new CommandPanel($('full-scale'), catalog);
const controls = new Controls(catalog, fallback, () => { history.replaceState(null, '', `?${mirrored()}`); commandPanel.show(mirrored()); }, costOf);

// The form's parameters, plus what the URL carries that the form does not (sw, hooks, build, threads).
function mirrored() {
  const p = controls.params();
  for (const [k, v] of new URLSearchParams(location.search)) if (['sw', 'hooks', 'build', 'threads'].includes(k)) p.set(k, v);
  return p;
}

function initControls() {
  const { values, errors } = parseParams(location.search, catalog);
  // No parameters at all: plain SGD over 3 seeds, the experiment where weight norm shows its effect.
  const start = Object.keys(values).length ? values : { experiment: 'sgd' };
  const spec = specFrom(start, catalog, fallback);
  // What the form cannot hold (momentum with Adam) or would refuse at Start (seeds past the last) is said now.
  errors.push(...specErrors(spec, catalog));
  controls.set(spec);
  if (errors.length) {
    $('params-error').hidden = false;
    $('params-error').textContent = `Ignored URL parameters: ${errors.join('; ')}.`;
  }
  return values;
}

const readSpec = () => controls.spec();

// ---- data
function setDataError(message) {
  $('data-error').hidden = !message;
  $('data-error').textContent = message || '';
}

function describeData(data) {
  const n = (count) => count.toLocaleString('en');
  // Files holding fewer images than asked for (one batch file for 30,000 images): the runs use what there is.
  const short = ['train', 'test'].filter((part) => data[part].count < data.limits[part])
    .map((part) => `${n(data.limits[part])} ${part === 'train' ? 'training' : 'test'} images asked for`);
  return `CIFAR-10: ${n(data.train.count)} training and ${n(data.test.count)} test images (${data.source})` +
    (short.length ? `; fewer than the ${short.join(' and ')}, so the runs use what there is.` : '.');
}

// The data line and progress bar follow the session's loads. A cancelled load leaves them to the
// load that replaced it, if any.
function showLoad({ status, name, progress, error }) {
  const bar = $('data-progress');
  if (status === 'loading') {
    bar.hidden = false;
    bar.removeAttribute('value');
    setDataError(null);
    $('data-status').textContent = `Loading ${name}…`;
  } else if (status === 'progress') {
    bar.max = progress.total || 1;
    bar.value = progress.loaded;
    $('data-status').textContent = `${progress.phase === 'parsing' ? 'Parsing' : 'Reading'} ${name}: ${(progress.loaded / 1e6).toFixed(1)} of ${(progress.total / 1e6).toFixed(1)} MB`;
  } else if (!session.loading) {
    if (status === 'failed') setDataError(`Could not load ${name}: ${error.message}. ${session.data ? 'The data loaded before is kept.' : ''}`);
    bar.hidden = true;
    $('data-status').textContent = session.data ? describeData(session.data) : 'No data loaded yet.';
  }
}

// Whether a load or a start went through. Its failure is on the page already (showLoad), and a
// cancelled one gave way to a stop or a newer load.
const settled = (promise) => promise.then(Boolean, () => false);

function loadFiles(files) {
  if (!files.length) return;
  // History files dropped here rather than on the Results panel's zone: opened, not loaded as data.
  if ([...files].every((f) => /\.jsonl?$/i.test(f.name))) return opener.open([...files]);
  const spec = readSpec();
  settled(session.load(fileSources(files), files.length === 1 ? files[0].name : `${files.length} files`,
    { train: spec.trainSamples, test: spec.testSamples }, { chosen: true }));
}

function initDropzone() {
  const zone = $('dropzone');
  $('file').addEventListener('change', (e) => loadFiles(e.target.files));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); loadFiles(e.dataTransfer.files); });
}

// ---- the runs' panels: a status line and a Keras-style log per variant (lines prefixed with
// the run's seed and setting when there are several).
function buildModelPanels(experiment) {
  const box = $('models');
  box.replaceChildren();
  for (const v of experiment.variants()) {
    const article = document.createElement('article');
    article.className = `model ${v.model}`;
    article.style.setProperty('--accent', colorOf(v.variant, box.children.length));
    article.innerHTML = '<h2></h2><p class="status"></p><pre class="log" tabindex="0"></pre>';
    article.querySelector('h2').textContent = variantLabel(v.model, v.wnInit);
    article.querySelector('.status').id = `status-${panelId(v)}`;
    article.querySelector('.log').id = `log-${panelId(v)}`;
    article.querySelector('.log').setAttribute('aria-label', `training log of ${variantLabel(v.model, v.wnInit)}`);
    article.querySelector('.status').textContent = 'waiting…';
    box.append(article);
  }
}

const panelId = (job) => job.variant.replace('/', '-');

// A line's run, where a variant has several: "[seed 2, adam 0.001] ".
const runTag = (job, many) => (many ? `[seed ${job.seed}, ${job.setting}] ` : '');
const manyRuns = (experiment) => experiment.jobs.length > experiment.variants().length;

function log(job, line) {
  const el = $(`log-${panelId(job)}`);
  el.textContent += runTag(job, manyRuns(session.experiment)) + line + '\n';
  el.scrollTop = el.scrollHeight;
}

const charts = new Charts($('accuracy-chart'), $('loss-chart'), { ghosts: true });
const results = new Results();
const dynamics = new Dynamics();
const inspect = new Inspect(catalog, () => session.data, () => { const { arch, width } = controls.spec(); return { arch, width }; });

// Screen readers hear the run's state change (started, an epoch, done), not every progress report.
function announce(text) { $('run-status').textContent = text; }

function onEvent(job, e) {
  const experiment = session.experiment;
  const run = experiment.run(job.id);
  const status = $(`status-${panelId(job)}`);
  if (e.type === msg.started) {
    status.textContent = statusLine(null, e);
    for (const w of [...(e.warnings ?? []), ...(session.warning ? [session.warning] : [])]) log(job, `warning: ${w}`);
  }
  if (e.type === msg.progress) status.textContent = statusLine(e, run.started);
  if (e.type === msg.epoch) log(job, epochLine(e));
  if (e.type === msg.done) status.textContent = `done · ${e.ms_per_step.toFixed(1)} ms/step on average`;
  if (e.type === msg.diverged || e.type === msg.error) {
    status.classList.add('error');
    status.textContent = e.message;
    log(job, e.message);
  }
  if (e.type === msg.epoch) announce(`${job.label}: epoch ${e.log.epoch}, validation accuracy ${e.log.val_accuracy.toFixed(3)}`);
  if (e.type === msg.diagnostics) dynamics.update();
  else if (e.type !== msg.started) charts.redraw();
  // The inspection panel changes with each validation, and says "final" when a run ends.
  if (e.type === msg.epoch || finalEvents.includes(e.type)) {
    inspect.update();
  }
  results.update();
  if (experiment.finished) {
    showButtons();
    announce(`Experiment finished: ${experiment.runs.length} run(s).`);
  }
}

// The buttons follow the session: Start while idle; Stop while a start loads its data or its
// runs train; Pause while they train.
function showButtons() {
  const phase = session.phase;
  $('start').disabled = phase !== 'idle';
  $('pause').disabled = !['running', 'paused'].includes(phase);
  $('stop').disabled = phase === 'idle';
  $('pause').textContent = phase === 'paused' ? 'Resume' : 'Pause';
  const records = session.experiment?.records() ?? [];
  for (const id of ['export-json', 'export-csv', 'export-png']) $(id).disabled = !records.length;
}

// A start's data is in and its runs begin: fresh panels and charts.
function showExperiment(experiment, { ghost = true } = {}) {
  setDataError(null);  // an earlier load's failure is no longer news: this run has its data
  buildModelPanels(experiment);
  charts.reset(experiment, { ghost });
  $('clear-ghosts').disabled = !charts.ghosts.length;
  results.reset(experiment);
  dynamics.reset(experiment);
  inspect.reset(experiment);
  opener.banner();
  showButtons();
}

// ---- history files opened on the page (web/history-open.js): Session.open gives their runs'
// events to the experiment as a live run's, and each run's last to onEvent; then the logs are
// written at once and everything draws, finished.
const opener = new HistoryOpener(session, catalog, {
  shown: (experiment) => {
    // Each model's log gets the file's epochs at once, as training would have written them.
    const logs = new Map(), many = manyRuns(experiment);
    for (const r of experiment.runs) {
      const lines = r.epochs.map((l) => runTag(r.job, many) + epochLine({ log: l, epochs: experiment.spec.epochs, steps: r.last?.steps ?? 0,
        ms_per_step: r.record?.ms_per_step ?? 0 }) + '\n');
      logs.set(panelId(r.job), (logs.get(panelId(r.job)) ?? '') + lines.join('') + (r.stopped ? `${r.stopped}\n` : ''));
    }
    for (const [id, text] of logs) $(`log-${id}`).textContent = text;
    // A model none of whose runs ended here by itself (stopped on the page, or in another shard).
    for (const r of experiment.runs.filter((q) => ['stopped', 'absent'].includes(q.status))) {
      const status = $(`status-${panelId(r.job)}`);
      if (status.textContent === 'waiting…') status.textContent = r.status === 'absent' ? 'not in the opened file' : 'stopped';
    }
    charts.redraw();
    for (const panel of [results, dynamics, inspect]) panel.update();
    showButtons();
    announce(`Opened ${experiment.runs.length} run(s) from a history file.`);
  },
  // Back to training: nothing shown until the next start (the opened runs do not stay as earlier runs).
  closed: () => showExperiment(new Experiment({ ...readSpec(), seeds: [] }), { ghost: false }),
});

async function start() {
  const spec = readSpec();
  const starting = session.start(spec, { build: given.build, threads: given.threads ?? null });
  showButtons();
  await settled(starting);
  showButtons();
}

function initButtons() {
  $('controls').addEventListener('submit', (e) => { e.preventDefault(); if (controls.validate()) start(); });
  $('pause').addEventListener('click', () => {
    session.paused ? session.resume() : session.pause();
    showButtons();
  });
  $('stop').addEventListener('click', () => {
    const cut = session.stop();
    showButtons();
    if (!cut) return announce('Stopped before training began.');
    for (const el of document.querySelectorAll('#models .status')) if (!el.classList.contains('error') && !/^done/.test(el.textContent)) el.textContent = 'stopped';
    results.update();
    inspect.update();
    announce('Stopped.');
  });
  $('export-json').addEventListener('click', () =>
    download('wn-history.json', new Blob([session.history()], { type: 'application/json' })));
  $('export-csv').addEventListener('click', () =>
    download('wn-history.csv', new Blob([historyCsv(session.experiment.records())], { type: 'text/csv' })));
  $('export-png').addEventListener('click', () => download('wn-accuracy.png', charts.png()));
}

// ---- chart tools: the x axis, smoothing, earlier runs, PNGs and the text alternatives.
function initChartTools() {
  $('x-axis').addEventListener('change', () => charts.setView({ x: $('x-axis').value }));
  $('smoothing').addEventListener('input', () => {
    $('smoothing-value').value = $('smoothing').value;
    charts.setView({ smoothing: Number($('smoothing').value) });
  });
  $('clear-ghosts').addEventListener('click', () => { charts.clearGhosts(); $('clear-ghosts').disabled = true; });
  for (const figure of document.querySelectorAll('figure.chart-box')) chartCaption(figure);
  document.querySelector('[data-png-grid]').addEventListener('click', () =>
    download('wn-dynamics.png', gridPng([...document.querySelectorAll('#dynamics-grid canvas')], 3)));
}

// A chart's caption: a PNG button and, for figures marked data-table, a table of the last values
// (the chart's text alternative, filled by charts.js as it draws).
function chartCaption(figure) {
  const canvas = figure.querySelector('canvas'), name = figure.dataset.name;
  const caption = document.createElement('figcaption');
  caption.innerHTML = `<button type="button" class="png" data-png="${canvas.id}">Save the ${name} chart as PNG</button>`;
  caption.querySelector('button').addEventListener('click', () => download(`wn-${canvas.id}.png`, pngOf(canvas)));
  if ('table' in figure.dataset) {
    caption.insertAdjacentHTML('beforeend', `<details><summary>Data table</summary><div class="table-wrap" tabindex="0" role="group"
      aria-label="${name} data"><table id="${canvas.id}-data" class="summary"></table></div></details>`);
  }
  figure.append(caption);
}

const given = initControls();
commandPanel.show(mirrored());
showIsolation(given);
initDropzone();
initButtons();
initChartTools();
// The data loads at once, so Start is immediate; autostart=1 starts as soon as it is in.
settled(session.dataFor(readSpec())).then((ok) => { if (ok && given.autostart === '1' && controls.validate()) start(); });
// Browser tests look inside through this, and only when the URL asks for it (?hooks).
if (new URLSearchParams(location.search).has('hooks')) globalThis.wnTest = { state: session, session, charts, catalog, inspect, dynamics, results };
