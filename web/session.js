// One comparison run as the page and the embed see it: the workers (runner.js),
// the charts, and the history each model has produced so far. Curves and
// histories survive a model's error or a Stop; only Start clears them.
import { startRun, threadsPerModel } from './runner.js';

export class Session {
  // listener(type, model, message) hears every worker message after the session has used it.
  constructor(charts, listener) {
    this.charts = charts;
    this.listener = listener;
    this.run = null;
    this.histories = {};
    this.ready = {};
    this.options = null;
  }

  start(models, options, data, threads = threadsPerModel(models.length)) {
    this.stop();
    this.options = { ...options, threads };
    this.histories = Object.fromEntries(models.map((m) => [m, { epochs: [], ms_per_step: null, stopped: null }]));
    this.ready = {};
    this.charts.reset(options.epochs);
    const on = {
      ready: (m, r) => { this.ready[m] = r; },
      progress: (m, p) => this.charts.progress(m, p),
      epoch: (m, e) => {
        this.histories[m].epochs.push(e);
        this.histories[m].ms_per_step = e.ms_per_step;
        this.charts.epoch(m, e);
      },
      done: (m, d) => { this.histories[m].ms_per_step = d.ms_per_step; },
      error: (m, e) => { this.histories[m].stopped = e.message; },
    };
    const wrapped = {};
    for (const type of ['ready', 'progress', 'epoch', 'done', 'error'])
      wrapped[type] = (m, data) => { on[type](m, data); this.listener(type, m, data); };
    this.run = startRun({ models, options: this.options, data, on: wrapped });
  }

  get running() { return this.run ? this.run.running.length > 0 : false; }
  pause() { this.run?.pause(); }
  resume() { this.run?.resume(); }
  stop() {
    if (!this.run) return;
    for (const m of this.run.running) this.histories[m].stopped ??= 'stopped by the user';
    this.run.stop();
  }
}
