// web/experiment.js: the grid of jobs, and what the runs' events add up to.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bandsByX, decimate, expandJobs, Experiment, MAX_POINTS, PLAIN_MODELS, settings, variantKey, variantLabel, variantsOf } from '../../web/experiment.js';
import { loadCatalog } from './catalog.mjs';

const spec = {
  experiment: null, variants: [{ model: 'regular', wnInit: 'tfa' }, { model: 'weightnorm', wnInit: 'tfa' }, { model: 'weightnorm', wnInit: 'paper' }],
  seeds: [1, 2], sweeps: [{ optimizer: 'adam', momentum: 0, lrs: [1e-3, 1e-2] }, { optimizer: 'sgd', momentum: 0.9, lrs: [0.1] }],
  epochs: 2, batchSizes: [32], trainSamples: 100, testSamples: 50,
};

test('expandJobs: wn-train\'s grid order, settings, then seeds, then variants', () => {
  const jobs = expandJobs(spec);
  assert.equal(jobs.length, 3 * 2 * 3);
  assert.deepEqual(jobs.slice(0, 4).map((j) => [j.setting, j.seed, j.variant]), [
    ['adam 0.001', 1, 'regular'], ['adam 0.001', 1, 'weightnorm/tfa'], ['adam 0.001', 1, 'weightnorm/paper'], ['adam 0.001', 2, 'regular']]);
  assert.deepEqual(jobs.map((j) => j.id), jobs.map((_, i) => i));
  const last = jobs.at(-1);
  assert.equal(last.optimizer, 'sgd');
  assert.equal(last.momentum, 0.9);
  assert.equal(last.label, 'weight norm (paper init), seed 2, sgd 0.1');
  assert.deepEqual(settings(spec).map((s) => s.key), ['adam 0.001', 'adam 0.01', 'sgd 0.1']);
});

test('batch sizes are a grid dimension, outermost as in wn-train, and part of each setting\'s key', () => {
  const grid = { ...spec, variants: variantsOf(['batchnorm', 'weightnorm'], ['tfa']), sweeps: [{ optimizer: 'adam', momentum: 0, lrs: [1e-3] }], batchSizes: [2, 32] };
  const jobs = expandJobs(grid);
  assert.equal(jobs.length, 2 * 2 * 2);
  assert.deepEqual(jobs.map((j) => [j.batchSize, j.seed, j.model]), [
    [2, 1, 'batchnorm'], [2, 1, 'weightnorm'], [2, 2, 'batchnorm'], [2, 2, 'weightnorm'],
    [32, 1, 'batchnorm'], [32, 1, 'weightnorm'], [32, 2, 'batchnorm'], [32, 2, 'weightnorm']]);
  assert.deepEqual(settings(grid).map((s) => s.key), ['adam 0.001 batch 2', 'adam 0.001 batch 32']);
  assert.equal(jobs[0].label, 'batch norm, seed 1, adam 0.001 batch 2');
  // One batch size keeps the keys (and so every label) as they were.
  assert.deepEqual(settings({ ...grid, batchSizes: [8] }).map((s) => [s.key, s.batch]), [['adam 0.001', 8]]);
  assert.ok(expandJobs({ ...grid, batchSizes: [8] }).every((j) => j.batchSize === 8));
  // Cells of different batch sizes neither average nor pair: one summary row per (variant, batch),
  // batch norm's with its accuracy with batch statistics.
  const e = new Experiment(grid);
  const finish = (job, acc, batchStats) => e.handle(job, { type: 'epoch', log: { epoch: 1, loss: 1, accuracy: 0.5, val_loss: 1, val_accuracy: acc,
    seconds: 1, ...(batchStats != null ? { val_accuracy_batch_stats: batchStats } : {}) }, run: { ms_per_step: 2 } });
  jobs.forEach((job) => finish(job, job.batchSize === 2 ? 0.1 + 0.01 * job.seed : 0.4 + 0.01 * job.seed, job.model === 'batchnorm' ? 0.3 : null));
  const rows = e.summary();
  assert.deepEqual(rows.map((r) => [r.variant, r.batch, r.runs, Number(r.mean.toFixed(3)), r.batchStats]), [
    ['batchnorm', 2, 2, 0.115, 0.3], ['weightnorm/tfa', 2, 2, 0.115, null], ['batchnorm', 32, 2, 0.415, 0.3], ['weightnorm/tfa', 32, 2, 0.415, null]]);
  // Progress counts images, so a batch-2 run's steps weigh a sixteenth of a batch-32 run's.
  const f = new Experiment({ ...grid, seeds: [1], variants: grid.variants.slice(0, 1) });
  f.handle(f.jobs[0], { type: 'progress', epoch: 1, step: 25, steps: 50, loss: 1, accuracy: 0.5 });
  f.handle(f.jobs[1], { type: 'progress', epoch: 1, step: 1, steps: 4, loss: 1, accuracy: 0.5 });
  f.runs.forEach((r) => { r.status = 'running'; });
  assert.equal(f.fraction(), (25 * 2 + 1 * 32) / (2 * (50 * 2 + 4 * 32)));
});

test('variant names: the plain net has no init, the default init goes unsaid', () => {
  assert.equal(variantKey('regular', 'paper'), 'regular');
  assert.equal(variantKey('wn-mobn', 'none'), 'wn-mobn/none');
  assert.equal(variantLabel('weightnorm', 'tfa'), 'weight norm');
  assert.equal(variantLabel('wn-mobn', 'none'), 'wn-mobn (none init)');
});

test('decimate keeps the ends and at most max points', () => {
  const points = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: i }));
  const kept = decimate(points, 100);
  assert.ok(kept.length <= 101, `${kept.length}`);
  assert.deepEqual(kept[0], points[0]);
  assert.deepEqual(kept.at(-1), points.at(-1));
  assert.equal(decimate(points.slice(0, 10), 100).length, 10);
});

test('an experiment follows its runs: epochs, progress bounded at MAX_POINTS, fraction done', () => {
  const e = new Experiment({ ...spec, variants: spec.variants.slice(0, 1), seeds: [1], sweeps: [spec.sweeps[1]] });
  const [job] = e.jobs;
  assert.equal(e.fraction(), 0);
  for (let step = 0; step < 3 * MAX_POINTS; step++)
    e.handle(job, { type: 'progress', epoch: 1, step, steps: 3 * MAX_POINTS, loss: 1, accuracy: 0.5 });
  const run = e.run(job.id);
  assert.ok(run.progress.length <= MAX_POINTS, `${run.progress.length} progress points kept`);
  assert.ok(run.progress.length >= MAX_POINTS / 2);
  e.handle(job, { type: 'epoch', log: { epoch: 1, loss: 1, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.4, seconds: 1 }, run: { model: 'regular' } });
  e.handle(job, { type: 'epoch', log: { epoch: 2, loss: 0.9, accuracy: 0.6, val_loss: 1, val_accuracy: 0.5, seconds: 1 }, run: { model: 'regular' } });
  e.handle(job, { type: 'done', run: { model: 'regular', history: [] } });
  assert.equal(e.fraction(), 1);
  assert.equal(e.records().length, 1);
});

test('bandsByX: mean, min and max over the series at each x', () => {
  const bands = bandsByX([[{ x: 1, y: 1 }, { x: 2, y: 3 }], [{ x: 1, y: 3 }, { x: 2, y: null }]], (p) => p.y);
  assert.deepEqual(bands, [{ x: 1, mean: 2, min: 1, max: 3, n: 2 }, { x: 2, mean: 3, min: 3, max: 3, n: 1 }]);
});

test('the models without weight norm are the catalog\'s: one variant each, whatever the inits', () => {
  const catalog = loadCatalog();
  assert.deepEqual([...PLAIN_MODELS].sort(), catalog.models.filter((m) => !catalog.weight_norm_models.includes(m)).sort());
  assert.deepEqual(variantsOf(['regular', 'batchnorm', 'weightnorm'], ['tfa', 'paper']).map((v) => variantKey(v.model, v.wnInit)),
    ['regular', 'batchnorm', 'weightnorm/tfa', 'weightnorm/paper']);
  assert.equal(variantLabel('batchnorm', 'paper'), 'batch norm');
});
