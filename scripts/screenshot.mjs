#!/usr/bin/env node
// Regenerates docs/screenshot.png: the page after a short run of both models.
//   node scripts/screenshot.mjs [epochs=3] [train=10000]
import { launch, openPage, startServer, waitForData, waitForEpochs } from '../tests/e2e/helpers.mjs';

const [epochs = 3, train = 10000] = process.argv.slice(2).map(Number);
const server = await startServer();
const browser = await launch();
const { page } = await openPage(browser, `${server.url}?epochs=${epochs}&train-samples=${train}&test-samples=2000`);
await page.setViewportSize({ width: 1280, height: 1000 });
await waitForData(page);
await page.click('#start');
await waitForEpochs(page, epochs, 600000);
await page.waitForTimeout(300);
await page.screenshot({ path: new URL('../docs/screenshot.png', import.meta.url).pathname, fullPage: true });
await browser.close();
await server.close();
console.log('wrote docs/screenshot.png');
