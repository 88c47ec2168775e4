// Opening history files (docs/history.md) on the page: `wn-train --json` runs, `wn-merge` output,
// the page's own export, and `--diagnostics` JSON lines. Everything a file can get wrong is
// refused here, with the file's name and the reason; nothing here touches the DOM, so the page's
// worker (history.worker.js) runs it and node:test checks it (tests/unit/history-file.test.mjs).
//
// What an opened file becomes is the events a live run sends (web/protocol.js: progress, epoch,
// diagnostics, done, diverged), so Session.open feeds the page's panels through the same path as
// training does. Several histories combine by wn-merge's rules (src/merge/merge.cpp): the same
// tool and shared settings, or they are refused naming the setting; shards of one grid all given.
import { expandJobs, settingKey, variantKey, variantLabel } from './experiment.js';

// Larger files are refused before a byte is read. A history of 200 runs × 100 epochs is about
// 3 MB; a --diagnostics file of 40 runs × 10 epochs on the full set (a record of about 1 KB every
// 25 steps) about 25 MB. The CLI's wn-merge takes 256 MB, more than a tab should parse.
export const MAX_FILE_BYTES = 64 << 20;
export const MAX_FILES = 64;
export const MAX_RUNS = 5000;
// The page draws this many epochs of runs in about 5 s, its longest pause 1.4 s (200 runs of 100
// epochs; docs/history.md); a grid of 5 seeds × 10 rates × 4 models × 30 epochs is 6,000.
export const MAX_EPOCHS = 20000;

const HISTORY_FORMAT = 'wn-history';
const HISTORY_VERSION = 1;
// Keys that would reach an object's prototype if copied with Object.assign or a[key] = v.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 8;

export class HistoryFileError extends Error {}
const refuse = (text) => { throw new HistoryFileError(text); };

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const isWhole = (v, min = 0, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && v >= min && v <= max;
const cut = (s) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
const quote = (v) => cut(JSON.stringify(v) ?? String(v));

// Prototype keys anywhere in the document (JSON.parse makes them own keys), and nesting deeper than
// a history has.
function checkKeys(value, where, depth = 0) {
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_DEPTH) refuse(`${where} is nested deeper than a history is`);
  if (Array.isArray(value)) {
    // Arrays of numbers (confusion matrices' rows, per-class accuracy) have nothing to look into.
    for (let i = 0; i < value.length; i++) if (typeof value[i] === 'object') checkKeys(value[i], `${where}[${i}]`, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) refuse(`${where} has a key named ${key}`);
    checkKeys(value[key], `${where}.${key}`, depth + 1);
  }
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return refuse(`${what} is not JSON, or is cut short (${e.message})`);
  }
}

// Field checks: each returns the value or refuses with "WHERE 'KEY' …".
function field(object, key, where, ok, expected) {
  const v = object[key];
  if (!Object.hasOwn(object, key)) refuse(`${where}: '${key}' is missing`);
  if (!ok(v)) refuse(`${where}: '${key}' is ${quote(v)}, not ${expected}`);
  return v;
}
const nullable = (ok) => (v) => v === null || ok(v);
const oneOf = (list) => (v) => list.includes(v);
const fraction = (v) => isNumber(v) && v >= 0 && v <= 1;

// names: the catalog's {models, wn_inits, optimizers, classes, limits}.
function checkOptions(options, where, names) {
  if (!isObject(options)) refuse(`${where}: "options" is missing or not an object`);
  const o = `${where}, its options`;
  field(options, 'arch', o, (v) => typeof v === 'string' && v.length > 0 && v.length <= 1000, 'an architecture');
  field(options, 'width', o, (v) => isNumber(v) && v > 0, 'a positive number');
  field(options, 'epochs', o, (v) => isWhole(v, 0, names.limits.max_epochs), `a whole number of epochs up to ${names.limits.max_epochs}`);
  const batch = (v) => isWhole(v, 1, names.limits.max_batch);
  field(options, 'batch_size', o, (v) => batch(v) || (Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every(batch) && new Set(v).size === v.length),
    `a batch size from 1 to ${names.limits.max_batch}, or a list of different ones`);
  field(options, 'train_samples', o, (v) => isWhole(v, 0, names.limits.max_train), `a number of images up to ${names.limits.max_train}`);
  field(options, 'test_samples', o, (v) => isWhole(v, 0, names.limits.max_test), `a number of images up to ${names.limits.max_test}`);
  for (const key of ['data', 'experiment', 'simd'])
    if (Object.hasOwn(options, key)) field(options, key, o, nullable((v) => typeof v === 'string'), 'a string or null');
  for (const key of ['threads', 'progress_every'])
    if (Object.hasOwn(options, key)) field(options, key, o, nullable((v) => isWhole(v, 1)), 'a positive whole number or null');
  if (Object.hasOwn(options, 'shard')) field(options, 'shard', o, (v) => shardOf(v) !== null, 'a shard "K/N" with 0 ≤ K < N');
}

// "K/N" → {index, count}, or null.
function shardOf(text) {
  const m = typeof text === 'string' && /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]), count = Number(m[2]);
  return index < count ? { index, count } : null;
}

function checkEpoch(e, where, epochs) {
  if (!isObject(e)) refuse(`${where} is not an object`);
  field(e, 'epoch', where, (v) => isWhole(v, 0, epochs), `an epoch from 0 to ${epochs}`);
  field(e, 'seconds', where, (v) => isNumber(v) && v >= 0, 'a number of seconds');
  // NaN and infinities are written as null (a diverged loss, an evaluation-only run's training metrics).
  field(e, 'loss', where, nullable((v) => isNumber(v) && v >= 0), 'a loss or null');
  field(e, 'accuracy', where, nullable(fraction), 'an accuracy from 0 to 1, or null');
  field(e, 'val_loss', where, nullable((v) => isNumber(v) && v >= 0), 'a loss or null');
  field(e, 'val_accuracy', where, fraction, 'an accuracy from 0 to 1');
}

function checkRun(run, where, options, names) {
  if (!isObject(run)) refuse(`${where} is not an object`);
  field(run, 'model', where, oneOf(names.models), `one of ${names.models.join(', ')}`);
  field(run, 'wn_init', where, oneOf(names.wn_inits), `one of ${names.wn_inits.join(', ')}`);
  field(run, 'seed', where, (v) => isWhole(v, 0, names.limits.max_seed), `a whole number from 0 to ${names.limits.max_seed}`);
  field(run, 'optimizer', where, oneOf(names.optimizers), `one of ${names.optimizers.join(', ')}`);
  field(run, 'learning_rate', where, (v) => isNumber(v) && v > 0, 'a positive number');
  field(run, 'momentum', where, (v) => isNumber(v) && v >= 0 && v < 1, 'a number from 0 to below 1');
  // Histories written before batch sizes were a grid dimension have one, in the options only.
  if (Object.hasOwn(run, 'batch_size')) field(run, 'batch_size', where, (v) => batchSizesOf(options).includes(v), `one of the batch sizes ${batchSizesOf(options).join(', ')}`);
  field(run, 'ms_per_step', where, nullable((v) => isNumber(v) && v >= 0), 'a number of milliseconds or null');
  field(run, 'stopped', where, nullable((v) => typeof v === 'string'), 'a string or null');
  const history = field(run, 'history', where, Array.isArray, 'an array of epochs');
  history.forEach((e, i) => {
    checkEpoch(e, `${where}, epoch ${i + 1} of its history`, options.epochs);
    if (i > 0 && e.epoch !== history[i - 1].epoch + 1) refuse(`${where}: its history goes from epoch ${history[i - 1].epoch} to ${e.epoch}`);
  });
  const k = names.classes;
  const matrix = (v) => Array.isArray(v) && v.length === k && v.every((row) => Array.isArray(row) && row.length === k && row.every((c) => isWhole(c)));
  field(run, 'confusion_matrix', where, nullable(matrix), `null or ${k} rows of ${k} counts`);
  field(run, 'per_class_accuracy', where, nullable((v) => Array.isArray(v) && v.length === k && v.every(fraction)), `null or ${k} accuracies`);
  if ((run.confusion_matrix === null) !== (run.per_class_accuracy === null)) refuse(`${where} has a confusion matrix or per-class accuracy without the other`);
}

// The batch sizes of a history's grid: options.batch_size is one, or a list of them.
const batchSizesOf = (options) => [options.batch_size].flat();
const batchOf = (r, options) => r.batch_size ?? batchSizesOf(options)[0];
// The cell of the grid a run (or a diagnostics record, lr for learning_rate) belongs to, with its seed.
const cellOf = (r, options) => `${variantKey(r.model, r.wn_init)} ${settingKey(r.optimizer, r.learning_rate ?? r.lr, batchOf(r, options))} seed ${r.seed}`;
const cellText = (r, options) => `${variantLabel(r.model, r.wn_init)}, seed ${r.seed}, ${r.optimizer} lr ${r.learning_rate}` +
  (batchSizesOf(options).length > 1 ? `, batch ${batchOf(r, options)}` : '');

// A history file's text, checked: {name, tool, options (without "shard"), shard, runs}.
export function readHistory(text, name, names) { return checkHistory(parseJson(text, name), name, names); }

function checkHistory(doc, name, names) {
  if (!isObject(doc) || doc.format !== HISTORY_FORMAT) refuse(`${name} is not a history file (its "format" is not "${HISTORY_FORMAT}")`);
  if (doc.version !== HISTORY_VERSION) refuse(`${name} is a history of version ${quote(doc.version ?? '(none)')}; this page reads version ${HISTORY_VERSION}`);
  checkKeys(doc, name);
  field(doc, 'tool', name, (v) => typeof v === 'string' && v.length <= 200, 'the name of the tool that wrote it');
  checkOptions(doc.options, name, names);
  const runs = field(doc, 'runs', name, Array.isArray, 'an array of runs');
  if (runs.length > MAX_RUNS) refuse(`${name} has ${runs.length} runs, more than the ${MAX_RUNS} this page opens`);
  const seen = new Set();
  runs.forEach((run, i) => {
    checkRun(run, `${name}, run ${i + 1}`, doc.options, names);
    const cell = cellOf(run, doc.options);
    if (seen.has(cell)) refuse(`${name}, run ${i + 1} repeats the run ${cellText(run, doc.options)}`);
    seen.add(cell);
  });
  const { shard, ...options } = doc.options;
  return { name, tool: doc.tool, options, shard: shard === undefined ? null : shardOf(shard), runs };
}

// Several histories as one, by wn-merge's rules: shards go back in grid order, other files follow
// in the order given.
export function combineHistories(files) {
  if (files.length === 1) return { ...files[0], names: [files[0].name] };
  const [first] = files;
  for (const f of files) {
    if (f.tool !== first.tool) refuse(`${first.name} and ${f.name} were written by different tools (${first.tool}, ${f.tool})`);
    for (const key of new Set([...Object.keys(first.options), ...Object.keys(f.options)])) {
      const a = Object.hasOwn(first.options, key) ? JSON.stringify(first.options[key]) : '(not set)';
      const b = Object.hasOwn(f.options, key) ? JSON.stringify(f.options[key]) : '(not set)';
      if (a !== b) refuse(`${first.name} and ${f.name} differ in the setting "${key}" (${cut(a)} vs ${cut(b)}): their runs are not one grid`);
    }
    if (!f.shard !== !first.shard)
      refuse(`${(first.shard ? first : f).name} is a shard of a grid (--shard) and ${(first.shard ? f : first).name} is not: open the shards of one grid, or whole histories`);
  }
  let order = files;
  if (first.shard) {
    const n = first.shard.count;
    order = new Array(n).fill(null);
    for (const f of files) {
      if (f.shard.count !== n) refuse(`${first.name} is shard ${first.shard.index}/${n} and ${f.name} is shard ${f.shard.index}/${f.shard.count}: shards of different splits`);
      if (order[f.shard.index]) refuse(`shard ${f.shard.index}/${n} is given twice: ${order[f.shard.index].name} and ${f.name}`);
      order[f.shard.index] = f;
    }
    const missing = order.findIndex((f) => !f);
    if (missing >= 0) refuse(`shard ${missing}/${n} is missing: the grid has ${n} shards`);
  }
  const owner = new Map(), runs = [];
  for (const f of order)
    for (const run of f.runs) {
      const cell = cellOf(run, first.options);
      if (owner.has(cell)) refuse(`the run ${cellText(run, first.options)} is in both ${owner.get(cell)} and ${f.name}`);
      owner.set(cell, f.name);
      runs.push(run);
    }
  return { name: order.map((f) => f.name).join(', '), names: order.map((f) => f.name), tool: first.tool, options: first.options, shard: null, runs };
}

// A --diagnostics file's text: one record per line, as wn-train writes them (the page's
// `diagnostics` events without their type).
export function readDiagnostics(text, name, names) {
  const records = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const where = `${name}, line ${i + 1}`;
    records.push(checkDiagnostics(parseJson(lines[i], where), where, names));
  }
  if (!records.length) refuse(`${name} holds no diagnostics records`);
  return records;
}

function checkDiagnostics(d, where, names) {
  if (!isObject(d)) refuse(`${where} is not a diagnostics record`);
  checkKeys(d, where);
  field(d, 'model', where, oneOf(names.models), `one of ${names.models.join(', ')}`);
  field(d, 'wn_init', where, oneOf(names.wn_inits), `one of ${names.wn_inits.join(', ')}`);
  field(d, 'optimizer', where, oneOf(names.optimizers), `one of ${names.optimizers.join(', ')}`);
  field(d, 'seed', where, (v) => isWhole(v, 0, names.limits.max_seed), 'a seed');
  field(d, 'lr', where, (v) => isNumber(v) && v > 0, 'a positive number');
  if (Object.hasOwn(d, 'batch_size')) field(d, 'batch_size', where, (v) => isWhole(v, 1, names.limits.max_batch), 'a batch size');
  field(d, 'epoch', where, (v) => isWhole(v, 0, names.limits.max_epochs), 'an epoch');
  field(d, 'step', where, (v) => isWhole(v), 'a step');
  const layers = field(d, 'layers', where, (v) => Array.isArray(v) && v.length > 0 && v.length <= 1000, 'a list of layers');
  layers.forEach((l, k) => {
    const at = `${where}, layer ${k + 1}`;
    if (!isObject(l)) refuse(`${at} is not an object`);
    field(l, 'name', at, (v) => typeof v === 'string', 'a name');
    for (const key of Object.keys(l)) if (key !== 'name') field(l, key, at, nullable(isNumber), 'a number or null');
  });
  return d;
}

const isDiagnostics = (d) => isObject(d) && Array.isArray(d.layers);

// A file's text as a history or as diagnostics records, told apart by what it holds: a history is
// one JSON document (on one line from wn-train, indented from the page); a --diagnostics file is
// records with layers, one a line.
function readFile(text, name, names) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    const nl = text.indexOf('\n');
    let first = null;
    try { first = JSON.parse(nl < 0 ? text : text.slice(0, nl)); } catch { /* neither: said below */ }
    if (isDiagnostics(first)) return { diagnostics: readDiagnostics(text, name, names) };
    return { history: readHistory(text, name, names) };
  }
  if (isDiagnostics(doc)) return { diagnostics: [checkDiagnostics(doc, `${name}, line 1`, names)] };
  return { history: checkHistory(doc, name, names) };
}

// The events a live run would have sent, from a history (and its diagnostics records): what
// Session.open replays. Per run, per epoch: a progress report at the epoch's end (the file has the
// epoch's mean training loss and accuracy, not the reports within it) and the epoch event with
// the run record; then its diagnostics; then how it ended.
export function replayOf(history, diagnostics = []) {
  const { options, runs } = history;
  const first = (list) => [...new Map(list).values()];
  const spec = {
    experiment: options.experiment ?? null, arch: options.arch, width: options.width, epochs: options.epochs, batchSizes: batchSizesOf(options),
    trainSamples: options.train_samples, testSamples: options.test_samples,
    perEpoch: true,  // the curves say their training points are per epoch (charts.js)
    variants: first(runs.map((r) => [variantKey(r.model, r.wn_init), { model: r.model, wnInit: r.wn_init }])),
    seeds: first(runs.map((r) => [r.seed, r.seed])),
    sweeps: first(runs.map((r) => [r.optimizer, { optimizer: r.optimizer, momentum: r.momentum, lrs: [] }])),
  };
  for (const s of spec.sweeps) s.lrs = first(runs.filter((r) => r.optimizer === s.optimizer).map((r) => [r.learning_rate, r.learning_rate]));
  const jobs = expandJobs(spec);
  const idOf = new Map(jobs.map((j) => [cellOf({ model: j.model, wn_init: j.wnInit, optimizer: j.optimizer, lr: j.lr, seed: j.seed, batch_size: j.batchSize }, options), j.id]));
  const stepsOf = (r) => Math.max(1, Math.ceil(options.train_samples / batchOf(r, options)));
  const byRun = new Map();
  let unmatched = 0;
  for (const d of diagnostics) {
    const id = idOf.get(cellOf(d, options));
    if (id === undefined) { unmatched++; continue; }
    if (!byRun.has(id)) byRun.set(id, []);
    byRun.get(id).push(d);
  }
  if (diagnostics.length && unmatched === diagnostics.length) refuse('none of the diagnostics records belongs to a run of the history');
  const events = [], stopped = [], found = new Set();
  for (const run of runs) {
    const id = idOf.get(cellOf(run, options));
    const steps = stepsOf(run);
    found.add(id);
    const ms = run.ms_per_step ?? 0;
    const base = { epochs: options.epochs, steps, ms_per_step: ms, samples_per_s: 0 };
    for (const log of run.history) {
      const at = { ...base, epoch: log.epoch, step: steps, loss: log.loss, accuracy: log.accuracy, seconds: log.seconds };
      if (log.epoch > 0) events.push({ id, event: { ...at, type: 'progress' } });
      events.push({ id, event: { ...at, type: 'epoch', log, run, val_accuracy: log.val_accuracy } });
    }
    for (const d of byRun.get(id) ?? []) events.push({ id, event: { ...d, type: 'diagnostics', steps: stepsOf(d) } });
    if (run.stopped === null) events.push({ id, event: { ...base, type: 'done', run } });
    else if (/^training diverged/.test(run.stopped)) events.push({ id, event: { ...base, type: 'diverged', message: run.stopped, run } });
    else stopped.push({ id, why: run.stopped });
  }
  const absent = jobs.filter((j) => !found.has(j.id)).map((j) => j.id);
  return { spec, events, stopped, absent, unmatched };
}

// What the page says it shows: "h.json (wn-train 0.1.0): lenet, width 1; regular and weight norm;
// seeds 1, 2; adam lr 0.001; 2 epochs on 256 training and 100 test images".
export function describeOpened(history, spec) {
  const list = (items) => (items.length < 3 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
  const seeds = spec.seeds.length > 6 ? `${spec.seeds.length} seeds` : `seed${spec.seeds.length === 1 ? '' : 's'} ${spec.seeds.join(', ')}`;
  const rates = spec.sweeps.map((s) => `${s.optimizer} lr ${s.lrs.join(', ')}`).join('; ');
  const o = history.options;
  return `${history.name} (${history.tool}${history.shard ? `, shard ${history.shard.index}/${history.shard.count}` : ''}): ` +
    `${o.arch}, width ${o.width}; ${list(spec.variants.map((v) => variantLabel(v.model, v.wnInit)))}; ${seeds}; ${rates}; ` +
    `${o.epochs} epoch${o.epochs === 1 ? '' : 's'} on ${o.train_samples} training and ${o.test_samples} test images` +
    (spec.batchSizes.length > 1 ? `, batch ${spec.batchSizes.join(', ')}` : '');
}

// Files the user chose ({name, size, text()}: File objects), read and checked: histories (one or
// more, combined) and at most one diagnostics file. Resolves to what Session.open takes, or
// rejects with a HistoryFileError that says which file and why.
export async function openFiles(files, names) {
  if (!files.length) refuse('no file was given');
  if (files.length > MAX_FILES) refuse(`${files.length} files at once, more than the ${MAX_FILES} this page opens`);
  const histories = [], diagnostics = [];
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES) refuse(`${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB, more than the ${MAX_FILE_BYTES >> 20} MB a history or diagnostics file may have here; not reading it`);
    if (!file.size) refuse(`${file.name} is empty`);
    const read = readFile(await file.text(), file.name, names);
    if (read.diagnostics) diagnostics.push(read.diagnostics);
    else histories.push(read.history);
  }
  if (!histories.length) refuse('a diagnostics file alone has nothing to draw curves from: open it with the history of its runs (--json)');
  if (diagnostics.length > 1) refuse('more than one diagnostics file: open one, with its history');
  const history = combineHistories(histories);
  if (!history.runs.length) refuse(`${history.name} holds no runs`);
  const epochs = history.runs.reduce((n, r) => n + r.history.length, 0);
  if (epochs > MAX_EPOCHS) refuse(`${history.name} holds ${epochs} epochs of runs, more than the ${MAX_EPOCHS} this page draws`);
  const replay = replayOf(history, diagnostics[0] ?? []);
  return { ...replay, name: history.name, names: history.names, tool: history.tool, options: history.options, shard: history.shard,
    diagnostics: diagnostics.length > 0, label: describeOpened(history, replay.spec) };
}
