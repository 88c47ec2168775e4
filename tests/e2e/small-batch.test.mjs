// The small-batch preset on the page and in the embed, at tiny sizes: batch norm, weight norm and the
// plain net at several batch sizes, one run per (model, batch), batch norm also validated with batch
// statistics, the results grouped by batch size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { drawn, embedRun, launch, openPage, ready, startServer, text, waitForData } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('the page runs small-batch: one run per model and batch size, coloured by batch, batch statistics in the table', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&experiment=small-batch&batch=4,16&seeds=1&epochs=1&train=64&test=40`, t);
  await ready(page);
  assert.equal(await page.inputValue('#experiment'), 'small-batch');
  assert.equal(await page.inputValue('#batch-size'), '4,16');
  await waitForData(page);
  await page.click('#start');
  await page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout: 300000 });
  await drawn(page);

  const state = await page.evaluate(() => {
    const ex = globalThis.wnTest.state.experiment;
    return {
      jobs: ex.jobs.map((j) => [j.model, j.batchSize]),
      steps: ex.runs.map((r) => r.last.steps),
      records: ex.runs.map((r) => [r.record.batch_size, r.epochs[0].val_accuracy_batch_stats ?? null]),
      legend: globalThis.wnTest.charts.accuracy.legend.legendItems.map((i) => i.text),
    };
  });
  // The form lists the models in the catalog's order.
  assert.deepEqual(state.jobs, [['regular', 4], ['weightnorm', 4], ['batchnorm', 4], ['regular', 16], ['weightnorm', 16], ['batchnorm', 16]]);
  assert.deepEqual(state.steps, [16, 16, 16, 4, 4, 4]);
  // Each record names its batch size; batch norm's epochs carry the accuracy with batch statistics.
  state.records.forEach(([batch, stats], i) => {
    assert.equal(batch, state.jobs[i][1]);
    assert.equal(stats != null, state.jobs[i][0] === 'batchnorm');
    if (stats != null) assert.ok(stats >= 0 && stats <= 1);
  });
  // Colour by batch size, line style by model, as a sweep colours by learning rate.
  assert.deepEqual(state.legend, ['batch 4', 'batch 16', 'regular', 'weight norm', 'batch norm', 'validation']);
  // The summary: one row per (model, batch), batch norm's accuracy with batch statistics beside it.
  const head = await page.locator('#summary thead th').allInnerTexts();
  assert.deepEqual(head.slice(0, 2), ['model', 'batch']);
  assert.ok(head.includes('with batch stats'), head.join('|'));
  assert.equal(await page.locator('#summary tbody tr').count(), 6);
  const verdict = await text(page, '#verdict');
  assert.match(verdict, /^From batch 16 to batch 4: regular (loses|gains) \d\.\d{3}, weight norm (loses|gains) \d\.\d{3}, batch norm (loses|gains) \d\.\d{3}\. /);
  assert.match(verdict, /At batch 4 \/ 16: regular 0\.\d{3} \/ 0\.\d{3}; weight norm .*; batch norm 0\.\d{3} \/ 0\.\d{3}; batch norm with batch statistics 0\.\d{3} \/ 0\.\d{3} \(final/);

  // The history: the batch-size list in the shared settings, as wn-train writes it.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.deepEqual(history.options.batch_size, [4, 16]);
  assert.deepEqual(history.runs.map((r) => [r.model, r.batch_size]), state.jobs);
  assert.deepEqual(errors, []);
});

test('the embed runs small-batch with a batch list', async (t) => {
  const { events } = await embedRun(t, browser, server, 'experiment=small-batch&batch=2,8&seeds=1&epochs=1&train=48&test=24&autostart=1',
    { runs: 6, timeout: 300000 });
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const done = events.filter((e) => e.type === 'done');
  assert.deepEqual(done.map((e) => `${e.model} ${e.run.batch_size}`).sort(),
    ['batchnorm 2', 'batchnorm 8', 'regular 2', 'regular 8', 'weightnorm 2', 'weightnorm 8']);
  for (const e of done) {
    assert.equal(e.steps, 48 / e.run.batch_size);
    assert.equal('val_accuracy_batch_stats' in e.run.history[0], e.model === 'batchnorm', e.model);
  }
});
