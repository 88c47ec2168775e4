// Chart.js setup: the tutorial's accuracy plot (red = regular, blue = weight norm)
// with validation accuracy beside it, and a loss chart. x is in fractional epochs.
const COLORS = { regular: '#d62728', weightnorm: '#1f77b4' };
const LABELS = { regular: 'regular', weightnorm: 'weight norm' };

function series(model, what, dashed) {
  return {
    label: `${LABELS[model]} ${what}`, model, what, data: [],
    borderColor: COLORS[model], backgroundColor: COLORS[model],
    borderDash: dashed ? [6, 4] : [], pointStyle: dashed ? 'circle' : false, pointRadius: dashed ? 3 : 0, borderWidth: 2, tension: 0,
  };
}

function lineChart(canvas, title, yTitle, datasets, yRange = {}) {
  return new globalThis.Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'epoch' } },
        y: { title: { display: true, text: yTitle }, ...yRange },
      },
    },
  });
}

export class Charts {
  constructor(accuracyCanvas, lossCanvas, models) {
    this.models = models;
    const acc = [], loss = [];
    for (const m of models) {
      acc.push(series(m, 'accuracy', false), series(m, 'val_accuracy', true));
      loss.push(series(m, 'loss', false), series(m, 'val_loss', true));
    }
    this.accuracy = lineChart(accuracyCanvas, 'Accuracy (training: solid, validation: dashed)', 'accuracy', acc, { min: 0, suggestedMax: 0.7 });
    this.loss = lossCanvas ? lineChart(lossCanvas, 'Loss', 'categorical cross-entropy', loss) : null;
    this.pending = false;
    this.drawnPoints = 0;
  }

  charts() { return [this.accuracy, this.loss].filter(Boolean); }

  add(model, what, x, y) {
    for (const c of this.charts())
      for (const d of c.data.datasets)
        if (d.model === model && d.what === what) d.data.push({ x, y });
    this.redraw();
  }

  progress(model, p) {
    const x = p.epoch - 1 + p.step / p.steps;
    this.add(model, 'accuracy', x, p.accuracy);
    this.add(model, 'loss', x, p.loss);
  }

  epoch(model, e) {
    this.add(model, 'val_accuracy', e.epoch, e.val_accuracy);
    this.add(model, 'val_loss', e.epoch, e.val_loss);
  }

  points(model, what) {
    const d = this.accuracy.data.datasets.concat(this.loss?.data.datasets ?? []).find((s) => s.model === model && s.what === what);
    return d ? d.data.length : 0;
  }

  // Clears the curves; the x axis spans the run's epochs from the start.
  // Points in all series; drawnPoints is this number as of the last redraw.
  totalPoints() {
    return this.charts().reduce((n, c) => n + c.data.datasets.reduce((m, d) => m + d.data.length, 0), 0);
  }

  reset(epochs) {
    for (const c of this.charts()) {
      for (const d of c.data.datasets) d.data = [];
      c.options.scales.x.max = epochs;
    }
    this.redraw();
  }

  // One redraw per animation frame, and none while the tab is hidden: the data keeps
  // arriving and the chart catches up when the tab is shown again.
  redraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const c of this.charts()) c.update('none');
      this.drawnPoints = this.totalPoints();
    });
  }

  png() { return this.accuracy.toBase64Image('image/png', 1); }
}
