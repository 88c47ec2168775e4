// Embed mode inside a tutorial page: autostarts from URL parameters and reports to its parent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, startServer } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('embed.html autostarts from URL parameters and posts progress events to the parent', async () => {
  const { page, context, errors } = await openPage(browser, 'about:blank');
  // A "tutorial" page on the same server that embeds the trainer and listens.
  await page.route(`${server.url}tutorial.html`, (route) => route.fulfill({
    contentType: 'text/html',
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    body: `<!doctype html><script>window.events = [];
      addEventListener('message', (e) => { if (e.data && e.data.source === 'wn-trainer') events.push(e.data); });</script>
      <iframe src="embed.html?models=weightnorm&epochs=2&train=1000&test=200&seed=4&autostart=1" width="800" height="400"></iframe>`,
  }));
  await page.goto(`${server.url}tutorial.html`);
  await page.waitForFunction(() => window.events.some((e) => e.type === 'done'), null, { timeout: 120000 });
  const events = await page.evaluate(() => window.events);
  const types = new Set(events.map((e) => e.type));
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
