// The trainer on a tutorial page of another site, through <wn-trainer> (web/wn-trainer.js): the
// example tutorial end to end, the command channel (each command answered, a refused one
// changing nothing), the frame's height, and who may command it. The trainer is at
// http://localhost:PORT/, the tutorial at http://127.0.0.1:OTHER/ (tests/e2e/origins.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUS_LOG, assertPaused, closeServer, launch, statusLog } from './helpers.mjs';
import { RECORDER, elementPage, exampleTutorial, trainerSite, tutorialSite } from './origins.mjs';

let trainer, browser;
before(async () => { trainer = await trainerSite(); browser = await launch(); });
after(async () => { await browser?.close(); await trainer?.close(); });

// Opens the tutorial site's `/` (`pages` by path). record: add the wn-* event recorder
// (origins.mjs) to a page that lacks it, before the page's own scripts.
// warnings: the console's warnings of page and frames, apart from the errors.
// Page and site are closed at the end of test `t`, failed or not; close() closes them earlier.
async function visit(t, pages, { isolated = false, record = false } = {}) {
  const site = await tutorialSite(pages, { isolated });
  t.after(() => site.close());
  const context = await browser.newContext();
  t.after(() => context.close());
  await context.addInitScript(STATUS_LOG);
  const page = await context.newPage();
  const errors = [], warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  if (record) await page.addInitScript(RECORDER);
  await page.goto(site.url);
  const frame = () => page.frames().find((f) => f.url().startsWith(`${trainer.url}embed.html`));
  return { page, errors, warnings, frame, close: async () => { await context.close(); await site.close(); } };
}

// The trainer's site with some of its files failing: at http://localhost:PORT/, what the trainer
// serves, except that paths matching `failing` get `status` and no body (as Node answers a
// request line that is too long with 431).
async function faultyTrainerSite(failing, status) {
  const server = createServer(async (req, res) => {
    if (failing.test(new URL(req.url, 'http://x').pathname)) {
      res.writeHead(status, { 'Access-Control-Allow-Origin': '*' });
      return res.end();
    }
    const answer = await fetch(new URL(req.url.slice(1), trainer.direct));
    const headers = Object.fromEntries([...answer.headers].filter(([name]) => !['content-encoding', 'content-length', 'transfer-encoding'].includes(name)));
    res.writeHead(answer.status, headers);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://localhost:${server.address().port}/`, close: () => closeServer(server) };
}

const events = (page, type) => page.evaluate((t) => window.events.filter((e) => e.type === t), type);
const waitFor = (page, type, count = 1, timeout = 120000) =>
  page.waitForFunction(([t, n]) => window.events.filter((e) => e.type === t).length >= n, [type, count], { timeout });

// Calls the element's method in the page: {ok: true, answer} or {ok: false, message}; a promise
// that never settles is a failure too, after `NO_ANSWER_MS`.
const NO_ANSWER_MS = 60000;
function call(page, method, ...args) {
  return page.evaluate(([m, a, wait]) => Promise.race([
    document.querySelector('wn-trainer')[m](...a).then((answer) => ({ ok: true, answer }), (e) => ({ ok: false, message: e.message })),
    new Promise((settle) => setTimeout(() => settle({ ok: null, message: `${m}() never settled` }), wait)),
  ]), [method, args, NO_ANSWER_MS]);
}

async function refused(page, method, args, message) {
  const r = await call(page, method, ...args);
  assert.equal(r.ok, false, `${method}(${JSON.stringify(args)}) was accepted`);
  assert.match(r.message, message);
}

// Posts `message` to the frame as the parent, without the element, and resolves with the answer
// that carries its id.
function post(page, message) {
  return page.evaluate((m) => new Promise((answer) => {
    const frame = document.querySelector('wn-trainer').shadowRoot.querySelector('iframe').contentWindow;
    addEventListener('message', function on(e) {
      if (e.source === frame && e.data?.id === m.id) { removeEventListener('message', on); answer(e.data); }
    });
    frame.postMessage(m, '*');
  }), message);
}

const RUN_FIELDS = ['model', 'seed', 'lr', 'optimizer', 'wn_init'];

test('the example tutorial on another site trains through <wn-trainer> and gets its events', async (t) => {
  const { page, errors, frame } = await visit(t, { '/': await exampleTutorial(trainer.url) }, { record: true });
  await waitFor(page, 'experiment-done', 1, 400000);
  const all = await page.evaluate(() => window.events);
  const [ready] = all.filter((e) => e.type === 'ready');
  assert.equal(ready.threaded, false);  // a plain parent: the frame cannot be cross-origin isolated
  assert.equal(await frame().evaluate(() => crossOriginIsolated), false);
  assert.deepEqual(ready.spec.seeds, [1, 2, 3]);
  // Every DOM event is the frame's message under wn-TYPE.
  assert.ok(all.every((e) => e.event === `wn-${e.type}`));

  // The sgd preset: 2 models × 3 seeds, SGD at 0.01, one epoch; every run event names its run.
  const runEvents = all.filter((e) => ['started', 'progress', 'epoch', 'done'].includes(e.type));
  for (const e of runEvents) assert.deepEqual(RUN_FIELDS.map((k) => typeof e[k]), ['string', 'number', 'number', 'string', 'string'], e.type);
  assert.ok(runEvents.every((e) => e.optimizer === 'sgd' && e.lr === 0.01 && e.wn_init === 'tfa'));
  const runs = (type) => all.filter((e) => e.type === type).map((e) => `${e.model}/${e.seed}`).sort();
  assert.deepEqual(runs('done'), ['regular/1', 'regular/2', 'regular/3', 'weightnorm/1', 'weightnorm/2', 'weightnorm/3']);
  const epochs = all.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 6);
  assert.ok(epochs.every((e) => e.val_accuracy === e.log.val_accuracy && e.val_accuracy > 0));

  // The end: a summary per variant over the 3 seeds, and the k-of-N line on the page.
  const [done] = all.filter((e) => e.type === 'experiment-done');
  assert.deepEqual(done.runs, { total: 6, done: 6, diverged: 0, error: 0, stopped: 0 });
  assert.deepEqual(done.summary.map((s) => [s.variant, s.optimizer, s.lr, s.runs]), [['regular', 'sgd', 0.01, 3], ['weightnorm/tfa', 'sgd', 0.01, 3]]);
  for (const s of done.summary) {
    const finals = epochs.filter((e) => e.model === s.model).sort((a, b) => a.seed - b.seed).map((e) => e.val_accuracy);
    assert.equal(s.mean, finals.reduce((a, b) => a + b) / 3);  // summed in seed order, as the frame does
  }
  assert.equal(done.ahead.length, 1);
  assert.equal(done.ahead[0].n, 3);
  assert.equal(await page.textContent('#ahead'), `weight norm ahead of the plain net in ${done.ahead[0].k} of 3 seeds`);
  assert.equal(await page.textContent('#progress'), 'All 6 runs have ended.');

  // The frame fits its content.
  const height = all.filter((e) => e.type === 'resize').at(-1).height;
  assert.equal(await page.evaluate(() => document.querySelector('wn-trainer').getBoundingClientRect().height), height);
  assert.deepEqual(errors, []);

  // How long a reader waits for the first point of the chart (not asserted: the machine is shared).
  const first = all.find((e) => e.type === 'progress');
  t.diagnostic(`first chart point ${Math.round(first.at)} ms after opening the page (Chromium, single-threaded build)`);
});

test('commands: each is answered; refused ones get an error and change nothing; start, pause, resume, get-history, stop work', async (t) => {
  const { page, errors, frame } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="2" train="4000" test="200" seed="5"') });
  await waitFor(page, 'ready');
  const initial = (await call(page, 'configure', {})).answer.params;
  assert.deepEqual(initial, { models: ['regular'], epochs: 2, train: 4000, test: 200, seed: 5 });
  const empty = await call(page, 'history');
  assert.equal(empty.answer.format, 'wn-history');
  assert.deepEqual(empty.answer.runs, []);

  // Refused, each with its reason; the frame also sends each refusal as an error event.
  const before = (await events(page, 'error')).length;
  await refused(page, 'configure', [{ epochs: 'x' }], /^epochs=x: must be a whole number from 1 to \d+$/);
  await refused(page, 'configure', [{ epochs: 3, nosuch: 1 }], /unknown parameter nosuch/);
  await refused(page, 'configure', [{ autostart: 1 }], /unknown parameter autostart/);
  await refused(page, 'configure', [{ models: ['regular', 'cnn'] }], /models=regular,cnn: unknown entry cnn/);
  await refused(page, 'configure', [{ experiment: 'nope' }], /experiment=nope: must be one of tutorial, sgd/);
  await refused(page, 'configure', [{ momentum: 0.9 }], /momentum applies to optimizer=sgd only/);
  await refused(page, 'configure', [[1, 2]], /configure needs params/);
  await refused(page, 'pause', [], /^pause: not running$/);
  await refused(page, 'resume', [], /^resume: not paused$/);
  await refused(page, 'stop', [], /^stop: nothing is running$/);
  const target = 'wn-trainer';
  const unknown = await post(page, { target, type: 'explode', id: 'r1' });
  assert.deepEqual({ ...unknown, message: undefined }, { source: target, type: 'error', command: 'explode', id: 'r1', ok: false, message: undefined });
  assert.equal(unknown.message, 'unknown command "explode" (known: start, stop, pause, resume, configure, get-history)');
  assert.match((await post(page, { target, type: 'configure', params: 'epochs=3', id: 'r2' })).message, /configure needs params/);
  assert.match((await post(page, { target, type: 'configure', id: 'r3' })).message, /configure needs params/);
  const refusals = (await events(page, 'error')).slice(before);
  assert.equal(refusals.length, 13);
  assert.ok(refusals.every((e) => e.ok === false && e.command && e.id != null));
  // … and nothing changed.
  assert.deepEqual((await call(page, 'configure', {})).answer.params, initial);
  assert.deepEqual(await events(page, 'started'), []);

  // configure: a merge patch; the answer has the parameters and the runs they make.
  const configured = await call(page, 'configure', { models: ['regular', 'weightnorm'], seed: null, epochs: '2' });
  assert.equal(configured.answer.type, 'ack');
  assert.deepEqual(configured.answer.params, { models: ['regular', 'weightnorm'], epochs: 2, train: 4000, test: 200 });
  assert.deepEqual(configured.answer.spec.seeds, [0]);
  assert.deepEqual(configured.answer.spec.variants.map((v) => v.model), ['regular', 'weightnorm']);

  // start; a second start is refused while it runs.
  const started = await call(page, 'start');
  assert.deepEqual([started.answer.type, started.answer.command, started.answer.ok], ['ack', 'start', true]);
  await refused(page, 'start', [], /^start: already running: stop it first$/);
  await waitFor(page, 'progress', 2);

  // pause holds both runs; resume carries on.
  assert.equal((await call(page, 'pause')).answer.command, 'pause');
  assert.equal(await frame().textContent('#status'), 'paused');
  const perRun = async () => { const all = await events(page, 'progress'); return ['regular', 'weightnorm'].map((m) => all.filter((e) => e.model === m).length); };
  const held = (await assertPaused(page, perRun)).reduce((a, b) => a + b);
  assert.equal((await call(page, 'resume')).ok, true);
  await waitFor(page, 'progress', held + 1);

  // get-history mid-run: the records so far in wn-train's --json schema.
  await waitFor(page, 'epoch');
  const history = (await call(page, 'history')).answer;
  const [epoch] = await events(page, 'epoch');
  const record = history.runs.find((r) => r.model === epoch.model);
  assert.deepEqual(record.history[0], epoch.log);
  const cliFile = join(mkdtempSync(join(tmpdir(), 'wn-')), 'cli.json');
  execFileSync(new URL('../../build/wn-train', import.meta.url).pathname, ['--data', new URL('../../data/cifar-10-batches-bin', import.meta.url).pathname,
    '--epochs', '1', '--train-samples', '64', '--test-samples', '32', '--threads', '1', '--json', cliFile, '--quiet']);
  const cli = JSON.parse(readFileSync(cliFile, 'utf8'));
  const keys = (o) => Object.keys(o).sort();
  assert.deepEqual([keys(history), keys(history.options), keys(record)], [keys(cli), keys(cli.options), keys(cli.runs[0])]);
  assert.deepEqual([history.format, history.version], [cli.format, cli.version]);
  assert.equal(history.options.train_samples, 4000);

  // stop: answered, then the experiment's end with the runs cut short.
  assert.equal((await call(page, 'stop')).answer.command, 'stop');
  await waitFor(page, 'experiment-done');
  const [done] = await events(page, 'experiment-done');
  assert.equal(done.runs.total, 2);
  assert.ok(done.runs.stopped >= 1, JSON.stringify(done.runs));
  const after = (await call(page, 'history')).answer;
  assert.ok(after.runs.some((r) => r.stopped === 'stopped by the user'));
  await refused(page, 'stop', [], /nothing is running/);

  // A new start after a stop trains afresh.
  const startedBefore = (await events(page, 'started')).length;
  assert.equal((await call(page, 'start')).ok, true);
  await waitFor(page, 'started', startedBefore + 1);
  assert.equal((await call(page, 'stop')).ok, true);
  await waitFor(page, 'experiment-done', 2);

  // Every run event names its run.
  const runEvents = (await page.evaluate(() => window.events)).filter((e) => ['started', 'progress', 'epoch'].includes(e.type));
  assert.ok(runEvents.every((e) => e.seed === 0 && e.lr === 0.001 && e.optimizer === 'adam' && e.wn_init === 'tfa'));
  assert.deepEqual(errors, []);
});

test('the frame sends its height, the element follows it; attribute changes configure the frame', async (t) => {
  const { page, errors } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="1"') });
  await waitFor(page, 'ready');
  await waitFor(page, 'resize');
  const iframeHeight = () => page.evaluate(() => document.querySelector('wn-trainer').shadowRoot.querySelector('iframe').getBoundingClientRect().height);
  const last = async () => (await events(page, 'resize')).at(-1).height;
  const wide = await last();
  assert.ok(wide > 150, `height ${wide}`);
  assert.equal(await iframeHeight(), wide);
  // Narrower: the chart keeps its aspect ratio, so the content gets shorter, and so does the frame.
  const count = (await events(page, 'resize')).length;
  await page.evaluate(() => { document.querySelector('wn-trainer').style.width = '520px'; });
  await waitFor(page, 'resize', count + 1);
  const narrow = await last();
  assert.ok(narrow < wide, `${narrow} < ${wide}`);
  assert.equal(await iframeHeight(), narrow);

  // An attribute set later is a configure command, a removed one drops the parameter.
  const attribute = (name, value) => page.evaluate(([n, v]) => {
    const el = document.querySelector('wn-trainer');
    v === null ? el.removeAttribute(n) : el.setAttribute(n, v);
  }, [name, value]);
  await attribute('epochs', '3');
  await waitFor(page, 'ack', 1);
  assert.equal((await events(page, 'ack'))[0].params.epochs, 3);
  await attribute('epochs', 'lots');
  await page.waitForFunction(() => window.events.some((e) => e.type === 'error' && e.command === 'configure'));
  await attribute('epochs', null);
  await waitFor(page, 'ack', 2);
  assert.deepEqual((await events(page, 'ack'))[1].params, { models: ['regular'] });
  assert.deepEqual(errors, []);
});

test('bad attributes: a wn-error, commands sent meanwhile are refused with it; a corrected attribute reloads the frame', async (t) => {
  const { page, errors } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="0"') });
  // Sent at once, before the frame has loaded: it waits for the frame, which refuses its parameters.
  const early = await call(page, 'start');
  assert.deepEqual(early, { ok: false, message: 'epochs=0: must be a whole number from 1 to 1000' });
  assert.deepEqual((await events(page, 'error')).map((e) => e.message), [early.message]);
  assert.deepEqual(await events(page, 'ready'), []);
  await page.evaluate(() => document.querySelector('wn-trainer').setAttribute('epochs', '1'));
  await waitFor(page, 'ready');
  assert.deepEqual((await events(page, 'ready'))[0].params, { models: ['regular'], epochs: 1 });
  assert.deepEqual(errors, []);
});

test('only the parent commands the frame; the protocol lists the URL parameters and commands the frame knows', async (t) => {
  const { page, frame } = await visit(t, { '/': elementPage(trainer.url, 'models="regular"') });
  await waitFor(page, 'ready');
  // Another window of the same page (a sibling frame) posts a start: ignored, unanswered.
  const answered = await page.evaluate(() => new Promise((done) => {
    const trainerFrame = document.querySelector('wn-trainer').shadowRoot.querySelector('iframe').contentWindow;
    const sibling = document.createElement('iframe');
    sibling.srcdoc = '<p>another widget</p>';
    sibling.onload = () => {
      const seen = [];
      addEventListener('message', (e) => { if (e.source === trainerFrame) seen.push(e.data.id); });
      // A function of the sibling's own realm: the message's source is the sibling.
      sibling.contentWindow.Function('w', "w.postMessage({ target: 'wn-trainer', type: 'start', id: 'sibling' }, '*')")(trainerFrame);
      // The parent's command goes after it; its answer means the sibling's message was handled.
      trainerFrame.postMessage({ target: 'wn-trainer', type: 'get-history', id: 'parent' }, '*');
      addEventListener('message', (e) => { if (e.source === trainerFrame && e.data.id === 'parent') done(seen); });
    };
    document.body.append(sibling);
  }));
  assert.deepEqual(answered, ['parent']);
  assert.deepEqual(await events(page, 'started'), []);

  const [table, listed] = await frame().evaluate(async () => {
    const { paramTable } = await import('./params.js');
    return [Object.keys(paramTable(await globalThis.WNWasm.catalog())).sort(), [...globalThis.WNProtocol.embed.params].sort()];
  });
  assert.deepEqual(listed, table);
});

test('an isolated parent that allows it: the element\'s frame is cross-origin isolated and threaded', async (t) => {
  // A cross-origin isolated page admits a cross-origin frame only with CORP cross-origin on it.
  const corp = await fetch(`${trainer.url}embed.html`).then((r) => r.headers.get('cross-origin-resource-policy'));
  if (corp !== 'cross-origin') return t.skip(`the trainer serves embed.html with CORP ${corp}, which isolated parents refuse`);
  const { page, errors, frame } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="1" train="500" test="100" autostart') }, { isolated: true });
  await waitFor(page, 'experiment-done', 1, 180000);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(await frame().evaluate(() => crossOriginIsolated), true);
  assert.equal((await events(page, 'ready'))[0].threaded, true);
  assert.equal((await events(page, 'started'))[0].threaded, true);
  assert.deepEqual(errors, []);
});

test('moving the element while it trains: commands in flight are refused, a wn-error says the run was lost, the new frame keeps the settings', async (t) => {
  const { page, errors, warnings, frame } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="1" train="1000" test="100" autostart') });
  await waitFor(page, 'progress');
  assert.equal((await call(page, 'pause')).ok, true);  // held: still under way when the element moves
  assert.equal((await call(page, 'configure', { epochs: 2, seed: 3 })).ok, true);
  // A command sent, the element moved to another part of the page (which reloads its frame), another command.
  const [sent, later] = await page.evaluate((wait) => {
    const trainer = document.querySelector('wn-trainer');
    const answer = (p) => Promise.race([p.then((h) => ({ ok: true, runs: h.runs.length }), (e) => ({ ok: false, message: e.message })),
      new Promise((settle) => setTimeout(() => settle({ ok: null, message: 'never settled' }), wait))]);
    const sent = answer(trainer.history());
    const aside = document.createElement('aside');
    document.body.append(aside);
    aside.append(trainer);
    return Promise.all([sent, answer(trainer.history())]);
  }, NO_ANSWER_MS);
  assert.deepEqual(sent, { ok: false, message: 'the frame reloaded (the element was moved or taken out of the page): the run and history it had were lost' });
  assert.deepEqual((await events(page, 'error')).map((e) => e.message), [sent.message]);
  // The later command waited for the new frame, which has no runs, the configured settings, and did not autostart.
  assert.deepEqual(later, { ok: true, runs: 0 });
  const ready = await events(page, 'ready');
  assert.equal(ready.length, 2);
  assert.deepEqual(ready[1].params, { models: ['regular'], epochs: 2, train: 1000, test: 100, seed: 3 });
  assert.equal(await frame().textContent('#status'), '');
  assert.deepEqual(await events(page, 'experiment-done'), []);
  const started = await call(page, 'start');
  assert.deepEqual([started.answer.spec.epochs, started.answer.spec.seeds], [2, [3]]);
  await waitFor(page, 'started', 2);
  assert.equal((await call(page, 'stop')).ok, true);
  await waitFor(page, 'experiment-done');
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
});

test('a frame that cannot load: an over-long parameter is refused at once; an HTTP error page or a missing module is a wn-error, and commands are refused', async (t) => {
  // 24,000 characters: the URL would be refused by the server (431), so the element refuses it first.
  const long = await visit(t, { '/': elementPage(trainer.url, `models="${'regular,'.repeat(3000)}"`) });
  const refusal = await call(long.page, 'start');
  assert.equal(refusal.ok, false);
  assert.match(refusal.message, /^the parameters make the frame's URL \d+ characters long, more than servers take \(8000\): models alone has 24000$/);
  assert.deepEqual((await events(long.page, 'error')).map((e) => e.message), [refusal.message]);
  assert.equal(await long.page.evaluate(() => document.querySelector('wn-trainer').shadowRoot.querySelector('iframe')), null);
  await long.page.evaluate(() => document.querySelector('wn-trainer').setAttribute('models', 'regular'));
  await waitFor(long.page, 'ready');
  assert.deepEqual(long.errors, []);
  await long.close();

  // The server answers embed.html with an error and no page: the frame loads, and never speaks.
  for (const [failing, status, message] of [
    [/^\/embed\.html$/, 431, /^the trainer's frame did not load: http:\/\/localhost:\d+\/embed\.html sent nothing within 10 s of loading/],
    [/^\/wasm\//, 404, /^the trainer's WebAssembly module did not load: cannot load http:\/\/localhost:\d+\/wasm\/wn-trainer-st\.js$/],
  ]) {
    const faulty = await faultyTrainerSite(failing, status);
    t.after(() => faulty.close());
    const { page, close } = await visit(t, { '/': elementPage(faulty.url, 'models="regular"') });
    const [early, late] = [await call(page, 'start'), await call(page, 'history')];
    assert.equal(early.ok, false, String(failing));
    assert.match(early.message, message);
    assert.deepEqual(late, early);  // refused at once from now on
    assert.deepEqual((await events(page, 'error')).map((e) => e.message), [early.message]);
    assert.deepEqual(await events(page, 'ready'), []);
    await close();
    await faulty.close();
  }
});

test('configure: an oversized payload is refused at once, and refusals quote only the start of what was sent', async (t) => {
  const { page, errors } = await visit(t, { '/': elementPage(trainer.url, 'models="regular"') });
  await waitFor(page, 'ready');
  const huge = await page.evaluate(async () => {
    const models = Array.from({ length: 1000 }, (_, i) => String(i).padEnd(100000, 'x'));  // 100 MB of text
    const at = performance.now();
    const message = await document.querySelector('wn-trainer').configure({ models }).then(() => null, (e) => e.message);
    return { message, ms: performance.now() - at };
  });
  assert.equal(huge.message, 'configure: params of more than 8000 characters, more than any valid setting has');
  t.diagnostic(`100 MB of configure params refused in ${Math.round(huge.ms)} ms`);  // not asserted: the machine is shared

  const x = 'x'.repeat(5000);
  await refused(page, 'configure', [{ [x]: 1 }], new RegExp(`^configure: unknown parameter ${'x'.repeat(40)}… \\(known: `));
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 1]));
  await refused(page, 'configure', [many], /^configure: unknown parameter p0, p1, p2, p3, p4 and 95 more \(known: /);
  await refused(page, 'configure', [{ epochs: [[1, 2]] }], /^configure: each value must be text, a number, a list of them, or null$/);
  const unknown = await post(page, { target: 'wn-trainer', type: 'y'.repeat(1e6), id: 'long' });
  assert.equal(unknown.command, `${'y'.repeat(40)}…`);
  assert.equal(unknown.message, `unknown command "${'y'.repeat(40)}…" (known: start, stop, pause, resume, configure, get-history)`);
  assert.deepEqual((await call(page, 'configure', {})).answer.params, { models: ['regular'] });
  assert.deepEqual(errors, []);
});

test('threads beyond what a batch can use: each run trains on as many as the batch has images, with a warning', async (t) => {
  const corp = await fetch(`${trainer.url}embed.html`).then((r) => r.headers.get('cross-origin-resource-policy'));
  if (corp !== 'cross-origin') return t.skip(`the trainer serves embed.html with CORP ${corp}, which isolated parents refuse`);
  const { page, errors, frame } = await visit(t, { '/': elementPage(trainer.url, 'models="regular" epochs="1" train="400" test="50" batch="4" threads="8" autostart') }, { isolated: true });
  await waitFor(page, 'started');
  const warning = 'threads=8: a step shares its batch of 4 images out between threads, so each run trains on 4';
  // The status line says so while the run trains; by now the 100 steps may be over and the line
  // "done", so what it said is read from its log (STATUS_LOG), not from the line.
  const said = await statusLog(frame());
  assert.ok(said.some((line) => line.endsWith(`threaded build · warning: ${warning}`)), JSON.stringify(said));
  const [started] = await events(page, 'started');
  assert.deepEqual([started.threaded, started.threads, started.warnings], [true, 4, [warning]]);
  assert.equal((await call(page, 'history')).answer.options.threads, 4);
  await waitFor(page, 'experiment-done', 1, 180000);
  assert.deepEqual(errors, []);
});
