// Chart.js views of an experiment: the tutorial's accuracy plot (red = regular, blue = weight
// norm) with validation accuracy beside it, and a loss chart. x is in fractional epochs. With
// several seeds each variant is drawn as its mean over the seeds with a min–max band.
import { variantLabel } from './experiment.js';

const COLORS = { regular: '#d62728', 'weightnorm/tfa': '#1f77b4', 'weightnorm/paper': '#2ca02c',
  'weightnorm/none': '#9467bd', 'wn-mobn/tfa': '#ff7f0e', 'wn-mobn/paper': '#8c564b', 'wn-mobn/none': '#e377c2' };
const FALLBACK = ['#17becf', '#bcbd22', '#7f7f7f'];

export function colorOf(variant, i = 0) { return COLORS[variant] ?? FALLBACK[i % FALLBACK.length]; }

function translucent(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function lineChart(canvas, title, yTitle, yRange = {}) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
      plugins: {
        title: { display: true, text: title },
        // The bands are drawn but not listed.
        legend: { position: 'bottom', labels: { filter: (item, data) => !data.datasets[item.datasetIndex].band } },
      },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' } },
        y: { title: { display: true, text: yTitle }, ...yRange },
      },
    },
  });
}

// Datasets of one series: the mean line, and below it the band's lower edge filled up to the upper.
function series(label, color, dashed) {
  const line = { label, data: [], borderColor: color, backgroundColor: color, borderDash: dashed ? [6, 4] : [],
    pointStyle: dashed ? 'circle' : false, pointRadius: dashed ? 3 : 0, borderWidth: 2, tension: 0 };
  const edge = { data: [], band: true, borderWidth: 0, pointRadius: 0, pointStyle: false, backgroundColor: translucent(color, 0.15) };
  return [line, { ...edge, label: `${label} max` }, { ...edge, label: `${label} min`, fill: '-1' }];
}

export class Charts {
  constructor(accuracyCanvas, lossCanvas) {
    this.accuracy = lineChart(accuracyCanvas, 'Accuracy (training: solid, validation: dashed)', 'accuracy', { min: 0, suggestedMax: 0.7 });
    this.loss = lossCanvas ? lineChart(lossCanvas, 'Loss', 'categorical cross-entropy') : null;
    this.experiment = null;
    this.pending = false;
  }

  charts() { return [this.accuracy, this.loss].filter(Boolean); }

  // One series per (variant, lr) and metric; the x axis spans the experiment's epochs.
  reset(experiment) {
    this.experiment = experiment;
    this.plots = [];
    const lrs = experiment.spec.lrs;
    experiment.variants().forEach((v, i) => {
      for (const lr of lrs) {
        const name = variantLabel(v.model, v.wnInit) + (lrs.length > 1 ? ` lr ${lr}` : '');
        const color = colorOf(v.variant, i);
        for (const [chart, key, val] of [[this.accuracy, 'accuracy', 'val_accuracy'], [this.loss, 'loss', 'val_loss']]) {
          if (!chart) continue;
          this.plots.push({ chart, variant: v.variant, lr, key, from: 'progress', sets: series(`${name} ${key}`, color, false) });
          this.plots.push({ chart, variant: v.variant, lr, key: val, from: 'epoch', sets: series(`${name} ${val}`, color, true) });
        }
      }
    });
    for (const c of this.charts()) {
      c.data.datasets = this.plots.filter((p) => p.chart === c).flatMap((p) => p.sets);
      c.options.scales.x.max = experiment.spec.epochs;
    }
    this.redraw();
  }

  // Recomputes the curves from the experiment at the next animation frame. None while the tab is
  // hidden: the events keep arriving and the charts catch up when it is shown again.
  redraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const p of this.plots ?? []) {
        const bands = p.from === 'epoch' ? this.experiment.epochBands(p.variant, p.lr, p.key)
          : this.experiment.progressBands(p.variant, p.lr, p.key);
        const [line, max, min] = p.sets;
        line.data = bands.map((b) => ({ x: b.x, y: b.mean }));
        const spread = bands.some((b) => b.n > 1);
        max.data = spread ? bands.map((b) => ({ x: b.x, y: b.max })) : [];
        min.data = spread ? bands.map((b) => ({ x: b.x, y: b.min })) : [];
      }
      for (const c of this.charts()) c.update('none');
      this.drawn = (this.drawn ?? 0) + 1;
    });
  }

  // Points drawn in the mean line of (variant, key): for the browser tests.
  points(variant, key) {
    const p = this.plots?.find((q) => q.variant === variant && q.key === key);
    return p ? p.sets[0].data.length : 0;
  }

  png() { return this.accuracy.toBase64Image('image/png', 1); }
}
