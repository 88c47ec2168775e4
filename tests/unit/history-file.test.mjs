// web/history-file.js: history files the page opens, checked, combined and turned into the events a
// live run sends. The fixtures are wn-train's own output (tests/unit/fixtures, made with
// `wn-train --train-samples 64 --test-samples 40 --epochs 2 --model both --seeds 1-2 --progress-every 1`,
// whole with --json history.json --diagnostics diagnostics.jsonl, and as --shard 0/2 and 1/2, which
// `wn-merge shard-0.json shard-1.json --json merged.json` joined).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { Experiment } from '../../web/experiment.js';
import { HistoryFileError, MAX_FILE_BYTES, combineHistories, openFiles, readDiagnostics, readHistory, replayOf } from '../../web/history-file.js';
import { summaryRows, verdict } from '../../web/results.js';
import { loadCatalog } from './catalog.mjs';

const catalog = loadCatalog();
const fixture = (name) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const file = (name, text) => new File([text], name);
const HISTORY = fixture('history.json');
const cli = () => JSON.parse(HISTORY);

// The page's own export of the same runs: its tool and data source, the rest as wn-train writes it.
function pageExport() {
  const doc = cli();
  doc.tool = `wn-trainer web ${catalog.version}`;
  doc.options.data = 'the prepared files';
  doc.options.threads = null;
  return JSON.stringify(doc, null, 2);
}

// Feeds the replayed events into an Experiment as Session.open does.
function replayed(opened) {
  const ex = new Experiment(opened.spec);
  for (const { id, event } of opened.events) ex.handle(ex.jobs[id], event);
  ex.stopped(opened.stopped.map((s) => ex.jobs[s.id]));
  ex.absent(opened.absent.map((id) => ex.jobs[id]));
  return ex;
}

const refused = (promise, pattern) => assert.rejects(promise, (e) => e instanceof HistoryFileError && pattern.test(e.message));

test('a wn-train history opens as the grid it ran: the events give its epochs, summary and k of N', async () => {
  const opened = await openFiles([file('h.json', HISTORY)], catalog);
  const doc = cli();
  assert.deepEqual(opened.spec.variants, [{ model: 'regular', wnInit: 'tfa' }, { model: 'weightnorm', wnInit: 'tfa' }]);
  assert.deepEqual(opened.spec.seeds, [1, 2]);
  assert.deepEqual(opened.spec.sweeps, [{ optimizer: 'adam', momentum: 0, lrs: [0.001] }]);
  assert.equal(opened.spec.epochs, 2);
  assert.deepEqual(opened.absent, []);
  assert.match(opened.label, /^h\.json \(wn-train 0\.1\.0\): lenet, width 1; regular and weight norm; seeds 1, 2; adam lr 0\.001; 2 epochs on 64 training and 40 test images$/);
  const ex = replayed(opened);
  assert.ok(ex.finished);
  for (const run of doc.runs) {
    const r = ex.runs.find((q) => q.job.model === run.model && q.job.seed === run.seed);
    assert.equal(r.status, 'done');
    assert.deepEqual(r.epochs, run.history);
    assert.deepEqual(r.record, run);
    // One training point per epoch, at its end: the epoch's mean loss.
    assert.deepEqual(r.progress.map((p) => [p.x, p.loss]), run.history.map((e) => [e.epoch, e.loss]));
  }
  const finals = (model) => doc.runs.filter((r) => r.model === model).map((r) => r.history.at(-1).val_accuracy);
  const rows = summaryRows(ex);
  assert.equal(rows.length, 2);
  const mean = (v) => v.reduce((a, b) => a + b) / v.length;
  assert.equal(rows[0].mean, mean(finals('regular')));
  assert.equal(rows[1].mean, mean(finals('weightnorm')));
  const k = finals('weightnorm').filter((v, i) => v > finals('regular')[i]).length;
  assert.deepEqual(ex.ahead().map((a) => [a.k, a.n]), [[k, 2]]);
  assert.match(verdict(ex), new RegExp(`^Weight norm ahead of regular in ${k} of 2 seeds`));
});

test('with several models against regular, the verdict gives regular\'s numbers once, then each model\'s with its k of N', async () => {
  // The fixture's runs, with batch norm and wn-mobn runs added whose final accuracies are set.
  const doc = cli();
  const finals = { batchnorm: [0.05, 0.9], 'wn-mobn': [0.95, 0.96] };
  for (const model of Object.keys(finals))
    for (const [i, run] of doc.runs.filter((r) => r.model === 'regular').entries()) {
      const copy = structuredClone(run);
      copy.model = model;
      copy.history.at(-1).val_accuracy = finals[model][i];
      doc.runs.push(copy);
    }
  const ex = replayed(await openFiles([file('four.json', JSON.stringify(doc))], catalog));
  const regular = doc.runs.filter((r) => r.model === 'regular').map((r) => r.history.at(-1).val_accuracy);
  const k = (v) => v.filter((x, i) => x > regular[i]).length;
  const rows = summaryRows(ex);
  const shown = (model) => { const r = rows.find((q) => q.model === model); return `${r.mean.toFixed(4)} ± ${r.sd.toFixed(4)}`; };
  const wn = doc.runs.filter((r) => r.model === 'weightnorm').map((r) => r.history.at(-1).val_accuracy);
  assert.equal(verdict(ex), `Final validation accuracy, mean ± sd over 2 seeds: regular ${shown('regular')}; ` +
    `weight norm ${shown('weightnorm')}, ahead of regular in ${k(wn)} of 2 seeds; ` +
    `batch norm ${shown('batchnorm')}, ahead of regular in ${k(finals.batchnorm)} of 2 seeds; ` +
    `wn-mobn ${shown('wn-mobn')}, ahead of regular in 2 of 2 seeds.`);
});

test('the shards of a grid combine in grid order, in any order given, into the whole grid\'s runs', async () => {
  const whole = await openFiles([file('h.json', HISTORY)], catalog);
  const opened = await openFiles([file('shard-1.json', fixture('shard-1.json')), file('shard-0.json', fixture('shard-0.json'))], catalog);
  assert.deepEqual(opened.names, ['shard-0.json', 'shard-1.json']);
  assert.deepEqual(opened.spec, whole.spec);
  const untimed = (o) => o.events.map(({ id, event }) => [id, event.type, event.log?.val_accuracy, event.run?.confusion_matrix]);
  assert.deepEqual(untimed(opened), untimed(whole));
  assert.equal(opened.options.shard, undefined);
  // One shard alone opens as what it is: its own runs.
  const one = await openFiles([file('shard-1.json', fixture('shard-1.json'))], catalog);
  assert.deepEqual(one.spec.seeds, [2]);
  assert.match(one.label, /shard 1\/2/);
});

test('wn-merge\'s output of the shards opens as the whole grid', async () => {
  const whole = await openFiles([file('h.json', HISTORY)], catalog);
  const merged = await openFiles([file('merged.json', fixture('merged.json'))], catalog);
  assert.deepEqual(merged.spec, whole.spec);
  assert.deepEqual(merged.events.map((e) => [e.id, e.event.type, e.event.run?.confusion_matrix]), whole.events.map((e) => [e.id, e.event.type, e.event.run?.confusion_matrix]));
});

test('a page export opens like the CLI\'s file', async () => {
  const opened = await openFiles([file('wn-history.json', pageExport())], catalog);
  assert.equal(opened.tool, `wn-trainer web ${catalog.version}`);
  assert.equal(replayed(opened).runs.filter((r) => r.status === 'done').length, 4);
});

test('a diagnostics file goes to its runs, in steps of the file\'s epochs', async () => {
  const opened = await openFiles([file('d.jsonl', fixture('diagnostics.jsonl')), file('h.json', HISTORY)], catalog);
  assert.ok(opened.diagnostics);
  const ex = replayed(opened);
  const lines = fixture('diagnostics.jsonl').trim().split('\n').map((l) => JSON.parse(l));
  const r = ex.runs.find((q) => q.job.model === 'weightnorm' && q.job.seed === 2);
  const mine = lines.filter((d) => d.model === 'weightnorm' && d.seed === 2);
  assert.equal(r.diagnostics.length, mine.length);
  // 64 images in batches of 32: 2 steps an epoch, so epoch 2's step 1 is at 1.5 epochs.
  assert.deepEqual(r.diagnostics.map((d) => d.x), mine.map((d) => d.epoch - 1 + d.step / 2));
  assert.deepEqual(r.diagnostics.at(-1).layers, mine.at(-1).layers);
  await refused(openFiles([file('d.jsonl', fixture('diagnostics.jsonl'))], catalog), /diagnostics file alone/);
  const other = fixture('diagnostics.jsonl').replaceAll('"seed": 1', '"seed": 7').replaceAll('"seed": 2', '"seed": 8');
  await refused(openFiles([file('d.jsonl', other), file('h.json', HISTORY)], catalog), /none of the diagnostics records belongs to a run/);
  assert.throws(() => readDiagnostics(`${fixture('diagnostics.jsonl')}{"model": "regular", "wn_`, 'd.jsonl', catalog), /d\.jsonl, line 21 is not JSON, or is cut short/);
});

test('a run missing from the grid, a diverged run and a stopped one are said as such', () => {
  const doc = cli();
  doc.runs[3].stopped = 'training diverged at epoch 2 step 1 (loss 400 exceeds 230, 100x that of a uniform guess)';
  doc.runs[3].history.pop();
  doc.runs[2].stopped = 'stopped by the user';
  doc.runs.splice(1, 1);  // weightnorm, seed 1
  const opened = replayOf(readHistory(JSON.stringify(doc), 'h.json', catalog));
  const ex = replayed(opened);
  assert.deepEqual(ex.runs.map((r) => r.status), ['done', 'absent', 'stopped', 'diverged']);
  assert.ok(ex.finished);
  assert.deepEqual(summaryRows(ex).map((r) => r.why), [[], ['seed 1 is not in the opened file']]);
});

// Each refusal: the reason, with the file's name.
const REFUSALS = [
  ['not JSON', '{"format": "wn-history", "version": 1, "tool": "wn-tr', /^h\.json is not JSON, or is cut short/],
  ['another format', '{"format": "keras-history", "version": 1}', /not a history file \(its "format" is not "wn-history"\)/],
  ['an array', '[1, 2]', /not a history file/],
  ['another version', HISTORY.replace('"version": 1', '"version": 2'), /a history of version 2; this page reads version 1/],
  ['a string for a number', HISTORY.replace('"learning_rate": 0.001', '"learning_rate": "NaN"'), /run 1: 'learning_rate' is "NaN", not a positive number/],
  ['an overflowing number', HISTORY.replace('"val_accuracy": ', '"val_accuracy": 1e999, "x": '), /'val_accuracy' is null, not an accuracy|not an accuracy from 0 to 1/],
  ['an accuracy above 1', HISTORY.replace('"val_accuracy": ', '"val_accuracy": 3, "x": '), /'val_accuracy' is 3, not an accuracy from 0 to 1/],
  ['a negative count', HISTORY.replace('"confusion_matrix": [[', '"confusion_matrix": [[-1, '), /'confusion_matrix' is .*, not null or 10 rows of 10 counts/],
  ['an unknown model', HISTORY.replace('"model": "regular"', '"model": "resnet"'), /'model' is "resnet", not one of regular, weightnorm, wn-mobn, batchnorm/],
  ['a __proto__ key', HISTORY.replace('"options": {', '"options": {"__proto__": {"polluted": 1}, '), /h\.json\.options has a key named __proto__/],
  ['a constructor key in a run', HISTORY.replace('"model": "regular"', '"constructor": 1, "model": "regular"'), /has a key named constructor/],
  ['epochs out of order', HISTORY.replace('"epoch": 2', '"epoch": 1'), /history goes from epoch 1 to 1/],
  ['a run twice', (() => { const d = cli(); d.runs.push(d.runs[0]); return JSON.stringify(d); })(), /run 5 repeats the run regular, seed 1, adam lr 0\.001/],
  ['no runs', (() => { const d = cli(); d.runs = []; return JSON.stringify(d); })(), /holds no runs/],
  ['more epochs than the page draws', (() => { const d = cli(); d.options.epochs = 1000; d.runs[0].history = Array.from({ length: 1000 }, (_, i) => ({ ...d.runs[0].history[0], epoch: i + 1 }));
    d.runs = Array.from({ length: 21 }, (_, seed) => ({ ...d.runs[0], seed })); return JSON.stringify(d); })(), /holds 21000 epochs of runs, more than the 20000 this page draws/],
  ['a missing option', HISTORY.replace('"batch_size": 32, ', ''), /its options: 'batch_size' is missing/],
];
for (const [what, text, pattern] of REFUSALS) {
  test(`refused: ${what}`, () => refused(openFiles([file('h.json', text)], catalog), pattern));
}

test('refused: a file over the size cap, unread, and an empty one', async () => {
  const huge = { name: 'big.json', size: MAX_FILE_BYTES + 1, text: () => assert.fail('a file over the cap was read') };
  await refused(openFiles([huge], catalog), /^big\.json is 64\.0 MB, more than the 64 MB .* not reading it$/);
  await refused(openFiles([file('e.json', '')], catalog), /e\.json is empty/);
});

test('histories that differ in a shared setting are refused naming it; so are incomplete or mixed shards', () => {
  const a = readHistory(HISTORY, 'a.json', catalog);
  const d = cli();
  d.options.train_samples = 50;
  d.runs.forEach((r) => { r.seed += 10; });
  assert.throws(() => combineHistories([a, readHistory(JSON.stringify(d), 'b.json', catalog)]),
    /a\.json and b\.json differ in the setting "train_samples" \(64 vs 50\): their runs are not one grid/);
  assert.throws(() => combineHistories([a, readHistory(HISTORY, 'b.json', catalog)]), /the run regular, seed 1, adam lr 0\.001 is in both a\.json and b\.json/);
  const s0 = readHistory(fixture('shard-0.json'), 's0.json', catalog);
  assert.throws(() => combineHistories([s0, a]), /s0\.json is a shard of a grid \(--shard\) and a\.json is not/);
  assert.throws(() => combineHistories([s0, readHistory(fixture('shard-0.json'), 's0b.json', catalog)]), /shard 0\/2 is given twice/);
  const s1 = JSON.parse(fixture('shard-1.json'));
  s1.options.shard = '1/3';
  assert.throws(() => combineHistories([s0, readHistory(JSON.stringify(s1), 's1.json', catalog)]), /shards of different splits/);
  // More seeds run later, with the same settings: they combine.
  const later = cli();
  later.runs.forEach((r) => { r.seed += 2; });
  const both = combineHistories([a, readHistory(JSON.stringify(later), 'c.json', catalog)]);
  assert.deepEqual([...new Set(both.runs.map((r) => r.seed))], [1, 2, 3, 4]);
  const tool = cli();
  tool.tool = 'wn-trainer web 0.1.0';
  tool.runs.forEach((r) => { r.seed += 2; });
  assert.throws(() => combineHistories([a, readHistory(JSON.stringify(tool), 'p.json', catalog)]), /written by different tools/);
});

// wn-train --batch-size 8,16 --model regular,batchnorm --seeds 1-2 --epochs 2 --train-samples 64
// --test-samples 40 --progress-every 4 --json batches.json --diagnostics batches.jsonl
test('a grid over batch sizes opens with each run in its cell, and its diagnostics at its own steps per epoch', async () => {
  const doc = JSON.parse(fixture('batches.json'));
  const opened = await openFiles([file('batches.json', fixture('batches.json')), file('batches.jsonl', fixture('batches.jsonl'))], catalog);
  assert.deepEqual(opened.spec.batchSizes, [8, 16]);
  assert.deepEqual(opened.absent, []);
  assert.match(opened.label, /2 epochs on 64 training and 40 test images, batch 8, 16$/);
  const ex = replayed(opened);
  assert.ok(ex.finished);
  for (const run of doc.runs) {
    const r = ex.runs.find((q) => q.job.model === run.model && q.job.seed === run.seed && q.job.batchSize === run.batch_size);
    assert.deepEqual(r.record, run);
    const steps = 64 / run.batch_size;
    const diagnostics = opened.events.filter(({ id, event }) => id === r.job.id && event.type === 'diagnostics');
    assert.ok(diagnostics.length > 0);
    assert.ok(diagnostics.every(({ event }) => event.steps === steps && event.batch_size === run.batch_size));
  }
  // A run whose batch size is not one of the grid's is not of this grid.
  doc.runs[0].batch_size = 32;
  await refused(openFiles([file('odd.json', JSON.stringify(doc))], catalog), /run 1: 'batch_size' is 32, not one of the batch sizes 8, 16/);
});
