// The page's data path (web/data.js, web/data.worker.js): only the records a subset needs go
// over the network, sizes are checked before reading, and gzip files with several members or
// trailing bytes end as they do in wn-train, judged on the same crafted files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { closeServer, launch, openPage } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RECORD = 3073;
let browser;
const scratch = mkdtempSync(join(tmpdir(), 'wn-data-e2e-'));  // crafted files, removed afterwards
const scratchDir = (name) => mkdtempSync(join(scratch, name));
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

// serve.mjs, which honours Range requests (206, as nginx, GitHub Pages or S3 do), or with the
// header dropped first ('ignore'), as a static host without Range support would (the whole
// file, 200). sent.data counts the body bytes the server wrote for data/ files.
async function startServer(range) {
  const server = await serve({ port: 0 });
  const [handler] = server.listeners('request');
  const sent = { data: 0 };
  server.removeAllListeners('request');
  server.on('request', async (req, res) => {
    if (req.url.startsWith('/data/')) {
      const write = res.write.bind(res);
      res.write = (chunk, ...rest) => { sent.data += chunk.length; return write(chunk, ...rest); };
    }
    if (range === 'ignore') delete req.headers.range;
    handler(req, res);
  });
  return { url: `http://127.0.0.1:${server.address().port}/`, sent, close: () => closeServer(server) };
}

// A page on the server that imports data.js, cross-origin isolated like the app, with a file
// input; and the bytes each of its workers' responses delivered, from the workers' own
// DevTools targets (a dedicated worker's requests are not in the page's Network domain).
async function openHarness(server) {
  const opened = await openPage(browser, 'about:blank');
  const { page, context } = opened;
  await page.route(`${server.url}harness.html`, (route) => route.fulfill({
    contentType: 'text/html',
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    body: '<!doctype html><input type="file" id="file" multiple><script type="module">import * as d from "./data.js"; window.wnData = d;</script>',
  }));
  await page.goto(`${server.url}harness.html`);
  await page.waitForFunction(() => window.wnData);
  const cdp = await context.newCDPSession(page);
  const responses = new Map();
  let id = 1;
  cdp.on('Target.attachedToTarget', ({ sessionId }) => {
    const send = (method) => cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: id++, method }) });
    send('Network.enable').then(() => send('Runtime.runIfWaitingForDebugger'));
  });
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const { method, params } = JSON.parse(message);
    if (method === 'Network.responseReceived') responses.set(params.requestId, { url: params.response.url, status: params.response.status, bytes: 0, chunks: 0 });
    // dataLength: the body bytes of each chunk as it arrived (nothing here is content-encoded;
    // encodedDataLength lags a chunk behind and misses the last one of a cancelled response).
    const r = method === 'Network.dataReceived' && responses.get(params.requestId);
    if (r) r.bytes += params.dataLength, r.chunks++;
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return { ...opened, responses };
}

// A server that `range`s Range requests and the harness on it, for `body`; both closed after.
async function withHarness(range, body) {
  const server = await startServer(range);
  let harness;
  try {
    harness = await openHarness(server);
    await body({ ...harness, sent: server.sent });
  } finally {
    await harness?.context.close();
    await server.close();
  }
}

// Picks `paths` in the harness's file input and loads them.
async function loadFiles(page, paths, limits = { train: 2000, test: 500 }) {
  await page.setInputFiles('#file', paths);
  return loadInPage(page, { prepared: false, limits });
}

// loadDataset in the page: the images' first labels and counts, or the error and what was read.
function loadInPage(page, { prepared, limits }) {
  return page.evaluate(async ({ prepared, limits }) => {
    const d = window.wnData;
    const sources = prepared ? await d.preparedSources({ train: limits.train }) : d.fileSources(document.getElementById('file').files);
    const t0 = performance.now();
    try {
      const r = await d.loadDataset(sources, limits);
      return { train: r.train.count, test: r.test.count, bytesRead: r.bytesRead, ms: performance.now() - t0,
        trainLabels: [...r.train.labels.subarray(0, 5)], testLabels: [...r.test.labels.subarray(-5)] };
    } catch (e) {
      return { error: e.message, bytesRead: e.bytesRead, ms: performance.now() - t0 };
    }
  }, { prepared, limits });
}

const bin = (name) => readFileSync(join(root, 'data/cifar-10-batches-bin', name));
const labelsAt = (bytes, from, n) => Array.from({ length: n }, (_, i) => bytes[(from + i) * RECORD]);

for (const range of ['honour', 'ignore']) {
  test(`2,000 + 500 images: only their records are fetched (server ${range}s Range)`, () => withHarness(range, async ({ page, responses, errors, sent }) => {
    const r = await loadInPage(page, { prepared: true, limits: { train: 2000, test: 500 } });
    assert.equal(r.error, undefined);
    assert.equal(r.train, 2000);
    assert.equal(r.test, 500);
    assert.deepEqual(r.trainLabels, labelsAt(bin('data_batch_1.bin'), 0, 5));
    assert.deepEqual(r.testLabels, labelsAt(bin('test_batch.bin'), 495, 5));
    assert.equal(r.bytesRead, 2500 * RECORD);  // what the parser took: the records, no more
    const data = [...responses.values()].filter((x) => x.url.includes('/data/'));
    const total = data.reduce((t, x) => t + x.bytes, 0);
    console.log(`server ${range}s Range: ${data.map((x) => `${x.url.split('/').pop()} ${x.status} ${x.bytes} B in ${x.chunks}`).join(', ')}; ` +
      `${(total / 1e6).toFixed(2)} MB in all (the server wrote ${(sent.data / 1e6).toFixed(2)} MB), ${r.ms.toFixed(0)} ms`);
    assert.deepEqual(data.map((x) => x.url.split('/').pop()), ['data_batch_1.bin', 'test_batch.bin']);
    if (range === 'honour') {
      assert.deepEqual(data.map((x) => x.status), [206, 206]);
      assert.ok(total <= 10e6, `${total} bytes transferred`);
      assert.equal(sent.data, 2500 * RECORD);  // and not a byte more was sent
    } else {
      // The whole files (61.5 MB) are sent; the worker cancels each response once its records are
      // in. On loopback several MB more arrive before the cancel lands.
      assert.deepEqual(data.map((x) => x.status), [200, 200]);
      assert.ok(total < 2 * 30730000 / 2, `${total} bytes transferred`);
    }
    assert.deepEqual(errors, []);
  }));
}

// ---- crafted files, each loaded by the page and by wn-train

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0' + '00', 257);
  const sum = h.reduce((s, b) => s + b, 0);
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function tar(members, endBlocks = true) {
  const parts = [];
  for (const [name, data] of members) parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  if (endBlocks) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function records(count, tag) {
  const out = Buffer.alloc(count * RECORD);
  for (let i = 0; i < count; i++) {
    out[i * RECORD] = (i + tag) % 10;
    for (let p = 1; p < RECORD; p++) out[i * RECORD + p] = (tag + i * 7 + p) & 255;
  }
  return out;
}

const gzipMembers = (bytes, cuts) => Buffer.concat([0, ...cuts].map((from, i) => gzipSync(bytes.subarray(from, cuts[i] ?? bytes.length))));

const dir = scratchDir('gzip-');
const full = tar([['cifar-10-batches-bin/data_batch_1.bin', records(1000, 1)], ['cifar-10-batches-bin/data_batch_2.bin', records(500, 2)],
  ['cifar-10-batches-bin/test_batch.bin', records(300, 3)]]);
const open = tar([['data_batch_1.bin', records(3, 4)], ['test_batch.bin', records(2, 5)]], false);  // no end blocks, batches missing: read to the end
const crafted = {
  'members.tar.gz': gzipMembers(full, [100, 700000, 2000000]),  // joined with cat: cuts inside headers and records
  'padded.tar.gz': Buffer.concat([gzipSync(full), Buffer.alloc(5000)]),
  'junk.tar.gz': Buffer.concat([gzipSync(open), Buffer.from('junk')]),
  'lone-magic.tar.gz': Buffer.concat([gzipSync(open), Buffer.from([0x1f])]),
  'zeros-then-junk.tar.gz': Buffer.concat([gzipSync(open), Buffer.from([0, 0, 0, 1])]),
  'seventeen-members.tar.gz': gzipMembers(full, Array.from({ length: 16 }, (_, i) => (i + 1) * 4096)),
  'truncated.tar.gz': gzipSync(full).subarray(0, gzipSync(full).length >> 1),
};
for (const [name, bytes] of Object.entries(crafted)) writeFileSync(join(dir, name), bytes);

// wn-train on a file: the images it loaded, or its error without the "wn-train: PATH: " prefix.
function native(path) {
  try {
    const out = execFileSync(join(root, 'build/wn-train'), ['--data', path, '--model', 'regular', '--epochs', '1', '--threads', '1'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [, train, test] = /Loaded (\d+) training and (\d+) test images/.exec(out);
    return { train: Number(train), test: Number(test) };
  } catch (e) {
    return { error: e.stderr.trim().replace(`wn-train: ${path}: `, '') };
  }
}

test('gzip members joined with cat, zero padding and trailing junk: the page and wn-train agree', () => withHarness('honour', async ({ page }) => {
  for (const name of Object.keys(crafted)) {
    const path = join(dir, name);
    const inPage = await loadFiles(page, path, { train: 50000, test: 10000 });
    const cli = native(path);
    console.log(`${name}: page ${inPage.error ?? `${inPage.train} + ${inPage.test}`}; wn-train ${cli.error ?? `${cli.train} + ${cli.test}`}`);
    if (cli.error) assert.equal(inPage.error, `${name}: ${cli.error}`, name);
    else assert.deepEqual({ train: inPage.train, test: inPage.test }, cli, name);
  }
  // What was decided, for the record (both sides, by the assertions above).
  assert.equal(native(join(dir, 'members.tar.gz')).train, 1500);
  assert.equal(native(join(dir, 'padded.tar.gz')).test, 300);
  assert.equal(native(join(dir, 'junk.tar.gz')).error, `unexpected bytes after the end of the gzip data (at byte ${gzipSync(open).length})`);
  assert.match(native(join(dir, 'seventeen-members.tar.gz')).error, /^more than 16 gzip members/);
  assert.match(native(join(dir, 'truncated.tar.gz')).error, /^truncated gzip data/);
}));

// Empty batch files used to "train" and report an accuracy of 0.
test('empty batch files are refused: no training images, no test images', () => withHarness('honour', async ({ page }) => {
  const empty = scratchDir('empty-');
  const files = ['data_batch_1.bin', 'test_batch.bin'].map((name) => join(empty, name));
  for (const file of files) writeFileSync(file, '');
  const r = await loadFiles(page, files);
  assert.equal(r.error, 'the chosen files: no training images (the data_batch_*.bin files are empty)');
  assert.equal(native(empty).error, r.error.replace('the chosen files: ', ''));
  writeFileSync(files[0], records(3, 0));
  assert.equal((await loadFiles(page, files)).error, 'the chosen files: no test images (test_batch.bin is empty)');
}));

// A 1.1 GB .bin upload used to be read whole into memory (1.3 GB renderer) before it was refused.
test('a 1.1 GB .bin and a 1.1 GB archive are refused by their size, before a byte is read', () => withHarness('honour', async ({ page }) => {
  const big = scratchDir('big-');
  const expected = {
    'data_batch_1.bin': "data_batch_1.bin: 1100000000 bytes is more than a CIFAR-10 batch file's 30730000 (10000 images)",
    'cifar-10-binary.tar.gz': 'cifar-10-binary.tar.gz: more than 256 MB, larger than any CIFAR-10 archive (the official one is 170 MB gzip\'d, 185 MB unpacked)',
  };
  for (const [name, error] of Object.entries(expected)) {
    const fd = openSync(join(big, name), 'w');
    ftruncateSync(fd, 1.1e9);  // sparse: no disk used
    closeSync(fd);
    const r = await loadFiles(page, join(big, name));
    console.log(`1.1 GB ${name} refused in ${r.ms.toFixed(0)} ms after reading ${r.bytesRead} bytes: ${r.error}`);
    assert.equal(r.error, error);
    assert.equal(r.bytesRead, 0);
  }
}));
