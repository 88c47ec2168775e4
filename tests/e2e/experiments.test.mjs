// Experiments on the page: presets, several seeds, bands, k of N, the dynamics panel, the sweep
// chart and the export, in real Chromium on real CIFAR-10.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { drawn, launch, openPage, ready, startServer, text, waitForData } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const finished = (page, timeout = 300000) =>
  page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout });

test('a 2-seed SGD experiment: mean curves with min–max bands, k of N, dynamics, step-0 table, the export', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&experiment=sgd&seeds=2&train=2000&test=500`, t);
  await ready(page);
  assert.equal(await page.inputValue('#experiment'), 'sgd');
  assert.match(await text(page, '#experiment-text'), /Plain SGD/);
  assert.equal(await page.inputValue('#sweeps .optimizer'), 'sgd');
  await waitForData(page);
  await page.click('#start');
  await finished(page);
  await drawn(page);

  const state = await page.evaluate(() => {
    const ex = globalThis.wnTest.state.experiment;
    const band = (variant) => globalThis.wnTest.charts.plots.find((p) => p.variant === variant && p.key === 'val_accuracy').sets;
    return {
      jobs: ex.jobs.map((j) => [j.model, j.seed, j.optimizer, j.lr]),
      finals: ex.runs.map((r) => r.epochs.at(-1).val_accuracy),
      ahead: ex.ahead(),
      band: band('weightnorm/tfa').map((d) => d.data.map((p) => p.y)),
      diagnostics: ex.runs.map((r) => r.diagnostics.length),
    };
  });
  assert.deepEqual(state.jobs, [['regular', 1, 'sgd', 0.01], ['weightnorm', 1, 'sgd', 0.01], ['regular', 2, 'sgd', 0.01], ['weightnorm', 2, 'sgd', 0.01]]);
  // The band's edges are the two seeds' values, the line their mean.
  const [[mean], [max], [min]] = state.band;
  assert.equal(max, Math.max(state.finals[1], state.finals[3]));
  assert.equal(min, Math.min(state.finals[1], state.finals[3]));
  assert.ok(Math.abs(mean - (state.finals[1] + state.finals[3]) / 2) < 1e-12);
  const k = [0, 2].filter((i) => state.finals[i + 1] > state.finals[i]).length;
  assert.deepEqual(state.ahead.map((a) => [a.k, a.n]), [[k, 2]]);
  assert.equal(await text(page, '#ahead'), `weight norm ahead of regular in ${k} of 2 seeds`);
  // The headline says the same with its numbers: the means and sds of the summary.
  const summary = await page.evaluate(() => globalThis.wnTest.state.experiment.summary().map((r) => `${r.mean.toFixed(4)} ± ${r.sd.toFixed(4)}`));
  assert.equal(await text(page, '#verdict'),
    `Weight norm ahead of regular in ${k} of 2 seeds: final validation accuracy ${summary[1]} against ${summary[0]} (mean ± sd over 2 seeds).`);
  assert.match(await text(page, '#run-eta'), /done: 4 run/);
  assert.equal(await page.evaluate(() => document.getElementById('run-progress').value), 1);

  // Dynamics: a record at step 0 and after each of 3 progress reports (63 steps: 25, 50, 63), 5 layers × 3 plots.
  assert.deepEqual(state.diagnostics, [4, 4, 4, 4]);
  assert.equal(await page.locator('#dynamics-grid .small-chart').count(), 15);
  const norms = await page.evaluate(() => globalThis.Chart.getChart(document.querySelector('#dynamics-grid .small-chart canvas')).data.datasets.map((d) => d.data.length));
  assert.deepEqual(norms, [4, 4]);
  assert.equal(await page.locator('#init-table tbody tr').count(), 5);
  // One optimiser and one rate: said in the caption, not repeated in every row.
  assert.match(await text(page, '#summary caption'), /\(optimiser sgd, lr 0\.01\)$/);
  // The last column: the mean time per step of the model's runs, as their records give it.
  const row = await page.locator('#summary tbody tr').nth(1).innerText();
  assert.match(row, /^weight norm\s+2\s+0\.\d{4} ± 0\.\d{4}\s+0\.\d{4}–0\.\d{4}\s+\d+\.\d$/);
  const ms = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.filter((r) => r.job.model === 'weightnorm').map((r) => r.record.ms_per_step));
  assert.equal(Number(row.split(/\s+/).at(-1)), Number(((ms[0] + ms[1]) / 2).toFixed(1)));

  // The export holds the four runs, each with its seed, optimiser and learning rate.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(history.options.experiment, 'sgd');
  assert.deepEqual(history.runs.map((r) => [r.model, r.seed, r.optimizer, r.learning_rate]), state.jobs);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  assert.equal((await readFile(await csv.path(), 'utf8')).trim().split('\n').length, 1 + 4);
  assert.deepEqual(errors, []);
});

test('the learning-rate sweep: final accuracy against the learning rate with whiskers, per optimiser', async (t) => {
  const { page, errors } = await openPage(browser,
    `${server.url}?hooks&experiment=lr-sweep&sweeps=adam:1e-3,1e-2;sgd:0.01,0.1&seeds=2&train=640&test=200`, t);
  await ready(page);
  assert.equal(await page.locator('#sweeps .sweep').count(), 2);
  await waitForData(page);
  await page.click('#start');
  await finished(page);
  await drawn(page);
  const sweep = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('sweep-chart')).data.datasets
    .map((d) => ({ label: d.label, x: d.data.map((p) => p.x), whiskers: d.whiskers.length })));
  assert.deepEqual(sweep.map((d) => d.label), ['regular, adam', 'regular, sgd', 'weight norm, adam', 'weight norm, sgd']);
  assert.deepEqual(sweep[0].x, [1e-3, 1e-2]);
  assert.deepEqual(sweep[3].x, [0.01, 0.1]);
  assert.ok(sweep.every((d) => d.whiskers === 2));
  assert.equal(await page.locator('#summary tbody tr').count(), 8);
  assert.equal(await page.locator('#ahead li').count(), 4);
  assert.deepEqual(errors, []);
});

test('every control is mirrored in the URL, and the URL brings the controls back', async (t) => {
  const { page } = await openPage(browser, `${server.url}?hooks&experiment=breaking`, t);
  await ready(page);
  assert.equal(await page.isChecked('input[name=wninit][value=paper]'), true);
  await page.fill('#seeds', '4');
  await page.fill('#sweeps .lrs', '0.05, 0.2');
  await page.check('input[name=wninit][value=none]');
  await page.fill('#train-samples', '3000');
  const url = await page.evaluate(() => location.href);  // page.url() can lag behind replaceState
  assert.match(url, /seeds=4/);
  assert.match(url, /lr=0\.05%2C0\.2/);
  assert.match(url, /wninit=tfa%2Cpaper%2Cnone/);
  assert.doesNotMatch(url, /experiment=/);  // edited: no longer the preset
  assert.equal(await page.inputValue('#experiment'), '');
  const again = await openPage(browser, url, t);
  await ready(again.page);
  for (const [sel, v] of [['#seeds', '4'], ['#sweeps .lrs', '0.05, 0.2'], ['#train-samples', '3000'], ['#sweeps .optimizer', 'sgd']])
    assert.equal(await again.page.inputValue(sel), v, sel);
  assert.equal(await again.page.isChecked('input[name=wninit][value=none]'), true);
});
