// Looking inside the models (web/inspect.js) and the charts' comfort (web/charts.js), in real
// Chromium on real CIFAR-10: one short experiment trains in `before`, the tests read it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { framedTestImage, testImage } from './images.mjs';
import { launch, openPage, startServer, waitForData } from './helpers.mjs';

const QUERY = 'hooks&epochs=2&train=2000&test=500';
const MODELS = ['regular', 'weightnorm'];
let server, browser, trained;
const npzFiles = [];  // the weight files the round trip downloads
before(async () => {
  server = await startServer();
  browser = await launch();
  trained = await openPage(browser, `${server.url}?${QUERY}`);
  await waitForData(trained.page);
  await trained.page.click('#start');
  await finished(trained.page);
});
after(async () => { await browser?.close(); await server?.close(); });

function finished(page) {
  return page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished &&
    document.querySelectorAll('.confusion-title').length === globalThis.wnTest.inspect.sources().length &&
    [...document.querySelectorAll('.confusion-title')].every((c) => /final/.test(c.textContent)), null, { timeout: 300000 });
}

// The confusion matrices as the page shows them.
const confusion = (page) => page.$$eval('.confusion-box', (boxes) => boxes.map((b) => ({
  model: b.dataset.key,
  shown: b.querySelector('.val-accuracy').textContent,
  cells: [...b.querySelector('table.confusion').tBodies[0].rows].map((r) => [...r.querySelectorAll('td')].map((c) => Number(c.textContent))),
})));

const finals = (page) => page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => r.epochs.at(-1).val_accuracy));

test('each confusion matrix sums to the test images, and its trace over the sum is the validation accuracy shown', async () => {
  const { page } = trained;
  const tables = await confusion(page);
  const accuracies = await finals(page);
  assert.deepEqual(tables.map((t) => t.model), ['regular', 'weightnorm/tfa']);
  tables.forEach((t, i) => {
    const total = t.cells.flat().reduce((a, b) => a + b, 0);
    const trace = t.cells.reduce((a, row, k) => a + row[k], 0);
    assert.equal(total, 500);
    assert.equal(trace / total, accuracies[i]);
    assert.equal(t.shown, accuracies[i].toFixed(4));
  });
  // Row-normalised: each true class's row adds up to 100 % (rounded per cell).
  await page.check('input[name=cm-mode][value=rows]');
  for (const t of await confusion(page))
    for (const row of t.cells) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 100) <= 5, `row ${row}`);
  await page.check('input[name=cm-mode][value=counts]');
  // Per-class accuracy: the diagonal over the row, side by side.
  const perClass = await page.$$eval('#per-class tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)));
  assert.equal(perClass.length, 10);
  perClass.forEach((cells, c) => tables.forEach((t, m) => {
    const row = t.cells[c], seen = row.reduce((a, b) => a + b, 0);
    assert.equal(cells[m], `${(100 * row[c] / seen).toFixed(0)} %`);
  }));
});

test('the filters show 6 tiles per model, each scaled to its own min–max', async () => {
  const rows = await trained.page.$$eval('#filters .filter-row', (rs) => rs.map((r) => [...r.querySelectorAll('canvas')].map((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 !== 3);
    return { w: c.width, h: c.height, min: Math.min(...px), max: Math.max(...px) };
  })));
  assert.equal(rows.length, 2);
  for (const tiles of rows) {
    assert.equal(tiles.length, 6);
    for (const t of tiles) assert.deepEqual(t, { w: 5, h: 5, min: 0, max: 255 });
  }
});

test('the image grid: 32 test images with each model\'s guess; disagreements marked; the filter works', async () => {
  const { page } = trained;
  // What the models said, from the runs' last epoch events.
  const truth = await page.evaluate(() => {
    const ex = globalThis.wnTest.state.experiment;
    const guesses = ex.runs.map((r) => r.inspect.predictions.map((p) => p.probs.indexOf(Math.max(...p.probs))));
    return { labels: ex.runs[0].inspect.predictions.map((p) => p.label), data: [...globalThis.wnTest.state.data.test.labels.subarray(0, 32)], guesses };
  });
  assert.deepEqual(truth.labels, truth.data);
  const right = truth.labels.map((l, i) => truth.guesses.filter((g) => g[i] === l).length);
  const disagree = truth.labels.map((_, i) => truth.guesses[0][i] !== truth.guesses[1][i]);
  const cards = () => page.$$eval('#image-grid .card', (cs) => cs.map((c) => ({ hidden: c.hidden, disagree: c.classList.contains('disagree'),
    flagged: /models disagree/.test(c.textContent), right: c.querySelectorAll('.guesses .right').length })));
  let shown = await cards();
  assert.equal(shown.length, 32);
  assert.deepEqual(shown.map((c) => c.right), right);
  assert.deepEqual(shown.map((c) => c.disagree), disagree);
  assert.deepEqual(shown.map((c) => c.flagged), disagree);
  assert.ok(shown.every((c) => !c.hidden));
  const visible = async () => (await cards()).map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
  await page.check('input[name=grid-filter][value=wrong]');
  assert.deepEqual(await visible(), right.map((r, i) => (r === 0 ? i : -1)).filter((i) => i >= 0));
  await page.check('input[name=grid-filter][value=one]');
  const one = right.map((r, i) => (r === 1 ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(await visible(), one);
  assert.match(await page.textContent('#grid-count'), new RegExp(`^${one.length} of 32 test images shown`));
  await page.check('input[name=grid-filter][value=all]');
  assert.equal((await visible()).length, 32);
});

// The top 3 of every shown model, as the page lists them.
const topThree = (page) => page.$$eval('#own-predictions .own-model', (ms) => ms.map((m) => ({
  model: m.querySelector('p').textContent,
  top: [...m.querySelectorAll('li')].map((li) => ({ label: li.firstChild.textContent.trim(), p: Number.parseFloat(li.querySelector('.prob').textContent) })),
})));

async function ownImage(page, models) {
  await page.waitForFunction((n) => document.querySelectorAll('#own-predictions .own-model').length === n &&
    globalThis.wnTest.inspect.own, models.length);
  const shown = await topThree(page);
  assert.deepEqual(shown.map((m) => m.model), models);
  const names = await page.evaluate(() => globalThis.wnTest.catalog.class_names);
  for (const { top } of shown) {
    assert.equal(top.length, 3);
    assert.ok(top.every((t) => names.includes(t.label) && t.p >= 0 && t.p <= 100));
    assert.ok(top[0].p >= top[1].p && top[1].p >= top[2].p && top[0].p + top[1].p + top[2].p <= 100.2);
  }
  return shown;
}

test('your own image: picked, dropped or pasted, centre-cropped to 32×32, 3 labels with probabilities per model', async () => {
  const { page } = trained;
  const photo = framedTestImage(7);
  await page.setInputFiles('#own-file', { name: 'photo.bmp', mimeType: 'image/bmp', buffer: photo });
  await ownImage(page, ['regular', 'weight norm']);
  // The centred square of the framed picture is test image 7: the stripes are cropped away.
  const bytes = await page.evaluate(() => [...globalThis.wnTest.inspect.own.bytes]);
  const { rgb } = testImage(7);
  const diff = bytes.reduce((a, b, i) => a + Math.abs(b - rgb[i]), 0) / bytes.length;
  assert.ok(diff < 4, `mean difference ${diff} from test image 7`);

  // Dropped and pasted: the same picture through a DataTransfer.
  for (const how of ['drop', 'paste']) {
    await page.evaluate(() => { globalThis.wnTest.inspect.own = null; });
    await page.evaluate(([how, b64]) => {
      const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'clip.bmp', { type: 'image/bmp' });
      const dt = new DataTransfer();
      dt.items.add(file);
      if (how === 'drop') document.getElementById('own-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      else document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, [how, photo.toString('base64')]);
    await ownImage(page, ['regular', 'weight norm']);
    assert.deepEqual(await page.evaluate(() => [...globalThis.wnTest.inspect.own.bytes]), bytes);
  }

  // Not a picture: said plainly.
  await page.setInputFiles('#own-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await page.waitForSelector('#own-error:not([hidden])');
  assert.match(await page.textContent('#own-error'), /^notes\.txt is not an image this browser can read/);
});

test('your own image: only the latest chosen one shows, however long an earlier one takes to decode', async () => {
  const { page } = trained;
  // slow.bmp decodes only once released, as a 20000 × 20000 picture takes seconds to.
  await page.evaluate(() => {
    const decode = globalThis.createImageBitmap;
    let release;
    const released = new Promise((ok) => { release = ok; });
    globalThis.slow = { decode, release, decoded: null };
    globalThis.createImageBitmap = (blob, ...rest) =>
      (blob.name === 'slow.bmp' ? (globalThis.slow.decoded = released.then(() => decode(blob, ...rest))) : decode(blob, ...rest));
  });
  try {
    await page.setInputFiles('#own-file', { name: 'slow.bmp', mimeType: 'image/bmp', buffer: framedTestImage(3) });
    await page.waitForFunction(() => !!globalThis.slow.decoded);  // not the promise: it would be waited for
    await page.setInputFiles('#own-file', { name: 'fast.bmp', mimeType: 'image/bmp', buffer: framedTestImage(7) });
    await page.waitForFunction(() => /fast\.bmp/.test(document.getElementById('own-canvas').getAttribute('aria-label')));
    const shown = await ownImage(page, ['regular', 'weight norm']);
    const fast = await page.evaluate(() => [...globalThis.wnTest.inspect.own.bytes]);
    // The slow one decodes now; a task later, whatever its decode started has run.
    await page.evaluate(async () => {
      globalThis.slow.release();
      await globalThis.slow.decoded;
      await new Promise((ok) => setTimeout(ok));
    });
    assert.match(await page.getAttribute('#own-canvas', 'aria-label'), /^your image \(fast\.bmp\)/);
    assert.deepEqual(await page.evaluate(() => [...globalThis.wnTest.inspect.own.bytes]), fast);
    assert.deepEqual(await topThree(page), shown);
    assert.equal(await page.isHidden('#own-error'), true);
  } finally {
    await page.evaluate(() => { globalThis.createImageBitmap = globalThis.slow.decode; });
  }
});

test('weights round trip: download each model\'s .npz; a fresh page loads and evaluates it to the same accuracy', async (t) => {
  const { page } = trained;
  const dir = mkdtempSync(join(tmpdir(), 'wn-weights-'));
  const accuracies = await finals(page);
  const records = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => r.record.confusion_matrix));
  const files = npzFiles;
  for (const [i, model] of MODELS.entries()) {
    const [d] = await Promise.all([page.waitForEvent('download'), page.locator('#downloads button').nth(i).click()]);
    assert.equal(d.suggestedFilename(), `wn-${model}-seed0.npz`);
    files.push(join(dir, d.suggestedFilename()));
    await d.saveAs(files.at(-1));
  }

  const fresh = await openPage(browser, `${server.url}?hooks&train=2000&test=500`, t);
  await waitForData(fresh.page);
  for (const [i, file] of files.entries()) {
    await fresh.page.setInputFiles('#weights-file', file);
    await fresh.page.waitForFunction((n) => globalThis.wnTest.inspect.loaded.length === n, i + 1, { timeout: 120000 });
    const loaded = await fresh.page.evaluate((k) => {
      const s = globalThis.wnTest.inspect.loaded[k];
      return { model: s.job.model, val: s.event.log.val_accuracy, confusion: s.event.run.confusion_matrix };
    }, i);
    assert.equal(loaded.model, MODELS[i]);
    assert.equal(loaded.val, accuracies[i], `${MODELS[i]}: the loaded weights evaluate to the trained run's last accuracy`);
    assert.deepEqual(loaded.confusion, records[i]);
    assert.match(await fresh.page.textContent('#weights-status'), new RegExp(`validation accuracy ${accuracies[i].toFixed(4)} on 500 test images`));
  }
  // The loaded models show like trained ones, and answer for your own image.
  assert.equal(await fresh.page.locator('table.confusion').count(), 2);
  await fresh.page.setInputFiles('#own-file', { name: 'photo.bmp', mimeType: 'image/bmp', buffer: framedTestImage(3) });
  await ownImage(fresh.page, ['regular from wn-regular-seed0.npz', 'weight norm from wn-weightnorm-seed0.npz']);

  // A file that is no weight file is refused with its reason, and nothing is added.
  await fresh.page.setInputFiles('#weights-file', { name: 'broken.npz', mimeType: 'application/zip', buffer: Buffer.from('PK\u0003\u0004 broken') });
  await fresh.page.waitForSelector('#weights-error:not([hidden])');
  assert.match(await fresh.page.textContent('#weights-error'), /^Could not load broken\.npz: .+/);
  assert.equal(await fresh.page.evaluate(() => globalThis.wnTest.inspect.loaded.length), 2);
  assert.deepEqual(fresh.errors, []);
});

const numpy = existsSync('/usr/bin/python3') &&
  execFileSync('/usr/bin/python3', ['-c', 'import importlib.util as u; print(u.find_spec("numpy") is not None)']).toString().trim() === 'True';

test('NumPy reads the downloaded weight files: Keras\' names and layouts', { skip: !numpy && 'no numpy for /usr/bin/python3' }, () => {
  assert.equal(npzFiles.length, 2, 'the round trip test downloads the files');
  const script = 'import json, sys, numpy as np\nd = np.load(sys.argv[1])\nprint(json.dumps({k: [list(d[k].shape), str(d[k].dtype)] for k in d.files}))';
  const [plain, wn] = npzFiles.map((f) => JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, f])));
  const layers = [['conv2d', [5, 5, 3, 6]], ['conv2d_1', [5, 5, 6, 16]], ['dense', [400, 120]], ['dense_1', [120, 84]], ['dense_2', [84, 10]]];
  assert.deepEqual(plain, Object.fromEntries(layers.flatMap(([name, shape]) =>
    [[`${name}/kernel`, [shape, 'float32']], [`${name}/bias`, [[shape.at(-1)], 'float32']]])));
  assert.deepEqual(wn, Object.fromEntries(layers.flatMap(([, shape], i) => {
    const name = `weight_normalization${i ? `_${i}` : ''}`, units = [shape.at(-1)];
    return [[`${name}/v`, [shape, 'float32']], [`${name}/bias`, [units, 'float32']], [`${name}/g`, [units, 'float32']]];
  })));
});

// A page of its own for the weight files that must be refused, with its data loaded.
async function freshPage(t) {
  const opened = await openPage(browser, `${server.url}?hooks&train=640&test=100`, t);
  await waitForData(opened.page);
  return opened;
}

// Loads `bytes` as `name` through the page's control and resolves to the error it shows. From
// a file: a buffer would be decoded on the page's main thread, by the test's own means.
async function refused(page, name, bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'wn-weights-'));
  try {
    await writeFile(join(dir, name), Buffer.from(bytes));
    await page.setInputFiles('#weights-file', join(dir, name));
    await page.waitForSelector('#weights-error:not([hidden])', { timeout: 10000 });
    return page.textContent('#weights-error');
  } finally {
    await rm(dir, { recursive: true });
  }
}

// A zip of one entry, `name`, deflated from `inflated` bytes of zeros (a multiple of 16 MiB),
// that declares `declared` bytes in its local header and its central directory.
async function lyingZip(name, inflated, declared) {
  const zeros = Buffer.alloc(1 << 24), deflated = [];
  await pipeline(function* () { for (let n = 0; n < inflated; n += zeros.length) yield zeros; },
    createDeflateRaw({ level: 1 }), async (stream) => { for await (const chunk of stream) deflated.push(chunk); });
  const data = Buffer.concat(deflated);
  const file = Buffer.from(name);
  const local = Buffer.alloc(30), central = Buffer.alloc(46), end = Buffer.alloc(22);
  // The fields both headers have, at the same distances: the central one's start 2 bytes later,
  // after its "version made by".
  const entry = (header, at) => {
    header.writeUInt16LE(20, at);  // version needed
    header.writeUInt16LE(8, at + 4);  // deflated
    header.writeUInt32LE(data.length, at + 14);
    header.writeUInt32LE(declared, at + 18);
    header.writeUInt16LE(file.length, at + 22);
  };
  local.writeUInt32LE(0x04034b50, 0);
  entry(local, 4);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);  // version made by
  entry(central, 6);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}

test('a weight file whose zip understates an entry\'s size is refused within seconds, the page responsive throughout', async (t) => {
  const bomb = await lyingZip('dense_2/bias.npy', 2 ** 31, 168);
  const { page, errors } = await freshPage(t);
  // The longest the page's main thread went without running a timer due every 10 ms.
  await page.evaluate(() => {
    let last = performance.now();
    globalThis.longestGap = 0;
    globalThis.heartbeat = setInterval(() => {
      const now = performance.now();
      globalThis.longestGap = Math.max(globalThis.longestGap, now - last);
      last = now;
    }, 10);
  });
  const started = Date.now();
  const error = await refused(page, 'bomb.npz', bomb);
  const seconds = (Date.now() - started) / 1000;
  const gap = await page.evaluate(() => { clearInterval(globalThis.heartbeat); return globalThis.longestGap; });
  t.diagnostic(`refused after ${seconds} s; the main thread's longest busy stretch ${gap.toFixed(0)} ms`);
  assert.match(error, /^Could not load bomb\.npz: not a weight file \(dense_2\/bias\.npy inflates to more than the 168 bytes its zip declares\)\.$/);
  assert.ok(seconds < 5, `refused after ${seconds} s`);
  assert.ok(gap < 500, `the main thread was busy for ${gap} ms at a stretch`);
  assert.equal(await page.evaluate(() => globalThis.wnTest.inspect.loaded.length), 0);
  assert.deepEqual(errors, []);
});

test('weights holding NaN or infinities are refused with the array named, and nothing is added', async (t) => {
  const { page, errors } = await freshPage(t);
  for (const [model, array, value] of [['regular', 'dense_2/bias', NaN], ['weightnorm', 'weight_normalization/v', Infinity]]) {
    // A fresh model's weight file, as the page writes it, with one value of `array` replaced.
    const bytes = await page.evaluate(async ([model, array, value]) => {
      const { modelOf } = await import('./weights.js');
      const { unzipSync, zipSync } = await import('./vendor/fflate.js');
      const m = await modelOf({ model, wnInit: model === 'regular' ? 'tfa' : 'none', seed: 0 });
      const files = unzipSync(m.npz());
      m.dispose();
      const npy = files[`${array}.npy`];
      new DataView(npy.buffer, npy.byteOffset, npy.length).setFloat32(npy.length - 4, value, true);
      return [...zipSync(files, { level: 0 })];
    }, [model, array, value]);
    const error = await refused(page, 'bad.npz', bytes);
    assert.equal(error, `Could not load bad.npz: '${array}' holds NaN or infinite values.`);
    assert.equal(await page.textContent('#weights-status'), '');
  }
  assert.equal(await page.evaluate(() => globalThis.wnTest.inspect.loaded.length), 0);
  assert.deepEqual(errors, []);
});

// The accuracy chart's datasets: label, x and y of each point, and the flags charts.js sets.
const datasets = (page) => page.evaluate(() => globalThis.wnTest.charts.accuracy.data.datasets.map((d) => ({
  label: d.label, band: !!d.band, raw: !!d.raw, ghost: !!d.ghost, x: d.data.map((p) => p.x), y: d.data.map((p) => p.y) })));
// Does `action` and waits until the charts have drawn after it (they draw at animation frames).
const redrawn = async (page, action) => {
  const n = await page.evaluate(() => globalThis.wnTest.charts.drawn);
  await action();
  await page.waitForFunction((k) => globalThis.wnTest.charts.drawn > k, n);
};

test('tooltips list every series at the hovered x, bands left out', async () => {
  const { page } = trained;
  await page.locator('#accuracy-chart').scrollIntoViewIfNeeded();
  const box = await page.locator('#accuracy-chart').boundingBox();
  const at = await page.evaluate(() => {
    const c = globalThis.wnTest.charts.accuracy;
    return { x: c.scales.x.getPixelForValue(1.5), y: (c.chartArea.top + c.chartArea.bottom) / 2 };
  });
  await page.mouse.move(box.x + at.x, box.y + at.y);
  await page.waitForFunction(() => globalThis.wnTest.charts.accuracy.tooltip.opacity > 0);
  const items = await page.evaluate(() => globalThis.wnTest.charts.accuracy.tooltip.dataPoints.map((p) => ({ label: p.dataset.label, x: p.parsed.x })));
  assert.deepEqual(items.map((i) => i.label).sort(),
    ['regular accuracy', 'regular val_accuracy', 'weight norm accuracy', 'weight norm val_accuracy']);
  for (const i of items) assert.ok(Math.abs(i.x - 1.5) <= 0.5, `${i.label} at ${i.x}`);
  await page.mouse.move(0, 0);
});

test('smoothing: an EMA of the training curves over the raw mean; validation points untouched', async () => {
  const { page } = trained;
  const before = await datasets(page);
  await redrawn(page, () => page.locator('#smoothing').fill('0.9'));
  assert.equal(await page.textContent('#smoothing-value'), '0.9');
  const after = await datasets(page);
  const line = (sets, label) => sets.find((d) => d.label === label);
  const raw = line(after, 'regular accuracy (raw)');
  assert.deepEqual(raw.y, line(before, 'regular accuracy').y);
  let last = 0;
  const ema = raw.y.map((v, i) => { last = 0.9 * last + 0.1 * v; return last / (1 - 0.9 ** (i + 1)); });
  line(after, 'regular accuracy').y.forEach((v, i) => assert.ok(Math.abs(v - ema[i]) < 1e-12));
  assert.notDeepEqual(line(after, 'regular accuracy').y, raw.y);
  assert.deepEqual(line(after, 'regular val_accuracy').y, line(before, 'regular val_accuracy').y);
  await redrawn(page, () => page.locator('#smoothing').fill('0'));
  assert.deepEqual(line(await datasets(page), 'regular accuracy (raw)').y, []);
});

test('the x axis in epochs, training steps or seconds', async () => {
  const { page } = trained;
  const run = await page.evaluate(() => {
    const r = globalThis.wnTest.state.experiment.runs[0];
    return { steps: r.progress[0].steps, seconds: r.epochs.map((e) => e.seconds) };
  });
  assert.equal(run.steps, 63);  // 2,000 images in batches of 32
  await redrawn(page, () => page.selectOption('#x-axis', 'steps'));
  let sets = await datasets(page);
  const find = (label) => sets.find((d) => d.label === label);
  assert.deepEqual(find('regular val_accuracy').x, [63, 126]);
  assert.equal(find('regular accuracy').x.at(-1), 126);
  assert.equal(await page.evaluate(() => globalThis.wnTest.charts.accuracy.options.scales.x.title.text), 'training step');
  await redrawn(page, () => page.selectOption('#x-axis', 'seconds'));
  sets = await datasets(page);
  const x = find('regular accuracy').x;
  assert.ok(x.every((v, i) => i === 0 || v > x[i - 1]), 'seconds grow along the curve');
  const val = find('regular val_accuracy').x;
  assert.ok(Math.abs(val[0] - run.seconds[0]) < 1e-9 && Math.abs(val[1] - run.seconds[0] - run.seconds[1]) < 1e-9);
  assert.ok(x.at(-1) <= val[1]);
  await redrawn(page, () => page.selectOption('#x-axis', 'epochs'));
  assert.deepEqual((await datasets(page)).find((d) => d.label === 'regular val_accuracy').x, [1, 2]);
});

test('every chart exports a PNG with the theme\'s background beneath it', async () => {
  const { page } = trained;
  for (const id of ['accuracy-chart', 'loss-chart']) {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`[data-png=${id}]`)]);
    assert.equal(d.suggestedFilename(), `wn-${id}.png`);
    const png = await readFile(await d.path());
    // The corner, outside the plot, is the panel's opaque white (light theme), not transparent.
    const corner = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
      c.getContext('2d').drawImage(img, 0, 0);
      return [...c.getContext('2d').getImageData(1, 1, 1, 1).data];
    }, png.toString('base64'));
    assert.deepEqual(corner, [255, 255, 255, 255]);
  }
  const [grid] = await Promise.all([page.waitForEvent('download'), page.click('[data-png-grid]')]);
  assert.equal(grid.suggestedFilename(), 'wn-dynamics.png');
});

test('a new Start keeps the previous experiment\'s means as faded, labelled curves until they are cleared', async () => {
  const { page } = trained;
  const previous = (await datasets(page)).filter((d) => !d.band && !d.raw);
  await page.fill('#epochs', '1');
  await page.click('#start');
  await page.waitForFunction(() => globalThis.wnTest.state.experiment.runs.every((r) => r.status === 'done'), null, { timeout: 300000 });
  await redrawn(page, () => page.evaluate(() => globalThis.wnTest.charts.redraw()));
  const ghosts = (await datasets(page)).filter((d) => d.ghost);
  assert.deepEqual(ghosts.map((g) => g.label), previous.map((d) => `${d.label} (earlier #1)`));
  ghosts.forEach((g, i) => assert.deepEqual(g.y, previous[i].y));
  const legend = await page.evaluate(() => globalThis.wnTest.charts.accuracy.legend.legendItems.map((i) => i.text));
  assert.ok(legend.includes('regular accuracy (earlier #1)'));
  assert.equal(await page.isEnabled('#clear-ghosts'), true);
  await redrawn(page, () => page.click('#clear-ghosts'));
  assert.deepEqual((await datasets(page)).filter((d) => d.ghost), []);
  assert.equal(await page.isEnabled('#clear-ghosts'), false);
  assert.deepEqual(trained.errors, []);
});

test('with several seeds the panel shows the first seed of each model, and says so', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&seeds=2&seed=3&epochs=1&train=640&test=100`, t);
  await waitForData(page);
  await page.click('#start');
  await finished(page);
  assert.match(await page.textContent('#inspect-note'), /^Shown: the first seed \(seed 3\) of each model; the experiment has 2 seeds/);
  const runs = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => [r.job.model, r.job.seed, r.epochs[0].val_accuracy]));
  const tables = await confusion(page);
  assert.deepEqual(tables.map((t) => t.shown), runs.filter(([, seed]) => seed === 3).map(([, , v]) => v.toFixed(4)));
  assert.equal(await page.locator('#filters .filter-row').count(), 2);
  assert.deepEqual(errors, []);
});

// A weight file of another architecture: the form's architecture says which net it is for. The page
// evaluates it on the same 100 test images as build-portable/wn-train (WebAssembly's arithmetic) did.
test('weights of a batch-norm ConvPool-CNN-C load for the form\'s architecture and evaluate as natively', async (t) => {
  const root = new URL('../../', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'wn-arch-weights-'));
  t.after(() => rm(dir, { recursive: true }));
  const [npz, json] = [join(dir, 'cp.npz'), join(dir, 'cp.json')];
  execFileSync(join(root, 'build-portable/wn-train'), ['--data', join(root, 'data/cifar-10-batches-bin'), '--arch', 'convpool-c',
    '--width', '0.0625', '--model', 'batchnorm', '--epochs', '1', '--train-samples', '256', '--test-samples', '100', '--threads', '1',
    '--save-weights', npz, '--json', json, '--quiet']);
  const native = JSON.parse(await readFile(json, 'utf8')).runs[0].history.at(-1).val_accuracy;

  const lenet = await freshPage(t);
  assert.match(await refused(lenet.page, 'cp.npz', await readFile(npz)), /fits none of the models of lenet/);

  const { page } = await openPage(browser, `${server.url}?hooks&arch=convpool-c&width=0.0625&train=640&test=100`, t);
  await waitForData(page);
  await page.setInputFiles('#weights-file', npz);
  await page.waitForFunction(() => /validation accuracy/.test(document.querySelector('#weights-status').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#weights-status'), new RegExp(`^batch norm from cp\\.npz: validation accuracy ${native.toFixed(4)} on 100 test images`));
});
