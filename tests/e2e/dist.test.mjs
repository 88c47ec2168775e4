// A static deployment: `npm run dist -- --subset` served as plain files (no COOP/COEP/CORP, as
// GitHub Pages would), embedded by a tutorial on another site; removing the service worker;
// and the scripts around a deployment (setup profiles, sanitize's cmake arguments).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, readFileSync, readdirSync, rmSync, statSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openPage, startServer } from './helpers.mjs';
import { fakeTools, tutorialRun } from './origins.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RECORD = 3073;
let scratch, dist, server, browser;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wn-dist-'));
  dist = join(scratch, 'dist');
  execFileSync('bash', ['scripts/dist.sh', '--subset', '5000,1000'], { cwd: root, env: { ...process.env, WN_DIST_DIR: dist }, stdio: 'ignore' });
  server = await startServer({ isolation: false, dir: dist });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

// The first n bytes of a file.
function head(path, n) {
  const fd = openSync(path, 'r'), buf = Buffer.alloc(n);
  try {
    readSync(fd, buf, 0, n, 0);
  } finally {
    closeSync(fd);
  }
  return buf;
}

test('--subset 5000,1000 packs the first 5,000 training and 1,000 test records, under 20 MB', () => {
  const packed = join(dist, 'data/cifar-10-batches-bin');
  assert.deepEqual(readdirSync(packed).sort(), ['data_batch_1.bin', 'test_batch.bin']);
  for (const [file, n] of [['data_batch_1.bin', 5000], ['test_batch.bin', 1000]]) {
    assert.equal(statSync(join(packed, file)).size, n * RECORD, file);
    assert.deepEqual(readFileSync(join(packed, file)), head(join(root, 'data/cifar-10-batches-bin', file), n * RECORD), file);
  }
  const total = readdirSync(dist, { recursive: true }).reduce((sum, f) => sum + (statSync(join(dist, f)).isFile() ? statSync(join(dist, f)).size : 0), 0);
  assert.ok(total <= 20e6, `${total} bytes`);
  const bad = spawnSync('bash', ['scripts/dist.sh', '--subset', '0,10'], { cwd: root, encoding: 'utf8', env: { ...process.env, WN_DIST_DIR: join(scratch, 'bad') } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /usage/);
});

test('served as plain files, embedded by a tutorial on another site: trains an epoch of the subset, single-threaded', async (t) => {
  const { errors, events, frame } = await tutorialRun(t, browser, server,
    'models=regular,weightnorm&epochs=1&train=5000&test=1000&seed=2&autostart=1', { models: 2 });
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  for (const model of ['regular', 'weightnorm']) {
    const epochs = events.filter((e) => e.type === 'epoch' && e.model === model);
    assert.deepEqual(epochs.map((e) => e.log.epoch), [1], model);
    assert.ok(epochs[0].log.val_accuracy > 0.12, `${model}: ${epochs[0].log.val_accuracy}`);
    assert.equal(events.find((e) => e.type === 'started' && e.model === model).threaded, false);
  }
  assert.equal(await frame.evaluate(() => crossOriginIsolated), false);
  assert.deepEqual(errors, []);
});

test('?sw=0 removes the service worker an earlier visit installed, and the page runs without it', { timeout: 60000 }, async (t) => {
  const { page } = await openPage(browser, server.url, t);
  await page.waitForFunction(() => crossOriginIsolated, null, { timeout: 20000 });  // the service worker at work
  // The ?sw=0 page loads under the worker, removes it and reloads once: two requests for it.
  // (Not two load events: the reload may cut the first load short.)
  const target = `${server.url}?sw=0`;
  const reloaded = new Promise((ok) => {
    let n = 0;
    page.on('request', (r) => { if (r.isNavigationRequest() && r.url() === target && ++n === 2) ok(); });
  });
  await page.goto(target);
  await reloaded;
  await page.waitForFunction(() => document.readyState === 'complete' && !crossOriginIsolated);
  assert.deepEqual(await page.evaluate(async () => ({
    isolated: crossOriginIsolated,
    controlled: Boolean(navigator.serviceWorker.controller),
    registrations: (await navigator.serviceWorker.getRegistrations()).length,
  })), { isolated: false, controlled: false, registrations: 0 });
});

// setup.sh with every package reported missing (dpkg exits 1): what it would install.
function setup(profile) {
  const dir = join(mkdtempSync(join(scratch, 'setup-')), 'bin');
  fakeTools(dir, ['dpkg'], 1);
  const tools = fakeTools(dir, ['apt-get', 'sudo']);
  const r = spawnSync('bash', ['scripts/setup.sh', profile], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${tools.dir}:${process.env.PATH}` } });
  const install = tools.calls().find((c) => c.startsWith('apt-get install'));
  return { code: r.status, packages: install ? install.split(' ').filter((w) => w && !w.startsWith('-')).slice(2) : [] };
}

test('setup.sh: `run` installs what npm start needs, `test` adds the test tools, xtensor and xsimd included', () => {
  const run = setup('run').packages, all = setup('test').packages;
  assert.deepEqual(setup('node').packages, []);  // node and npm are here already
  for (const p of ['cmake', 'g++', 'zlib1g-dev', 'libzip-dev', 'emscripten']) assert.ok(run.includes(p), p);
  const testOnly = ['doctest-dev', 'libxtensor-dev', 'libxsimd-dev', 'clang', 'libclang-rt-dev', 'chromium'];
  for (const p of testOnly) assert.ok(!run.includes(p) && all.includes(p), p);
  assert.deepEqual(all.slice(0, run.length), run);  // test = run + the test tools
  assert.equal(setup('everything').code, 2);
});

test('sanitize.sh passes WN_CMAKE_ARGS to cmake, as build.sh does', () => {
  const tools = fakeTools(join(scratch, 'sanitize-bin'), ['cmake', 'ctest']);
  const r = spawnSync('bash', ['scripts/sanitize.sh'], { cwd: root, encoding: 'utf8',
    env: { ...process.env, PATH: `${tools.dir}:${process.env.PATH}`, WN_CMAKE_ARGS: '-DCMAKE_CXX_COMPILER=clang++ -DWN_NATIVE_ARCH=OFF' } });
  assert.equal(r.status, 0, r.stderr);
  const configure = tools.calls().find((c) => c.startsWith('cmake -S . -B build-asan'));
  assert.match(configure, /-DWN_SANITIZE=ON .*-DCMAKE_CXX_COMPILER=clang\+\+ -DWN_NATIVE_ARCH=OFF/);
});
