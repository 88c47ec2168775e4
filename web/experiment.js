// One experiment as the page sees it: a grid of runs (variants × seeds × learning rates), the
// events each run's fit loop sent, and what they add up to — per-variant curves over the
// seeds, how far the whole thing is, and the history export. It never talks to a worker: the
// scheduler feeds it events (handle), and panels read from it.
//
// The run records in the export are the C++ core's own (src/train/history.cpp, sent with
// every epoch), so the page's file and wn-train's --json share one schema (docs/history.md).

// A variant is a model with its weight-norm init; runs of one variant differ only in seed and lr.
export function variantKey(model, wnInit) { return model === 'regular' ? model : `${model}/${wnInit}`; }

export function variantLabel(model, wnInit, defaultInit = 'tfa') {
  const name = model === 'weightnorm' ? 'weight norm' : model;
  return model === 'regular' || wnInit === defaultInit ? name : `${name} (${wnInit} init)`;
}

// spec: {variants: [{model, wnInit}], seeds: [..], lrs: [..], optimizer, momentum, epochs,
// batchSize, trainSamples, testSamples, initSamples?}
export function expandJobs(spec) {
  const jobs = [];
  for (const lr of spec.lrs)
    for (const seed of spec.seeds)
      for (const { model, wnInit } of spec.variants) {
        const variant = variantKey(model, wnInit);
        jobs.push({
          id: jobs.length, model, wnInit, seed, lr, variant,
          label: `${variantLabel(model, wnInit)}, seed ${seed}${spec.lrs.length > 1 ? `, lr ${lr}` : ''}`,
          optimizer: spec.optimizer, momentum: spec.momentum, epochs: spec.epochs, batchSize: spec.batchSize,
          initSamples: spec.initSamples,
        });
      }
  return jobs;
}

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;

export class Experiment {
  constructor(spec) {
    this.spec = spec;
    this.jobs = expandJobs(spec);
    // Per job: status, the last progress, epoch logs, the run record, where it stopped.
    this.runs = this.jobs.map((job) => ({ job, status: 'waiting', started: null, progress: [], epochs: [], record: null, stopped: null }));
    this.startedAt = performance.now();
  }

  run(id) { return this.runs[id]; }

  handle(job, e) {
    const r = this.runs[job.id];
    switch (e.type) {
      case 'started': r.status = 'running'; r.started = e; break;
      case 'progress': r.progress.push({ x: e.epoch - 1 + e.step / e.steps, ...e }); r.last = e; break;
      case 'epoch': r.epochs.push(e.log); r.record = e.run; r.last = e; break;
      case 'diverged': r.status = 'diverged'; r.stopped = e.message; r.record = e.run; break;
      case 'done': r.status = 'done'; r.record = e.run; break;
      case 'error': r.status = 'error'; r.stopped = e.message; break;
    }
  }

  // Runs cut short by a Stop keep what they did, marked as stopped.
  stopped(jobs) {
    for (const job of jobs) {
      const r = this.runs[job.id];
      if (r.status === 'running' || r.status === 'waiting') { r.status = 'stopped'; r.stopped = 'stopped by the user'; }
    }
  }

  get finished() { return this.runs.every((r) => !['running', 'waiting'].includes(r.status)); }

  // Training steps done over steps planned, across all runs (validation is not counted).
  fraction() {
    const estimate = Math.ceil(this.spec.trainSamples / this.spec.batchSize);
    let done = 0, total = 0;
    for (const r of this.runs) {
      const planned = this.spec.epochs * (r.last?.steps ?? estimate);
      total += planned;
      if (r.status === 'waiting') continue;
      if (r.status !== 'running') done += planned;  // finished or ended early: nothing more to come
      else if (r.last) done += (r.last.epoch - 1) * r.last.steps + r.last.step;
    }
    return total ? done / total : 0;
  }

  // Seconds left at the pace so far, or null before there is a pace.
  eta() {
    const f = this.fraction(), elapsed = (performance.now() - this.startedAt) / 1000;
    return f > 0.01 && f < 1 ? (elapsed * (1 - f)) / f : null;
  }

  variants() { return [...new Map(this.jobs.map((j) => [j.variant, j])).values()]; }

  // Per variant (and lr), per epoch: the val_accuracy / val_loss / accuracy / loss of the seeds
  // that reached it, as mean, min and max.
  epochBands(variant, lr, key) {
    const runs = this.runs.filter((r) => r.job.variant === variant && r.job.lr === lr);
    const out = [];
    for (let e = 0; ; e++) {
      const v = runs.filter((r) => r.epochs.length > e).map((r) => r.epochs[e][key]);
      if (!v.length) return out;
      out.push({ x: e + 1, mean: mean(v), min: Math.min(...v), max: Math.max(...v), n: v.length });
    }
  }

  // The same over the progress reports (x in fractional epochs), matched by position.
  progressBands(variant, lr, key) {
    const runs = this.runs.filter((r) => r.job.variant === variant && r.job.lr === lr);
    const out = [];
    for (let i = 0; ; i++) {
      const pts = runs.filter((r) => r.progress.length > i).map((r) => r.progress[i]);
      if (!pts.length) return out;
      const v = pts.map((p) => p[key]);
      out.push({ x: pts[0].x, mean: mean(v), min: Math.min(...v), max: Math.max(...v), n: v.length });
    }
  }

  // "weight norm ahead of regular in k of N seeds": per lr and WN variant, seeds where both have
  // finished the same number of epochs, compared on their latest val_accuracy.
  ahead() {
    const out = [];
    for (const lr of this.spec.lrs)
      for (const wn of this.variants().filter((v) => v.model !== 'regular')) {
        let k = 0, n = 0;
        for (const seed of this.spec.seeds) {
          const find = (variant) => this.runs.find((r) => r.job.variant === variant && r.job.seed === seed && r.job.lr === lr);
          const a = find('regular'), b = find(wn.variant);
          if (!a || !b || !a.epochs.length || a.epochs.length !== b.epochs.length) continue;
          n++;
          k += b.epochs.at(-1).val_accuracy > a.epochs.at(-1).val_accuracy;
        }
        if (n) out.push({ lr, variant: wn.variant, label: variantLabel(wn.model, wn.wnInit), k, n });
      }
    return out;
  }

  // The final val_accuracy per (variant, lr) over the seeds that finished at least one epoch.
  summary() {
    const out = [];
    for (const lr of this.spec.lrs)
      for (const v of this.variants()) {
        const finals = this.runs.filter((r) => r.job.variant === v.variant && r.job.lr === lr && r.epochs.length)
          .map((r) => r.epochs.at(-1).val_accuracy);
        if (!finals.length) continue;
        const m = mean(finals);
        const sd = finals.length > 1 ? Math.sqrt(finals.reduce((a, x) => a + (x - m) ** 2, 0) / (finals.length - 1)) : 0;
        out.push({ variant: v.variant, model: v.model, wn_init: v.wnInit, lr, runs: finals.length, mean: m, sd,
          min: Math.min(...finals), max: Math.max(...finals) });
      }
    return out;
  }

  // The run records for the history file: the core's record, marked if the run was cut short.
  records() {
    return this.runs.filter((r) => r.record).map((r) => (r.stopped && !r.record.stopped ? { ...r.record, stopped: r.stopped } : r.record));
  }
}
