// Static hosting without COOP/COEP: `npm run dist`'s folder served as plain files. The service
// worker restores isolation; without it the single-threaded build trains and the page says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isolationText, lastEpoch, launch, openPage, panel, runOf, startServer, text, waitForData, waitForEpochs } from './helpers.mjs';

let server, browser;
before(async () => {
  const root = new URL('../../', import.meta.url).pathname;
  execFileSync('bash', ['scripts/dist.sh', '--with-data'], { cwd: root, stdio: 'ignore' });
  server = await startServer({ isolation: false, dir: `${root}dist` });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

test('without COOP/COEP and without the service worker: single-threaded build, said plainly, and it trains', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&sw=0&epochs=1&train=3000&test=500`, t);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  assert.match(await isolationText(page), /not cross-origin isolated.*single-threaded SIMD build/);
  await waitForData(page);
  await page.click('#start');
  // Ended, not just validated: a run's epoch comes a moment before its "done".
  await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 180000 });
  for (const m of ['regular', 'weightnorm']) {
    assert.match(await text(page, `#status-${panel(m)}`), /^done/);
    assert.ok((await lastEpoch(page, m)).val_accuracy > 0.15);
  }
  assert.equal((await runOf(page, 'regular')).started.threaded, false);
  assert.equal((await runOf(page, 'weightnorm')).started.simd, 'wasm-simd128');
  assert.deepEqual(errors, []);
});

test('without COOP/COEP, the service worker makes the page isolated and the threaded build runs', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=1&train=1000&test=200`, t);
  await page.waitForFunction(() => crossOriginIsolated, null, { timeout: 20000 });
  assert.match(await isolationText(page), /threaded WebAssembly build/);
  await waitForData(page);
  await page.click('#start');
  await waitForEpochs(page, 1);
  assert.equal((await runOf(page, 'regular')).started.threaded, true);
});
