// The same seed and one thread: the WebAssembly build's first steps match the native CLI's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedRun, launch, startServer } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('native wn-train and the WASM module agree on the first 10 steps (same seed, threads=1)', async (t) => {
  const root = new URL('../../', import.meta.url).pathname;
  const json = join(mkdtempSync(join(tmpdir(), 'wn-')), 'native.json');
  execFileSync(join(root, 'build/wn-train'), ['--data', join(root, 'data/cifar-10-batches-bin'), '--model', 'both',
    '--epochs', '1', '--train-samples', '320', '--test-samples', '200', '--threads', '1', '--seed', '3', '--json', json, '--quiet']);
  const native = Object.fromEntries(JSON.parse(readFileSync(json, 'utf8')).runs.map((r) => [r.model, r.history[0]]));

  const { events } = await embedRun(t, browser, server, 'epochs=1&train=320&test=200&seed=3&threads=1&autostart=1',
    { runs: 2, timeout: 180000 });
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const wasm = Object.fromEntries(events.filter((e) => e.type === 'epoch').map((e) => [e.model, e.log]));
  for (const m of ['regular', 'weightnorm']) {
    // The epoch loss is the mean of the 10 step losses. Native uses FMA and 8-lane sums,
    // WASM 4-lane mul+add: agreement to 1e-4 relative after 10 Adam steps.
    const rel = (a, b) => Math.abs(a - b) / Math.abs(b);
    assert.ok(rel(wasm[m].loss, native[m].loss) < 1e-4, `${m}: loss wasm ${wasm[m].loss} native ${native[m].loss}`);
    assert.ok(rel(wasm[m].val_loss, native[m].val_loss) < 1e-3, `${m}: val_loss wasm ${wasm[m].val_loss} native ${native[m].val_loss}`);
    assert.equal(wasm[m].accuracy, native[m].accuracy);
  }
});
