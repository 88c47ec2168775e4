// Embed mode inside a tutorial page: autostarts from URL parameters and reports to its parent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { embedRun, launch, startServer } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('embed.html autostarts from URL parameters and posts progress events to the parent', async () => {
  const { page, context, errors, events } = await embedRun(browser, server,
    'models=weightnorm&epochs=2&train=1000&test=200&seed=4&autostart=1');
  const types = new Set(events.map((e) => e.type));
  assert.ok(types.has('done') && !types.has('error'), [...types].join());
  assert.ok(types.has('ready') && types.has('progress') && types.has('epoch'), [...types].join());
  assert.ok(events.every((e) => e.model === 'weightnorm'));
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(events.filter((e) => e.type === 'progress').every((e) => e.steps === 32));
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  assert.equal(await frame.evaluate(() => globalThis.wnEmbed.charts.points('weightnorm', 'val_accuracy')), 2);
  assert.deepEqual(errors, []);
  await context.close();
});

test('asking the single-threaded build for 2 threads trains on 1', async () => {
  const { context, events } = await embedRun(browser, server, 'models=regular&epochs=1&train=500&test=100&build=st&threads=2&autostart=1');
  const ready = events.find((e) => e.type === 'ready');
  assert.equal(ready.threaded, false);
  assert.equal(ready.threads, 1);
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.ok(events.some((e) => e.type === 'done'));
  await context.close();
});
