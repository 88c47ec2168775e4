// WebKit: Debian's WebKitGTK (WebKitWebDriver driving MiniBrowser under Xvfb, tests/webkit/driver.mjs),
// as a Safari reader meets the page. The page trains an epoch, and <wn-trainer> on a page of
// another site trains one, each in the build WebKit allows, which the test reports:
//   - WebKitGTK as shipped: cross-origin isolated, but without SharedArrayBuffer, so the
//     single-threaded SIMD build, and the page says that is what is missing;
//   - with JSC_useSharedArrayBuffer=1 (as WebKit-based apps set it): the threaded build.
// And on a host without COOP/COEP, web/coi.js's service worker isolates the page in WebKit as well.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.mjs';
import { elementPage, trainerSite, tutorialSite } from './origins.mjs';
import { missing, open } from '../webkit/driver.mjs';

let server, trainer;
before(async () => {
  const why = missing();
  if (why) throw new Error(why);
  server = await startServer();
  trainer = await trainerSite();
});
after(async () => { await trainer?.close(); await server?.close(); });

// A WebKit session for test `t`, closed (browser, driver, display) at its end. One per page: after
// the trainer's page (COOP same-origin), a navigation to another site in the same session never
// ends in WebKitWebDriver 2.50 (the browsing context group switch), so each part gets its own.
async function webkit(t, options) {
  const session = await open(options);
  t.after(() => session.close());
  return session;
}

// Uncaught exceptions and rejections, recorded by the page itself (WebDriver classic has no log),
// from when the test can first run script there.
const ERRORS = `window.wnErrors ??= [];
  addEventListener('error', (e) => wnErrors.push(String(e.message)));
  addEventListener('unhandledrejection', (e) => wnErrors.push(String(e.reason)));`;

const TRAIN = 2000, TEST = 500;

// The page, one epoch on a small subset: trains both models; reports the build each ran and its speed.
async function pageEpoch(session) {
  await session.goto(`${server.url}?hooks&epochs=1&train=${TRAIN}&test=${TEST}`);
  await session.evaluate(ERRORS);
  await session.until("return document.getElementById('data-status').textContent.startsWith('CIFAR-10:')", { what: 'the data' });
  const isolation = await session.evaluate("return document.getElementById('isolation').textContent");
  await session.evaluate("document.getElementById('start').click()");
  await session.until('return globalThis.wnTest.state.experiment?.runs.every((r) => r.epochs.length >= 1)', { timeout: 180000, what: 'an epoch of each model' });
  const runs = await session.evaluate(`return globalThis.wnTest.state.experiment.runs.map((r) => ({
    model: r.job.model, threaded: r.started.threaded, threads: r.started.threads, simd: r.started.simd,
    val_accuracy: r.epochs[0].val_accuracy, seconds: r.epochs[0].seconds }))`);
  const env = await session.evaluate('return { isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer, errors: window.wnErrors }');
  return { isolation, runs, ...env };
}

// <wn-trainer> from the trainer's site (localhost) on a cross-origin isolated tutorial page
// (127.0.0.1), which lets the frame be isolated too: one epoch of each model.
async function embedEpoch(session) {
  const site = await tutorialSite({ '/': elementPage(trainer.url, 'models="regular,weightnorm" epochs="1" train="1000" test="200" seed="2" autostart') }, { isolated: true });
  try {
    await session.goto(site.url);
    await session.until("return window.events?.some((e) => e.type === 'experiment-done' || e.type === 'error')", { timeout: 180000, what: 'the embed to finish' });
    // Plain fields only: a script returning the events whole went unanswered here (WebKitWebDriver 2.50).
    return await session.evaluate(`const of = (type) => window.events.filter((e) => e.type === type);
      return { isolated: crossOriginIsolated, ready: of('ready').map((e) => e.threaded), started: of('started').map((e) => e.threaded),
        done: of('done').map((e) => e.model).sort(), epochs: of('epoch').map((e) => [e.model, e.val_accuracy, e.log?.seconds]),
        errors: of('error').map((e) => e.message), summary: of('experiment-done')[0]?.runs };`);
  } finally {
    await site.close();
  }
}

function assertPage(r, threaded) {
  assert.equal(r.isolated, true);
  assert.equal(r.sab, threaded ? 'function' : 'undefined');
  assert.deepEqual(r.runs.map((x) => x.model).sort(), ['regular', 'weightnorm']);
  for (const run of r.runs) {
    assert.equal(run.threaded, threaded, `${run.model} ran the ${run.threaded ? 'threaded' : 'single-threaded'} build`);
    assert.equal(run.simd, 'wasm-simd128');
    assert.ok(run.val_accuracy > 0.15, `${run.model}: val_accuracy ${run.val_accuracy}`);
  }
  assert.deepEqual(r.errors, []);
}

function assertEmbed(e, threaded) {
  assert.deepEqual(e.errors, []);
  assert.equal(e.isolated, true);
  assert.deepEqual(e.ready, [threaded]);
  assert.deepEqual(e.started, [threaded, threaded]);
  assert.deepEqual(e.done, ['regular', 'weightnorm']);
  assert.equal(e.epochs.length, 2);
  assert.deepEqual(e.summary, { total: 2, done: 2, diverged: 0, error: 0, stopped: 0 });
}

// Which build ran, in the test's output: "regular: threaded ×2, 1234 samples/s".
const builds = (r) => r.runs.map((x) => `${x.model}: ${x.threaded ? `threaded ×${x.threads}` : 'single-threaded'} SIMD, ${Math.round(TRAIN / x.seconds)} samples/s`).join('; ');

for (const [label, sharedArrayBuffer] of [['as shipped (no SharedArrayBuffer)', false], ['with JSC_useSharedArrayBuffer=1', true]]) {
  const build = sharedArrayBuffer ? 'threaded' : 'single-threaded';
  test(`WebKit ${label}: the page trains an epoch in the ${build} build`, async (t) => {
    const r = await pageEpoch(await webkit(t, { sharedArrayBuffer }));
    t.diagnostic(`WebKit ${label}, page: ${builds(r)}`);
    assertPage(r, sharedArrayBuffer);
    if (sharedArrayBuffer) assert.match(r.isolation, /threaded WebAssembly build/);
    // The line comes from singleThreadedNote() (web/scheduler.js).
    else await t.test('the page says what is missing: SharedArrayBuffer, not isolation', () =>
      assert.match(r.isolation, /^This page is cross-origin isolated, but this browser does not provide SharedArrayBuffer.*single-threaded SIMD build/));
  });

  test(`WebKit ${label}: <wn-trainer> on another site trains an epoch in the ${build} build`, async (t) => {
    const e = await embedEpoch(await webkit(t, { sharedArrayBuffer }));
    t.diagnostic(`WebKit ${label}, embed: ${e.ready[0] ? 'threaded' : 'single-threaded'} build, ${e.epochs.map(([m, , sec]) => `${m} ${Math.round(1000 / sec)} samples/s`).join(', ')}`);
    assertEmbed(e, sharedArrayBuffer);
  });
}

// A host without COOP/COEP: web/coi.js's service worker adds them, WebKit reloads once under its
// control and is isolated; with SharedArrayBuffer the threaded build is announced.
test('WebKit with JSC_useSharedArrayBuffer=1, without COOP/COEP: the service worker isolates the page', async (t) => {
  const plain = await startServer({ isolation: false });
  t.after(() => plain.close());
  const session = await webkit(t, { sharedArrayBuffer: true });
  await session.goto(`${plain.url}?hooks`);
  await session.until('return crossOriginIsolated && navigator.serviceWorker.controller !== null', { timeout: 30000, what: 'isolation by the service worker' });
  const isolation = await session.until("return document.getElementById('isolation')?.textContent", { what: "the page's line on its build" });
  assert.match(isolation, /^Cross-origin isolated: each model trains in the threaded WebAssembly build/);
});
