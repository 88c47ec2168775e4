// Embed mode inside a tutorial page: autostarts from URL parameters and reports to its parent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { embedRun, launch, openPage, points, startServer, statusLog } from './helpers.mjs';
import { framePage, tutorialSite } from './origins.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('embed.html autostarts from URL parameters and posts progress events to the parent', async (t) => {
  const { page, errors, events } = await embedRun(t, browser, server,
    'hooks&models=weightnorm&epochs=2&train=1000&test=200&seed=4&lr=0.002&autostart=1');
  const types = new Set(events.map((e) => e.type));
  assert.ok(types.has('done') && !types.has('error'), [...types].join());
  assert.ok(types.has('ready') && types.has('started') && types.has('progress') && types.has('epoch'), [...types].join());
  const runEvents = events.filter((e) => ['started', 'progress', 'epoch', 'done'].includes(e.type));
  assert.ok(runEvents.every((e) => e.model === 'weightnorm' && e.seed === 4 && e.lr === 0.002 && e.optimizer === 'adam' && e.wn_init === 'tfa'),
    JSON.stringify(runEvents[0]));
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.deepEqual(epochs.map((e) => e.log.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.log.val_accuracy > 0 && e.val_accuracy === e.log.val_accuracy && e.run.history.length === e.log.epoch));
  assert.ok(events.filter((e) => e.type === 'progress').every((e) => e.steps === 32));
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  assert.equal(await points(frame, 'weightnorm/tfa', 'val_accuracy'), 2);
  assert.equal(await frame.textContent('#status'), 'done');
  assert.deepEqual(errors, []);
});

test('asking the single-threaded build for 2 threads trains on 1, and says single-threaded', async (t) => {
  const { page, events } = await embedRun(t, browser, server, 'models=regular&epochs=1&train=500&test=100&build=st&threads=2&autostart=1');
  const started = events.find((e) => e.type === 'started');
  assert.equal(started.threaded, false);
  assert.equal(started.threads, 1);
  assert.deepEqual(started.warnings, ['threads=2: the single-threaded build (build=st) trains on 1 thread']);
  // What the status line said while the run trained (it says "done" by now).
  const said = await statusLog(page.frames().find((f) => f.url().includes('embed.html')));
  assert.ok(said.some((line) => line.endsWith('· single-threaded build · warning: threads=2: the single-threaded build (build=st) trains on 1 thread')), JSON.stringify(said));
  assert.ok(!said.some((line) => /(^|[^-])threaded build/.test(line)), JSON.stringify(said));
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.ok(events.some((e) => e.type === 'done'));
});

test('bad parameters: an error event, the message in the frame, nothing trains', async (t) => {
  for (const [query, message] of [
    ['models=x&autostart=1', /models=x: unknown entry x \(known: regular, weightnorm, wn-mobn, batchnorm\)/],
    ['models=regular,regular&autostart=1', /models=regular,regular: lists regular twice/],
    ['batch=1.5&autostart=1', /batch=1\.5: must be a whole number from 1 to 1024/],
    ['wninit=xavier&autostart=1', /wninit=xavier: unknown entry xavier \(known: tfa, paper, none\)/],
    ['experiment=nope&autostart=1', /experiment=nope: must be one of tutorial, sgd, high-lr, breaking, init, mobn, lr-sweep/],
    ['momentum=0.9&autostart=1', /momentum applies to optimizer=sgd only/],
    ['seed=2147483646&seeds=3&autostart=1', /seeds 2147483646…2147483648 go past the largest seed, 2147483647/],
    ['arch=c8k3s-p64-d10&autostart=1', /arch=c8k3s-p64-d10: .*a pool size must be from 1 to 32/],
    ['width=9&autostart=1', /width=9: must be a number from 0\.0104\d* to 4/],
  ]) {
    const { page, context, events: all } = await embedRun(t, browser, server, query, { timeout: 60000 });
    const events = all.filter((e) => e.type !== 'resize');
    assert.equal(events.length, 1, query);
    assert.equal(events[0].type, 'error');
    assert.match(events[0].message, message);
    const frame = page.frames().find((f) => f.url().includes('embed.html'));
    assert.match(await frame.textContent('#status'), message);
    assert.equal(await frame.isDisabled('#start'), true);
    await context.close();
  }
});

// The spec a frame announces in `ready`, for the query.
async function announced(t, query) {
  const site = await tutorialSite({ '/': framePage(server.url, query) });
  t.after(() => site.close());
  const { page, context } = await openPage(browser, site.url, t);
  await page.waitForFunction(() => window.events.some((e) => e.type === 'ready' || e.type === 'error'));
  const [ready] = await page.evaluate(() => window.events.filter((e) => e.type === 'ready' || e.type === 'error'));
  await context.close();
  await site.close();
  return ready.spec;
}

const v = (spec) => spec.variants.map((x) => `${x.model}/${x.wnInit}`);

test('experiment presets fill the runs; explicit parameters override them as wn-train --experiment does', async (t) => {
  const sgd = await announced(t, 'experiment=sgd');
  assert.deepEqual(sgd, { experiment: 'sgd', variants: [{ model: 'regular', wnInit: 'tfa' }, { model: 'weightnorm', wnInit: 'tfa' }],
    seeds: [1, 2, 3], sweeps: [{ optimizer: 'sgd', momentum: 0, lrs: [0.01] }], arch: 'lenet', width: 1, epochs: 1, batchSizes: [32],
    trainSamples: 20000, testSamples: 2000 });
  const sweep = await announced(t, 'experiment=lr-sweep');
  assert.deepEqual(sweep.sweeps.map((s) => [s.optimizer, s.lrs.length]), [['adam', 5], ['sgd', 5]]);
  // An optimiser parameter makes one sweep: the first sweep's, changed where it says.
  assert.deepEqual((await announced(t, 'experiment=lr-sweep&lr=0.05')).sweeps, [{ optimizer: 'adam', momentum: 0, lrs: [0.05] }]);
  assert.deepEqual((await announced(t, 'experiment=sgd&optimizer=adam')).sweeps, [{ optimizer: 'adam', momentum: 0, lrs: [0.001] }]);
  assert.deepEqual((await announced(t, 'experiment=sgd&momentum=0.9')).sweeps, [{ optimizer: 'sgd', momentum: 0.9, lrs: [0.01] }]);
  // seeds=N runs seed … seed+N−1; a preset's first seed is 1.
  const breaking = await announced(t, 'experiment=breaking&seeds=2&seed=7&train=500');
  assert.deepEqual([breaking.seeds, v(breaking), breaking.trainSamples, breaking.epochs], [[7, 8], ['regular/tfa', 'weightnorm/tfa', 'weightnorm/paper'], 500, 2]);
  assert.deepEqual((await announced(t, 'experiment=tutorial&seeds=2')).seeds, [1, 2]);
  assert.deepEqual(v(await announced(t, 'experiment=init&models=weightnorm&wninit=paper')), ['weightnorm/paper']);
  // Without a preset: the embed's small defaults.
  const plain = await announced(t, 'seeds=3&seed=4');
  assert.deepEqual([plain.seeds, plain.epochs, plain.trainSamples, plain.testSamples, plain.experiment], [[4, 5, 6], 2, 2000, 500, null]);
});

test('experiment=sgd&seeds=2 runs 4 runs and ends with experiment-done carrying the summary', async (t) => {
  const { page, errors, events: early } = await embedRun(t, browser, server, 'experiment=sgd&seeds=2&train=3000&test=500&autostart=1',
    { runs: 4, timeout: 300000 });
  await page.waitForFunction(() => window.events.some((e) => e.type === 'experiment-done'));
  const events = await page.evaluate(() => window.events);
  assert.ok(early.length <= events.length);
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const done = events.filter((e) => e.type === 'done');
  assert.deepEqual(done.map((e) => `${e.model}/${e.seed}`).sort(), ['regular/1', 'regular/2', 'weightnorm/1', 'weightnorm/2']);
  assert.ok(done.every((e) => e.optimizer === 'sgd' && e.lr === 0.01 && e.wn_init === 'tfa' && e.steps === Math.ceil(3000 / 32)));
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 4);  // the preset's one epoch each
  const last = events.at(-1);
  assert.equal(last.type, 'experiment-done');
  assert.deepEqual(last.runs, { total: 4, done: 4, diverged: 0, error: 0, stopped: 0 });
  assert.deepEqual(last.summary.map((s) => [s.variant, s.optimizer, s.lr, s.runs]), [['regular', 'sgd', 0.01, 2], ['weightnorm/tfa', 'sgd', 0.01, 2]]);
  for (const s of last.summary) {
    const finals = epochs.filter((e) => e.model === s.model).map((e) => e.val_accuracy);
    assert.deepEqual([s.min, s.max], [Math.min(...finals), Math.max(...finals)]);
  }
  assert.deepEqual(last.ahead.map((a) => [a.variant, a.n]), [['weightnorm/tfa', 2]]);
  // The k of the last epoch event's running count is the final one.
  assert.equal(epochs.at(-1).ahead[0].k, last.ahead[0].k);
  assert.deepEqual(errors, []);
});
