// How the page reads to a new user (issue 18): it opens on plain SGD over 3 seeds, Results starts
// with a verdict and its numbers, the curves have no epoch-boundary jumps, legends and tick labels
// fit without overlapping (measured boxes), a sweep is readable, earlier runs do not squash the x
// axis, and a phone's width keeps the summary on one line per row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, launch, openPage, ready, startServer, text, waitForData } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const finished = (page, timeout = 400000) =>
  page.waitForFunction(() => globalThis.wnTest.state.experiment?.finished, null, { timeout });

async function run(page) {
  await waitForData(page);
  await page.click('#start');
  await finished(page);
  await drawn(page);
}

// Per Chart.js chart on the page (by canvas id): its legend's boxes and its axes' tick labels, as
// drawn, in canvas pixels: {width, height, legend: [{left, top, width, height, text}], ticks: {x: [{left, right, top, bottom, label}], y}}.
function layout(page, ids) {
  return page.evaluate((list) => list.map((id) => {
    const chart = globalThis.Chart.getChart(document.getElementById(id));
    const ctx = chart.ctx;
    const ticks = {};
    for (const key of ['x', 'y']) {
      const scale = chart.scales[key];
      ticks[key] = scale.getLabelItems().map((item) => {
        ctx.save();
        ctx.font = item.font.string;
        const w = ctx.measureText(String(item.label)).width;
        ctx.restore();
        const [tx, ty] = item.options.translation;
        const h = item.font.lineHeight;
        const align = item.options.textAlign;
        const left = align === 'center' ? tx - w / 2 : align === 'right' ? tx - w : tx;
        const top = item.options.textBaseline === 'middle' ? ty - h / 2 : ty;
        return { left, right: left + w, top, bottom: top + h, label: String(item.label) };
      });
    }
    const legend = chart.legend.options.display ? chart.legend.legendHitBoxes.map((b, i) => ({ ...b, text: chart.legend.legendItems[i].text })) : [];
    return { id, width: chart.width, height: chart.height, legend, legendHeight: chart.legend.height, ticks };
  }), ids);
}

const overlaps = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

function assertReadable(charts) {
  for (const c of charts) {
    for (const e of c.legend) assert.ok(e.left >= 0 && e.left + e.width <= c.width + 0.5 && e.top >= 0 && e.top + e.height <= c.height + 0.5,
      `${c.id}: legend entry "${e.text}" is cut off (${JSON.stringify(e)} in ${c.width}×${c.height})`);
    assert.ok(c.legendHeight <= c.height / 3, `${c.id}: the legend takes ${c.legendHeight} of ${c.height} px`);
    for (const axis of ['x', 'y']) {
      const t = c.ticks[axis];
      assert.ok(t.length >= 2, `${c.id}: ${axis} has ${t.length} tick labels`);
      for (let i = 1; i < t.length; i++)
        for (let j = 0; j < i; j++) assert.ok(!overlaps(t[i], t[j]), `${c.id}: ${axis} tick labels "${t[j].label}" and "${t[i].label}" overlap`);
    }
  }
}

test('with no parameters the page opens on plain SGD with 3 seeds; nothing shows before a run', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks`, t);
  await ready(page);
  assert.equal(await page.inputValue('#experiment'), 'sgd');
  assert.equal(await page.inputValue('#seeds'), '3');
  assert.equal(await page.inputValue('#sweeps .optimizer'), 'sgd');
  assert.ok(await page.isHidden('#init-heading'), 'an empty "Step 0" heading before any run');
  assert.ok(await page.isHidden('#verdict'));
  assert.ok(await page.isHidden('#curve-optimizer'), 'an optimiser selector before any run');
  // The tutorial is one choice away.
  assert.ok((await page.$$eval('#experiment option', (os) => os.map((o) => o.value))).includes('tutorial'));
  assert.deepEqual(errors, []);
});

test('the sgd preset: a verdict with its numbers, curves without jumps, dots for validation, legends and ticks that fit', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&experiment=sgd&train=2000&test=500`, t);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await run(page);
  const summary = await page.evaluate(() => globalThis.wnTest.state.experiment.summary().map((r) => `${r.mean.toFixed(4)} ± ${r.sd.toFixed(4)}`));
  const verdict = await text(page, '#verdict');
  assert.match(verdict, /^Weight norm ahead of regular in [0-3] of 3 seeds: final validation accuracy 0\.\d{4} ± 0\.\d{4} against 0\.\d{4} ± 0\.\d{4} \(mean ± sd over 3 seeds\)\.$/);
  assert.ok(verdict.includes(`${summary[1]} against ${summary[0]}`), verdict);
  // The verdict comes first in Results, above the charts.
  const order = await page.evaluate(() => ['verdict', 'accuracy-chart'].map((id) => document.getElementById(id).getBoundingClientRect().top));
  assert.ok(order[0] < order[1]);

  // Training points are the mean over the steps since the previous report, recovered from the
  // running means the runs report: (m_b·b − m_a·a)/(b − a), averaged over the seeds.
  const curve = await page.evaluate(() => {
    const ex = globalThis.wnTest.state.experiment;
    const runs = ex.runsOf('regular', ex.jobs[0].setting);
    const plot = globalThis.wnTest.charts.plots.find((p) => p.variant === 'regular' && p.key === 'accuracy');
    const val = globalThis.wnTest.charts.plots.find((p) => p.variant === 'regular' && p.key === 'val_accuracy').sets[0];
    return { progress: runs.map((r) => r.progress.map((p) => [p.step, p.accuracy])), drawn: plot.sets[0].data.map((p) => p.y),
      validation: { showLine: val.showLine, radius: val.pointRadius } };
  });
  const windows = curve.progress.map((ps) => ps.map(([b, mb], i) => (i ? (mb * b - ps[i - 1][1] * ps[i - 1][0]) / (b - ps[i - 1][0]) : mb)));
  assert.equal(curve.drawn.length, windows[0].length);
  curve.drawn.forEach((y, i) => assert.ok(Math.abs(y - windows.reduce((s, w) => s + w[i], 0) / windows.length) < 1e-9, `point ${i}`));
  assert.deepEqual(curve.validation, { showLine: false, radius: 4 });
  assert.match(await text(page, '#curves-note'), /mean over the steps between points.*Validation: a dot per epoch/);

  assertReadable(await layout(page, ['accuracy-chart', 'loss-chart']));
  // The last epoch's dot sits inside the canvas, not cut by its edge.
  const dot = await page.evaluate(() => {
    const c = globalThis.wnTest.charts.accuracy;
    const i = c.data.datasets.findIndex((d) => d.label === 'weight norm val_accuracy');
    return { x: c.getDatasetMeta(i).data[0].x, right: c.width, clip: c.data.datasets[i].clip, area: c.chartArea.right };
  });
  assert.ok(dot.x + 4 <= dot.right && dot.x + 4 <= dot.area + dot.clip, JSON.stringify(dot));

  // The step-0 table and its heading, the small multiples' legend, logs as tall as their lines.
  assert.ok(await page.isVisible('#init-heading'));
  assert.deepEqual(await page.$$eval('#dynamics-legend li', (lis) => lis.map((l) => l.textContent)), ['regular', 'weight norm']);
  const logs = await page.$$eval('#models .log', (ls) => ls.map((l) => {
    const range = document.createRange();
    range.selectNodeContents(l);
    const style = getComputedStyle(l);
    return { client: l.clientHeight, scroll: l.scrollHeight, content: range.getBoundingClientRect().height,
      padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom), line: parseFloat(style.lineHeight) || 16 };
  }));
  for (const l of logs) assert.ok(l.scroll <= l.client + 1 && l.client <= l.content + l.padding + l.line, `a log box of ${l.client} px for ${l.content} px of text`);

  // A phone's width: the summary's rows stay on one line, min–max in view without scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await drawn(page);
  const table = await page.evaluate(() => {
    const wrap = document.getElementById('summary').parentElement;
    // The time per step gives way on a phone (style.css); the rest is shown.
    const all = [...document.querySelectorAll('#summary tbody td')];
    const cells = all.filter((c) => c.getClientRects().length);
    const lineHeight = parseFloat(getComputedStyle(cells[0]).lineHeight) || 20;
    return { scroll: wrap.scrollWidth, client: wrap.clientWidth, tall: cells.filter((c) => c.getClientRects()[0].height > 2 * lineHeight).map((c) => c.textContent),
      hidden: all.filter((c) => !c.getClientRects().length).map((c) => c.className) };
  });
  assert.ok(table.scroll <= table.client, `the summary scrolls: ${table.scroll} > ${table.client} px`);
  assert.ok(table.hidden.length > 0 && table.hidden.every((c) => c === 'cost'), `hidden at 390 px: ${table.hidden}`);
  assert.deepEqual(table.tall, []);
  assertReadable(await layout(page, ['accuracy-chart']));
  assert.deepEqual(errors, []);
});

test('a learning-rate sweep: an optimiser at a time, colour by rate, a legend that fits, ticks at the rates, why a seed is left out', async (t) => {
  // sgd at lr 50 diverges at once: its seed is not counted, and the page says why.
  const { page, errors } = await openPage(browser,
    `${server.url}?hooks&experiment=lr-sweep&sweeps=adam:3e-4,1e-3,3e-3,1e-2,3e-2;sgd:0.01,50&seeds=1&train=1000&test=200`, t);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await run(page);
  assert.ok(await page.isVisible('#curve-optimizer'));
  assert.deepEqual(await page.$$eval('#curve-optimizer option', (os) => os.map((o) => o.value)), ['adam', 'sgd']);
  const legend = () => page.evaluate(() => globalThis.wnTest.charts.accuracy.legend.legendItems.map((i) => i.text));
  assert.deepEqual(await legend(), ['lr 0.0003', 'lr 0.001', 'lr 0.003', 'lr 0.01', 'lr 0.03', 'regular', 'weight norm', 'validation']);
  const colours = await page.evaluate(() => {
    const sets = globalThis.wnTest.charts.accuracy.data.datasets.filter((d) => d.$kind === 'training' && !d.band && !d.raw);
    return sets.map((d) => [d.$setting, d.$variant, d.borderColor, d.borderDash.length > 0]);
  });
  assert.equal(colours.length, 10);
  assert.equal(new Set(colours.map(([, , c]) => c)).size, 5, 'one colour per learning rate');
  assert.ok(colours.every(([, v, , dashed]) => dashed === (v === 'regular')), 'line style by model');
  assertReadable(await layout(page, ['accuracy-chart', 'loss-chart', 'sweep-chart']));
  // The sweep's x ticks are the swept rates, nothing in between.
  const [sweep] = await layout(page, ['sweep-chart']);
  assert.deepEqual(sweep.ticks.x.map((tk) => tk.label), ['3e-4', '0.001', '0.003', '0.01', '0.03', '50']);

  // The selector shows sgd's rates; a legend entry hides its series.
  await page.selectOption('#curve-optimizer', 'sgd');
  await drawn(page);
  assert.deepEqual(await legend(), ['lr 0.01', 'lr 50', 'regular', 'weight norm', 'validation']);
  await page.evaluate(() => {
    const c = globalThis.wnTest.charts.accuracy;
    c.options.plugins.legend.onClick(null, c.legend.legendItems[2], c.legend);
  });
  const hidden = await page.evaluate(() => globalThis.wnTest.charts.loss.data.datasets.filter((d) => d.hidden).map((d) => d.$variant));
  assert.ok(hidden.length > 0 && hidden.every((v) => v === 'regular'), 'the legend hides regular on both charts');

  // Why a seed is not counted, in the table and in the k-of-N line.
  const diverged = await page.evaluate(() => globalThis.wnTest.state.experiment.runs.filter((r) => r.job.lr === 50 && !r.epochs.length).map((r) => r.job.model));
  assert.ok(diverged.length > 0, 'sgd at lr 50 did not diverge');
  assert.match(await text(page, '#summary'), /0 of 1 \(seed 1 diverged\)/);
  assert.match(await text(page, '#verdict'), /no seed counted for .*at lr 50: seed 1 diverged/);
  assert.deepEqual(errors, []);
});

test('earlier, longer runs do not squash the x axis of the current one', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}?hooks&epochs=3&train=640&test=100&models=regular`, t);
  await run(page);
  await page.fill('#epochs', '1');
  await run(page);
  const x = await page.evaluate(() => ({ max: globalThis.wnTest.charts.accuracy.scales.x.max, ghosts: globalThis.wnTest.charts.ghosts.length }));
  assert.deepEqual(x, { max: 1, ghosts: 1 });
  assert.deepEqual(errors, []);
});
