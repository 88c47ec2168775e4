// One experiment as the page sees it: a grid of runs (variants × seeds × learning rates), the
// events each run's fit loop sent, and what they add up to — per-variant curves over the
// seeds, how far the whole thing is, and the history export. It never talks to a worker: the
// scheduler feeds it events (handle), and panels read from it.
//
// The run records in the export are the C++ core's own (src/train/history.cpp, sent with
// every epoch), so the page's file and wn-train's --json share one schema (docs/history.md).

// A variant is a model with its weight-norm init; runs of one variant differ only in seed and lr.
import './protocol.js';

const { msg } = globalThis.WNProtocol;

// The models without weight norm, which have no weight-norm init: one variant each, whatever the
// inits (src/model.cpp uses_weight_norm; the catalog's weight_norm_models, tests/unit keep them equal).
export const PLAIN_MODELS = Object.freeze(['regular', 'batchnorm']);
export const hasInit = (model) => !PLAIN_MODELS.includes(model);

export function variantKey(model, wnInit) { return hasInit(model) ? `${model}/${wnInit}` : model; }

const NAMES = { weightnorm: 'weight norm', batchnorm: 'batch norm' };
export function variantLabel(model, wnInit, defaultInit = 'tfa') {
  const name = NAMES[model] ?? model;
  return !hasInit(model) || wnInit === defaultInit ? name : `${name} (${wnInit} init)`;
}

// The variants of models × inits: a plain model once, with the first init (which it ignores).
export function variantsOf(models, inits) {
  return models.flatMap((model) => (hasInit(model) ? inits.map((wnInit) => ({ model, wnInit })) : [{ model, wnInit: inits[0] }]));
}

// An optimiser setting: the optimiser with one learning rate (and its momentum), and the batch
// size when the experiment has several (null: its only one, which the key leaves out).
export function settingKey(optimizer, lr, batch = null) { return batch == null ? `${optimizer} ${lr}` : `${optimizer} ${lr} batch ${batch}`; }

// The settings of a spec, in order: per batch size, every sweep's learning rates.
export function settings(spec) {
  const many = spec.batchSizes.length > 1;
  return spec.batchSizes.flatMap((batch) => spec.sweeps.flatMap((s) => s.lrs.map((lr) =>
    ({ key: settingKey(s.optimizer, lr, many ? batch : null), optimizer: s.optimizer, momentum: s.momentum ?? 0, lr, batch }))));
}

// spec: {variants: [{model, wnInit}], seeds: [..], sweeps: [{optimizer, momentum, lrs}], epochs,
// batchSizes: [..], trainSamples, testSamples, initSamples?}. The grid of wn-train
// (src/config/settings.cpp expand_grid), in the same order: batch sizes, settings, seeds, then
// variants, so paired runs are adjacent.
export function expandJobs(spec) {
  const jobs = [];
  const all = settings(spec);
  for (const s of all)
    for (const seed of spec.seeds)
      for (const { model, wnInit } of spec.variants) {
        jobs.push({
          id: jobs.length, model, wnInit, seed, lr: s.lr, optimizer: s.optimizer, momentum: s.momentum,
          variant: variantKey(model, wnInit), setting: s.key,
          label: `${variantLabel(model, wnInit)}, seed ${seed}${all.length > 1 ? `, ${s.key}` : ''}`,
          arch: spec.arch, width: spec.width, epochs: spec.epochs, batchSize: s.batch, initSamples: spec.initSamples,
        });
      }
  return jobs;
}

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;

// A run keeps at most this many progress reports and diagnostics records: past it, every other
// one is dropped and only every other new one kept, so a run of any length holds a bounded,
// evenly spaced series (the page's memory stays flat on long runs; docs/robustness.md).
export const MAX_POINTS = 1000;
function keep(run, list, item) {
  const count = run.counts[list]++;
  if (count % run.strides[list] !== 0) return;
  run[list].push(item);
  if (run[list].length > MAX_POINTS) {
    run[list] = run[list].filter((_, i) => i % 2 === 0);
    run.strides[list] *= 2;
  }
}

// At most `max` of a series' points, evenly spaced, the last one kept: what a chart draws. A chart's
// memory grows with the points it holds, and a few hundred fill a chart's width.
export const MAX_DRAWN = 300;
export function decimate(points, max = MAX_DRAWN) {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

// Per x, over the series of several runs (the seeds of a variant): mean, min and max of value(p).
export function bandsByX(series, value) {
  const at = new Map();
  for (const points of series)
    for (const p of points) {
      const v = value(p);
      if (v == null) continue;
      const key = p.x.toFixed(6);
      if (!at.has(key)) at.set(key, { x: p.x, v: [] });
      at.get(key).v.push(v);
    }
  return [...at.values()].sort((a, b) => a.x - b.x)
    .map(({ x, v }) => ({ x, mean: mean(v), min: Math.min(...v), max: Math.max(...v), n: v.length }));
}

export class Experiment {
  constructor(spec) {
    this.spec = spec;
    this.jobs = expandJobs(spec);
    // Per job: status, the last progress, epoch logs, the run record, where it stopped.
    this.runs = this.jobs.map((job) => ({ job, status: 'waiting', started: null, progress: [], epochs: [], diagnostics: [], record: null,
      stopped: null, counts: { progress: 0, diagnostics: 0 }, strides: { progress: 1, diagnostics: 1 } }));
    this.startedAt = performance.now();
  }

  run(id) { return this.runs[id]; }

  handle(job, e) {
    const r = this.runs[job.id];
    switch (e.type) {
      case msg.started: r.status = 'running'; r.started = e; break;
      case msg.progress:
        keep(r, 'progress', { x: e.epoch - 1 + e.step / e.steps, epoch: e.epoch, step: e.step, steps: e.steps, seconds: e.seconds,
          loss: e.loss, accuracy: e.accuracy });
        r.last = e;
        break;
      case msg.epoch: r.epochs.push(e.log); r.record = e.run; r.last = e; r.inspect = e; break;
      // A live record follows the progress report of its step; one replayed from a file says its steps.
      case msg.diagnostics: keep(r, 'diagnostics', { x: e.epoch - 1 + e.step / (e.steps ?? r.last?.steps ?? 1), step: e.step, layers: e.layers }); break;
      case msg.diverged: r.status = 'diverged'; r.stopped = e.message; r.record = e.run; break;
      case msg.done: r.status = 'done'; r.record = e.run; break;
      case msg.error: r.status = 'error'; r.stopped = e.message; break;
    }
  }

  // Runs cut short by a Stop keep what they did, marked as stopped (why: as a history file says it).
  stopped(jobs, why = 'stopped by the user') {
    for (const job of jobs) {
      const r = this.runs[job.id];
      if (r.status === 'running' || r.status === 'waiting') { r.status = 'stopped'; r.stopped = why; }
    }
  }

  // Cells of the grid that an opened history file has no run for (one shard of several).
  absent(jobs) {
    for (const job of jobs) if (this.runs[job.id].status === 'waiting') this.runs[job.id].status = 'absent';
  }

  get finished() { return this.runs.every((r) => !['running', 'waiting'].includes(r.status)); }

  // Training steps done over steps planned, across all runs (validation is not counted).
  fraction() {
    let done = 0, total = 0;
    for (const r of this.runs) {
      // Per image, not per step: a step at batch 2 is a sixteenth of one at batch 32.
      const steps = r.last?.steps ?? Math.ceil(this.spec.trainSamples / r.job.batchSize);
      const planned = this.spec.epochs * steps * r.job.batchSize;
      total += planned;
      if (r.status === 'waiting') continue;
      if (r.status !== 'running') done += planned;  // finished or ended early: nothing more to come
      else if (r.last) done += ((r.last.epoch - 1) * r.last.steps + r.last.step) * r.job.batchSize;
    }
    return total ? done / total : 0;
  }

  // Seconds left at the pace so far, or null before there is a pace.
  eta() {
    const f = this.fraction(), elapsed = (performance.now() - this.startedAt) / 1000;
    return f > 0.01 && f < 1 ? (elapsed * (1 - f)) / f : null;
  }

  variants() { return [...new Map(this.jobs.map((j) => [j.variant, j])).values()]; }

  runsOf(variant, setting) { return this.runs.filter((r) => r.job.variant === variant && r.job.setting === setting); }

  // Per variant and setting, per epoch: the val_accuracy / val_loss / accuracy / loss of the
  // seeds that reached it, as mean, min and max.
  epochBands(variant, setting, key) {
    const runs = this.runsOf(variant, setting);
    const out = [];
    for (let e = 0; ; e++) {
      const v = runs.filter((r) => r.epochs.length > e).map((r) => r.epochs[e][key]);
      if (!v.length) return out;
      out.push({ x: e + 1, mean: mean(v), min: Math.min(...v), max: Math.max(...v), n: v.length });
    }
  }

  // The same over the progress reports (x in fractional epochs).
  progressBands(variant, setting, key) {
    return bandsByX(this.runsOf(variant, setting).map((r) => r.progress), (p) => p[key]);
  }

  // "weight norm ahead of regular in k of N seeds": per setting and weight-normalised variant,
  // the seeds where both have finished the same number of epochs, on their latest val_accuracy.
  ahead() {
    const out = [];
    for (const s of settings(this.spec))
      for (const wn of this.variants().filter((v) => v.model !== 'regular')) {
        let k = 0, n = 0;
        for (const seed of this.spec.seeds) {
          const find = (variant) => this.runsOf(variant, s.key).find((r) => r.job.seed === seed);
          const a = find('regular'), b = find(wn.variant);
          if (!a || !b || !a.epochs.length || a.epochs.length !== b.epochs.length) continue;
          n++;
          k += b.epochs.at(-1).val_accuracy > a.epochs.at(-1).val_accuracy;
        }
        if (n) out.push({ setting: s.key, optimizer: s.optimizer, lr: s.lr, batch: s.batch, variant: wn.variant, label: variantLabel(wn.model, wn.wnInit), k, n });
      }
    return out;
  }

  // The final val_accuracy per (variant, setting) over the seeds that finished at least one epoch;
  // for batch norm also its final accuracy with batch statistics (batchStats, the core's
  // val_accuracy_batch_stats; null for the other models).
  summary() {
    const out = [];
    for (const s of settings(this.spec))
      for (const v of this.variants()) {
        const runs = this.runsOf(v.variant, s.key);
        const finals = runs.filter((r) => r.epochs.length).map((r) => r.epochs.at(-1).val_accuracy);
        if (!finals.length) continue;
        // A model's cost: the mean time per step of its finished runs (batch norm's extra passes show here).
        const times = runs.map((r) => r.record?.ms_per_step).filter((t) => t > 0);
        const batchStats = runs.map((r) => r.epochs.at(-1)?.val_accuracy_batch_stats).filter((a) => a != null);
        const m = mean(finals);
        const sd = finals.length > 1 ? Math.sqrt(finals.reduce((a, x) => a + (x - m) ** 2, 0) / (finals.length - 1)) : 0;
        out.push({ variant: v.variant, model: v.model, wn_init: v.wnInit, setting: s.key, optimizer: s.optimizer, lr: s.lr, batch: s.batch,
          runs: finals.length, mean: m, sd, min: Math.min(...finals), max: Math.max(...finals), ms: times.length ? mean(times) : null,
          batchStats: batchStats.length ? mean(batchStats) : null });
      }
    return out;
  }

  // The run records for the history file: the core's record, marked if the run was cut short.
  records() {
    return this.runs.filter((r) => r.record).map((r) => (r.stopped && !r.record.stopped ? { ...r.record, stopped: r.stopped } : r.record));
  }
}
