// The page as a user meets it, in real Chromium against the real server and real CIFAR-10.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPaused, isolationText, lastEpoch, launch, openPage, panel, points, runOf, startServer, startTraining, statusLog, text, waitForData, waitForEpochs } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const SMALL = 'hooks&epochs=1&train=5000&test=1000';

test('isolated page trains both models at once; charts fill; accuracy beats chance; exports share the CLI schema', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?${SMALL}`, t);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.match(await isolationText(page), /threaded WebAssembly build/);
  await waitForData(page);
  assert.match(await text(page, '#data-status'), /5,000 training and 1,000 test images/);
  await page.click('#start');
  // Both running at the same time: each reports progress before either finishes. (The line is
  // checked as it is seen: read again later, it may already say "done".)
  await page.waitForFunction(() => ['regular', 'weightnorm-tfa'].every((m) =>
    /step \d+\/157.*samples\/s · 1 thread.* \(threaded build\)/.test(document.getElementById(`status-${m}`).textContent)));
  await waitForEpochs(page, 1);
  for (const m of ['regular', 'weightnorm']) {
    const e = await lastEpoch(page, m);
    assert.ok(e.val_accuracy > 0.2, `${m} val_accuracy ${e.val_accuracy} is not clearly above chance (0.1)`);
    assert.ok(e.loss < Math.log(10), `${m} loss ${e.loss}`);
    assert.match(await text(page, `#log-${panel(m)}`), /^Epoch 1\/1 157\/157 - \d+s \d+ms\/step - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/m);
  }
  await page.waitForFunction(() => /^done/.test(document.getElementById('status-weightnorm-tfa').textContent));
  const variant = { regular: 'regular', weightnorm: 'weightnorm/tfa' };
  for (const m of ['regular', 'weightnorm']) {
    const counts = [await points(page, variant[m], 'accuracy'), await points(page, variant[m], 'val_accuracy'), await points(page, variant[m], 'loss')];
    assert.ok(counts[0] >= 6 && counts[1] === 1 && counts[2] >= 6, `${m} chart points ${counts}`);
  }

  // Exports: JSON in the history schema with the core's run records, Keras' CSV columns, a PNG.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(history.format, 'wn-history');
  assert.deepEqual(history.runs.map((r) => r.model), ['regular', 'weightnorm']);
  assert.equal(history.runs[1].history.length, 1);
  assert.deepEqual(history.runs[1].history[0], (await runOf(page, 'weightnorm')).epochs[0]);
  // The same schema as wn-train --json: the same keys at every level (docs/history.md).
  const cliFile = join(mkdtempSync(join(tmpdir(), 'wn-')), 'cli.json');
  execFileSync(new URL('../../build/wn-train', import.meta.url).pathname, ['--data', new URL('../../data/cifar-10-batches-bin', import.meta.url).pathname,
    '--epochs', '1', '--train-samples', '64', '--test-samples', '32', '--threads', '1', '--json', cliFile, '--quiet']);
  const cli = JSON.parse(await readFile(cliFile, 'utf8'));
  const keys = (o) => Object.keys(o).sort();
  assert.deepEqual(keys(history), keys(cli));
  assert.deepEqual(keys(history.options), keys(cli.options));
  assert.deepEqual(keys(history.runs[0]), keys(cli.runs[0]));
  assert.deepEqual(keys(history.runs[0].history[0]), keys(cli.runs[0].history[0]));
  assert.equal(history.version, cli.version);
  const cm = history.runs[0].confusion_matrix;
  assert.equal(cm.flat().reduce((a, b) => a + b, 0), 1000);
  assert.equal(cm.reduce((t, row, i) => t + row[i], 0) / 1000, history.runs[0].history[0].val_accuracy);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  assert.match(await readFile(await csv.path(), 'utf8'), /^epoch,accuracy,loss,val_accuracy,val_loss,model,wn_init,seed,lr\n1,[\d.]+,[\d.]+,[\d.]+,[\d.]+,regular,tfa,0,0.001\n/);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
  assert.deepEqual([...(await readFile(await png.path())).subarray(1, 4)], [0x50, 0x4e, 0x47]);

  assert.deepEqual(errors, []);
});

test('Stop really stops, keeps what was done, and Start again runs a fresh training', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&epochs=3&train=5000&test=500`, t);
  await waitForData(page);
  await startTraining(page, ['regular']);
  await page.click('#stop');
  assert.equal(await page.isEnabled('#start'), true);
  const frozen = await page.evaluate(() => globalThis.wnTest.state.experiment.runs[0].progress.length);
  // Stop ends the workers at once and the page ignores what they sent before, so nothing may come
  // after it however slow the machine: the wait only gives a broken Stop the time to show.
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => globalThis.wnTest.state.experiment.runs[0].progress.length), frozen, 'still training after Stop');
  assert.equal(await text(page, '#status-regular'), 'stopped');
  assert.equal((await runOf(page, 'regular')).stopped, 'stopped by the user');

  await page.fill('#epochs', '1');
  await page.click('#start');
  await waitForEpochs(page, 1);
  assert.equal((await lastEpoch(page, 'regular')).epoch, 1);
  assert.deepEqual(errors, []);
});

test('Pause holds both models; Resume carries on', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=2&train=10000&test=500`, t);
  await waitForData(page);
  await startTraining(page, ['weightnorm']);
  const count = () => page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => r.progress.length));
  await page.click('#pause');
  const held = await assertPaused(page, count);
  await page.click('#pause');  // Resume
  await page.waitForFunction((h) => globalThis.wnTest.state.experiment.runs[0].progress.length > h[0], held);
  await page.click('#stop');
});

test('bad URL parameters are shown and not used', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&batch=1.5&wninit=xavier&epochs=3`, t);
  await page.waitForSelector('#params-error:not([hidden])');
  const message = await text(page, '#params-error');
  assert.match(message, /batch=1\.5: must be a whole number from 1 to 1024/);
  assert.match(message, /wninit=xavier: unknown entry xavier \(known: tfa, paper, none\)/);
  assert.equal(await page.inputValue('#batch-size'), '32');
  assert.equal(await page.inputValue('#epochs'), '3');
});

test('numbers are plain decimals; what the form cannot hold is said; seeds past the last one are refused at Start', async (t) => {
  const rates = Array.from({ length: 21 }, (_, i) => (i + 1) * 1e-4).join(',');
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=0x10&batch=0b11&seeds=1e1&momentum=0.9&optimizer=adam` +
    `&lr=${rates}&wninit=${'z'.repeat(5000)}`, t);
  await page.waitForSelector('#params-error:not([hidden])');
  const message = await text(page, '#params-error');
  for (const bad of [/epochs=0x10: must be a whole number/, /batch=0b11: must be a whole number/, /seeds=1e1: must be a whole number/,
    /momentum applies to optimizer=sgd only/, /: more than 20 values/, new RegExp(`wninit=${'z'.repeat(40)}…: unknown entry ${'z'.repeat(40)}… \\(known`)])
    assert.match(message, bad);
  assert.ok(message.length < 2000, `the message quotes what it refuses briefly: ${message.length} characters`);

  // 2147483647 is the largest seed: three seeds from it would reach 2147483649, which wn-train refuses.
  await page.goto(`${server.url}?hooks&seed=2147483647&seeds=3&epochs=1&train=64&test=64&models=regular`);
  await page.waitForSelector('#params-error:not([hidden])');
  assert.match(await text(page, '#params-error'), /seeds 2147483647…2147483649 go past the largest seed, 2147483647/);
  await waitForData(page);
  await page.click('#start');
  assert.match(await page.evaluate(() => document.getElementById('seeds').validationMessage), /go past the largest seed/);
  assert.equal(await page.evaluate(() => globalThis.wnTest.state.experiment), null);  // nothing started
  await page.fill('#seed', '2147483645');
  assert.equal(await page.evaluate(() => document.querySelector('#controls').checkValidity() || document.getElementById('seeds').validationMessage), true);
});

test('build=st on an isolated page runs the single-threaded build, and says so; threads beyond the batch are warned about', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&build=st&threads=2&epochs=1&train=64&test=64&models=regular`, t);
  assert.match(await isolationText(page), /asks for the single-threaded build \(build=st\)/);
  await waitForData(page);
  await page.click('#start');
  // Runs of 2 and 16 steps: over before a look at the status line could catch them, so what the
  // line said is read from its log (STATUS_LOG), once the run has ended.
  const ended = () => page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished);
  await ended();
  assert.ok((await statusLog(page, 'status-regular')).some((s) => /· 1 thread · .*\(single-threaded build\)$/.test(s)));
  assert.match(page.url(), /build=st/);
  assert.match(await text(page, '#log-regular'), /warning: threads=2: the single-threaded build \(build=st\) trains on 1 thread/);
  // Threaded, 8 threads for a batch of 4 images: each run trains on 4, as the core would.
  await page.goto(`${server.url}?hooks&threads=8&batch=4&epochs=1&train=64&test=64&models=regular`);
  await waitForData(page);
  await page.click('#start');
  await ended();
  assert.ok((await statusLog(page, 'status-regular')).some((s) => /· 4 threads · .*\(threaded build\)$/.test(s)));
  assert.match(await text(page, '#log-regular'), /warning: threads=8: a step shares its batch of 4 images out between threads, so each run trains on 4/);
});

test('files holding fewer images than asked for: the status says so, the runs use what there is', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&train=30000&test=1000&epochs=1`, t);
  await waitForData(page);
  const dir = new URL('../../data/cifar-10-batches-bin/', import.meta.url).pathname;
  await page.setInputFiles('#file', [`${dir}data_batch_1.bin`, `${dir}test_batch.bin`]);
  await page.waitForFunction(() => /\(2 files\)/.test(document.getElementById('data-status').textContent), null, { timeout: 60000 });
  assert.match(await text(page, '#data-status'),
    /10,000 training and 1,000 test images \(2 files\); fewer than the 30,000 training images asked for, so the runs use what there is\./);
});

test('a damaged file shows an error and keeps the data already loaded', async (t) => {
  const { page } = await openPage(browser, `${server.url}?${SMALL}`, t);
  await waitForData(page);
  const before = await text(page, '#data-status');
  const damaged = Buffer.alloc(4096);
  damaged.set([0x1f, 0x8b, 0x08, 0x00]);  // a gzip header, then garbage
  for (let i = 10; i < damaged.length; i++) damaged[i] = (i * 7919) & 255;
  await page.setInputFiles('#file', { name: 'cifar-10-binary.tar.gz', mimeType: 'application/gzip', buffer: damaged });
  await page.waitForSelector('#data-error:not([hidden])');
  assert.match(await text(page, '#data-error'), /Could not load cifar-10-binary\.tar\.gz: .*damaged gzip|Could not load cifar-10-binary\.tar\.gz: .*tar/);
  assert.match(await text(page, '#data-error'), /The data loaded before is kept/);
  assert.equal(await text(page, '#data-status'), before);

  // A .bin of the wrong size is refused by the C++ parser with its own message.
  await page.setInputFiles('#file', { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3073 * 2 + 1) });
  await page.waitForFunction(() => /not a multiple of 3073/.test(document.getElementById('data-error').textContent));
  assert.equal(await text(page, '#data-status'), before);
});

test('the official tarball picked from disk loads through DecompressionStream and the WASM tar reader', async (t) => {
  const { page } = await openPage(browser, `${server.url}?${SMALL}`, t);
  await waitForData(page);
  await page.setInputFiles('#file', new URL('../../data/cifar-10-binary.tar.gz', import.meta.url).pathname);
  await page.waitForFunction(() => /cifar-10-binary\.tar\.gz\)/.test(document.getElementById('data-status').textContent), null, { timeout: 120000 });
  assert.match(await text(page, '#data-status'), /5,000 training and 1,000 test images \(cifar-10-binary\.tar\.gz\)/);
  // The same images as the prepared .bin files: compare a few labels with a fresh load.
  const labels = await page.evaluate(() => [...globalThis.wnTest.state.data.train.labels.subarray(0, 20)]);
  const bin = await readFile(new URL('../../data/cifar-10-batches-bin/data_batch_1.bin', import.meta.url));
  assert.deepEqual(labels, Array.from({ length: 20 }, (_, i) => bin[i * 3073]));
});
