// web/scheduler.js: how many workers and threads a queue gets, and how jobs move through the
// workers, with a stand-in Worker class (no browser).
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import '../../web/protocol.js';
import { plan, Scheduler, threadsFor } from '../../web/scheduler.js';

const { msg } = globalThis.WNProtocol;

function machine({ cores = 4, isolated = true } = {}) {
  Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: cores }, configurable: true });
  globalThis.crossOriginIsolated = isolated;
}
afterEach(() => { delete globalThis.crossOriginIsolated; });

test('plan: the cores split between the jobs running at once, one thread each without isolation', () => {
  machine({ cores: 8 });
  assert.deepEqual(plan(2), { workers: 2, threads: 4 });
  assert.deepEqual(plan(20), { workers: 8, threads: 1 });
  assert.deepEqual(plan(3, { threads: 2 }), { workers: 3, threads: 2 });
  assert.deepEqual(plan(10, { threads: 3 }), { workers: 2, threads: 3 });
  assert.deepEqual(plan(2, { build: 'st' }), { workers: 2, threads: 1 });
  machine({ cores: 8, isolated: false });
  assert.deepEqual(plan(2, { threads: 4 }), { workers: 2, threads: 1 });
});

// A worker that answers init with ready and records the jobs it is given.
class FakeWorker {
  static all = [];
  constructor() { this.sent = []; this.terminated = false; FakeWorker.all.push(this); }
  postMessage(m) {
    this.sent.push(m);
    if (m.type === msg.init) queueMicrotask(() => this.onmessage({ data: { type: msg.ready } }));
  }
  terminate() { this.terminated = true; }
  finish(type = msg.done) { const job = this.sent.findLast((m) => m.type === msg.run).job; this.onmessage({ data: { type, id: job.id } }); }
}

test('the scheduler hands each worker the next job when its run ends, and retires it when none is left', async () => {
  machine({ cores: 2 });
  globalThis.Worker = FakeWorker;
  FakeWorker.all = [];
  const events = [];
  const s = new Scheduler({ data: {}, onEvent: (job, e) => events.push([job.id, e.type]) });
  s.run([0, 1, 2].map((id) => ({ id, label: `job ${id}` })));
  await new Promise((ok) => setTimeout(ok));
  assert.equal(FakeWorker.all.length, 2);
  const [a, b] = FakeWorker.all;
  assert.deepEqual([a, b].map((w) => w.sent.at(-1).job.id).sort(), [0, 1]);
  assert.equal(a.sent.at(-1).job.threads, 1);
  a.finish();
  assert.equal(a.sent.at(-1).job.id, 2);  // the next job goes to the worker that came free
  b.finish();
  assert.ok(b.terminated);
  a.finish(msg.diverged);
  assert.ok(a.terminated);
  assert.equal(s.running, false);
  assert.deepEqual(events.map(([, t]) => t).sort(), ['diverged', 'done', 'done']);
});

test('stop ends every worker and returns the jobs cut short; pause and resume reach every worker', async () => {
  machine({ cores: 2 });
  globalThis.Worker = FakeWorker;
  FakeWorker.all = [];
  const s = new Scheduler({ data: {}, onEvent: () => {} });
  s.run([0, 1, 2, 3].map((id) => ({ id, label: `job ${id}` })));
  await new Promise((ok) => setTimeout(ok));
  s.pause();
  assert.ok(FakeWorker.all.every((w) => w.sent.at(-1).type === msg.pause));
  s.resume();
  const cut = s.stop();
  assert.deepEqual(cut.map((j) => j.id).sort(), [0, 1, 2, 3]);
  assert.ok(FakeWorker.all.every((w) => w.terminated));
});

test('threadsFor: the threads a run gets, with a warning when fewer than asked', () => {
  machine({ cores: 4 });
  assert.deepEqual(threadsFor(null, { batchSizes: [32] }, 'auto'), { threads: null, warning: null });
  assert.deepEqual(threadsFor(2, { batchSizes: [32] }, 'auto'), { threads: 2, warning: null });
  assert.equal(threadsFor(64, { batchSizes: [32] }, 'auto').threads, 32);
  assert.equal(threadsFor(8, { batchSizes: [2, 4] }, 'auto').threads, 4);  // the largest batch's images
  assert.match(threadsFor(2, { batchSizes: [32] }, 'st').warning, /build=st/);
  machine({ cores: 4, isolated: false });
  assert.match(threadsFor(2, { batchSizes: [32] }, 'auto').warning, /not cross-origin isolated/);
});
