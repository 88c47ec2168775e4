// embed.html in a tutorial page on another site (the trainer at localhost, the tutorial at
// 127.0.0.1): a third-party frame, whose storage the browser may block and which is isolated
// only when its parent is and allows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, startServer } from './helpers.mjs';
import { tutorialRun } from './origins.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const QUERY = 'models=regular&epochs=1&train=500&test=100&seed=1&autostart=1';

// The run ended with one epoch and no error or console error; the frame was isolated, and the
// trainer threaded, exactly when `threaded`.
async function assertTrained({ errors, events, frame }, threaded) {
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.deepEqual(events.filter((e) => e.type === 'epoch').map((e) => e.log.epoch), [1]);
  assert.ok(events.some((e) => e.type === 'done'));
  assert.equal(await frame.evaluate(() => crossOriginIsolated), threaded);
  assert.equal(events.find((e) => e.type === 'started').threaded, threaded);
  assert.deepEqual(errors, []);
}

test('a plain parent on another site: the frame trains single-threaded, without console errors', async (t) => {
  const run = await tutorialRun(t, browser, server, QUERY);
  await assertTrained(run, false);
  // Only one `ready`: the frame did not reload itself halfway through the run.
  assert.equal(run.events.filter((e) => e.type === 'ready').length, 1);
});

test('an isolated parent that allows it: the frame is cross-origin isolated and trains threaded', async (t) => {
  const run = await tutorialRun(t, browser, server, QUERY, { isolated: true, allow: 'cross-origin-isolated' });
  await assertTrained(run, true);
});

test('an isolated parent without allow="cross-origin-isolated": the frame loads and trains single-threaded', async (t) => {
  const run = await tutorialRun(t, browser, server, QUERY, { isolated: true });
  await assertTrained(run, false);
});
