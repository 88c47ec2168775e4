// What an experiment adds up to: the experiment's progress and ETA, "weight norm ahead in k of
// N seeds", the summary table, and for learning-rate sweeps the final accuracy against the
// learning rate, mean with min–max whiskers over the seeds. Reads the Experiment; never a worker.
import { colorOf } from './charts.js';
import { variantLabel } from './experiment.js';
import { duration } from './format.js';
import { FrameDraw, changed, setText } from './frames.js';

const $ = (id) => document.getElementById(id);
const fixed = (v) => v.toFixed(4);

// Draws each point's min–max whisker (dataset.whiskers[i] = {min, max}).
const whiskers = {
  id: 'whiskers',
  afterDatasetsDraw(chart) {
    const { ctx, scales: { x, y } } = chart;
    chart.data.datasets.forEach((d, i) => {
      if (!d.whiskers || !chart.isDatasetVisible(i)) return;
      ctx.save();
      ctx.strokeStyle = d.borderColor;
      ctx.lineWidth = 1.5;
      d.data.forEach((p, k) => {
        const w = d.whiskers[k], px = x.getPixelForValue(p.x);
        ctx.beginPath();
        ctx.moveTo(px, y.getPixelForValue(w.min));
        ctx.lineTo(px, y.getPixelForValue(w.max));
        for (const v of [w.min, w.max]) { ctx.moveTo(px - 4, y.getPixelForValue(v)); ctx.lineTo(px + 4, y.getPixelForValue(v)); }
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

export class Results {
  constructor() {
    this.sweep = null;
    this.frame = new FrameDraw(() => this.draw());
  }

  reset(experiment) {
    this.experiment = experiment;
    $('ahead').replaceChildren();
    $('summary').hidden = true;
    const lrs = experiment.spec.sweeps.reduce((n, s) => n + s.lrs.length, 0);
    $('sweep-box').hidden = lrs < 2;
    this.sweep?.destroy();
    this.sweep = lrs < 2 ? null : new globalThis.Chart($('sweep-chart'), {
      type: 'line',
      data: { datasets: [] },
      plugins: [whiskers],
      options: {
        animation: false, parsing: false, responsive: true, maintainAspectRatio: false,
        plugins: { title: { display: true, text: 'Final validation accuracy against the learning rate (mean, min–max over seeds)' },
          legend: { position: 'bottom' } },
        scales: { x: { type: 'logarithmic', title: { display: true, text: 'learning rate' } },
          y: { min: 0, suggestedMax: 0.6, title: { display: true, text: 'val_accuracy' } } },
      },
    });
    this.update();
  }

  update() { this.frame.request(); }

  draw() {
    const ex = this.experiment;
    if (!ex) return;
    const f = ex.fraction(), eta = ex.eta();
    $('run-progress').value = f;
    setText($('run-eta'), ex.finished ? `done: ${ex.runs.length} run(s)` :
      `${Math.round(100 * f)} % of ${ex.runs.length} run(s)${eta != null ? ` · about ${duration(eta)} left` : ''}`);
    const single = ex.spec.sweeps.length === 1 && ex.spec.sweeps[0].lrs.length === 1;
    const ahead = ex.ahead().map((a) =>
      `${a.label} ahead of regular in ${a.k} of ${a.n} seed${a.n === 1 ? '' : 's'}${single ? '' : ` (${a.optimizer}, lr ${a.lr})`}`);
    if (changed($('ahead'), ahead.join('\n'))) $('ahead').replaceChildren(...ahead.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    const rows = ex.summary();
    $('summary').hidden = !rows.length;
    // The table and the sweep change when a run ends, not with each event.
    if (!changed($('summary'), JSON.stringify(rows))) return;
    $('summary').innerHTML = '<caption>Final validation accuracy over the seeds</caption><thead><tr><th scope="col">model</th>' +
      '<th scope="col">optimiser</th><th scope="col">lr</th><th scope="col">seeds</th><th scope="col">mean ± sd</th><th scope="col">min–max</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const r of rows) {
      const tr = body.insertRow();
      for (const v of [variantLabel(r.model, r.wn_init), r.optimizer, r.lr, r.runs, `${fixed(r.mean)} ± ${fixed(r.sd)}`, `${fixed(r.min)}–${fixed(r.max)}`])
        tr.insertCell().textContent = v;
    }
    $('summary').append(body);
    if (this.sweep) this.drawSweep(rows);
  }

  drawSweep(rows) {
    const sets = new Map();
    this.experiment.variants().forEach((v, i) => {
      for (const s of this.experiment.spec.sweeps) {
        const points = rows.filter((r) => r.variant === v.variant && r.optimizer === s.optimizer).sort((a, b) => a.lr - b.lr);
        const color = colorOf(v.variant, i);
        sets.set(`${v.variant} ${s.optimizer}`, {
          label: `${variantLabel(v.model, v.wnInit)}, ${s.optimizer}`, borderColor: color, backgroundColor: color,
          borderDash: s.optimizer === 'sgd' ? [6, 4] : [], pointRadius: 4, borderWidth: 2,
          data: points.map((p) => ({ x: p.lr, y: p.mean })), whiskers: points.map((p) => ({ min: p.min, max: p.max })),
        });
      }
    });
    this.sweep.data.datasets = [...sets.values()];
    this.sweep.update('none');
  }
}
