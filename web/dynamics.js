// The dynamics panel: live small multiples per layer of what weight norm does to the weights
// (src/train/diagnostics.hpp), and step 0's statistics after the data-dependent init. One row per
// weight layer, three plots: the norm (‖v‖ or ‖w‖), the scale g/‖v‖, and the movement since the
// last sample (the angle v turned, or ‖Δw‖/‖w‖; the two agree for small steps). Each variant is
// its mean over the seeds.
import { colorOf, describeCharts } from './charts.js';
import { bandsByX, decimate, settings, variantLabel } from './experiment.js';
import { FrameDraw } from './frames.js';

const $ = (id) => document.getElementById(id);
const DRAW_EVERY_MS = 1000;
const PLOTS = [
  { title: 'norm', wn: 'v_norm', plain: 'w_norm' },
  { title: 'g / ‖v‖', wn: 'g_over_v', plain: null },
  { title: 'movement', wn: 'angle', plain: 'update_ratio' },
];

function smallChart(canvas, title) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: false }, title: { display: true, text: title, font: { size: 11 } } },
      scales: { x: { type: 'linear', min: 0, ticks: { maxTicksLimit: 4 } }, y: { type: 'linear', ticks: { maxTicksLimit: 4 } } },
    },
  });
}

export class Dynamics {
  constructor() {
    this.charts = [];
    this.frame = new FrameDraw(() => this.draw(), DRAW_EVERY_MS);
    $('dynamics-details').addEventListener('toggle', () => this.describe());
    $('dynamics-log').addEventListener('change', () => {
      for (const c of this.charts) c.chart.options.scales.y.type = $('dynamics-log').checked ? 'logarithmic' : 'linear';
      this.draw();
    });
  }

  reset(experiment) {
    this.experiment = experiment;
    for (const c of this.charts) c.chart.destroy();
    this.charts = [];
    this.layers = null;
    this.initTableRows = 0;
    $('dynamics-grid').replaceChildren();
    $('dynamics-legend').replaceChildren();
    $('init-table').replaceChildren();
    $('init-heading').hidden = true;
  }

  // Built once the first record names the layers.
  build(names) {
    this.layers = names;
    this.legend();
    const grid = $('dynamics-grid');
    for (const [row, name] of names.entries()) {
      const label = document.createElement('div');
      label.className = 'layer-name';
      label.textContent = `layer ${row + 1}`;
      grid.append(label);
      for (const plot of PLOTS) {
        const box = document.createElement('div');
        box.className = 'small-chart';
        const canvas = document.createElement('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `${plot.title} of layer ${row + 1} (${name}) over the epochs`);
        box.append(canvas);
        grid.append(box);
        const chart = smallChart(canvas, plot.title);
        chart.options.scales.y.type = $('dynamics-log').checked ? 'logarithmic' : 'linear';
        this.charts.push({ chart, row, plot });
      }
    }
  }

  // At most once a second, on an animation frame: fifteen small charts redrawn at every sample (two
  // runs report every few hundred milliseconds each) cost the page more than the training it shows.
  update() { this.frame.request(); }

  // The mean over the seeds of one variant and setting: [{x, y}].
  series(variant, setting, row, key) {
    return decimate(bandsByX(this.experiment.runsOf(variant, setting).map((r) => r.diagnostics), (d) => d.layers[row]?.[key])
      .map((b) => ({ x: b.x, y: b.mean })));
  }

  draw() {
    const ex = this.experiment;
    if (!ex) return;
    const first = ex.runs.find((r) => r.diagnostics.length)?.diagnostics[0];
    if (!first) return;
    if (!this.layers) this.build(first.layers.map((l) => l.name));
    const logScale = $('dynamics-log').checked;
    for (const c of this.charts) {
      // The datasets are made once and keep their identity; each draw replaces only their points.
      // (New dataset objects on every update made Chart.js keep growing the page's memory.)
      c.sets ??= this.datasets(c.plot);
      for (const d of c.sets) {
        const data = this.series(d.variant, d.setting, c.row, d.key);
        d.data = logScale ? data.filter((p) => p.y > 0) : data;
      }
      c.chart.data.datasets = c.sets;
      c.chart.options.scales.x.max = ex.spec.epochs;
      c.chart.update('none');
    }
    this.drawInitTable();
    this.describe();
  }

  // The small multiples in words, every plot's last values: after each draw, while the panel is open.
  describe() {
    if (!$('dynamics-details').open) return;
    describeCharts($('dynamics-data'), this.charts.map((c) => ({ name: c.chart.canvas.getAttribute('aria-label'), chart: c.chart })), 'epoch');
  }

  // One dataset per variant and setting that has this plot's metric.
  datasets(plot) {
    const all = settings(this.experiment.spec), sets = [];
    this.experiment.variants().forEach((v, i) => {
      const key = v.model === 'regular' ? plot.plain : plot.wn;
      if (!key) return;
      for (const s of all) {
        const color = colorOf(v.variant, i);
        sets.push({ label: `${variantLabel(v.model, v.wnInit)}${all.length > 1 ? ` ${s.key}` : ''}`, data: [], borderColor: color,
          backgroundColor: color, pointRadius: 0, borderWidth: 1.5, borderDash: s.optimizer === 'sgd' && all.length > 1 ? [4, 3] : [],
          variant: v.variant, setting: s.key, key });
      }
    });
    return sets;
  }

  // The small multiples' own legend: one entry per series, as the norm plots draw them.
  legend() {
    $('dynamics-legend').replaceChildren(...this.datasets(PLOTS[0]).map((d) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.borderTopColor = d.borderColor;
      if (d.borderDash.length) swatch.style.borderTopStyle = 'dashed';
      li.append(swatch, d.label);
      return li;
    }));
  }

  // Step 0 of the first seed of each variant (and the first setting): pre-activation mean and std
  // on the init batch, and the share of dead ReLUs.
  drawInitTable() {
    const ex = this.experiment;
    const firsts = ex.variants().map((v) => ({ v, d: ex.runs.find((r) => r.job.variant === v.variant && r.diagnostics.length)?.diagnostics[0] }))
      .filter((x) => x.d);
    // Step 0's records do not change once in: the table is redrawn only when another variant's arrives.
    if (!firsts.length || firsts.length === this.initTableRows) return;
    this.initTableRows = firsts.length;
    $('init-heading').hidden = false;
    const table = $('init-table');
    const head = firsts.map(({ v }) => `<th scope="col" colspan="3">${variantLabel(v.model, v.wnInit)}</th>`).join('');
    const sub = firsts.map(() => '<th scope="col">mean</th><th scope="col">std</th><th scope="col">dead ReLU</th>').join('');
    table.innerHTML = `<caption>Pre-activations on the init batch, per layer</caption><thead><tr><th scope="col" rowspan="2">layer</th>${head}</tr><tr>${sub}</tr></thead>`;
    const body = document.createElement('tbody');
    firsts[0].d.layers.forEach((_, row) => {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = `layer ${row + 1}`;
      tr.append(th);
      for (const { d } of firsts) {
        const l = d.layers[row];
        for (const v of [l.preact_mean?.toFixed(3), l.preact_std?.toFixed(3), l.dead_relu != null ? `${Math.round(100 * l.dead_relu)} %` : '']) tr.insertCell().textContent = v ?? '';
      }
    });
    table.append(body);
  }
}
