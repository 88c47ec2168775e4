// One training session, behind both faces of the trainer: the page (app.js, its panels) and the
// embed (embed.js, its command channel). It owns the data the runs train on, the experiment and
// the scheduler that runs it, start/stop/pause, and the settings a history file says the runs
// share. The faces only draw, and tell it what to do.
//
// phase: idle → loading (a start waits for its data) → running ⇄ paused → idle (every run has
// ended, or stop).
//
// Loads: one at a time. A new load, and stop, cancel the one in flight (its worker is terminated,
// which cancels its fetches), and only the current attempt may set the data: a cancelled load
// that finishes anyway changes nothing (issue 17: a start/stop burst must not leave stale data
// behind, nor dozens of data workers).
import './protocol.js';
import { PREPARED, loadDataset, preparedSources } from './data.js';
import { Experiment } from './experiment.js';
import { historyJson } from './format.js';
import { Scheduler, threadsFor } from './scheduler.js';

const { finalEvents } = globalThis.WNProtocol;
const isCancelled = (e) => e?.name === 'AbortError';
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

export class Session {
  // catalog: the core's (WNWasm.catalog()). tool: what wrote the history ("web", "embed").
  // hooks, each optional:
  //   onLoad({status, name, progress?, error?}): status loading, progress, loaded, failed, cancelled
  //   onExperiment(experiment, data): a start has its data; its runs begin right after
  //   onEvent(job, event): a run's event, after the experiment has taken it in
  constructor({ catalog, tool, onLoad = () => {}, onExperiment = () => {}, onEvent = () => {} }) {
    this.catalog = catalog;
    this.tool = `wn-trainer ${tool} ${catalog.version}`;
    this.hooks = { onLoad, onExperiment, onEvent };
    this.data = null;        // {train, test, source, limits}: what the next run trains on
    this.files = null;       // {sources, name}: files the user chose, read again for a new subset size
    this.loading = null;     // the load in flight: {controller, promise, sources, name, limits}
    this.experiment = null;
    this.opened = null;      // the history file(s) the experiment was replayed from (open), if it was
    this.trained = null;     // the data the experiment trains on
    this.scheduler = null;
    this.phase = 'idle';
    this.warning = null;
    this.starts = 0;         // counts start and stop calls: a start whose load ends after a newer one is dropped
    this.cancels = 0;        // counts cancelled loads
  }

  // Reads `sources` into a new dataset (limits: {train, test}); resolves to it once it is the
  // data, or rejects: with the load's error (the data loaded before is kept), or an AbortError
  // when a newer load or a stop cancelled it. chosen: the sources are files the user picked,
  // which a later subset size reads again once they have loaded.
  load(sources, name, limits, { chosen = false } = {}) {
    this.cancelLoad();
    const attempt = { controller: new AbortController(), sources, name, chosen, limits: { ...limits } };
    this.loading = attempt;
    this.hooks.onLoad({ status: 'loading', name });
    const current = () => this.loading === attempt;
    const progress = (p) => current() && this.hooks.onLoad({ status: 'progress', name, progress: p });
    attempt.promise = (async () => {
      try {
        // The worker starts on a later task: a stop queued right behind the start (a burst of
        // commands from the embed's parent) cancels the load before any worker exists.
        await nextTask();
        attempt.controller.signal.throwIfAborted();
        const data = await loadDataset(sources, limits, progress, attempt.controller.signal);
        if (!current()) throw new DOMException(`the load of ${name} was cancelled`, 'AbortError');
        if (data.train.count === 0 || data.test.count === 0) throw new Error(`${name} holds no ${data.train.count ? 'test' : 'training'} images`);
        this.data = { ...data, source: name, limits: attempt.limits };
        if (chosen) this.files = { sources, name };
        this.loading = null;
        this.hooks.onLoad({ status: 'loaded', name });
        return this.data;
      } catch (error) {
        const mine = current();
        if (mine) this.loading = null;
        if (isCancelled(error)) this.hooks.onLoad({ status: 'cancelled', name });
        else if (mine) this.hooks.onLoad({ status: 'failed', name, error });
        throw error;
      }
    })();
    return attempt.promise;
  }

  // Cancels the load in flight, if any.
  cancelLoad() {
    this.cancels++;
    const attempt = this.loading;
    this.loading = null;
    attempt?.controller.abort();
  }

  // The data `spec` asks for: the set loaded if it has the size, the load in flight if it will,
  // otherwise a new load of the newest sources asked for (files the user chose, else the
  // prepared files).
  async dataFor(spec) {
    const limits = { train: spec.trainSamples, test: spec.testSamples };
    const fits = (l) => l.train === limits.train && l.test === limits.test;
    const pending = this.loading;
    if (pending && fits(pending.limits)) return pending.promise;
    if (!pending && this.data && fits(this.data.limits)) return this.data;
    const chosen = pending?.chosen ? pending : this.files;
    if (chosen) return this.load(chosen.sources, chosen.name, limits, { chosen: true });
    const cancels = this.cancels;
    const sources = await preparedSources(limits);
    if (this.cancels !== cancels) throw new DOMException('the load was cancelled', 'AbortError');
    return this.load(sources, PREPARED, limits);
  }

  // Starts `spec`'s runs once its data is in: on `build` ('auto' or 'st'), with `threads` per run
  // as the URL asks (null: the cores split between the runs). Resolves to the experiment, or to
  // null when a stop or a newer start came first; rejects when the data cannot be loaded.
  // Whatever ran before is stopped. this.warning: why the runs get fewer threads than asked.
  async start(spec, { build = 'auto', threads: asked = null } = {}) {
    const start = ++this.starts;
    this.halt();
    this.phase = 'loading';
    const { threads, warning } = threadsFor(asked, spec, build);
    this.warning = warning;
    let data;
    try {
      data = await this.dataFor(spec);
    } catch (e) {
      if (start !== this.starts) return null;
      this.phase = 'idle';
      if (isCancelled(e)) return null;
      throw e;
    }
    if (start !== this.starts) return null;
    const experiment = new Experiment(spec);
    this.experiment = experiment;
    this.opened = null;
    this.trained = data;
    const scheduler = new Scheduler({ data: { train: data.train, test: data.test }, build, threads, onEvent: (job, e) => this.handle(experiment, job, e) });
    this.scheduler = scheduler;
    this.phase = 'running';
    this.hooks.onExperiment(experiment, data);
    scheduler.run(experiment.jobs);
    return experiment;
  }

  // Shows history files as if their runs had trained here: `opened` (web/history-file.js
  // openFiles) holds the grid and the events its runs would have sent. The experiment takes every
  // one, as from a live run, so every panel draws them as it draws training; the face hears of
  // each run's last (onEvent), not of thousands of epochs one by one. Refused while runs train or
  // a start loads its data: the file would replace what they show.
  open(opened) {
    if (this.phase !== 'idle') throw new Error('an experiment is running: stop it before opening a history file');
    this.starts++;
    const experiment = new Experiment(opened.spec);
    this.experiment = experiment;
    this.scheduler = null;
    this.opened = opened;
    const { data, train_samples: train, test_samples: test } = opened.options;
    this.trained = { source: data ?? opened.name, train: { count: train }, test: { count: test } };
    this.hooks.onExperiment(experiment, this.trained);
    for (const { id, event } of opened.events) {
      experiment.handle(experiment.jobs[id], event);
      if (finalEvents.includes(event.type)) this.hooks.onEvent(experiment.jobs[id], event);
    }
    for (const { id, why } of opened.stopped) experiment.stopped([experiment.jobs[id]], why);
    experiment.absent(opened.absent.map((id) => experiment.jobs[id]));
    return experiment;
  }

  // Back from an opened file to nothing shown: the next start trains as usual.
  close() {
    if (!this.opened || this.experiment?.spec !== this.opened.spec) return;
    this.opened = null;
    this.experiment = null;
    this.trained = null;
  }

  handle(experiment, job, e) {
    if (experiment !== this.experiment) return;
    experiment.handle(job, e);
    if (experiment.finished) this.phase = 'idle';
    this.hooks.onEvent(job, e);
  }

  // Ends the runs at once (they keep what they did, marked stopped), and cancels a start's load.
  // Returns true if runs were cut short: the experiment has then ended.
  stop() {
    this.starts++;
    this.phase = 'idle';
    this.cancelLoad();
    return this.halt();
  }

  // Ends the runs still training or waiting; true if there were any.
  halt() {
    const cut = this.scheduler?.stop() ?? [];
    this.experiment?.stopped(cut);
    return cut.length > 0;
  }

  pause() { this.scheduler.pause(); this.phase = 'paused'; }
  resume() { this.scheduler.resume(); this.phase = 'running'; }
  get paused() { return this.phase === 'paused'; }

  // The settings every run shares, as wn-train writes them in its history file: the
  // experiment's, on the data it trains on; before any, `spec`'s.
  shared(spec = this.experiment?.spec) {
    // An opened file's runs share what the file says (without a shard's "shard": they may be several).
    if (this.opened && spec === this.opened.spec) return this.opened.options;
    const data = this.experiment ? this.trained : null;
    return {
      data: data?.source ?? null, experiment: spec.experiment ?? null, arch: spec.arch, width: spec.width, epochs: spec.epochs,
      // One batch size as a number, a batch-size grid as its list: as wn-train writes it.
      batch_size: spec.batchSizes.length === 1 ? spec.batchSizes[0] : spec.batchSizes,
      train_samples: data?.train.count ?? spec.trainSamples, test_samples: data?.test.count ?? spec.testSamples,
      // What the runs report they train on, before what was planned for them.
      threads: this.experiment?.runs.find((r) => r.started)?.started.threads ?? this.scheduler?.plan?.threads ?? null,
      simd: this.catalog.simd, progress_every: this.catalog.defaults.progress_every,
    };
  }

  // The history file (wn-train's --json schema): the run records so far and what they share.
  history(spec) {
    const tool = this.opened && (spec ?? this.experiment?.spec) === this.opened.spec ? this.opened.tool : this.tool;
    return historyJson(this.experiment?.records() ?? [], { tool, shared: this.shared(spec) });
  }
}
