// The session behind the page and the embed (web/session.js): only the latest start's data is
// used, stop cancels a load and its data worker, and start/stop storms from the embed's command
// channel, the page's buttons and URL changes end in the right state with one load's traffic
// (issue 17, items 2 and 3).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_WORKERS, countingServer, embedRun, launch, openPage } from './helpers.mjs';

let server, browser;
before(async () => { server = await countingServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const RECORD = 3073;  // bytes of one CIFAR-10 record
const bytesFor = (train, test) => (train + test) * RECORD;

// An embed on a tutorial page, ready for commands, counting its data workers.
async function readyEmbed(t, query) {
  const opened = await embedRun(t, browser, server, query, { runs: 0, init: [DATA_WORKERS] });
  await opened.page.waitForFunction(() => window.events.some((e) => e.type === 'ready'));
  const frame = opened.page.frames().find((f) => f.url().includes('embed.html'));
  return { ...opened, frame };
}

// Posts `commands` to the frame in one burst (one task: nothing of the frame runs in between),
// each with an id, and resolves with the answers by id once each has one.
function burst(page, commands) {
  return page.evaluate((list) => new Promise((done) => {
    const frame = document.querySelector('iframe').contentWindow;
    const answers = new Map(list.map((_, i) => [`b${i}`, []]));
    addEventListener('message', (e) => {
      if (e.source !== frame || !answers.has(e.data?.id)) return;
      answers.get(e.data.id).push(e.data);
      // An extra answer would arrive after this; the caller's count of all answers tells.
      if ([...answers.values()].every((a) => a.length)) done(Object.fromEntries(answers));
    });
    list.forEach((c, i) => frame.postMessage({ target: 'wn-trainer', id: `b${i}`, ...c }, '*'));
  }), commands);
}

const events = (page, type) => page.evaluate((ty) => window.events.filter((e) => e.type === ty), type);
const waitFor = (page, type, count = 1, timeout = 120000) =>
  page.waitForFunction(([ty, n]) => window.events.filter((e) => e.type === ty).length >= n, [type, count], { timeout });

async function historyOf(page) {
  const [answer] = Object.values(await burst(page, [{ type: 'get-history' }]));
  return answer[0].history;
}

test('embed: a stale load does not overwrite newer data (configure 4000, start, stop, configure 300/200, start)', async (t) => {
  const { page, frame, errors } = await readyEmbed(t, 'hooks&models=regular&epochs=1');
  server.reset();
  const answers = await burst(page, [
    { type: 'configure', params: { train: 4000 } }, { type: 'start' }, { type: 'stop' },
    { type: 'configure', params: { train: 300, test: 200 } }, { type: 'start' },
  ]);
  assert.deepEqual(Object.values(answers).map((a) => a.map((x) => x.type)), [['ack'], ['ack'], ['ack'], ['ack'], ['ack']]);
  await waitFor(page, 'experiment-done');
  const history = await historyOf(page);
  assert.deepEqual([history.options.train_samples, history.options.test_samples], [300, 200]);
  // …and it trained on them: 300 images are this many steps, and the frame holds 300 + 200.
  const [progress] = await events(page, 'progress');
  assert.equal(progress.steps, Math.ceil(300 / history.options.batch_size));
  assert.deepEqual(await frame.evaluate(() => [wnTest.session.data.train.count, wnTest.session.data.test.count]), [300, 200]);
  const workers = await frame.evaluate(() => window.dataWorkers);
  assert.ok(workers.most <= 1, JSON.stringify(workers));
  assert.ok(server.data.bytes <= 2 * bytesFor(300, 200), `${server.data.bytes} bytes of data for a 300 + 200 run`);
  assert.deepEqual(errors, []);
});

test('embed: 100 alternating start/stop then start: one data worker at a time, one load\'s traffic, every command answered once', async (t) => {
  const { page, frame, errors } = await readyEmbed(t, 'hooks&models=regular&epochs=1&train=300&test=200');
  server.reset();
  const storm = [...Array.from({ length: 100 }, (_, i) => ({ type: i % 2 ? 'stop' : 'start' })), { type: 'start' }];
  const answers = await burst(page, storm);
  assert.ok(Object.values(answers).every((a) => a.length === 1 && a[0].type === 'ack' && a[0].ok), JSON.stringify(answers).slice(0, 400));
  await waitFor(page, 'experiment-done');
  const [done] = await events(page, 'experiment-done');
  assert.deepEqual(done.runs, { total: 1, done: 1, diverged: 0, error: 0, stopped: 0 });
  // No answer came twice, to the storm or since.
  const ids = (await page.evaluate(() => window.events)).filter((e) => /^b\d+$/.test(e.id ?? '')).map((e) => e.id);
  assert.equal(ids.length, new Set(ids).size);
  const history = await historyOf(page);
  assert.deepEqual([history.options.train_samples, history.options.test_samples], [300, 200]);
  const workers = await frame.evaluate(() => window.dataWorkers);
  t.diagnostic(`data workers: ${JSON.stringify(workers)}; /data/ requests: ${server.data.requests.length}, ${server.data.bytes} bytes`);
  // A load starts a task after its start: the stop right behind it cancels it before its worker
  // exists (2: should a timer's task ever run before the queued commands).
  assert.ok(workers.most <= 1 && workers.made <= 2, JSON.stringify(workers));
  assert.ok(server.data.requests.length <= 4, server.data.requests.join(' '));
  assert.ok(server.data.bytes <= 2 * bytesFor(300, 200), `${server.data.bytes} bytes`);
  assert.deepEqual(errors, []);
});

// The page with ?hooks, counting data workers; resolves once its first data is in.
async function openApp(t, query) {
  const opened = await openPage(browser, `${server.url}?hooks&${query}`, t, { init: [DATA_WORKERS] });
  await opened.page.waitForFunction(() => globalThis.wnTest && !globalThis.wnTest.session.loading && globalThis.wnTest.session.data);
  return opened;
}

const finished = (page) => page.waitForFunction(() => globalThis.wnTest.session.experiment?.finished, null, { timeout: 120000 });

// Clicked one by one, each Start's load may get as far as its requests before its Stop: what
// that costs is reported, not bounded (a user who asks for 50 sizes gets 50 loads begun).
test('page: Start/Stop clicked 100 times with a new subset size each, then Start: one data worker at a time, the last size trains', async (t) => {
  const { page, errors } = await openApp(t, 'models=regular&epochs=1&train=300&test=200');
  server.reset();
  // Each round asks for a size not loaded, so each Start begins a load that its Stop cancels.
  const train = async (n) => page.fill('#train-samples', String(n));
  for (let i = 0; i < 50; i++) {
    await train(400 + i);
    await page.click('#start');
    await page.click('#stop');
  }
  await train(600);
  await page.click('#start');
  await finished(page);
  const state = await page.evaluate(() => {
    const s = globalThis.wnTest.session;
    return { run: s.experiment.runs[0].status, data: [s.trained.train.count, s.trained.test.count], shared: s.shared(), workers: window.dataWorkers };
  });
  t.diagnostic(`data workers: ${JSON.stringify(state.workers)}; /data/ requests: ${server.data.requests.length}, ${server.data.bytes} bytes`);
  assert.equal(state.run, 'done');
  assert.deepEqual(state.data, [600, 200]);
  assert.deepEqual([state.shared.train_samples, state.shared.test_samples], [600, 200]);
  assert.ok(state.workers.most <= 1, JSON.stringify(state.workers));
  assert.equal(state.workers.alive, 0);
  assert.equal(await page.isEnabled('#start'), true);
  assert.equal(await page.isEnabled('#stop'), false);
  assert.deepEqual(errors, []);
});

test('page: Start and Stop in one burst (100 of each), then Start: no load begins until the last', async (t) => {
  const { page, errors } = await openApp(t, 'models=regular&epochs=1&train=300&test=200');
  server.reset();
  await page.fill('#train-samples', '700');
  const made = await page.evaluate(() => {
    const before = window.dataWorkers.made;
    for (let i = 0; i < 100; i++) {
      document.getElementById('start').click();
      document.getElementById('stop').click();
    }
    document.getElementById('start').click();
    return before;
  });
  await finished(page);
  const state = await page.evaluate(() => ({ data: globalThis.wnTest.session.trained.train.count, workers: window.dataWorkers }));
  t.diagnostic(`data workers: ${JSON.stringify(state.workers)}; /data/ requests: ${server.data.requests.length}, ${server.data.bytes} bytes`);
  assert.equal(state.data, 700);
  assert.equal(state.workers.made - made, 1, JSON.stringify(state.workers));
  assert.ok(server.data.bytes <= bytesFor(700, 200), `${server.data.bytes} bytes`);
  assert.deepEqual(errors, []);
});

test('page: 20 URL changes in a row, each autostarting a new size: the last URL\'s run, with its data', async (t) => {
  const { page, errors } = await openApp(t, 'models=regular&epochs=1&train=300&test=200');
  server.reset();
  for (let i = 0; i < 20; i++) await page.goto(`${server.url}?hooks&models=regular&epochs=1&train=${800 + i}&test=200&autostart=1`, { waitUntil: 'commit' });
  await page.goto(`${server.url}?hooks&models=regular&epochs=1&train=500&test=100&autostart=1`);
  await page.waitForFunction(() => globalThis.wnTest?.session.experiment);
  await finished(page);
  const state = await page.evaluate(() => {
    const s = globalThis.wnTest.session;
    return { run: s.experiment.runs[0].status, data: [s.trained.train.count, s.trained.test.count], workers: window.dataWorkers, url: location.search };
  });
  t.diagnostic(`last document's data workers: ${JSON.stringify(state.workers)}; /data/ requests over the 21 documents: ${server.data.requests.length}, ${server.data.bytes} bytes`);
  assert.equal(state.run, 'done');
  assert.deepEqual(state.data, [500, 100]);
  assert.equal(state.workers.made, 1);
  assert.deepEqual(errors, []);
});

test('embed: configure with a key "__proto__" (or "constructor") is refused naming it', async (t) => {
  const { page, errors } = await readyEmbed(t, 'models=regular');
  const answers = await page.evaluate(() => new Promise((done) => {
    const frame = document.querySelector('iframe').contentWindow;
    const got = {};
    addEventListener('message', (e) => {
      if (e.source !== frame || !['p1', 'p2', 'p3'].includes(e.data?.id)) return;
      got[e.data.id] = e.data;
      if (Object.keys(got).length === 3) done(got);
    });
    // JSON.parse makes "__proto__" an own key, as a structured clone keeps it.
    frame.postMessage({ target: 'wn-trainer', type: 'configure', id: 'p1', params: JSON.parse('{"__proto__": {"epochs": 5}}') }, '*');
    frame.postMessage({ target: 'wn-trainer', type: 'configure', id: 'p2', params: JSON.parse('{"epochs": 2, "__proto__": "3"}') }, '*');
    frame.postMessage({ target: 'wn-trainer', type: 'configure', id: 'p3', params: { constructor: 1 } }, '*');
  }));
  for (const [id, name] of [['p1', '__proto__'], ['p2', '__proto__'], ['p3', 'constructor']]) {
    assert.equal(answers[id].type, 'error');
    assert.match(answers[id].message, new RegExp(`^configure: unknown parameter ${name} \\(known: `));
  }
  // Nothing changed.
  const [check] = Object.values(await burst(page, [{ type: 'configure', params: {} }]));
  assert.deepEqual(check[0].params, { models: ['regular'] });
  assert.deepEqual(errors, []);
});

test('loadDataset: an aborted signal starts no worker; aborting mid-read ends the worker and its fetches', async (t) => {
  const { page, errors } = await openApp(t, 'models=regular&train=300&test=200');
  server.reset();
  const result = await page.evaluate(async () => {
    const d = await import('./data.js');
    const limits = { train: 50000, test: 10000 };
    const sources = await d.preparedSources(limits);
    const made = window.dataWorkers.made;
    const early = await d.loadDataset(sources, limits, null, AbortSignal.abort()).catch((e) => e.name);
    const madeEarly = window.dataWorkers.made - made;
    const controller = new AbortController();
    const late = await d.loadDataset(sources, limits, (p) => { if (p.phase === 'reading' && p.loaded > 0) controller.abort(); }, controller.signal)
      .catch((e) => e.name);
    return { early, madeEarly, late, workers: window.dataWorkers };
  });
  const all = bytesFor(50000, 10000);
  t.diagnostic(`aborted while reading: ${server.data.bytes} of ${all} bytes sent, ${server.data.requests.length} requests`);
  assert.deepEqual([result.early, result.madeEarly, result.late], ['AbortError', 0, 'AbortError']);
  assert.equal(result.workers.alive, 0);
  assert.ok(server.data.bytes < all / 2, `${server.data.bytes} of ${all} bytes`);
  assert.deepEqual(errors, []);
});
