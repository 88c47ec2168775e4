// Firefox: Debian's firefox-esr, headless, driven over WebDriver BiDi by puppeteer-core
// (playwright-core drives only its own Firefox builds). The page trains cross-origin isolated in
// the threaded build; an embed on another site trains through <wn-trainer>; and one epoch comes
// out bit for bit as in Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { launch, panel, startServer } from './helpers.mjs';
import { elementPage, trainerSite, tutorialSite } from './origins.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

let server, trainer, firefox;
before(async () => {
  if (!existsSync(FIREFOX)) throw new Error(`no Firefox at ${FIREFOX}: scripts/setup.sh installs firefox-esr (or set FIREFOX)`);
  server = await startServer();
  trainer = await trainerSite();
  firefox = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
});
after(async () => { await firefox?.close(); await trainer?.close(); await server?.close(); });

// A fresh context (no service worker or cache from an earlier test) with a page that records
// console errors and uncaught exceptions; closed at the end of test `t`, or earlier by close().
async function open(t, url) {
  const context = await firefox.createBrowserContext();
  let closed = null;
  const close = () => (closed ??= context.close());
  t.after(close);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors, close };
}

const until = (page, fn, arg, timeout = 180000) => page.waitForFunction(fn, { timeout, polling: 250 }, arg);

test('Firefox: the page trains one epoch, cross-origin isolated, in the threaded build, without console errors', async (t) => {
  const { page, errors } = await open(t, `${server.url}?hooks&epochs=1&train=2000&test=500`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await until(page, () => document.getElementById('data-status').textContent.startsWith('CIFAR-10:'));
  assert.match(await page.$eval('#isolation', (el) => el.textContent), /threaded WebAssembly build/);
  await page.click('#start');
  await until(page, () => globalThis.wnTest.state.experiment?.runs.every((r) => r.epochs.length >= 1));
  const runs = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.map((r) => ({ started: r.started, epoch: r.epochs[0] })));
  for (const r of runs) {
    assert.equal(r.started.threaded, true);
    assert.equal(r.started.simd, 'wasm-simd128');
    assert.ok(r.epoch.val_accuracy > 0.15, `val_accuracy ${r.epoch.val_accuracy}`);
  }
  for (const m of ['regular', 'weightnorm'])
    assert.match(await page.$eval(`#log-${panel(m)}`, (el) => el.textContent), /^Epoch 1\/1 63\/63 - \d+s \d+ms\/step - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/m);
  assert.deepEqual(errors, []);
});

test('Firefox: <wn-trainer> on a page of another site trains, sends its events and answers commands', async (t) => {
  const site = await tutorialSite({ '/': elementPage(trainer.url, 'models="regular,weightnorm" epochs="1" train="1000" test="200" seed="2" autostart') });
  t.after(() => site.close());
  const { page, errors } = await open(t, site.url);
  await until(page, () => window.events.some((e) => e.type === 'experiment-done'));
  const events = await page.evaluate(() => window.events);
  const of = (type) => events.filter((e) => e.type === type);
  assert.equal(of('ready')[0].threaded, false);
  assert.ok(of('resize').length >= 1);
  assert.deepEqual(of('done').map((e) => e.model).sort(), ['regular', 'weightnorm']);
  assert.ok(of('epoch').every((e) => e.val_accuracy === e.log.val_accuracy && e.seed === 2 && e.optimizer === 'adam'));
  assert.deepEqual(of('experiment-done')[0].runs, { total: 2, done: 2, diverged: 0, error: 0, stopped: 0 });
  const history = await page.evaluate(() => document.querySelector('wn-trainer').history());
  assert.deepEqual(history.runs.map((r) => r.model).sort(), ['regular', 'weightnorm']);
  const refusal = await page.evaluate(() => document.querySelector('wn-trainer').pause().catch((e) => e.message));
  assert.equal(refusal, 'pause: not running');
  assert.deepEqual(errors, []);
});

// One epoch of both models, seed 3, one thread, as the embed's own page (top level, so isolated):
// everything but the timings.
const SAME_RUN = 'embed.html?hooks&models=regular,weightnorm&epochs=1&train=1000&test=200&seed=3&threads=1&autostart=1';
function results() {
  const x = globalThis.wnTest.experiment();
  return x.runs.map((r) => ({
    model: r.job.model, threaded: r.started.threaded, threads: r.started.threads,
    progress: r.progress.map((p) => [p.step, p.loss, p.accuracy]),
    epochs: r.epochs.map(({ seconds, ...metrics }) => metrics),
    confusion: r.record.confusion_matrix,
  }));
}
const finished = () => globalThis.wnTest?.experiment()?.finished === true;

test('Firefox and Chromium: the same run gives the same numbers, bit for bit', async (t) => {
  const { page, errors, close } = await open(t, server.url + SAME_RUN);
  await until(page, finished);
  const inFirefox = await page.evaluate(results);
  assert.deepEqual(errors, []);
  await close();

  const chromium = await launch();
  try {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(server.url + SAME_RUN);
    await page.waitForFunction(finished, null, { timeout: 180000 });
    const inChromium = await page.evaluate(results);
    assert.ok(inChromium.every((r) => r.threaded && r.threads === 1 && r.epochs.length === 1 && r.progress.length > 1));
    assert.deepEqual(inFirefox, inChromium);
  } finally {
    await chromium.close();
  }
});
