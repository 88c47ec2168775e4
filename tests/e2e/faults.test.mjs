// What users do to a long-running page: silly learning rates, dead workers, many restarts, hidden tabs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, panel, points, runOf, startServer, startTraining, text, waitForData } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });


test('lr = 10 ends each model with "training diverged at epoch E step S"; the curve so far stays', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&epochs=2&train=5000&test=500&lr=10`, t);
  await waitForData(page);
  await page.click('#start');
  await page.waitForFunction(() => ['regular', 'weightnorm-tfa'].every((m) =>
    /training diverged/.test(document.getElementById(`status-${m}`).textContent)), null, { timeout: 180000 });
  for (const m of ['regular', 'weightnorm']) {
    assert.match(await text(page, `#status-${panel(m)}`), /^training diverged at epoch 1 step \d+ \(loss [\d.e+]+ exceeds 230, 100x that of a uniform guess\)$/);
    assert.match(await text(page, `#log-${panel(m)}`), /training diverged at epoch 1 step \d+/);
    const run = await runOf(page, m);
    assert.equal(run.status, 'diverged');
    assert.match(run.record.stopped, /^training diverged at epoch 1 step \d+/);
  }
  assert.equal(await page.isEnabled('#start'), true);
  assert.deepEqual(errors, []);
});

test('a worker that dies is reported, and the other model carries on to the end', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=1&train=5000&test=500`, t);
  await waitForData(page);
  await startTraining(page, ['regular']);
  // A message the worker cannot read throws in its handler: a real uncaught error, no test hook in the product.
  await page.evaluate(() => {
    const { active } = globalThis.wnTest.state.scheduler;
    [...active].find(([, job]) => job.model === 'regular')[0].postMessage(null);
  });
  await page.waitForFunction(() => /died/.test(document.getElementById('status-regular').textContent));
  assert.match(await text(page, '#status-regular'), /the worker running regular, seed 0 died: .*null/);
  await page.waitForFunction(() => /^done/.test(document.getElementById('status-weightnorm-tfa').textContent), null, { timeout: 180000 });
  assert.match(await text(page, '#log-weightnorm-tfa'), /^Epoch 1\/1 /m);
  assert.ok(await points(page, 'regular', 'accuracy') > 0, 'the dead model keeps its curve');
  assert.equal((await runOf(page, 'regular')).status, 'error');
});

test('Stop/Start 20 times: memory does not grow beyond one run\'s worth', async (t) => {
  // 1,000 epochs: the last run must still be training when it is measured and stopped. The
  // memory measurements can take tens of seconds, and 100 epochs of 5,000 images no longer outlast them.
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=1000&train=5000&test=500`, t);
  await waitForData(page);
  const measure = () => page.evaluate(async () => (await performance.measureUserAgentSpecificMemory()).bytes);
  const idle = await measure();
  await startTraining(page);
  const first = await measure();
  for (let i = 0; i < 20; i++) {
    await page.click('#stop');
    await startTraining(page);
  }
  const last = await measure();
  await page.click('#stop');
  const run = first - idle;
  console.log(`memory: idle ${(idle / 1e6).toFixed(0)} MB, first run ${(first / 1e6).toFixed(0)} MB, after 20 restarts ${(last / 1e6).toFixed(0)} MB`);
  assert.ok(run > 0);
  assert.ok(last - first < run, `grew by ${((last - first) / 1e6).toFixed(0)} MB, more than one run's ${(run / 1e6).toFixed(0)} MB`);
});

// Headless Chromium shows every page as visible (bringToFront, minimising and background targets
// leave visibilityState 'visible'), so the hidden tab is simulated in what matters to the page:
// no animation frames and visibilityState 'hidden'. Training runs in workers, which neither depends on.
test('a hidden tab keeps training and its charts catch up when shown again', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&epochs=1&train=10000&test=500`, t);
  await waitForData(page);
  await startTraining(page, ['regular']);
  await page.evaluate(() => {
    const raf = window.requestAnimationFrame.bind(window);
    window.held = [];
    window.hidden = true;
    window.requestAnimationFrame = (cb) => (window.hidden ? window.held.push(cb) : raf(cb));
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.hidden ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  // Points received (the experiment's progress reports) and points drawn (the chart's line).
  const drawn = () => page.evaluate(() => [globalThis.wnTest.charts.points('regular', 'accuracy'),
    globalThis.wnTest.state.experiment.runs[0].progress.length]);
  const [, hiddenAt] = await drawn();
  await page.waitForFunction((n) => globalThis.wnTest.state.experiment.runs[0].progress.length >= n + 5, hiddenAt, { timeout: 180000 });
  const [shown, total] = await drawn();
  assert.ok(shown < total, `the chart drew ${shown} of ${total} points without a frame`);
  await page.evaluate(() => {
    window.hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
    for (const cb of window.held.splice(0)) window.requestAnimationFrame(cb);
  });
  await page.waitForFunction(() => globalThis.wnTest.charts.points('regular', 'accuracy') === globalThis.wnTest.state.experiment.runs[0].progress.length);
  await page.click('#stop');
});
