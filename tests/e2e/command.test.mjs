// Issue 19, item 4: "Run this at full scale". The page shows the wn-train command lines for its
// form; run verbatim by bash, they train the grid the page trains. A small form with two
// optimisers (two commands, joined by wn-merge) trains on the page; its command lines then run
// natively against the prepared data, under a data path no shell may read as code: build/wn-train
// gives the page's shared settings and grid of runs, build-portable/wn-train (WebAssembly's
// arithmetic) the page's numbers bit for bit, and the GNU parallel lines the same history again.
// A preset's command gives what wn-train's own --experiment gives. The copy buttons copy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openPage, ready, startServer, waitForData } from './helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const prepared = join(root, 'data/cifar-10-batches-bin');
// A data folder whose name a shell would read as a command, were it not quoted.
const ODD = 'CIFAR it\'s "$(touch pwned)" `touch pwned`; touch pwned';
let server, browser, scratch;
const children = new Set();

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wn-command-'));
  server = await startServer();
  browser = await launch();
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await browser?.close();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

// A folder like a checkout: build/ is `binaries` (build or build-portable), scripts/ the real one,
// and the odd data folder the prepared data.
function checkout(name, binaries) {
  const dir = join(scratch, name);
  mkdirSync(dir);
  symlinkSync(join(root, binaries), join(dir, 'build'));
  symlinkSync(join(root, 'scripts'), join(dir, 'scripts'));
  symlinkSync(prepared, join(dir, ODD));
  return dir;
}

// Runs shell text as bash runs a pasted script: line by line, stopping at the first failure.
function bash(text, cwd) {
  const child = spawn('bash', ['-e', '-c', text], { cwd });
  children.add(child);
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((ok) => child.on('close', (code) => { children.delete(child); ok({ code, stdout, stderr }); }));
}

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
// What a run is in the grid, and what the numbers of its epochs are.
const cell = (r) => [r.model, r.wn_init, r.seed, r.optimizer, r.learning_rate, r.momentum];
const numbers = (r) => ({ cm: r.confusion_matrix, history: r.history.map(({ seconds, ...rest }) => rest) });
// The settings a history's runs share, but for where the data came from and the SIMD kernels.
const shared = ({ data, simd, ...rest }) => rest;
// A history without its timings.
function untimed(doc) {
  for (const r of doc.runs) {
    delete r.ms_per_step;
    for (const e of r.history) delete e.seconds;
  }
  return doc;
}

// The panel's text for a recipe: local, parallel or slurm.
const recipe = (page, id) => page.textContent(`#command-${id}`);

test('the command of a two-optimiser form, run natively, trains the page\'s grid with the page\'s settings and numbers', { timeout: 600000 }, async (t) => {
  // One thread per run on both sides: the thread count changes the order of the sums.
  const form = 'models=regular,weightnorm&wninit=tfa,paper&sweeps=adam:0.001,0.003;sgd@0.9:0.01&seed=3&seeds=2' +
    '&arch=lenet&width=0.5&epochs=1&batch=16&train=96&test=40&initsamples=32&threads=1';
  const { page, errors } = await openPage(browser, `${server.url}?hooks&${form}`, t);
  await ready(page);
  await page.fill('#command-data', ODD);
  await page.fill('#command-json', 'page grid.json');
  const local = await recipe(page, 'local');
  const lines = local.split('\n');
  assert.equal(lines.length, 3, local);
  assert.match(lines[0], /^build\/wn-train --model regular,weightnorm --wn-init tfa,paper --arch lenet --width 0\.5 --epochs 1 --batch-size 16 --train-samples 96 --test-samples 40 --seeds 3-4 --init-samples 32 --threads 1 --optimizer adam --lr 0\.001,0\.003 --data '.*' --json 'page grid-adam\.json'$/);
  assert.match(lines[1], / --optimizer sgd --lr 0\.01 --momentum 0\.9 --data '.*' --json 'page grid-sgd\.json'$/);
  assert.equal(lines[2], "build/wn-merge 'page grid-adam.json' 'page grid-sgd.json' --json 'page grid.json'");
  assert.match(await page.textContent('#full-scale'), /18 run\(s\).*2 optimisers are 2 commands; wn-merge joins their histories/);

  // The page runs its grid and exports its history.
  await waitForData(page);
  await page.click('#start');
  await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 300000 });
  const exported = JSON.parse(await page.evaluate(() => globalThis.wnTest.session.history()));
  assert.equal(exported.runs.length, 18);
  assert.ok(exported.runs.every((r) => r.stopped === null && r.history.length === 1));

  // build/wn-train: the same shared settings and the same runs in the same order.
  const native = checkout('native', 'build');
  const ran = await bash(local, native);
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(existsSync(join(native, 'pwned')), false, 'a word of the command ran as a shell command');
  const cli = read(join(native, 'page grid.json'));
  assert.equal(cli.options.data, ODD);
  assert.deepEqual(shared(cli.options), shared(exported.options));
  assert.deepEqual(cli.runs.map(cell), exported.runs.map(cell));

  // build-portable/wn-train, WebAssembly's arithmetic: the page's numbers, bit for bit.
  const portable = checkout('portable', 'build-portable');
  assert.equal((await bash(lines.slice(0, 2).join('\n'), portable)).code, 0);
  const merged = read(join(portable, 'page grid-adam.json')).runs.concat(read(join(portable, 'page grid-sgd.json')).runs);
  assert.deepEqual(merged.map(numbers), exported.runs.map(numbers));

  // GNU parallel's lines: 4 + 2 shards, merged per optimiser, then joined: the whole history again.
  const parallel = await recipe(page, 'parallel');
  assert.match(parallel, /--shard \{\}\/4 --json out\/adam\/shard-\{\}\.json ::: \$\(seq 0 3\)/);
  const sharded = await bash(parallel.replace(/^parallel /gm, 'parallel --will-cite '), native);
  assert.equal(sharded.code, 0, sharded.stderr);
  assert.equal(existsSync(join(native, 'pwned')), false);
  assert.deepEqual(untimed(read(join(native, 'out/all.json'))), untimed(cli));
  assert.deepEqual(errors, []);
});

test('a preset\'s command is the preset: vs-bn as the page fills it, and as wn-train --experiment runs it', { timeout: 600000 }, async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&experiment=vs-bn`, t);
  await ready(page);
  const vsbn = await page.evaluate(() => globalThis.wnTest.catalog.experiments.find((e) => e.name === 'vs-bn'));
  const sweep = vsbn.sweeps[0];
  // The form lists the models in its checkboxes' order (the catalog's), and the page runs them so.
  const models = await page.evaluate(() => [...document.querySelectorAll('input[name=model]:checked')].map((i) => i.value));
  assert.deepEqual([...models].sort(), [...vsbn.models].sort());
  assert.equal(await recipe(page, 'local'), `build/wn-train --experiment vs-bn --model ${models.join(',')} --wn-init ${vsbn.wn_inits.join(',')}` +
    ` --arch ${vsbn.arch} --width ${vsbn.width} --epochs ${vsbn.epochs} --batch-size ${vsbn.batch} --train-samples ${vsbn.train}` +
    ` --test-samples ${vsbn.test} --seeds 1-${vsbn.seeds} --optimizer ${sweep.optimizer} --lr ${sweep.lrs.join(',')}` +
    ' --data data/cifar-10-binary.tar.gz --json history.json');

  // The preset at a size a test can run: the page keeps it as vs-bn with these few changes.
  await page.goto(`${server.url}?hooks&experiment=vs-bn&epochs=1&train=64&test=32&threads=1`);
  await ready(page);
  assert.equal(await page.inputValue('#experiment'), 'vs-bn');
  await page.fill('#command-data', ODD);
  const local = await recipe(page, 'local');
  const dir = checkout('preset', 'build');
  assert.equal((await bash(local, dir)).code, 0);
  const own = await bash(`build/wn-train --experiment vs-bn --epochs 1 --train-samples 64 --test-samples 32 --threads 1 --quiet --data ${JSON.stringify(prepared)} --json own.json`, dir);
  assert.equal(own.code, 0, own.stderr);
  const fromPage = untimed(read(join(dir, 'history.json'))), fromPreset = untimed(read(join(dir, 'own.json')));
  assert.equal(fromPage.options.experiment, 'vs-bn');
  assert.deepEqual(shared(fromPage.options), shared(fromPreset.options));
  // The same runs, record for record; in the form's order of the models, where the preset's may differ.
  const byCell = (runs) => [...runs].sort((a, b) => JSON.stringify(cell(a)).localeCompare(JSON.stringify(cell(b))));
  assert.deepEqual(byCell(fromPage.runs), byCell(fromPreset.runs));
  assert.deepEqual(fromPage.runs.map((r) => r.model).slice(0, models.length), models);
  assert.equal(fromPage.runs.length, vsbn.models.length * vsbn.seeds);
  assert.deepEqual(errors, []);
});

test('copy buttons: the Clipboard API where there is one, else the text selected; "copied" shows', async (t) => {
  const { page, context, errors } = await openPage(browser, `${server.url}?hooks&experiment=sgd`, t);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
  await ready(page);
  const box = page.locator('#full-scale .command').nth(2);
  await box.locator('button.copy').click();
  await page.waitForFunction(() => document.querySelectorAll('#full-scale .copy-status')[2].textContent === 'copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await recipe(page, 'slurm'));
  // An edit of the form makes new lines: the old "copied" goes.
  await page.fill('#epochs', '3');
  await page.waitForFunction(() => / --epochs 3 /.test(document.getElementById('command-local').textContent));
  assert.equal(await box.locator('.copy-status').textContent(), '');

  // Without the Clipboard API (an http page on another host): the text is selected, and copied
  // through the selection where the browser still can.
  await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined }));
  await page.locator('#full-scale .command').first().locator('button.copy').click();
  await page.waitForFunction(() => document.querySelector('#full-scale .copy-status').textContent !== '');
  assert.equal(await page.evaluate(() => getSelection().toString()), await recipe(page, 'local'));
  assert.match(await page.locator('#full-scale .copy-status').first().textContent(), /^(copied|selected: press Ctrl\+C)/);
  assert.deepEqual(errors, []);
});
