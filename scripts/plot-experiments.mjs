#!/usr/bin/env node
// The plots and tables of docs/experiments.md, from wn-train's own output:
//   for e in sgd high-lr breaking init mobn lr-sweep vs-bn deep; do
//     build/wn-train --experiment $e --seeds 1-5 --json DIR/$e.json --diagnostics DIR/$e.jsonl
//   done
//   node scripts/plot-experiments.mjs DIR [OUT]     (OUT defaults to docs/experiments)
// For each NAME.json in DIR: OUT/NAME.png (final validation accuracy per seed with mean and
// min–max, or against the learning rate for a sweep; then the charts VIEWS picks), and a markdown
// table on stdout. Drawn with Chart.js in headless Chromium.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/e2e/helpers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const [dir, out = join(root, 'docs/experiments')] = process.argv.slice(2);
if (!dir || !existsSync(dir)) {
  console.error('usage: node scripts/plot-experiments.mjs DIR [OUT]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const COLORS = { regular: '#d62728', batchnorm: '#17becf', 'weightnorm/tfa': '#1f77b4', 'weightnorm/paper': '#2ca02c',
  'weightnorm/none': '#9467bd', 'wn-mobn/tfa': '#ff7f0e', 'wn-mobn/paper': '#8c564b', 'wn-mobn/none': '#e377c2' };
const PLAIN = ['regular', 'batchnorm'];  // models without weight norm: the init does not apply
const variant = (r) => (PLAIN.includes(r.model) ? r.model : `${r.model}/${r.wn_init}`);
const label = (r) => (PLAIN.includes(r.model) ? r.model : r.wn_init === 'tfa' ? r.model : `${r.model} (${r.wn_init})`);
// What the second and third charts show: one LeNet layer's dynamics (the default); the validation
// curves against epochs and against seconds (vs-bn: batch norm's progress per update, and its
// cost); or every layer at step 0 and how far each moved (deep: why the plain net stalls).
const VIEWS = { 'vs-bn': 'curves', deep: 'depth' };
const setting = (r) => `${r.optimizer} ${r.learning_rate ?? r.lr}`;
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const LAYER = 2;  // the first Dense layer (400 → 120): most of the weights

// The cells of a history file: variant × setting × batch size, with each seed's final val_accuracy,
// and for a batch-size grid each seed's epochs (batch norm's with val_accuracy_batch_stats).
function cells(history) {
  const map = new Map();
  for (const r of history.runs) {
    const batch = r.batch_size ?? history.options.batch_size;
    const key = `${variant(r)}|${setting(r)}|${batch}`;
    if (!map.has(key)) map.set(key, { variant: variant(r), label: label(r), optimizer: r.optimizer, lr: r.learning_rate, batch, finals: [], epochs: [],
      ms: [], stopped: 0 });
    const c = map.get(key);
    if (r.history.length) c.finals.push(r.history.at(-1).val_accuracy), c.epochs.push(r.history);
    c.ms.push(r.ms_per_step);
    if (r.stopped) c.stopped++;
  }
  return [...map.values()];
}

// One layer's diagnostics over training, averaged over the seeds, per variant and setting.
function dynamics(lines, steps) {
  const series = new Map();
  for (const d of lines) {
    const key = `${variant(d)}|${setting(d)}`;
    if (!series.has(key)) series.set(key, { variant: variant(d), label: label(d), setting: setting(d), points: new Map() });
    const l = d.layers[LAYER];
    const x = d.epoch - 1 + d.step / steps;
    const p = series.get(key).points.get(x) ?? { norm: [], move: [] };
    p.norm.push(l.v_norm ?? l.w_norm);
    if ((l.angle ?? l.update_ratio) != null) p.move.push(l.angle ?? l.update_ratio);
    series.get(key).points.set(x, p);
  }
  return [...series.values()].map((s) => ({ ...s, points: [...s.points].sort((a, b) => a[0] - b[0])
    .map(([x, p]) => ({ x, norm: mean(p.norm), move: p.move.length ? mean(p.move) : null })) }));
}

// Per cell, the mean over seeds of each epoch's val_accuracy and of the busy seconds up to its end.
function curves(cs) {
  return cs.map((c) => {
    const n = Math.min(...c.epochs.map((h) => h.length));
    const at = (k, f) => mean(c.epochs.map(f(k)));
    return { variant: c.variant, label: c.label, points: Array.from({ length: n }, (_, k) => ({
      epoch: k + 1, val: at(k, (k) => (h) => h[k].val_accuracy),
      seconds: at(k, (k) => (h) => h.slice(0, k + 1).reduce((a, e) => a + e.seconds, 0)) })) };
  });
}

// Per variant and layer, over the seeds: the pre-activation std at step 0 (after the data init),
// and the mean movement per record after it (the angle of v, or ‖Δw‖/‖w‖).
function depth(lines) {
  const series = new Map();
  for (const d of lines) {
    const key = variant(d);
    if (!series.has(key)) series.set(key, { variant: key, label: label(d), layers: [] });
    d.layers.forEach((l, i) => {
      const slot = (series.get(key).layers[i] ??= { std: [], move: [] });
      if (d.step === 0 && l.preact_std != null) slot.std.push(l.preact_std);
      if ((l.angle ?? l.update_ratio) != null) slot.move.push(l.angle ?? l.update_ratio);
    });
  }
  return [...series.values()].map((s) => ({ ...s, layers: s.layers.map((l) => ({
    std: l.std.length ? mean(l.std) : null, move: l.move.length ? mean(l.move) : null })) }));
}

function table(name, history, cs) {
  const o = history.options;
  const batches = Array.isArray(o.batch_size);
  const rows = cs.map((c) => `| ${c.label} | ${c.optimizer} | ${c.lr} |${batches ? ` ${c.batch} |` : ''} ${c.finals.length}${c.stopped ? ` (${c.stopped} diverged)` : ''} | ` +
    (c.finals.length ? `${mean(c.finals).toFixed(3)} ± ${Math.sqrt(c.finals.reduce((a, x) => a + (x - mean(c.finals)) ** 2, 0) / Math.max(1, c.finals.length - 1)).toFixed(3)} | ` +
      `${Math.min(...c.finals).toFixed(3)}–${Math.max(...c.finals).toFixed(3)} |` : '– | – |') + ` ${mean(c.ms).toFixed(1)} |`);
  return `### ${name}\n\n\`wn-train --experiment ${name} --seeds 1-5\` (${o.train_samples} training / ${o.test_samples} test images, ` +
    `${o.epochs} epoch(s), batch ${batches ? o.batch_size.join(', ') : o.batch_size})\n\n| model | optimiser | lr |${batches ? ' batch |' : ''} seeds | ` +
    `final val_accuracy, mean ± sd | min–max | ms per step |\n|---|---|---|${batches ? '---|' : ''}---|---|---|---|\n${rows.join('\n')}\n`;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1500, height: 460 }, deviceScaleFactor: 1 });
await page.setContent('<!doctype html><body style="margin:0;background:#fff;font-family:system-ui">' +
  '<div style="display:grid;grid-template-columns:1.2fr 1fr 1fr;gap:12px;padding:10px;height:440px">' +
  '<div style="position:relative"><canvas id="a"></canvas></div><div style="position:relative"><canvas id="b"></canvas></div>' +
  '<div style="position:relative"><canvas id="c"></canvas></div></div></body>');
await page.addScriptTag({ path: join(root, 'node_modules/chart.js/dist/chart.umd.js') });

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const name = file.slice(0, -5);
  const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const steps = Math.ceil(history.options.train_samples / [history.options.batch_size].flat()[0]);
  const jsonl = join(dir, `${name}.jsonl`);
  const lines = existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const cs = cells(history);
  process.stdout.write(table(name, history, cs) + '\n');
  await page.evaluate(({ name, cs, dyn, colors, sweep, batched, layer, view, extra }) => {
    // A sweep's dynamics: plain SGD where weight norm helps (0.01) and where it falls behind (0.1).
    const SHOWN = ['sgd 0.01', 'sgd 0.1'];
    for (const id of ['a', 'b', 'c']) globalThis.Chart.getChart(id)?.destroy();
    const whiskers = {
      id: 'whiskers',
      afterDatasetsDraw(chart) {
        const { ctx, scales: { x, y } } = chart;
        for (const d of chart.data.datasets) {
          if (!d.whiskers) continue;
          ctx.save();
          ctx.strokeStyle = d.borderColor;
          d.whiskers.forEach((w, k) => {
            const px = x.getPixelForValue(d.data[k].x);
            ctx.beginPath();
            ctx.moveTo(px, y.getPixelForValue(w.min));
            ctx.lineTo(px, y.getPixelForValue(w.max));
            ctx.stroke();
          });
          ctx.restore();
        }
      },
    };
    const base = (title, xTitle, yTitle) => ({ animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: { x: { title: { display: true, text: xTitle } }, y: { title: { display: true, text: yTitle } } } });
    const color = (v) => colors[v] ?? '#7f7f7f';
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
    if (batched) {
      // A batch-size grid: final val_accuracy against the batch size per model (batch norm also with
      // batch statistics, dashed), batch norm's per-epoch warm-up at each batch size, and the final
      // training accuracy against the batch size.
      const variants = [...new Set(cs.map((c) => c.variant))];
      const batchAxis = (options) => {
        const sizes = [...new Set(cs.map((c) => c.batch))].sort((p, q) => p - q);
        options.scales.x = { type: 'logarithmic', title: { display: true, text: 'batch size (log scale)' }, min: sizes[0] / 1.3, max: sizes.at(-1) * 1.3,
          afterBuildTicks: (axis) => { axis.ticks = sizes.map((value) => ({ value })); },
          ticks: { autoSkip: false, maxRotation: 0, callback: (v) => String(v) } };
        options.scales.y.min = 0;
        return options;
      };
      const byBatch = (v, value) => cs.filter((c) => c.variant === v && c.finals.length).sort((p, q) => p.batch - q.batch)
        .map((c) => ({ c, vs: c.epochs.map((h) => value(h.at(-1))).filter((x) => x != null) })).filter(({ vs }) => vs.length);
      const line = (lbl, v, points, dash = []) => ({ label: lbl, borderColor: color(v), backgroundColor: color(v), borderDash: dash, pointRadius: 4,
        data: points.map(({ c, vs }) => ({ x: c.batch, y: mean(vs) })), whiskers: points.map(({ vs }) => ({ min: Math.min(...vs), max: Math.max(...vs) })) });
      const labelOf = (v) => cs.find((c) => c.variant === v).label;
      new globalThis.Chart('a', { type: 'line', plugins: [whiskers], options: batchAxis(base(`${name}: final val_accuracy (mean, min–max over seeds)`, '', 'val_accuracy')),
        data: { datasets: variants.flatMap((v) => [line(labelOf(v), v, byBatch(v, (e) => e.val_accuracy)),
          ...(byBatch(v, (e) => e.val_accuracy_batch_stats).length ? [line(`${labelOf(v)}, batch statistics`, v, byBatch(v, (e) => e.val_accuracy_batch_stats), [6, 4])] : [])]) } });
      new globalThis.Chart('c', { type: 'line', plugins: [whiskers], options: batchAxis(base(`${name}: final training accuracy (batch statistics)`, '', 'accuracy')),
        data: { datasets: variants.map((v) => line(labelOf(v), v, byBatch(v, (e) => e.accuracy))) } });
      const shades = ['#08306b', '#2171b5', '#6baed6', '#c6dbef'];
      const bn = cs.filter((c) => c.epochs.some((h) => h.some((e) => e.val_accuracy_batch_stats != null))).sort((p, q) => q.batch - p.batch);
      const perEpoch = (c, key) => c.epochs[0].map((_, k) => ({ x: k + 1, y: mean(c.epochs.filter((h) => h.length > k).map((h) => h[k][key])) }));
      const options = base(`${name}: batch norm per epoch (solid: moving averages, dashed: batch statistics)`, 'epoch', 'val_accuracy');
      options.scales.x = { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { stepSize: 1 } };
      options.scales.y.min = 0;
      new globalThis.Chart('b', { type: 'line', options, data: { datasets: bn.flatMap((c, i) => [
        { label: `batch ${c.batch}`, borderColor: shades[i % 4], backgroundColor: shades[i % 4], pointRadius: 3, data: perEpoch(c, 'val_accuracy') },
        { label: `batch ${c.batch}, batch statistics`, borderColor: shades[i % 4], backgroundColor: shades[i % 4], borderDash: [6, 4], pointRadius: 3,
          data: perEpoch(c, 'val_accuracy_batch_stats') }]) } });
      return;
    }
    if (sweep) {
      const groups = new Map();
      for (const c of cs) {
        const key = `${c.label}, ${c.optimizer}`;
        if (!groups.has(key)) groups.set(key, { label: key, color: color(c.variant), dash: c.optimizer === 'sgd', cells: [] });
        groups.get(key).cells.push(c);
      }
      const options = base(`${name}: final val_accuracy (mean, min–max over seeds)`, 'learning rate', 'val_accuracy');
      options.scales.x.type = 'logarithmic';
      options.scales.y.min = 0;
      new globalThis.Chart('a', { type: 'line', plugins: [whiskers], options, data: { datasets: [...groups.values()].map((g) => {
        const ok = g.cells.filter((c) => c.finals.length).sort((p, q) => p.lr - q.lr);
        return { label: g.label, borderColor: g.color, backgroundColor: g.color, borderDash: g.dash ? [6, 4] : [], pointRadius: 4,
          data: ok.map((c) => ({ x: c.lr, y: mean(c.finals) })), whiskers: ok.map((c) => ({ min: Math.min(...c.finals), max: Math.max(...c.finals) })) };
      }) } });
    } else {
      const options = base(`${name}: final val_accuracy per seed (bar: mean, line: min–max)`, '', 'val_accuracy');
      options.scales.x = { type: 'linear', min: -0.5, max: cs.length - 0.5, ticks: { callback: (v) => cs[v]?.label ?? '' },
        afterBuildTicks: (axis) => { axis.ticks = cs.map((_, i) => ({ value: i })); } };
      options.scales.y.min = 0;
      options.plugins.legend.display = false;
      new globalThis.Chart('a', { type: 'scatter', plugins: [whiskers], options, data: { datasets: cs.flatMap((c, i) => [
        { label: `${c.label} seeds`, data: c.finals.map((f, k) => ({ x: i + (k - (c.finals.length - 1) / 2) * 0.06, y: f })),
          backgroundColor: color(c.variant), borderColor: color(c.variant), pointRadius: 4 },
        { label: `${c.label} mean`, data: c.finals.length ? [{ x: i, y: mean(c.finals) }] : [], pointStyle: 'line', pointRadius: 22,
          borderWidth: 3, borderColor: color(c.variant), whiskers: c.finals.length ? [{ min: Math.min(...c.finals), max: Math.max(...c.finals) }] : [] },
      ]) } });
    }
    const line = (s, data) => ({ label: s.label, borderColor: color(s.variant), backgroundColor: color(s.variant), pointRadius: 3, borderWidth: 1.5, data });
    if (view === 'curves') {
      for (const [id, key, title] of [['b', 'epoch', 'val_accuracy against epochs (mean over seeds)'],
        ['c', 'seconds', 'val_accuracy against busy seconds (mean over seeds)']]) {
        const options = base(title, key === 'epoch' ? 'epoch' : 'seconds', 'val_accuracy');
        options.scales.x.type = 'linear';
        if (key === 'epoch') options.scales.x.ticks = { stepSize: 1 };
        new globalThis.Chart(id, { type: 'line', options, data: { datasets: extra.map((s) => line(s, s.points.map((p) => ({ x: p[key], y: p.val })))) } });
      }
      return;
    }
    if (view === 'depth') {
      for (const [id, key, title] of [['b', 'std', 'step 0: pre-activation std per layer (after the data init)'],
        ['c', 'move', 'movement per 25 steps, per layer (angle of v, or ‖Δw‖/‖w‖)']]) {
        const options = base(title, 'layer', key === 'std' ? 'std' : 'radians / ratio');
        options.scales.x.type = 'linear';
        options.scales.x.ticks = { stepSize: 1 };
        options.scales.y.type = 'logarithmic';
        new globalThis.Chart(id, { type: 'line', options, data: { datasets: extra.map((s) => line(s,
          s.layers.map((l, i) => ({ x: i + 1, y: l[key] })).filter((p) => p.y != null && p.y > 0))) } });
      }
      return;
    }
    for (const [id, key, title] of [['b', 'norm', `layer ${layer + 1}: ‖v‖ (weight norm) or ‖w‖, per channel`],
      ['c', 'move', `layer ${layer + 1}: movement per 25 steps (angle of v, or ‖Δw‖/‖w‖)`]]) {
      const options = base(title, 'epoch', key === 'norm' ? 'mean column norm' : 'radians / ratio');
      options.scales.x.type = 'linear';
      options.scales.y.type = 'logarithmic';
      new globalThis.Chart(id, { type: 'line', options, data: { datasets: dyn.filter((s) => !sweep || SHOWN.includes(s.setting)).map((s) => ({
        label: s.label + (sweep ? `, ${s.setting}` : ''), borderColor: color(s.variant), backgroundColor: color(s.variant), pointRadius: 0, borderWidth: 1.5,
        data: s.points.filter((p) => p[key] != null && p[key] > 0).map((p) => ({ x: p.x, y: p[key] })) })) } });
    }
  }, { name, cs, colors: COLORS, sweep: cs.length > new Set(cs.map((c) => c.variant)).size, batched: Array.isArray(history.options.batch_size),
    layer: LAYER, view: VIEWS[name], dyn: VIEWS[name] ? [] : dynamics(lines, steps),
    extra: VIEWS[name] === 'curves' ? curves(cs) : VIEWS[name] === 'depth' ? depth(lines) : [] });
  await page.screenshot({ path: join(out, `${name}.png`) });
}
await browser.close();
