// Embed mode inside a tutorial page: autostarts from URL parameters and reports to its parent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { embedRun, launch, startServer } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('embed.html autostarts from URL parameters and posts progress events to the parent', async () => {
  const { page, context, errors, events } = await embedRun(browser, server,
    'hooks&models=weightnorm&epochs=2&train=1000&test=200&seed=4&lr=0.002&autostart=1');
  const types = new Set(events.map((e) => e.type));
  assert.ok(types.has('done') && !types.has('error'), [...types].join());
  assert.ok(types.has('ready') && types.has('started') && types.has('progress') && types.has('epoch'), [...types].join());
  const runEvents = events.filter((e) => e.type !== 'ready');
  assert.ok(runEvents.every((e) => e.model === 'weightnorm' && e.seed === 4 && e.lr === 0.002), JSON.stringify(runEvents[0]));
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.deepEqual(epochs.map((e) => e.log.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.log.val_accuracy > 0 && e.run.history.length === e.log.epoch));
  assert.ok(events.filter((e) => e.type === 'progress').every((e) => e.steps === 32));
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  assert.equal(await frame.evaluate(() => globalThis.wnTest.charts.points('weightnorm/tfa', 'val_accuracy')), 2);
  assert.equal(await frame.textContent('#status'), 'done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('asking the single-threaded build for 2 threads trains on 1, and says single-threaded', async () => {
  const { page, context, events } = await embedRun(browser, server, 'models=regular&epochs=1&train=500&test=100&build=st&threads=2&autostart=1');
  const started = events.find((e) => e.type === 'started');
  assert.equal(started.threaded, false);
  assert.equal(started.threads, 1);
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  assert.doesNotMatch(await frame.textContent('#status'), /threaded build/);
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.ok(events.some((e) => e.type === 'done'));
  await context.close();
});

test('bad parameters: an error event, the message in the frame, nothing trains', async () => {
  for (const [query, message] of [
    ['models=x&autostart=1', /models=x: unknown entry x \(known: regular, weightnorm\)/],
    ['models=regular,regular&autostart=1', /models=regular,regular: lists regular twice/],
    ['batch=1.5&autostart=1', /batch=1\.5: must be a whole number from 1 to 1024/],
    ['wninit=xavier&autostart=1', /wninit=xavier: unknown entry xavier \(known: tfa, paper, none\)/],
  ]) {
    const { page, context, events } = await embedRun(browser, server, query, { timeout: 20000 });
    assert.equal(events.length, 1, query);
    assert.equal(events[0].type, 'error');
    assert.match(events[0].message, message);
    const frame = page.frames().find((f) => f.url().includes('embed.html'));
    assert.match(await frame.textContent('#status'), message);
    assert.equal(await frame.isDisabled('#start'), true);
    await context.close();
  }
});
