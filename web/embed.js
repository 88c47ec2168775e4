// Embed mode for tutorials: the comparison chart and a start button, configured by URL
// parameters (web/params.js; see README) and driven by the page around it (web/wn-trainer.js,
// or any page that frames embed.html), to which it reports:
//   embed.html?experiment=sgd&seeds=2&autostart=1
//   embed.html?models=regular,weightnorm&epochs=2&train=2000&test=500&seed=0&autostart=1
// The messages both ways are named in protocol.js (`embed`): events to the parent, commands
// from it, each command answered once (ack, history, or error; a refused one changes nothing).
import './protocol.js';
import './wasm.js';
import { Charts } from './charts.js';
import { paramTable, parseParams, quote, quoteList, specErrors, specFrom } from './params.js';
import { isolated } from './scheduler.js';
import { Session } from './session.js';

const { embed } = globalThis.WNProtocol;
const { events, commands } = embed;
const $ = (id) => document.getElementById(id);

function postToParent(type, data = {}) {
  if (window.parent !== window) window.parent.postMessage({ source: embed.source, type, ...data }, '*');
}

// The content's height, so that the parent can fit the frame to it (the chart's height follows
// the width, see embed.html: no feedback loop). Sent once at once, before the WebAssembly loads:
// it also tells the parent that this page's script runs (wn-trainer.js takes a frame that stays
// silent for an error page).
let height = null;  // none sent yet: the first is sent whatever it is, 0 in a hidden frame too
function sendHeight() {
  const h = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (h !== height) postToParent(events.resize, { height: (height = h) });
}
sendHeight();
new ResizeObserver(sendHeight).observe(document.documentElement);

// Bad parameters, or a module that failed to load: said in the frame and to the parent; nothing trains.
function refuse(message) {
  $('status').textContent = message;
  $('status').classList.add('error');
  $('start').disabled = true;
  postToParent(events.error, { message });
}

let catalog;
try {
  catalog = await globalThis.WNWasm.catalog();
} catch (e) {
  refuse(`the trainer's WebAssembly module did not load: ${e.message}`);
  throw e;
}
const table = paramTable(catalog);

// The runs that parameter values ask for (web/params.js, as the page and wn-train --experiment
// read them), with the embed's small defaults where nothing else says: {spec, errors}.
function specOf(p) {
  const spec = specFrom(p, catalog, { epochs: embed.defaults.epochs, train: embed.defaults.trainSamples, test: embed.defaults.testSamples });
  return { spec, errors: specErrors(spec, catalog) };
}

// What the frame does: `values` are the parameters in force (URL, then configure), `spec` the runs
// they ask for; the session (web/session.js) has the data, the runs and the phase.
const given = parseParams(location.search, catalog);
const state = { values: given.values, spec: null };
const charts = new Charts($('accuracy-chart'), null);
const session = new Session({ catalog, tool: 'embed', onEvent, onExperiment: (experiment) => charts.reset(experiment) });

// The Start button follows the session's phase; status: the line under the chart, if it changes.
function showPhase(status) {
  $('start').disabled = session.phase !== 'idle';
  if (status != null) $('status').textContent = status;
}

// The run's own fields the parent needs to tell runs apart, on every event of a run.
function runFields(job) {
  return { job: job.id, model: job.model, seed: job.seed, lr: job.lr, optimizer: job.optimizer, wn_init: job.wnInit };
}

function onEvent(job, e) {
  const experiment = session.experiment;
  const { id, ...event } = e;  // the worker's job id: `job` below
  if (e.type === 'started' && session.warning) event.warnings = [...(e.warnings ?? []), session.warning];
  // An epoch's log also at the top, and how weight norm stands against the plain net so far.
  const epoch = e.log ? { val_accuracy: e.log.val_accuracy, ahead: experiment.ahead() } : {};
  postToParent(e.type, { ...event, ...runFields(job), ...epoch });
  if (e.message) $('status').textContent = `${job.label}: ${e.message}`;
  if (e.type !== 'started') charts.redraw();
  if (experiment.finished) finish();
}

// The experiment has ended (every run done, diverged, failed or stopped): its summary.
function finish() {
  const experiment = session.experiment;
  const count = (status) => experiment.runs.filter((r) => r.status === status).length;
  postToParent(events.experimentDone, {
    summary: experiment.summary(), ahead: experiment.ahead(),
    runs: { total: experiment.runs.length, done: count('done'), diverged: count('diverged'), error: count('error'), stopped: count('stopped') },
  });
  const cut = experiment.runs.some((r) => r.stopped);  // its message stays
  showPhase(cut ? null : 'done');
}

// Starts the runs of the spec in force. A stop, or a newer start, while its data loads drops it
// (the session cancels the load); a load that fails is an error event.
async function start() {
  const spec = state.spec, build = state.values.build ?? 'auto';
  const starting = session.start(spec, { build, threads: state.values.threads });
  showPhase(`loading ${spec.trainSamples} + ${spec.testSamples} images…`);
  try {
    const experiment = await starting;
    if (!experiment) return;  // stopped, or started again, while loading
    const warning = session.warning;
    showPhase(`training ${experiment.runs.length} run(s) of ${spec.epochs} epoch(s) on ${session.trained.train.count} images · ` +
      `${isolated() && build !== 'st' ? 'threaded' : 'single-threaded'} build${warning ? ` · warning: ${warning}` : ''}`);
  } catch (e) {
    showPhase(e.message);
    postToParent(events.error, { message: e.message });
  }
}

function stop() {
  if (!session.stop()) return showPhase('stopped');
  $('status').textContent = 'stopped';
  finish();
}

// A configure command's params: a JSON merge patch (RFC 7396) of the parameters, with the URL's
// names and values (numbers may be numbers, models a list); null drops a parameter. Checked as a
// whole, and applied (to the next start) only if all of it is valid.
const LOAD_ONLY = ['autostart'];  // read once, when the frame loads
// No valid setting comes near this many characters (a URL's worth, see wn-trainer.js): a larger
// patch is refused before anything reads it, so that a huge one costs no time and is not echoed.
const MAX_PATCH = 8000;

// The characters of a patch's names and values as text, counted up to just past `max`: null if
// a value is not text, a number or a list of them.
function patchSize(params, max) {
  let size = 0;
  for (const [name, v] of Object.entries(params)) {
    size += name.length;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (size > max) return size;
      if (typeof item === 'string') size += item.length;
      else if (typeof item === 'number' || typeof item === 'boolean' || (item === null && !Array.isArray(v))) size += String(item).length;
      else return null;
    }
  }
  return size;
}

function configure({ params }) {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error('configure needs params: {name: value, …}');
  // Names first: a name that is no parameter ("__proto__", "constructor" included) is named as such,
  // whatever its value. The names are quoted shortened, and only the first few.
  const unknown = Object.keys(params).filter((name) => !Object.hasOwn(table, name) || LOAD_ONLY.includes(name));
  if (unknown.length) throw new Error(`configure: unknown parameter ${quoteList(unknown)} (known: ${Object.keys(table).filter((n) => !LOAD_ONLY.includes(n)).join(', ')})`);
  const size = patchSize(params, MAX_PATCH);
  if (size === null) throw new Error('configure: each value must be text, a number, a list of them, or null');
  if (size > MAX_PATCH) throw new Error(`configure: params of more than ${MAX_PATCH} characters, more than any valid setting has`);
  const search = new URLSearchParams();
  for (const [name, v] of Object.entries(params)) if (v !== null) search.set(name, Array.isArray(v) ? v.join(',') : String(v));
  const { values, errors } = parseParams(search, catalog);
  const next = { ...state.values, ...values };
  for (const [name, v] of Object.entries(params)) if (v === null) delete next[name];
  const resolved = specOf(next);
  if (errors.length || resolved.errors.length) throw new Error([...errors, ...resolved.errors].join('; '));
  state.values = next;
  state.spec = resolved.spec;
  return { params: next, spec: resolved.spec };
}

// The history export in web/format.js's schema (wn-train's --json): the run records so far and
// the settings they share.
function history() {
  return { history: JSON.parse(session.history(session.experiment?.spec ?? state.spec)) };
}

// The commands: the phases each is accepted in, what it does (its answer's fields, or an Error).
const ANY = ['idle', 'loading', 'running', 'paused'];
const handlers = new Map([
  [commands.start, { when: ['idle'], refused: 'already running: stop it first', run: () => { start(); return { spec: state.spec }; } }],
  [commands.stop, { when: ['loading', 'running', 'paused'], refused: 'nothing is running', run: () => { stop(); return {}; } }],
  [commands.pause, { when: ['running'], refused: 'not running', run: () => { session.pause(); showPhase('paused'); return {}; } }],
  [commands.resume, { when: ['paused'], refused: 'not paused', run: () => { session.resume(); showPhase('training'); return {}; } }],
  [commands.configure, { when: ANY, run: configure }],
  [commands.getHistory, { when: ANY, answer: events.history, run: history }],
]);

function handleCommand(m) {
  const handler = handlers.get(m.type);
  // The answer names the command (briefly: an unknown one may be anything) and carries its id.
  const answer = { command: typeof m.type === 'string' ? quote(m.type) : `(${typeof m.type})`, id: m.id };
  try {
    if (!handler) throw new Error(`unknown command ${JSON.stringify(answer.command)} (known: ${[...handlers.keys()].join(', ')})`);
    if (!handler.when.includes(session.phase)) throw new Error(`${m.type}: ${handler.refused}`);
    postToParent(handler.answer ?? events.ack, { ...answer, ok: true, ...handler.run(m) });
  } catch (e) {
    postToParent(events.error, { ...answer, ok: false, message: e.message });
  }
}

const initial = specOf(given.values);
const errors = [...given.errors, ...initial.errors];
if (errors.length) {
  refuse(errors.join('; '));
} else {
  state.spec = initial.spec;
  $('start').addEventListener('click', start);
  // Commands from the page that frames this one, and from no other window.
  addEventListener('message', (e) => {
    if (e.source === window.parent && window.parent !== window && e.data?.target === embed.target) handleCommand(e.data);
  });
  postToParent(events.ready, { version: catalog.version, threaded: isolated() && state.values.build !== 'st', params: state.values, spec: state.spec });
  if (state.values.autostart === '1') start();
}
if (new URLSearchParams(location.search).has('hooks')) globalThis.wnTest = { charts, experiment: () => session.experiment, state, session };
