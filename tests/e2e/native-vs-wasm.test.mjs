// The same seed gives the same history natively and in the page, where the arithmetic is the same.
// build-portable/wn-train has WebAssembly's arithmetic (4-lane vectors, no FMA: scripts/build.sh
// portable) and equals the page bit for bit over whole epochs, at one thread or two. build/wn-train
// is tuned for this CPU (-march=native: FMA, 8-lane sums), so it agrees only to rounding, which
// grows with every step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedRun, launch, startServer } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'wn-native-vs-wasm-'));
let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); rmSync(scratch, { recursive: true, force: true }); });

// Each model's epoch logs from wn-train (binary under root) and from the page's module, same settings.
// arch and width: the net (a preset or a spec) and its width, as both front ends take them.
async function both(t, binary, { epochs, train, test: testN, seed, threads, models = ['regular', 'weightnorm'], arch = 'lenet', width = 1 }) {
  const json = join(scratch, `${binary.replace('/', '-')}-${threads}-${arch}.json`);
  execFileSync(join(root, binary), ['--data', join(root, 'data/cifar-10-batches-bin'), '--model', models.join(','),
    '--arch', arch, '--width', String(width),
    '--epochs', String(epochs), '--train-samples', String(train), '--test-samples', String(testN),
    '--threads', String(threads), '--seed', String(seed), '--json', json, '--quiet']);
  const native = Object.fromEntries(JSON.parse(readFileSync(json, 'utf8')).runs.map((r) => [r.model, r.history]));
  const run = await embedRun(t, browser, server, `models=${models}&arch=${arch}&width=${width}` +
    `&epochs=${epochs}&train=${train}&test=${testN}&seed=${seed}&threads=${threads}&autostart=1`, { runs: models.length, timeout: 240000 });
  assert.deepEqual(run.events.filter((e) => e.type === 'error'), []);
  const wasm = Object.fromEntries(run.events.filter((e) => e.type === 'done').map((e) => [e.model, e.run.history]));
  return { native, wasm };
}

// The numbers of an epoch log that training determines (not its timing).
const numbers = (h) => ({ loss: h.loss, accuracy: h.accuracy, val_loss: h.val_loss, val_accuracy: h.val_accuracy });

for (const threads of [1, 2]) {
  test(`WebAssembly's arithmetic natively equals the page bit for bit over 2 epochs (threads=${threads})`, async (t) => {
    const { native, wasm } = await both(t, 'build-portable/wn-train', { epochs: 2, train: 2000, test: 500, seed: 3, threads });
    for (const m of ['regular', 'weightnorm']) {
      assert.equal(wasm[m].length, 2, `${m}: two epochs in the page`);
      assert.deepEqual(wasm[m].map(numbers), native[m].map(numbers), `${m}: page and build-portable/wn-train`);
    }
  });
}

// ConvPool-CNN-C's layers take the kernels' wide paths (≥ 8 input channels: blocked dW, dx as a
// convolution), and batch norm sums its statistics across threads: the same bit for bit too.
test('ConvPool-CNN-C with batch norm and weight norm: the page equals build-portable bit for bit (threads=2)', async (t) => {
  const models = ['regular', 'batchnorm', 'weightnorm', 'wn-mobn'];
  const { native, wasm } = await both(t, 'build-portable/wn-train',
    { epochs: 1, train: 256, test: 100, seed: 5, threads: 2, models, arch: 'convpool-c', width: 0.125 });
  for (const m of models) {
    assert.equal(wasm[m].length, 1, `${m}: one epoch in the page`);
    assert.deepEqual(wasm[m].map(numbers), native[m].map(numbers), `${m}: page and build-portable/wn-train`);
  }
});

test('the CPU-tuned build agrees with the page to rounding on the first 10 steps', async (t) => {
  const { native, wasm } = await both(t, 'build/wn-train', { epochs: 1, train: 320, test: 200, seed: 3, threads: 1 });
  const rel = (a, b) => Math.abs(a - b) / Math.abs(b);
  for (const m of ['regular', 'weightnorm']) {
    const [n, w] = [native[m][0], wasm[m][0]];
    // The epoch loss is the mean of the 10 step losses; FMA and 8-lane sums against 4-lane mul+add.
    assert.ok(rel(w.loss, n.loss) < 1e-4, `${m}: loss wasm ${w.loss} native ${n.loss}`);
    assert.ok(rel(w.val_loss, n.val_loss) < 1e-3, `${m}: val_loss wasm ${w.val_loss} native ${n.val_loss}`);
    assert.equal(w.accuracy, n.accuracy);
  }
});
