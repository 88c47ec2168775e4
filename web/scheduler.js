// Runs a queue of training jobs (and evaluations of loaded weights: job.evaluate) on a pool of trainer workers: as many at once as the cores
// allow, never more threads than cores, all reading one dataset (shared when the page is
// cross-origin isolated). A worker takes the next job when its run ends, and is terminated,
// freeing its module's memory, when none is left.
import './protocol.js';

const { msg, finalEvents } = globalThis.WNProtocol;

// The threaded build can run: SharedArrayBuffer, on a cross-origin isolated page.
export function isolated() {
  return notThreadedBecause() === null;
}

// Why the threaded build cannot run here, in a few words (null where it can). Isolation is not
// all it takes: WebKitGTK (2.50) reports crossOriginIsolated === true under COOP + COEP, yet leaves
// SharedArrayBuffer out unless JSC_useSharedArrayBuffer=1 is in its environment (tests/webkit/driver.mjs).
export function notThreadedBecause() {
  if (!globalThis.crossOriginIsolated) return 'the page is not cross-origin isolated';
  if (typeof SharedArrayBuffer === 'undefined') return 'the page is cross-origin isolated, but this browser does not provide SharedArrayBuffer';
  return null;
}

// The page's line when the single-threaded build runs for want of SharedArrayBuffer, saying what is missing.
export function singleThreadedNote() {
  const why = globalThis.crossOriginIsolated
    ? 'This page is cross-origin isolated, but this browser does not provide SharedArrayBuffer'
    : 'This page is not cross-origin isolated (no COOP/COEP headers and no service worker), so SharedArrayBuffer is unavailable';
  return `${why}: each model runs the single-threaded SIMD build.`;
}

export function cores() { return navigator.hardwareConcurrency || 2; }

// Workers and threads per job for `jobs` jobs. threads: a fixed count per job (the embed's
// `threads` parameter), otherwise the cores split between the jobs running at once.
export function plan(jobs, { threads = null, build = 'auto' } = {}) {
  const n = cores();
  if (!isolated() || build === 'st') return { workers: Math.min(jobs, n), threads: 1 };
  if (threads) return { workers: Math.max(1, Math.min(jobs, Math.floor(n / threads))), threads };
  const workers = Math.min(jobs, n);
  return { workers, threads: Math.max(1, Math.floor(n / workers)) };
}

// The threads per run for a `threads` parameter (asked: a number, or null for the plan's split),
// and a warning if that is fewer than it asks, for the page and the embed alike: the
// single-threaded build runs one, and a step shares its batch out by images, so no more threads
// than images are busy (Trainer::pool_size, src/train/trainer.cpp). Fewer asked of the
// scheduler, too: each thread is a pthread worker the module starts beforehand.
export function threadsFor(asked, spec, build) {
  if (asked == null) return { threads: null, warning: null };
  if (!isolated() || build === 'st') {
    const why = build === 'st' ? 'build=st' : notThreadedBecause();
    return { threads: 1, warning: asked > 1 ? `threads=${asked}: the single-threaded build (${why}) trains on 1 thread` : null };
  }
  const batch = Math.max(...spec.batchSizes);
  if (asked > batch) {
    return { threads: batch, warning: `threads=${asked}: a step shares its batch of ${batch} images out between threads, so each run trains on ${batch}` };
  }
  return { threads: asked, warning: null };
}

export class Scheduler {
  // onEvent(job, event): started, progress, epoch, diverged, done, error — the worker's messages.
  constructor({ data, build = 'auto', threads = null, onEvent }) {
    this.data = data;
    this.build = build;
    this.threads = threads;
    this.onEvent = onEvent;
    this.queue = [];
    this.workers = new Set();
    this.active = new Map();  // worker → job
    this.paused = false;
  }

  run(jobs) {
    this.queue.push(...jobs);
    const { workers, threads } = plan(this.queue.length, { threads: this.threads, build: this.build });
    this.plan = { workers, threads };
    while (this.workers.size < workers) this.spawn(threads);
  }

  get running() { return this.queue.length > 0 || this.active.size > 0; }

  spawn(threads) {
    const worker = new Worker(new URL('./trainer.worker.js', import.meta.url));
    this.workers.add(worker);
    worker.onmessage = ({ data: m }) => {
      if (m.type === msg.ready) return this.next(worker);
      const job = this.active.get(worker);
      if (!job) return m.type === msg.error && this.broken(worker, m.message);
      this.onEvent(job, m);
      if (finalEvents.includes(m.type)) {
        this.active.delete(worker);
        this.next(worker);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const job = this.active.get(worker);
      this.retire(worker);
      if (job) this.onEvent(job, { type: msg.error, id: job.id, crashed: true, message: `the worker running ${job.label} died: ${e.message || 'unknown error'}` });
      if (this.queue.length) this.spawn(threads);  // the jobs still waiting get a fresh worker
    };
    worker.postMessage({ type: msg.init, build: this.build, threads, data: this.data });
    if (this.paused) worker.postMessage({ type: msg.pause });
  }

  // A worker failed before taking a job (its module did not load): without workers left, the
  // waiting jobs fail with its message.
  broken(worker, message) {
    this.retire(worker);
    if (this.workers.size) return;
    for (const job of this.queue.splice(0)) this.onEvent(job, { type: msg.error, id: job.id, message });
  }

  next(worker) {
    const job = this.queue.shift();
    if (!job) return this.retire(worker);
    this.active.set(worker, job);
    worker.postMessage({ type: job.evaluate ? msg.evaluate : msg.run, job: { ...job, threads: this.plan.threads } });
  }

  retire(worker) {
    worker.terminate();
    this.workers.delete(worker);
    this.active.delete(worker);
  }

  pause() { this.paused = true; for (const w of this.workers) w.postMessage({ type: msg.pause }); }
  resume() { this.paused = false; for (const w of this.workers) w.postMessage({ type: msg.resume }); }

  // Ends everything at once; returns the jobs that were running or waiting.
  stop() {
    const cut = [...this.active.values(), ...this.queue];
    this.queue = [];
    for (const w of [...this.workers]) this.retire(w);
    return cut;
  }
}
