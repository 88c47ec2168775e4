// What an experiment adds up to: the experiment's progress and ETA, a headline verdict with its
// numbers, "weight norm ahead in k of N seeds" (and why a seed is not counted), the summary table, and for learning-rate sweeps the final accuracy against the
// learning rate, mean with min–max whiskers over the seeds. Reads the Experiment; never a worker.
import { ICON_LABELS, colorOf, seriesLabels } from './charts.js';
import { settings, variantLabel } from './experiment.js';
import { duration } from './format.js';
import { FrameDraw, changed, setText } from './frames.js';

const $ = (id) => document.getElementById(id);
const fixed = (v) => (v == null ? '—' : v.toFixed(4));

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

// Why a seed's run is not in a mean: it ended before its first epoch (or is still on its way).
const ENDED = { diverged: 'diverged', error: 'failed', stopped: 'was stopped', waiting: 'has not run yet', running: 'is still running',
  absent: 'is not in the opened file' };

// "seed 2 diverged" for each run of (variant, setting) that has no epoch to count.
export function uncounted(ex, variant, setting) {
  return ex.runsOf(variant, setting).filter((r) => !r.epochs.length).map((r) => `seed ${r.job.seed} ${ENDED[r.status] ?? r.status}`);
}

// Why a seed is missing from "ahead in k of N": per seed of a setting, the variants that have not
// finished as many epochs as the other.
function unpaired(ex, wn, setting) {
  const out = [];
  for (const seed of ex.spec.seeds) {
    const find = (variant) => ex.runsOf(variant, setting).find((r) => r.job.seed === seed);
    const pair = [['regular', find('regular')], [wn.label, find(wn.variant)]];
    if (pair.some(([, r]) => !r) || (pair[0][1].epochs.length && pair[0][1].epochs.length === pair[1][1].epochs.length)) continue;
    const why = pair.filter(([, r]) => !['done', 'running'].includes(r.status) || !r.epochs.length).map(([name, r]) => `${name} ${ENDED[r.status] ?? r.status}`);
    out.push(`seed ${seed}: ${why.join(', ') || 'epochs differ'}`);
  }
  return out;
}

// " — not counted: seed 2: weight norm diverged", once the experiment has ended.
function notCounted(ex, a) {
  const missing = ex.finished ? unpaired(ex, a, a.setting) : [];
  return missing.length ? ` — not counted: ${missing.join('; ')}` : '';
}

// The summary's rows with why seeds are not counted (once the experiment has ended), and a row
// for each (variant, setting) none of whose seeds finished an epoch.
export function summaryRows(ex) {
  const rows = ex.summary();
  const why = (variant, setting) => (ex.finished ? uncounted(ex, variant, setting) : []);
  const out = [];
  for (const s of settings(ex.spec))
    for (const v of ex.variants()) {
      const r = rows.find((q) => q.variant === v.variant && q.setting === s.key);
      const reasons = why(v.variant, s.key);
      if (r) out.push({ ...r, why: reasons });
      else if (reasons.length) out.push({ variant: v.variant, model: v.model, wn_init: v.wnInit, setting: s.key, optimizer: s.optimizer, lr: s.lr,
        batch: s.batch, runs: 0, mean: null, sd: null, min: null, max: null, batchStats: null, why: reasons });
    }
  return out;
}

const fmt = (r) => `${fixed(r.mean)} ± ${fixed(r.sd)}`;
const seedsText = (n) => `${n} seed${n === 1 ? '' : 's'}`;

// The headline: what the experiment shows so far, with its numbers. With one setting, per
// compared variant: ahead of regular in k of N seeds, and the final accuracies; with several, per
// optimiser: each model's best learning rate and at how many rates weight norm is ahead.
export function verdict(ex) {
  const rows = ex.summary().filter((r) => r.mean != null);
  if (!rows.length) return '';
  const all = settings(ex.spec);
  const so = ex.finished ? '' : 'So far: ';
  const label = (r) => variantLabel(r.model, r.wn_init);
  const regular = (key) => rows.find((r) => r.variant === 'regular' && r.setting === key);
  if (ex.spec.batchSizes.length > 1 && all.length === ex.spec.batchSizes.length) return so + batchVerdict(ex, rows);
  if (all.length === 1) {
    const base = regular(all[0].key);
    const pairs = ex.ahead().map((a) => ({ a, row: rows.find((r) => r.variant === a.variant) })).filter((p) => p.row && base);
    if (!pairs.length) return so + capital(`${rows.map((r) => `${label(r)}: final validation accuracy ${fmt(r)} over ${seedsText(r.runs)}`).join('; ')}.`);
    if (pairs.length === 1) {
      const [{ a, row }] = pairs;
      return so + capital(`${a.label} ahead of regular in ${a.k} of ${seedsText(a.n)}: final validation accuracy ` +
        `${fmt(row)} against ${fmt(base)} (mean ± sd over ${seedsText(Math.min(base.runs, row.runs))})${notCounted(ex, a)}.`);
    }
    // Several models against one baseline: its numbers once, then each model's.
    const counts = new Set(pairs.map(({ row }) => row.runs).concat(base.runs));
    const over = counts.size === 1 ? ` over ${seedsText(base.runs)}` : ' over the seeds';
    return so + `Final validation accuracy, mean ± sd${over}: regular ${fmt(base)}; ` +
      pairs.map(({ a, row }) => `${a.label} ${fmt(row)}, ahead of regular in ${a.k} of ${seedsText(a.n)}${notCounted(ex, a)}`).join('; ') + '.';
  }
  const parts = [];
  for (const s of ex.spec.sweeps) {
    const mine = rows.filter((r) => r.optimizer === s.optimizer);
    if (!mine.length) continue;
    const best = ex.variants().map((v) => mine.filter((r) => r.variant === v.variant).sort((a, b) => b.mean - a.mean)[0]).filter(Boolean)
      .map((r) => `${label(r)} ${fixed(r.mean)} at lr ${r.lr}`);
    const ahead = ex.variants().filter((v) => v.model !== 'regular').map((v) => {
      const pairs = mine.filter((r) => r.variant === v.variant).map((r) => [r, regular(r.setting)]).filter(([, b]) => b);
      return pairs.length ? `${variantLabel(v.model, v.wnInit)} ahead at ${pairs.filter(([r, b]) => r.mean > b.mean).length} of ${pairs.length} learning rates` : null;
    }).filter(Boolean);
    // Rates where a model has no seed to count (all diverged): said, not left out in silence.
    const none = summaryRows(ex).filter((r) => r.optimizer === s.optimizer && r.runs === 0)
      .map((r) => `${label(r)} at lr ${r.lr}: ${r.why.join(', ')}`);
    parts.push(`${s.optimizer}: best ${best.join(', ')}${ahead.length ? `; ${ahead.join(', ')}` : ''}${none.length ? `; no seed counted for ${none.join('; ')}` : ''}`);
  }
  return `${so}${parts.join('. ')} (final validation accuracy, mean over the seeds).`;
}

const capital = (text) => text[0].toUpperCase() + text.slice(1);

// The verdict of a batch-size grid with one optimiser setting (the small-batch preset): first what
// each model loses (or gains) from the largest batch to the smallest, then its final accuracy per batch
// size, and batch norm's with batch statistics (its train/evaluation gap).
export function batchVerdict(ex, rows) {
  const batches = [...ex.spec.batchSizes].sort((a, b) => a - b);
  const [small, large] = [batches[0], batches.at(-1)];
  const at = (v, b) => rows.find((r) => r.variant === v.variant && r.batch === b);
  const per = (values) => values.map((x) => (x == null ? '—' : x.toFixed(3))).join(' / ');
  const changes = [], parts = [];
  for (const v of ex.variants()) {
    const mine = batches.map((b) => at(v, b));
    if (!mine.some(Boolean)) continue;
    const label = variantLabel(v.model, v.wnInit);
    const [a, b] = [mine[0], mine.at(-1)];
    if (a && b) changes.push(`${label} ${a.mean < b.mean ? 'loses' : 'gains'} ${Math.abs(b.mean - a.mean).toFixed(3)}`);
    parts.push(`${label} ${per(mine.map((r) => r?.mean))}`);
    if (mine.some((r) => r?.batchStats != null)) parts.push(`${label} with batch statistics ${per(mine.map((r) => r?.batchStats))}`);
  }
  const change = changes.length ? `From batch ${large} to batch ${small}: ${changes.join(', ')}. ` : '';
  return `${change}At batch ${batches.join(' / ')}: ${parts.join('; ')} (final validation accuracy, mean over the seeds).`;
}

// Tick labels of a learning-rate axis: the swept rates only, written short (3e-4, 0.01).
const lrText = (v) => (v < 1e-3 ? v.toExponential().replace(/\.?0*e/, 'e') : String(Number(v.toPrecision(3))));

export class Results {
  constructor() {
    this.sweep = null;
    this.frame = new FrameDraw(() => this.draw());
  }

  reset(experiment) {
    this.experiment = experiment;
    $('ahead').replaceChildren();
    setText($('verdict'), '');
    $('verdict').hidden = true;
    $('summary').hidden = true;
    const lrs = experiment.spec.sweeps.reduce((n, s) => n + s.lrs.length, 0);
    $('sweep-box').hidden = lrs < 2;
    this.sweep?.destroy();
    const rates = [...new Set(experiment.spec.sweeps.flatMap((s) => s.lrs))].sort((a, b) => a - b);
    this.sweep = lrs < 2 ? null : new globalThis.Chart($('sweep-chart'), {
      type: 'line',
      data: { datasets: [] },
      plugins: [whiskers],
      options: {
        animation: false, parsing: false, responsive: true, maintainAspectRatio: false,
        layout: { padding: { left: 4, right: 12 } },
        plugins: { title: { display: true, text: 'Final validation accuracy against the learning rate' },
          subtitle: { display: true, text: 'Mean over the seeds that finished an epoch, whiskers: min–max. Line style: optimiser.' },
          legend: { position: 'bottom', labels: { ...ICON_LABELS, generateLabels: seriesLabels } },
          tooltip: { callbacks: { label: (item) => {
            const d = item.dataset, r = d.rows[item.dataIndex];
            return `${d.label}, lr ${lrText(r.lr)}: ${fixed(r.mean)} (${r.runs} of ${d.seeds} seeds${r.why.length ? `; ${r.why.join(', ')}` : ''})`;
          } } } },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'learning rate (log scale)' },
            min: rates[0] / 1.3, max: rates.at(-1) * 1.3,
            // Ticks at the swept rates only: a log axis' own ticks (every 1, 2 … 9 × 10^k) overlap.
            afterBuildTicks: (scale) => { scale.ticks = rates.map((value) => ({ value })); },
            ticks: { callback: (v) => lrText(v), autoSkip: true, maxRotation: 0 } },
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
    setText($('run-eta'), !ex.runs.length ? '' : ex.finished ? `done: ${ex.runs.length} run(s)` :
      `${Math.round(100 * f)} % of ${ex.runs.length} run(s)${eta != null ? ` · about ${duration(eta)} left` : ''}`);
    const head = verdict(ex);
    setText($('verdict'), head);
    $('verdict').hidden = !head;
    const single = settings(ex.spec).length === 1;
    const batches = ex.spec.batchSizes.length > 1;
    const ahead = ex.ahead().map((a) =>
      `${a.label} ahead of regular in ${a.k} of ${a.n} seed${a.n === 1 ? '' : 's'}${single ? '' : ` (${a.optimizer}, lr ${a.lr}${batches ? `, batch ${a.batch}` : ''})`}${notCounted(ex, a)}`);
    // With one setting the verdict says it all; the list is for several.
    $('ahead').hidden = single;
    if (changed($('ahead'), ahead.join('\n'))) $('ahead').replaceChildren(...ahead.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    const rows = summaryRows(ex);
    $('summary').hidden = !rows.length;
    // The table and the sweep change when a run ends, not with each event.
    if (!changed($('summary'), JSON.stringify(rows))) return;
    // Columns that hold the same value in every row (one optimiser, one rate) go into the caption:
    // a phone's width then holds the rest on one line each.
    const seeds = ex.spec.seeds.length;
    const columns = [
      ['model', (r) => variantLabel(r.model, r.wn_init)],
      ['optimiser', (r) => r.optimizer],
      ['lr', (r) => r.lr],
      ['batch', (r) => r.batch],
      ['seeds', (r) => (r.runs === seeds ? String(r.runs) : `${r.runs} of ${seeds}${r.why.length ? ` (${r.why.join(', ')})` : ''}`)],
      ['mean ± sd', (r) => (r.mean == null ? '—' : fmt(r))],
      ['min–max', (r) => (r.mean == null ? '—' : `${fixed(r.min)}–${fixed(r.max)}`)],
      // Batch norm's accuracy with batch statistics instead of its moving averages: its train/evaluation gap.
      ['with batch stats', (r) => (r.batchStats == null ? '—' : fixed(r.batchStats))],
      ['ms/step', (r) => (r.ms == null ? '—' : r.ms.toFixed(1))],
    ];
    // One batch size is no column and no caption (it never was); batch statistics only where a run has them.
    const absent = columns.filter(([name]) => (name === 'batch' && !batches) || (name === 'with batch stats' && !rows.some((r) => r.batchStats != null)));
    const constant = columns.slice(1, 4).filter((c) => !absent.includes(c) && new Set(rows.map(c[1])).size === 1);
    const shown = columns.filter((c) => !constant.includes(c) && !absent.includes(c));
    const given = constant.map(([name, get]) => `${name} ${get(rows[0])}`).join(', ');
    $('summary').innerHTML = `<caption>Final validation accuracy over the seeds${given ? ` (${given})` : ''}</caption><thead><tr>` +
      shown.map(([name]) => `<th scope="col"${name === 'ms/step' ? ' class="cost"' : ''}>${name}</th>`).join('') + '</tr></thead>';
    const body = document.createElement('tbody');
    for (const r of rows) {
      const tr = body.insertRow();
      for (const [name, get] of shown) {
        const className = name === 'seeds' && r.why.length ? 'why' : name === 'ms/step' ? 'cost' : '';
        Object.assign(tr.insertCell(), { textContent: get(r), className });
      }
    }
    $('summary').append(body);
    if (this.sweep) this.drawSweep(rows);
  }

  drawSweep(rows) {
    const sets = new Map();
    this.experiment.variants().forEach((v, i) => {
      for (const s of this.experiment.spec.sweeps) {
        const points = rows.filter((r) => r.variant === v.variant && r.optimizer === s.optimizer && r.mean != null).sort((a, b) => a.lr - b.lr);
        const color = colorOf(v.variant, i);
        sets.set(`${v.variant} ${s.optimizer}`, {
          label: `${variantLabel(v.model, v.wnInit)}, ${s.optimizer}`, borderColor: color, backgroundColor: color,
          borderDash: s.optimizer === 'sgd' ? [6, 4] : [], pointRadius: 4, borderWidth: 2, pointStyle: s.optimizer === 'sgd' ? 'rect' : 'circle',
          data: points.map((p) => ({ x: p.lr, y: p.mean })), whiskers: points.map((p) => ({ min: p.min, max: p.max })),
          rows: points, seeds: this.experiment.spec.seeds.length,
        });
      }
    });
    this.sweep.data.datasets = [...sets.values()];
    this.sweep.update('none');
  }
}
