// Embed mode for tutorials: the comparison chart and a start button, configured by URL
// parameters (web/params.js; see README), reporting to the parent window:
//   embed.html?models=regular,weightnorm&epochs=2&train=2000&test=500&seed=0&autostart=1
// Messages to the parent: {source: 'wn-trainer', type, model, seed, lr, …} with type ready,
// started, progress, epoch, diverged, done or error.
import './protocol.js';
import './wasm.js';
import { Charts } from './charts.js';
import { loadDataset, preparedSources } from './data.js';
import { Experiment } from './experiment.js';
import { parseParams } from './params.js';
import { Scheduler, isolated } from './scheduler.js';

const catalog = await globalThis.WNWasm.catalog();
const $ = (id) => document.getElementById(id);
const { values: p, errors } = parseParams(location.search, catalog);
const d = catalog.defaults;

function tell(type, data = {}) {
  if (window.parent !== window) window.parent.postMessage({ source: 'wn-trainer', type, ...data }, '*');
}

const spec = {
  variants: (p.models ?? ['regular', 'weightnorm']).map((model) => ({ model, wnInit: p.wninit ?? d.wn_init })),
  seeds: [p.seed ?? d.seed], sweeps: [{ optimizer: p.optimizer ?? d.optimizer, momentum: p.momentum ?? d.momentum, lrs: p.lr ?? [d.lr] }],
  epochs: p.epochs ?? 2, batchSize: p.batch ?? d.batch_size, trainSamples: p.train ?? 2000, testSamples: p.test ?? 500,
};
const build = p.build ?? 'auto';
const charts = new Charts($('accuracy-chart'), null);
let experiment = null;

function onEvent(job, e) {
  experiment.handle(job, e);
  tell(e.type, { ...e, model: job.model, seed: job.seed, lr: job.lr });
  if (e.type === 'diverged' || e.type === 'error') $('status').textContent = `${job.label}: ${e.message}`;
  if (e.type !== 'started') charts.redraw();
  if (experiment.finished) {
    $('start').disabled = false;
    if (!/:/.test($('status').textContent)) $('status').textContent = 'done';
  }
}

async function start() {
  $('start').disabled = true;
  $('status').textContent = `loading ${spec.trainSamples} + ${spec.testSamples} images…`;
  try {
    const data = await loadDataset(preparedSources({ train: spec.trainSamples }), { train: spec.trainSamples, test: spec.testSamples });
    const threaded = isolated() && build !== 'st';
    $('status').textContent = `training ${spec.epochs} epoch(s) on ${data.train.count} images · ${threaded ? 'threaded' : 'single-threaded'} build`;
    experiment = new Experiment(spec);
    charts.reset(experiment);
    new Scheduler({ data, build, threads: p.threads ?? null, onEvent }).run(experiment.jobs);
  } catch (e) {
    $('status').textContent = e.message;
    tell('error', { message: e.message });
    $('start').disabled = false;
  }
}

if (errors.length) {
  // Bad parameters: say so in the frame and to the parent, and train nothing.
  $('status').textContent = errors.join('; ');
  $('status').classList.add('error');
  $('start').disabled = true;
  tell('error', { message: errors.join('; ') });
} else {
  $('start').addEventListener('click', start);
  tell('ready', { version: catalog.version });
  if (p.autostart === '1') start();
}
if (new URLSearchParams(location.search).has('hooks')) globalThis.wnTest = { charts, experiment: () => experiment };
