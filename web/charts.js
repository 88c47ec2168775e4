// Chart.js views of an experiment: the tutorial's accuracy plot (red = regular, blue = weight
// norm; training as lines, validation as a dot per epoch), and a loss chart. With several seeds each variant is
// drawn as its mean over the seeds with a min–max band. The view can change its x axis (epochs,
// training steps or seconds of training), smooth the training curves (an EMA, the raw mean
// faint behind), and keep earlier experiments as faded "ghost" curves until they are cleared.
import { bandsByX, decimate, settings, variantLabel } from './experiment.js';
import { FrameDraw, changed, setText } from './frames.js';

const COLORS = { regular: '#d62728', batchnorm: '#17becf', 'weightnorm/tfa': '#1f77b4', 'weightnorm/paper': '#2ca02c',
  'weightnorm/none': '#9467bd', 'wn-mobn/tfa': '#ff7f0e', 'wn-mobn/paper': '#8c564b', 'wn-mobn/none': '#e377c2' };
const FALLBACK = ['#bcbd22', '#7f7f7f'];

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

// Keras' running metric restarts at every epoch, so a curve of it jumps at each boundary. What the
// training curves draw instead is the mean over the steps since the previous report: from two
// running means of one epoch, m_a after step a and m_b after step b, (m_b·b − m_a·a)/(b − a). It is
// exact however far apart the kept reports are (experiment.js thins long runs).
export function windowMeans(progress, key) {
  return progress.map((p, i) => {
    const q = progress[i - 1];
    const v = q && q.epoch === p.epoch && q.step < p.step ? (p[key] * p.step - q[key] * q.step) / (p.step - q.step) : p[key];
    return { x: p.x, v };
  });
}

// Learning rates get colours (in the sweep's order) and models line styles when an experiment has
// several settings; with one setting a model keeps its colour (colorOf).
const LR_COLORS = ['#3b5bdb', '#0c8599', '#2f9e44', '#e8a400', '#e8590c', '#c2255c', '#862e9c', '#5c940d'];
const MODEL_DASH = { regular: [7, 4], weightnorm: [], 'wn-mobn': [2, 3] };
const MODEL_POINT = { regular: 'rect', weightnorm: 'circle', 'wn-mobn': 'triangle' };
const INIT_DASH = { tfa: [], paper: [10, 3, 2, 3], none: [1, 3] };
const dashOf = (v) => (v.model === 'regular' ? MODEL_DASH.regular : v.wnInit === 'tfa' ? MODEL_DASH[v.model] ?? [] : INIT_DASH[v.wnInit] ?? []);

// A legend's icon: a short line (dashed as the series is) or a dot, drawn on a small canvas that
// Chart.js' legend draws as the entry's point style.
function icon(color, { dash = [], dot = null, line = true } = {}) {
  const c = document.createElement('canvas');
  c.width = 26;
  c.height = 12;
  const ctx = c.getContext('2d');
  ctx.strokeStyle = ctx.fillStyle = color;
  if (line) {
    ctx.lineWidth = 2.5;
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(1, 6);
    ctx.lineTo(25, 6);
    ctx.stroke();
  }
  if (dot) {
    ctx.beginPath();
    if (dot === 'rect') ctx.rect(9, 2, 8, 8);
    else if (dot === 'triangle') { ctx.moveTo(13, 1); ctx.lineTo(18, 10); ctx.lineTo(8, 10); ctx.closePath(); }
    else ctx.arc(13, 6, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  return c;
}

// The legend: with one setting an entry per listed series, a line for training and a dot for
// validation; with several (chart.$groups), an entry per learning rate (colour), per model (line
// style) and one for the validation dots, each hiding or showing all the series it stands for.
function legendLabels(chart) {
  const ink = globalThis.Chart.defaults.color;
  if (chart.$groups) {
    return chart.$groups.map((g, i) => ({ text: g.text, pointStyle: g.icon(ink), hidden: g.hidden, group: i, fontColor: ink,
      lineWidth: 0, strokeStyle: 'transparent', fillStyle: 'transparent' }));
  }
  return seriesLabels(chart);
}

// Legend entries drawn as the series are: a line (dashed as it is), with its dot where it has dots.
export function seriesLabels(chart) {
  return globalThis.Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
    const d = chart.data.datasets[item.datasetIndex];
    return { ...item, pointStyle: icon(d.borderColor, { line: d.showLine !== false, dash: d.borderDash, dot: d.pointRadius > 0 ? d.pointStyle : null }) };
  });
}

// A legend whose entries look like the series (seriesLabels); icons are 26 px wide.
export const ICON_LABELS = { usePointStyle: true, pointStyleWidth: 26, boxHeight: 12 };

function legendClick(e, item, legend) {
  const chart = legend.chart;
  if (item.group == null) {
    chart.setDatasetVisibility(item.datasetIndex, !chart.isDatasetVisible(item.datasetIndex));
  } else {
    const g = chart.$groups[item.group];
    g.hidden = !g.hidden;
    chart.$onGroups?.();
  }
  chart.update('none');
}

function lineChart(canvas, title, yTitle, yRange = {}) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'atX', intersect: false },
      // Room for the last epoch's validation dot, which sits on the right edge.
      layout: { padding: { right: 8 } },
      plugins: {
        title: { display: true, text: title },
        subtitle: { display: true, text: '', padding: { bottom: 6 } },
        // The bands and the raw curve behind a smoothed one are drawn but neither listed nor read out.
        legend: { position: 'bottom', onClick: legendClick,
          labels: { ...ICON_LABELS, generateLabels: legendLabels,
            filter: (item, data) => item.group != null || !hidden(data.datasets[item.datasetIndex]) } },
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

// Datasets of one series: the mean line (validation: dots, one per epoch), for training curves the
// raw mean behind a smoothed one, and below them the band's lower edge filled up to the upper.
// style: {color, dash, point}; tags: what the legend's groups match on.
function series(label, style, validation, tags) {
  const { color, dash, point } = style;
  const line = validation
    ? { label, data: [], borderColor: color, backgroundColor: color, showLine: false, pointStyle: point, pointRadius: 4, pointHoverRadius: 5,
      borderWidth: 0, clip: 8, ...tags }
    : { label, data: [], borderColor: color, backgroundColor: color, borderDash: dash, pointStyle: false, pointRadius: 0, borderWidth: 2, tension: 0, ...tags };
  const edge = { data: [], band: true, borderWidth: 0, pointRadius: 0, pointStyle: false, backgroundColor: translucent(color, 0.15), ...tags };
  const raw = validation ? [] : [{ label: `${label} (raw)`, data: [], raw: true, borderColor: translucent(color, 0.25), borderWidth: 1,
    pointRadius: 0, pointStyle: false, tension: 0, ...tags }];
  return [line, ...raw, { ...edge, label: `${label} max` }, { ...edge, label: `${label} min`, fill: '-1' }];
}

// One faded line (validation: faded dots) of an earlier experiment.
function ghost(label, style, validation, tags) {
  const color = translucent(style.color, 0.4);
  return [{ label, data: [], ghost: true, borderColor: color, backgroundColor: color, borderDash: validation ? [] : style.dash,
    showLine: !validation, borderWidth: 1.5, pointRadius: validation ? 2.5 : 0, pointStyle: validation ? style.point : false, clip: 8, tension: 0, ...tags }];
}

// How a (variant, setting) is drawn: with one setting in view, in the variant's colour; with
// several, in its learning rate's colour and its model's line style and dot shape.
function styleOf(v, i, s, shown) {
  if (shown.length < 2) return { color: colorOf(v.variant, i), dash: [], point: 'circle' };
  const k = shown.findIndex((q) => q.key === s.key);
  return { color: LR_COLORS[k % LR_COLORS.length], dash: dashOf(v), point: MODEL_POINT[v.model] ?? 'circle' };
}

// The settings of an experiment a view shows: all, or one optimiser's.
const shownSettings = (experiment, optimizer) => settings(experiment.spec).filter((s) => !optimizer || s.optimizer === optimizer);

// The plots of an experiment: per (variant, setting) and metric, its training and validation series.
function plotsOf(experiment, charts, make, optimizer = null) {
  const plots = [];
  const shown = shownSettings(experiment, optimizer);
  const all = settings(experiment.spec);
  experiment.variants().forEach((v, i) => {
    for (const s of shown) {
      const name = variantLabel(v.model, v.wnInit) + (all.length > 1 ? ` ${s.key}` : '');
      const style = styleOf(v, i, s, shown);
      for (const [chart, key, val] of charts) {
        const tags = { $variant: v.variant, $setting: s.key };
        plots.push({ chart, experiment, variant: v.variant, setting: s.key, key, from: 'progress', sets: make(`${name} ${key}`, style, false, { ...tags, $kind: 'training' }) });
        plots.push({ chart, experiment, variant: v.variant, setting: s.key, key: val, from: 'epoch', sets: make(`${name} ${val}`, style, true, { ...tags, $kind: 'validation' }) });
      }
    }
  });
  return plots;
}

// The legend's groups for several settings: learning rates by colour, models by line style,
// validation dots, and earlier runs.
function groupsOf(experiment, shown, ghosts) {
  const many = new Set(shown.map((s) => s.optimizer)).size > 1;
  const rates = new Set(shown.map((s) => `${s.optimizer} ${s.lr}`)).size > 1, batches = new Set(shown.map((s) => s.batch)).size > 1;
  // A batch-size grid is coloured by batch size, as a sweep is by learning rate.
  const lr = (s) => [rates || !batches ? (many ? `${s.optimizer} ${s.lr}` : `lr ${s.lr}`) : null, batches ? `batch ${s.batch}` : null].filter(Boolean).join(', ');
  const groups = shown.map((s, k) => ({ text: lr(s), icon: () => icon(LR_COLORS[k % LR_COLORS.length]), match: (d) => d.$setting === s.key && !d.ghost }));
  for (const v of experiment.variants())
    groups.push({ text: variantLabel(v.model, v.wnInit), icon: (ink) => icon(ink, { dash: dashOf(v), dot: MODEL_POINT[v.model] }), match: (d) => d.$variant === v.variant && !d.ghost });
  groups.push({ text: 'validation', icon: (ink) => icon(ink, { line: false, dot: 'circle' }), match: (d) => d.$kind === 'validation' && !d.ghost });
  if (ghosts) groups.push({ text: 'earlier runs', icon: () => icon('rgba(128, 128, 128, 0.6)'), match: (d) => d.ghost });
  return groups;
}

export class Charts {
  // options.ghosts: an experiment replaced by a new one stays on the charts, faded.
  // The page's #curve-optimizer select, where there is one, picks the optimiser whose curves show.
  constructor(accuracyCanvas, lossCanvas, { ghosts = false } = {}) {
    themeCharts();
    globalThis.Chart.Interaction.modes.atX ??= atX;
    if (!Charts.themed) { followTheme(); Charts.themed = true; }
    this.accuracy = lineChart(accuracyCanvas, 'Accuracy', 'accuracy', { min: 0, suggestedMax: 0.7 });
    this.loss = lossCanvas ? lineChart(lossCanvas, 'Loss', 'categorical cross-entropy') : null;
    this.keepGhosts = ghosts;
    this.ghosts = [];       // earlier experiments, oldest first
    this.view = { x: 'epochs', smoothing: 0, optimizer: null };
    this.experiment = null;
    this.optimizerSelect = document.getElementById('curve-optimizer');
    this.optimizerSelect?.addEventListener('change', () => { this.view.optimizer = this.optimizerSelect.value; this.layout(); });
    // At most four draws a second: each run reports every few hundred milliseconds.
    this.frame = new FrameDraw(() => this.draw(), 250);
  }

  charts() { return [this.accuracy, this.loss].filter(Boolean); }

  metrics() {
    return [[this.accuracy, 'accuracy', 'val_accuracy'], [this.loss, 'loss', 'val_loss']].filter(([c]) => c);
  }

  // One series per (variant, setting) and metric; the earlier experiments' means as ghosts
  // (ghost: false drops the one shown so far instead).
  reset(experiment, { ghost = true } = {}) {
    const before = this.experiment;
    if (ghost && this.keepGhosts && before?.runs.some((r) => r.progress.length)) this.ghosts.push(before);
    this.experiment = experiment;
    const optimizers = [...new Set(experiment.spec.sweeps.map((s) => s.optimizer))];
    this.view.optimizer = this.optimizerSelect && optimizers.length > 1 ? optimizers[0] : null;
    if (this.optimizerSelect) {
      this.optimizerSelect.replaceChildren(...optimizers.map((o) => new Option(o, o)));
      this.optimizerSelect.closest('label').hidden = optimizers.length < 2;
    }
    this.layout();
  }

  clearGhosts() {
    this.ghosts = [];
    this.layout();
  }

  layout() {
    const experiment = this.experiment;
    this.plots = plotsOf(experiment, this.metrics(), series, this.view.optimizer);
    this.ghostPlots = this.ghosts.flatMap((ex, k) => plotsOf(ex, this.metrics(),
      (label, style, validation, tags) => ghost(`${label} (earlier #${k + 1})`, style, validation, tags)));
    const shown = shownSettings(experiment, this.view.optimizer);
    const groups = shown.length > 1 ? groupsOf(experiment, shown, this.ghosts.length > 0) : null;
    // What is plotted: in the page's #curves-note where there is one (it wraps), else under each title.
    const seeds = experiment.spec.seeds.length;
    const note = [experiment.spec.perEpoch ? 'Training: each epoch\'s mean (a history file keeps nothing within an epoch).' :
      'Training: the mean over the steps between points (Keras\' running mean restarts each epoch).',
      `Validation: a dot per epoch.${seeds > 1 ? ` Mean over ${seeds} seeds, band: min–max.` : ''}`];
    const noteBox = document.getElementById('curves-note');
    if (noteBox) noteBox.textContent = note.join(' ');
    for (const c of this.charts()) {
      c.data.datasets = [...this.ghostPlots, ...this.plots].filter((p) => p.chart === c).flatMap((p) => p.sets);
      c.options.plugins.subtitle.display = !noteBox;
      c.options.plugins.subtitle.text = note;
      c.$groups = groups;
      c.$onGroups = () => this.applyGroups();
    }
    this.applyGroups();
    this.setView({});
  }

  // A hidden legend group hides every dataset it matches (its bands too), on both charts: they
  // share the groups.
  applyGroups() {
    const groups = this.accuracy.$groups;
    for (const c of this.charts()) {
      for (const d of c.data.datasets) d.hidden = groups ? groups.some((g) => g.hidden && g.match(d)) : false;
      c.update('none');
    }
  }

  // view: {x: 'epochs' | 'steps' | 'seconds', smoothing: 0 … <1}. The x axis fits the current
  // experiment: earlier, longer runs are cut at its edge rather than squeezing it.
  setView(view) {
    Object.assign(this.view, view);
    const axis = X_AXES[this.view.x];
    for (const c of this.charts()) c.options.scales.x.title.text = axis.title;
    this.redraw();
  }

  // The x axis' end: the current experiment's epochs, or its furthest point in steps or seconds.
  xMax() {
    if (this.view.x === 'epochs') return this.experiment.spec.epochs;
    const xs = this.plots.flatMap((p) => p.sets[0].data.map((q) => q.x));
    return xs.length ? Math.max(...xs) : undefined;
  }

  // A plot's bands with x in the view's unit: band i takes its x from the first run that has a
  // point i (as experiment.js does for epochs).
  bands(p) {
    const ex = p.experiment, axis = X_AXES[this.view.x];
    const runs = ex.runsOf(p.variant, p.setting);
    if (p.from === 'epoch') {
      return ex.epochBands(p.variant, p.setting, p.key).map((b, k) => ({ ...b, x: axis.epoch(runs.find((r) => r.epochs.length > k), k) }));
    }
    return bandsByX(runs.map((r) => windowMeans(r.progress, p.key)), (q) => q.v).map((b, i) => {
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
    const max = this.xMax();
    for (const c of this.charts()) {
      c.options.scales.x.max = max;
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
