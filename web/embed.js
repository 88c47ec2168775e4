// Embed mode for tutorials: just the comparison chart and a start button,
// configured by URL parameters, reporting to the parent window:
//   embed.html?models=regular,weightnorm&epochs=2&train=2000&test=500&seed=0&batch=32&lr=0.001&wninit=tfa&autostart=1
// (threads=N overrides the threads per model, by default the cores split between the models;
// build=st runs the single-threaded module even on an isolated page.)
// Messages to the parent: {source: 'wn-trainer', type: 'ready'|'progress'|'epoch'|'done'|'error', model, ...}.
import './protocol.js';
import { Charts } from './charts.js';
import { loadDataset, preparedSources } from './data.js';
import { MODELS, isolated } from './runner.js';
import { Session } from './session.js';

const { defaults, limits, wnInits } = globalThis.WNProtocol;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

function number(name, fallback, lo, hi) {
  const v = Number(params.get(name) ?? fallback);
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

const models = (params.get('models') || MODELS.join(',')).split(',').filter((m) => MODELS.includes(m));
const options = {
  ...defaults,
  epochs: number('epochs', 2, 1, limits.maxEpochs),
  batchSize: number('batch', defaults.batchSize, 1, limits.maxBatch),
  learningRate: number('lr', defaults.learningRate, 1e-9, 10),
  seed: number('seed', defaults.seed, 0, 4294967295),
  trainSamples: number('train', 2000, 1, limits.maxTrain),
  testSamples: number('test', 500, 1, limits.maxTest),
  wnInit: Object.hasOwn(wnInits, params.get('wninit') ?? '') ? params.get('wninit') : defaults.wnInit,
  build: params.get('build') === 'st' ? 'st' : defaults.build,  // build=st: the single-threaded module even when isolated
};

function tell(type, model, data) {
  if (window.parent !== window) window.parent.postMessage({ source: 'wn-trainer', type, model, ...data }, '*');
}

const charts = new Charts($('accuracy-chart'), null, models.length ? models : MODELS);
const session = new Session(charts, (type, model, data) => {
  tell(type, model, data);
  if (type === 'error') $('status').textContent = `${model}: ${data.message}`;
  if (!session.running) $('start').disabled = false;
});

async function start() {
  $('start').disabled = true;
  $('status').textContent = `loading ${options.trainSamples} + ${options.testSamples} images…`;
  try {
    const data = await loadDataset(preparedSources({ train: options.trainSamples }),
      { train: options.trainSamples, test: options.testSamples });
    $('status').textContent = `training ${options.epochs} epoch(s) on ${data.train.count} images · ${isolated() ? 'threaded' : 'single-threaded'} build`;
    session.start(models, options, data, params.has('threads') ? number('threads', 1, 1, 64) : undefined);
  } catch (e) {
    $('status').textContent = e.message;
    tell('error', null, { message: e.message });
    $('start').disabled = false;
  }
}

$('start').addEventListener('click', start);
if (params.get('autostart') === '1') start();
globalThis.wnEmbed = { session, charts, options };
