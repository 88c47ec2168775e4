// Issue 19, item 5: the page opens history files. A real wn-train history (3 paired seeds, with its
// --diagnostics file) is opened through the page's file input, and the page draws it as if it had
// run it: bands over the seeds, k of N, the summary, confusion matrices, per-class accuracy and the
// dynamics, each checked against the file's numbers. Then files that are no history are refused
// with the reason, and what was shown stays; "Back to training" clears it, and Start trains. Firefox
// (Debian's firefox-esr, as in firefox.test.mjs) opens the same file in its module worker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { drawn, launch, openPage, ready, startServer, waitForData, waitForEpochs } from './helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SEEDS = [1, 2, 3];
const CLI = ['--data', join(root, 'data/cifar-10-batches-bin'), '--threads', '1', '--quiet', '--train-samples', '256', '--test-samples', '100',
  '--epochs', '2', '--model', 'both', '--seeds', '1-3'];
// The page trains something small after the file, to show training goes on as usual.
const QUERY = 'hooks&epochs=1&train=256&test=100&seeds=1';
let scratch, server, browser, history, paths;
const children = new Set();

function run(command, args) {
  const child = spawn(command, args);
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((ok) => child.on('close', (code) => { children.delete(child); ok({ code, stderr }); }));
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'wn-history-open-'));
  paths = { history: join(scratch, 'history.json'), diagnostics: join(scratch, 'diagnostics.jsonl') };
  const made = await run(join(root, 'build/wn-train'), [...CLI, '--json', paths.history, '--diagnostics', paths.diagnostics]);
  assert.equal(made.code, 0, made.stderr);
  history = JSON.parse(readFileSync(paths.history, 'utf8'));
  server = await startServer();
  browser = await launch();
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await browser?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1));
const runsOf = (model) => SEEDS.map((seed) => history.runs.find((r) => r.model === model && r.seed === seed));
const finals = (model) => runsOf(model).map((r) => r.history.at(-1).val_accuracy);

// What the page shows of the results: the summary's rows, the verdict, the banner.
const shownResults = (page) => page.evaluate(() => ({
  rows: [...document.querySelectorAll('#summary tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
  verdict: document.getElementById('verdict').textContent,
  banner: document.getElementById('opened').hidden ? null : document.getElementById('opened-text').textContent,
  matrices: document.querySelectorAll('.confusion-box').length,
}));

test('a wn-train history opens with its bands, k of N, summary, confusion matrices and dynamics; junk is refused and changes nothing', { timeout: 240000 }, async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?${QUERY}`, t);
  await ready(page);
  assert.equal(await page.isVisible('#opened'), false, 'no "Back to training" banner before a file is opened');
  await page.setInputFiles('#history-file', [paths.history, paths.diagnostics]);
  await page.waitForSelector('#opened:not([hidden])');
  await drawn(page);

  // The banner: which file, and which runs.
  const shown = await shownResults(page);
  assert.match(shown.banner, /^Showing the history file history\.json \(wn-train \d+\.\d+\.\d+\): lenet, width 1; regular and weight norm; seeds 1, 2, 3; adam lr 0\.001; 2 epochs on 256 training and 100 test images, with its diagnostics\./);

  // The summary: mean ± sd and min–max of the final validation accuracy over the 3 seeds, from the file.
  const fixed = (v) => v.toFixed(4);
  assert.deepEqual(shown.rows.map((r) => r.slice(0, 4)), ['regular', 'weightnorm'].map((m) => [
    m === 'regular' ? 'regular' : 'weight norm', '3', `${fixed(mean(finals(m)))} ± ${fixed(sd(finals(m)))}`,
    `${fixed(Math.min(...finals(m)))}–${fixed(Math.max(...finals(m)))}`]));
  // k of N: the seeds where weight norm's final accuracy beats the plain net's.
  const k = finals('weightnorm').filter((v, i) => v > finals('regular')[i]).length;
  assert.match(shown.verdict, new RegExp(`^Weight norm ahead of regular in ${k} of 3 seeds: final validation accuracy ${fixed(mean(finals('weightnorm')))}`));

  // The bands: per epoch, the validation accuracy's mean, min and max over the seeds, as drawn.
  const bands = await page.evaluate(() => globalThis.wnTest.charts.plots.filter((p) => p.key === 'val_accuracy' || p.key === 'loss')
    .map((p) => ({ variant: p.variant, key: p.key, sets: p.sets.map((d) => ({ label: d.label, data: d.data.map((q) => [q.x, q.y]) })) })));
  for (const [variant, model] of [['regular', 'regular'], ['weightnorm/tfa', 'weightnorm']]) {
    for (const [key, at] of [['val_accuracy', (e) => e.val_accuracy], ['loss', (e) => e.loss]]) {
      const plot = bands.find((b) => b.variant === variant && b.key === key);
      const perEpoch = [0, 1].map((e) => runsOf(model).map((r) => at(r.history[e])));
      const [line, ...rest] = plot.sets;
      const [max, min] = rest.filter((d) => / (max|min)$/.test(d.label));
      const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-12, `${variant} ${key}: ${a} vs ${b}`);
      assert.deepEqual(line.data.map(([x]) => x), [1, 2]);
      perEpoch.forEach((v, e) => {
        close(line.data[e][1], mean(v));
        close(max.data[e][1], Math.max(...v));
        close(min.data[e][1], Math.min(...v));
      });
    }
  }

  // Confusion matrices and per-class accuracy: the first seed's, as the file has them.
  const matrices = await page.$$eval('.confusion-box', (boxes) => boxes.map((b) => ({
    shown: b.querySelector('.val-accuracy').textContent,
    cells: [...b.querySelector('table.confusion').tBodies[0].rows].map((r) => [...r.querySelectorAll('td')].map((c) => Number(c.textContent))),
  })));
  assert.deepEqual(matrices.map((m) => m.cells), [runsOf('regular')[0].confusion_matrix, runsOf('weightnorm')[0].confusion_matrix]);
  assert.deepEqual(matrices.map((m) => m.shown), ['regular', 'weightnorm'].map((m) => fixed(finals(m)[0])));
  const perClass = await page.$$eval('#per-class tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td span:first-child')].map((s) => s.textContent)));
  assert.deepEqual(perClass, runsOf('regular')[0].per_class_accuracy.map((v, c) =>
    [v, runsOf('weightnorm')[0].per_class_accuracy[c]].map((x) => `${(100 * x).toFixed(0)} %`)));

  // The dynamics: three plots per weight layer, their last point at the end of the last epoch.
  const layers = JSON.parse(readFileSync(paths.diagnostics, 'utf8').split('\n')[0]).layers.length;
  const dynamics = await page.evaluate(() => globalThis.wnTest.dynamics.charts.map((c) => c.chart.data.datasets.map((d) => d.data.at(-1)?.x)));
  assert.equal(dynamics.length, 3 * layers);
  assert.ok(dynamics.flat().length > 0 && dynamics.flat().every((x) => x === 2), `last diagnostics at ${dynamics.flat()}`);

  // The page's History JSON of what it shows is the file again: its tool, settings and run records.
  const exported = JSON.parse(await page.evaluate(() => globalThis.wnTest.session.history()));
  assert.deepEqual(exported, history);

  // Files that are no history: refused with the reason; what was shown stays.
  const before = await shownResults(page);
  const refusals = [
    ['junk.json', '{"format": "wn-history", "version": 1, "tool": "wn-tr', /^Could not open junk\.json: junk\.json is not JSON, or is cut short \(.+\)\. What was shown stays\.$/],
    ['v2.json', JSON.stringify({ ...history, version: 2 }), /v2\.json is a history of version 2; this page reads version 1/],
    ['proto.json', JSON.stringify(history).replace('"options":{', '"options":{"__proto__":{"x":1},'), /proto\.json\.options has a key named __proto__/],
    ['nan.json', JSON.stringify(history).replace(/"val_accuracy":[0-9.e-]+/, '"val_accuracy":"NaN"'), /'val_accuracy' is "NaN", not an accuracy from 0 to 1/],
  ];
  for (const [name, text, reason] of refusals) {
    await page.setInputFiles('#history-file', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.waitForFunction((n) => document.getElementById('history-error').textContent.includes(n), name);
    assert.match(await page.textContent('#history-error'), reason);
    await drawn(page);
    assert.deepEqual(await shownResults(page), before);
  }

  // The banner, the refusal and the opened runs' panels pass axe (every impact), as the page does in a11y.test.mjs.
  await page.addScriptTag({ content: await readFile(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8') });
  const { violations } = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);

  // History files dropped on the data panel's zone open too, rather than loading as CIFAR-10.
  await page.evaluate(async (text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, readFileSync(paths.history, 'utf8'));
  await page.waitForFunction(() => /^Showing the history file dropped\.json /.test(document.getElementById('opened-text').textContent));
  assert.equal(await page.isVisible('#data-error'), false);

  // Back to training: nothing of the file shown, and Start trains the form's experiment as usual.
  await page.click('#close-opened');
  assert.deepEqual(await page.evaluate(() => ['opened', 'summary', 'verdict'].map((id) => document.getElementById(id).hidden)), [true, true, true]);
  assert.equal(await page.isVisible('#opened'), false);
  await waitForData(page);
  await page.click('#start');
  await waitForEpochs(page, 1);
  await page.waitForFunction(() => globalThis.wnTest.state.experiment.finished);
  await drawn(page);
  const after = await shownResults(page);
  assert.equal(after.banner, null);
  assert.equal(after.rows.length, 2);
  assert.deepEqual(errors, []);
});

test('Firefox: the same history opens, read in the page\'s module worker, with the same summary', { timeout: 120000 }, async (t) => {
  const firefox = await puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr', headless: true });
  t.after(() => firefox.close());
  const page = await (await firefox.createBrowserContext()).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}?hooks`);
  await page.waitForFunction(() => globalThis.wnTest, { timeout: 60000 });
  await (await page.$('#history-file')).uploadFile(paths.history);
  await page.waitForFunction(() => !document.getElementById('opened').hidden, { timeout: 60000 });
  const rows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => tr.cells[2].textContent));
  const fixed = (v) => v.toFixed(4);
  assert.deepEqual(rows, ['regular', 'weightnorm'].map((m) => `${fixed(mean(finals(m)))} ± ${fixed(sd(finals(m)))}`));
  assert.deepEqual(errors, []);
});
