// The page as a user meets it, in real Chromium against the real server and real CIFAR-10.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, lastEpoch, openPage, startServer, startTraining, text, waitForData, waitForEpochs } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const SMALL = 'epochs=1&train-samples=5000&test-samples=1000';

test('isolated page trains both models at once; charts fill; accuracy beats chance; no console errors', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}?${SMALL}`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.match(await text(page, '#isolation'), /threaded WebAssembly build/);
  await waitForData(page);
  assert.match(await text(page, '#data-status'), /5,000 training and 1,000 test images/);
  await page.click('#start');
  // Both running at the same time: each reports progress before either finishes.
  await page.waitForFunction(() => ['regular', 'weightnorm'].every((m) => /step \d+\/157/.test(document.getElementById(`status-${m}`).textContent)));
  for (const m of ['regular', 'weightnorm'])
    assert.match(await text(page, `#status-${m}`), /samples\/s · 1 thread.* \(threaded build\)/);
  await waitForEpochs(page, 1);
  for (const m of ['regular', 'weightnorm']) {
    const e = await lastEpoch(page, m);
    assert.ok(e.val_accuracy > 0.2, `${m} val_accuracy ${e.val_accuracy} is not clearly above chance (0.1)`);
    assert.ok(e.loss < Math.log(10), `${m} loss ${e.loss}`);
    assert.match(await text(page, `#log-${m}`), /^Epoch 1\/1 157\/157 - \d+s \d+ms\/step - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/m);
    const points = await page.evaluate((mm) => ['accuracy', 'val_accuracy', 'loss'].map((w) => globalThis.wnApp.charts.points(mm, w)), m);
    assert.ok(points[0] >= 6 && points[1] === 1 && points[2] >= 6, `${m} chart points ${points}`);
  }

  // Exports: JSON and CSV hold the epoch just trained; the PNG is an image.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(history.models.weightnorm.history.length, 1);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  assert.match(await readFile(await csv.path(), 'utf8'), /^model,epoch,seconds,loss,accuracy,val_loss,val_accuracy\nregular,1,/);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
  assert.deepEqual([...(await readFile(await png.path())).subarray(1, 4)], [0x50, 0x4e, 0x47]);

  assert.deepEqual(errors, []);
  await context.close();
});

test('Stop really stops, and Start again runs a fresh training', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}?epochs=3&train-samples=5000&test-samples=500`);
  await waitForData(page);
  await startTraining(page, ['regular']);
  await page.click('#stop');
  assert.equal(await page.isEnabled('#start'), true);
  const frozen = await page.evaluate(() => globalThis.wnApp.charts.points('regular', 'accuracy'));
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => globalThis.wnApp.charts.points('regular', 'accuracy')), frozen, 'curve still growing after Stop');
  assert.equal(await text(page, '#status-regular'), 'stopped');

  await page.fill('#epochs', '1');
  await page.click('#start');
  await waitForEpochs(page, 1);
  assert.equal((await lastEpoch(page, 'regular')).epoch, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Pause holds both models; Resume carries on', async () => {
  const { page, context } = await openPage(browser, `${server.url}?epochs=2&train-samples=10000&test-samples=500`);
  await waitForData(page);
  await startTraining(page, ['weightnorm']);
  await page.click('#pause');
  await page.waitForTimeout(300);
  const held = await page.evaluate(() => [globalThis.wnApp.charts.points('regular', 'loss'), globalThis.wnApp.charts.points('weightnorm', 'loss')]);
  await page.waitForTimeout(1500);
  assert.deepEqual(await page.evaluate(() => [globalThis.wnApp.charts.points('regular', 'loss'), globalThis.wnApp.charts.points('weightnorm', 'loss')]), held);
  await page.click('#pause');  // Resume
  await page.waitForFunction((h) => globalThis.wnApp.charts.points('regular', 'loss') > h[0], held);
  await page.click('#stop');
  await context.close();
});

test('a damaged file shows an error and keeps the data already loaded', async () => {
  const { page, context } = await openPage(browser, `${server.url}?${SMALL}`);
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
  await context.close();
});

test('the official tarball picked from disk loads through DecompressionStream and the WASM tar reader', async () => {
  const { page, context } = await openPage(browser, `${server.url}?${SMALL}`);
  await waitForData(page);
  await page.setInputFiles('#file', new URL('../../data/cifar-10-binary.tar.gz', import.meta.url).pathname);
  await page.waitForFunction(() => /cifar-10-binary\.tar\.gz\)/.test(document.getElementById('data-status').textContent), null, { timeout: 120000 });
  assert.match(await text(page, '#data-status'), /5,000 training and 1,000 test images \(cifar-10-binary\.tar\.gz\)/);
  // The same images as the prepared .bin files: compare a few labels with a fresh load.
  const labels = await page.evaluate(() => [...globalThis.wnApp.state.data.train.labels.subarray(0, 20)]);
  const bin = await readFile(new URL('../../data/cifar-10-batches-bin/data_batch_1.bin', import.meta.url));
  assert.deepEqual(labels, Array.from({ length: 20 }, (_, i) => bin[i * 3073]));
  await context.close();
});
