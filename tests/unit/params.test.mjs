// web/params.js: the URL parameters of the page and the embed, whose rules come from the core's
// settings table through the catalog.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import '../../web/protocol.js';
import { formatSweeps, paramTable, parseParams, quote, quoteList, seedRangeError, specErrors, specFrom } from '../../web/params.js';
import { loadCatalog } from './catalog.mjs';

const catalog = loadCatalog();
const parse = (search) => parseParams(search, catalog);

test('the parameter table is the catalog settings with a param, in order, and the embed lists the same', () => {
  const table = paramTable(catalog);
  assert.deepEqual(Object.keys(table), catalog.settings.filter((s) => s.param).map((s) => s.param));
  assert.deepEqual(Object.keys(table).sort(), [...globalThis.WNProtocol.embed.params].sort());
  assert.deepEqual(table.epochs, { kind: 'int', lo: 1, hi: catalog.limits.max_epochs });
  assert.deepEqual(table.seed, { kind: 'int', lo: 0, hi: catalog.limits.max_seed });
  assert.deepEqual(table.lr, { kind: 'numbers', lo: catalog.limits.min_lr, hi: catalog.limits.max_lr, most: catalog.limits.max_lrs });
  assert.deepEqual(table.momentum, { kind: 'number', lo: 0, below: 1 });
  assert.deepEqual(table.batch, { kind: 'ints', lo: 1, hi: catalog.limits.max_batch, most: catalog.limits.max_batches });
  assert.deepEqual(table.models, { kind: 'list', values: catalog.models });
  assert.deepEqual(table.experiment, { kind: 'oneOf', values: catalog.experiments.map((e) => e.name) });
});

test('good values parse to numbers and lists; bad ones are errors naming the parameter', () => {
  const { values, errors } = parse('epochs=3&lr=1e-3,1e-2&models=regular,wn-mobn&momentum=0.9&seed=7&build=st&sw=1');
  assert.deepEqual(errors, []);
  assert.deepEqual(values, { epochs: 3, lr: [0.001, 0.01], models: ['regular', 'wn-mobn'], momentum: 0.9, seed: 7, build: 'st' });
  const bad = parse('epochs=0&batch=1025&lr=1e-3,1e-3&models=regular,nope&momentum=1&optimizer=rmsprop').errors;
  assert.deepEqual(bad, [
    'models=regular,nope: unknown entry nope (known: regular, weightnorm, wn-mobn, batchnorm)',
    'epochs=0: must be a whole number from 1 to 1000',
    'batch=1025: must be a whole number from 1 to 1024',
    'lr=1e-3,1e-3: a value is listed twice',
    'momentum=1: must be a number from 0 to below 1',
    'optimizer=rmsprop: must be one of adam, sgd',
  ]);
});

test('sweeps read OPTIMIZER[@MOMENTUM]:LR,… and round-trip through formatSweeps', () => {
  const text = 'adam:0.0003,0.001;sgd@0.9:0.01,0.1';
  const { values, errors } = parse(`sweeps=${encodeURIComponent(text)}`);
  assert.deepEqual(errors, []);
  assert.deepEqual(values.sweeps, [{ optimizer: 'adam', momentum: 0, lrs: [0.0003, 0.001] }, { optimizer: 'sgd', momentum: 0.9, lrs: [0.01, 0.1] }]);
  assert.equal(formatSweeps(values.sweeps), text);
  assert.match(parse('sweeps=adam@0.9:0.1').errors[0], /momentum is a number from 0 to below 1, for sgd/);
  assert.match(parse('sweeps=adam:0.1;adam:0.2').errors[0], /adam appears twice/);
  assert.match(parse('sweeps=rmsprop:0.1').errors[0], /OPTIMIZER:LR/);
});

test('specFrom: a preset, then explicit values over it, as wn-train --experiment', () => {
  const preset = catalog.experiments.find((e) => e.name === 'sgd');
  const spec = specFrom({ experiment: 'sgd', epochs: 2, seeds: 2 }, catalog);
  assert.equal(spec.experiment, 'sgd');
  assert.equal(spec.epochs, 2);
  assert.deepEqual(spec.seeds, [1, 2]);
  assert.deepEqual(spec.sweeps, preset.sweeps);
  // One optimiser value replaces the preset's sweeps with one sweep; another optimiser starts from the defaults.
  assert.deepEqual(specFrom({ experiment: 'sgd', optimizer: 'adam' }, catalog).sweeps, [{ optimizer: 'adam', momentum: 0, lrs: [catalog.defaults.lr] }]);
  const plain = specFrom({}, catalog, { train: 100, test: 50 });
  assert.deepEqual(plain.variants, [{ model: 'regular', wnInit: 'tfa' }, { model: 'weightnorm', wnInit: 'tfa' }]);
  assert.equal(plain.trainSamples, 100);
  assert.deepEqual(specErrors(specFrom({ seed: catalog.limits.max_seed, seeds: 2 }, catalog), catalog),
    [`seeds ${catalog.limits.max_seed}…${catalog.limits.max_seed + 1} go past the largest seed, ${catalog.limits.max_seed}`]);
  assert.equal(seedRangeError(0, 3, catalog), null);
});

test('batch takes a list of batch sizes, as --batch-size; the small-batch preset sets four', () => {
  assert.deepEqual(parse('batch=2,4,8,32').values, { batch: [2, 4, 8, 32] });
  assert.deepEqual(parse('batch=2,2').errors, ['batch=2,2: a value is listed twice']);
  assert.deepEqual(parse('batch=2,x').errors, ['batch=2,x: x not a whole number from 1 to 1024']);
  const preset = catalog.experiments.find((e) => e.name === 'small-batch');
  assert.deepEqual(preset.batch, [2, 4, 8, 32]);
  const spec = specFrom({ experiment: 'small-batch' }, catalog);
  assert.deepEqual(spec.batchSizes, [2, 4, 8, 32]);
  assert.equal(spec.initSamples, 32);
  assert.deepEqual(specFrom({ experiment: 'small-batch', batch: [8] }, catalog).batchSizes, [8]);
  assert.deepEqual(specFrom({}, catalog, { train: 100, test: 50 }).batchSizes, [catalog.defaults.batch_size]);
});

test('messages quote the start of long values only', () => {
  assert.equal(quote('x'.repeat(50)), `${'x'.repeat(40)}…`);
  assert.equal(quoteList(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a, b, c, d, e and 2 more');
});
