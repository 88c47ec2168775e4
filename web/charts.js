// Chart.js views of an experiment: the tutorial's accuracy plot (red = regular, blue = weight
// norm) with validation accuracy beside it, and a loss chart. With several seeds each variant is
// drawn as its mean over the seeds with a min–max band. The view can change its x axis (epochs,
// training steps or seconds of training), smooth the training curves (an EMA, the raw mean
// faint behind), and keep earlier experiments as faded "ghost" curves until they are cleared.
import { decimate, settings, variantLabel } from './experiment.js';
import { FrameDraw, changed, setText } from './frames.js';

const COLORS = { regular: '#d62728', 'weightnorm/tfa': '#1f77b4', 'weightnorm/paper': '#2ca02c',
  'weightnorm/none': '#9467bd', 'wn-mobn/tfa': '#ff7f0e', 'wn-mobn/paper': '#8c564b', 'wn-mobn/none': '#e377c2' };
const FALLBACK = ['#17becf', '#bcbd22', '#7f7f7f'];

export function colorOf(variant, i = 0) { return COLORS[variant] ?? FALLBACK[i % FALLBACK.length]; }

function translucent(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const themeVar = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

// Text and grid colours follow the page's light or dark theme (style.css).
export function themeCharts() {
  globalThis.Chart.defaults.color = themeVar('--muted', '#5a5e63');
  globalThis.Chart.defaults.borderColor = themeVar('--line', '#c9ccd1');
}

// When the system switches between light and dark, every chart on the page follows at once. A
// chart copies the default colours into its scales when it is made, so they are set there too
// (plugins' text still reads the defaults).
function followTheme() {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    themeCharts();
    const { color, borderColor } = globalThis.Chart.defaults;
    for (const chart of Object.values(globalThis.Chart.instances)) {
      for (const s of Object.values(chart.options.scales ?? {})) {
        s.ticks.color = s.title.color = color;
        s.grid.color = s.border.color = borderColor;
      }
      chart.update('none');
    }
  });
}

// The tooltip lists every series at the hovered x. Chart.js' own 'index' mode pairs points by
// their position in the data, which is only the same x when all series share a cadence; here
// training curves have a point every 25 steps and validation one per epoch, so this mode takes
// each series' point nearest to the pointer's x instead (sorted data: a binary search).
function atX(chart, e) {
  const { x: px } = globalThis.Chart.helpers.getRelativePosition(e, chart);
  const area = chart.chartArea;
  if (px < area.left || px > area.right) return [];
  const value = chart.scales.x.getValueForPixel(px);
  const items = [];
  for (const meta of chart.getSortedVisibleDatasetMetas()) {
    const data = chart.data.datasets[meta.index].data;
    if (!data.length) continue;
    let lo = 0, hi = data.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (data[mid].x < value) lo = mid + 1; else hi = mid; }
    if (lo > 0 && value - data[lo - 1].x < data[lo].x - value) lo--;
    // A series that ended well before the pointer (a run still training) has nothing there.
    const spacing = data.length > 1 ? (data.at(-1).x - data[0].x) / (data.length - 1) : Infinity;
    if (Math.abs(data[lo].x - value) > spacing) continue;
    const element = meta.data[lo];
    if (element && !element.skip) items.push({ element, datasetIndex: meta.index, index: lo });
  }
  return items;
}

const hidden = (dataset) => dataset.band || dataset.raw;
// Numbers in tooltips and tables: four significant digits, whole above 100.
const shortNumber = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(4)).toString());

// What the x axis counts: per progress point p of run r, and per epoch index k of run r.
const stepsOf = (r) => r.progress[0]?.steps ?? r.last?.steps ?? 0;
const secondsBefore = (r, epochs) => r.epochs.slice(0, epochs).reduce((s, e) => s + e.seconds, 0);
const X_AXES = {
  epochs: { title: 'epoch', progress: (r, p) => p.epoch - 1 + p.step / p.steps, epoch: (r, k) => k + 1 },
  steps: { title: 'training step', progress: (r, p) => (p.epoch - 1) * p.steps + p.step, epoch: (r, k) => (k + 1) * stepsOf(r) },
  seconds: { title: 'seconds of training (busy time, with validation)', progress: (r, p) => secondsBefore(r, p.epoch - 1) + p.seconds,
    epoch: (r, k) => secondsBefore(r, k + 1) },
};

// An exponential moving average with TensorBoard's debiasing (the first points are not pulled
// towards 0); s = 0 leaves the values as they are.
function ema(values, s) {
  let last = 0;
  return values.map((v, i) => { last = last * s + (1 - s) * v; return s ? last / (1 - s ** (i + 1)) : v; });
}

function lineChart(canvas, title, yTitle, yRange = {}) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'atX', intersect: false },
      plugins: {
        title: { display: true, text: title },
        // The bands and the raw curve behind a smoothed one are drawn but neither listed nor read out.
        legend: { position: 'bottom', labels: { filter: (item, data) => !hidden(data.datasets[item.datasetIndex]) } },
        tooltip: { filter: (item) => !hidden(item.dataset),
          callbacks: { title: (items) => items.length ? `${items[0].chart.options.scales.x.title.text} ${shortNumber(items[0].parsed.x)}` : '' } },
      },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' } },
        y: { title: { display: true, text: yTitle }, ...yRange },
      },
    },
  });
}

// Datasets of one series: the mean line, for training curves the raw mean behind it, and below
// them the band's lower edge filled up to the upper.
function series(label, color, validation) {
  const line = { label, data: [], borderColor: color, backgroundColor: color, borderDash: validation ? [6, 4] : [],
    pointStyle: validation ? 'circle' : false, pointRadius: validation ? 3 : 0, borderWidth: 2, tension: 0 };
  const edge = { data: [], band: true, borderWidth: 0, pointRadius: 0, pointStyle: false, backgroundColor: translucent(color, 0.15) };
  const raw = validation ? [] : [{ label: `${label} (raw)`, data: [], raw: true, borderColor: translucent(color, 0.25), borderWidth: 1,
    pointRadius: 0, pointStyle: false, tension: 0 }];
  return [line, ...raw, { ...edge, label: `${label} max` }, { ...edge, label: `${label} min`, fill: '-1' }];
}

// One faded line of an earlier experiment.
function ghost(label, color, validation) {
  return { label, data: [], ghost: true, borderColor: translucent(color, 0.4), backgroundColor: translucent(color, 0.4),
    borderDash: validation ? [6, 4] : [], borderWidth: 1.5, pointRadius: validation ? 2 : 0, pointStyle: validation ? 'circle' : false, tension: 0 };
}

// The plots of an experiment: per (variant, setting) and metric, its training and validation series.
function plotsOf(experiment, charts, make) {
  const plots = [];
  const all = settings(experiment.spec);
  experiment.variants().forEach((v, i) => {
    for (const s of all) {
      const name = variantLabel(v.model, v.wnInit) + (all.length > 1 ? ` ${s.key}` : '');
      const color = colorOf(v.variant, i);
      for (const [chart, key, val] of charts) {
        plots.push({ chart, experiment, variant: v.variant, setting: s.key, key, from: 'progress', sets: make(`${name} ${key}`, color, false) });
        plots.push({ chart, experiment, variant: v.variant, setting: s.key, key: val, from: 'epoch', sets: make(`${name} ${val}`, color, true) });
      }
    }
  });
  return plots;
}

export class Charts {
  // options.ghosts: an experiment replaced by a new one stays on the charts, faded.
  constructor(accuracyCanvas, lossCanvas, { ghosts = false } = {}) {
    themeCharts();
    globalThis.Chart.Interaction.modes.atX ??= atX;
    if (!Charts.themed) { followTheme(); Charts.themed = true; }
    this.accuracy = lineChart(accuracyCanvas, 'Accuracy (training: solid, validation: dashed)', 'accuracy', { min: 0, suggestedMax: 0.7 });
    this.loss = lossCanvas ? lineChart(lossCanvas, 'Loss', 'categorical cross-entropy') : null;
    this.keepGhosts = ghosts;
    this.ghosts = [];       // earlier experiments, oldest first
    this.view = { x: 'epochs', smoothing: 0 };
    this.experiment = null;
    // At most four draws a second: each run reports every few hundred milliseconds.
    this.frame = new FrameDraw(() => this.draw(), 250);
  }

  charts() { return [this.accuracy, this.loss].filter(Boolean); }

  metrics() {
    return [[this.accuracy, 'accuracy', 'val_accuracy'], [this.loss, 'loss', 'val_loss']].filter(([c]) => c);
  }

  // One series per (variant, setting) and metric; the earlier experiments' means as ghosts.
  reset(experiment) {
    const before = this.experiment;
    if (this.keepGhosts && before?.runs.some((r) => r.progress.length)) this.ghosts.push(before);
    this.experiment = experiment;
    this.plots = plotsOf(experiment, this.metrics(), series);
    this.layout();
  }

  clearGhosts() {
    this.ghosts = [];
    this.layout();
  }

  layout() {
    this.ghostPlots = this.ghosts.flatMap((ex, k) => plotsOf(ex, this.metrics(),
      (label, color, validation) => [ghost(`${label} (earlier #${k + 1})`, color, validation)]));
    for (const c of this.charts()) c.data.datasets = [...this.ghostPlots, ...this.plots].filter((p) => p.chart === c).flatMap((p) => p.sets);
    this.setView({});
  }

  // view: {x: 'epochs' | 'steps' | 'seconds', smoothing: 0 … <1}.
  setView(view) {
    Object.assign(this.view, view);
    const axis = X_AXES[this.view.x];
    const epochs = Math.max(...[this.experiment, ...this.ghosts].filter(Boolean).map((ex) => ex.spec.epochs));
    for (const c of this.charts()) {
      c.options.scales.x.title.text = axis.title;
      c.options.scales.x.max = this.view.x === 'epochs' ? epochs : undefined;
    }
    this.redraw();
  }

  // A plot's bands with x in the view's unit: band i takes its x from the first run that has a
  // point i (as experiment.js does for epochs).
  bands(p) {
    const ex = p.experiment, axis = X_AXES[this.view.x];
    const runs = ex.runsOf(p.variant, p.setting);
    if (p.from === 'epoch') {
      return ex.epochBands(p.variant, p.setting, p.key).map((b, k) => ({ ...b, x: axis.epoch(runs.find((r) => r.epochs.length > k), k) }));
    }
    return ex.progressBands(p.variant, p.setting, p.key).map((b, i) => {
      const r = runs.find((q) => q.progress.length > i);
      return { ...b, x: axis.progress(r, r.progress[i]) };
    });
  }

  // Recomputes the curves from the experiment (FrameDraw says when).
  redraw() {
    if (this.experiment) this.frame.request();
  }

  draw() {
    for (const p of [...this.ghostPlots, ...this.plots]) this.fill(p);
    for (const c of this.charts()) {
      c.update('none');
      const table = document.getElementById(`${c.canvas.id}-data`);
      if (table) describeCharts(table, [{ name: c.options.plugins.title.text, chart: c }]);
    }
    this.drawn = (this.drawn ?? 0) + 1;
  }

  fill(p) {
    const bands = decimate(this.bands(p));
    const s = p.from === 'progress' ? this.view.smoothing : 0;
    const xs = bands.map((b) => b.x);
    const points = (ys) => ema(ys, s).map((y, i) => ({ x: xs[i], y }));
    const [line, ...rest] = p.sets;
    line.data = points(bands.map((b) => b.mean));
    const raw = rest.find((d) => d.raw), [max, min] = rest.filter((d) => d.band);
    if (raw) raw.data = s ? bands.map((b) => ({ x: b.x, y: b.mean })) : [];
    if (!max) return;
    const spread = bands.some((b) => b.n > 1);
    max.data = spread ? points(bands.map((b) => b.max)) : [];
    min.data = spread ? points(bands.map((b) => b.min)) : [];
  }

  // Points drawn in the mean line of (variant, key): for the browser tests.
  points(variant, key) {
    const p = this.plots?.find((q) => q.variant === variant && q.key === key);
    return p ? p.sets[0].data.length : 0;
  }

  png(chart = this.accuracy) { return pngOf(chart.canvas); }
}

// A chart's canvas is transparent; an exported image gets the panel's background beneath it.
function withBackground(width, height, draw) {
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  ctx.fillStyle = themeVar('--panel', '#fff');
  ctx.fillRect(0, 0, width, height);
  draw(ctx);
  return out.toDataURL('image/png');
}

export function pngOf(canvas) { return withBackground(canvas.width, canvas.height, (ctx) => ctx.drawImage(canvas, 0, 0)); }

// Small multiples as one image, in their grid's order, `columns` to a row.
export function gridPng(canvases, columns) {
  const w = Math.max(...canvases.map((c) => c.width)), h = Math.max(...canvases.map((c) => c.height));
  return withBackground(w * columns, h * Math.ceil(canvases.length / columns), (ctx) =>
    canvases.forEach((c, i) => ctx.drawImage(c, (i % columns) * w, Math.floor(i / columns) * h)));
}

// A chart's text alternative: per listed series its last point (and the seeds' min–max there).
// charts: [{name, chart}]; xTitle: what x counts, where the charts do not say.
export function describeCharts(table, charts, xTitle = charts[0]?.chart.options.scales.x.title.text || 'x') {
  const rows = [];
  for (const { name, chart } of charts) {
    const sets = chart.data.datasets;
    for (const d of sets) {
      if (hidden(d) || !d.data.length) continue;
      const last = d.data.at(-1);
      const edge = (suffix) => sets.find((e) => e.band && e.label === `${d.label} ${suffix}`)?.data.at(-1)?.y;
      const [max, min] = [edge('max'), edge('min')];
      rows.push([name, d.label, shortNumber(last.x), shortNumber(last.y), max != null ? `${shortNumber(min)}–${shortNumber(max)}` : '']);
    }
  }
  // The same series as before: only the numbers change, in place (this runs with every redraw).
  if (!changed(table, JSON.stringify([xTitle, rows.map((r) => r.slice(0, 2))]))) {
    [...table.tBodies[0].rows].forEach((tr, i) => rows[i].forEach((v, j) => setText(tr.cells[j], v)));
    return;
  }
  table.innerHTML = `<caption>Last value of every series</caption><thead><tr><th scope="col">chart</th><th scope="col">series</th>
    <th scope="col">${xTitle}</th><th scope="col">value</th><th scope="col">seeds' min–max</th></tr></thead>`;
  const body = document.createElement('tbody');
  for (const row of rows) {
    const tr = body.insertRow();
    for (const v of row) tr.insertCell().textContent = v;
  }
  table.append(body);
}
