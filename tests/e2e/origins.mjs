// Helpers for the tests that need more than one origin or a process of their own: a tutorial
// page on another site embedding the trainer, scripts/serve.mjs run as a CLI, and stand-in
// commands for checking what the shell scripts would run.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage } from './helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The trainer's server (http://127.0.0.1:PORT/, from startServer) seen as http://localhost:PORT/,
// and a tutorial page served from http://127.0.0.1:OTHER/: different sites, as when a tutorial on
// another domain embeds the trainer. Such a frame is third-party: its storage may be blocked, and it
// is cross-origin isolated only if the parent is and allows it. (The parent comes from a real
// server: a page the browser's router made up counts as public, and Chromium's local network
// access checks then refuse to frame localhost.)
//   isolated: the parent sends COOP same-origin + COEP require-corp
//   allow:    the iframe's allow attribute, e.g. 'cross-origin-isolated'
// Resolves once `models` models sent done or error, with the page (left open), the events it
// received, the frame, and the console errors of page and frame.
export async function tutorialRun(browser, server, query, { isolated = false, allow = null, models = 1, timeout = 180000 } = {}) {
  const trainer = server.url.replace('127.0.0.1', 'localhost');
  const tutorial = await tutorialServer(isolated, `<!doctype html><script>window.events = [];
    addEventListener('message', (e) => { if (e.data && e.data.source === 'wn-trainer') events.push(e.data); });</script>
    <iframe src="${trainer}embed.html?${query}" ${allow ? `allow="${allow}"` : ''} width="800" height="400"></iframe>`);
  try {
    const opened = await openPage(browser, tutorial.url);
    await opened.page.waitForFunction((n) => window.events.filter((e) => e.type === 'done' || e.type === 'error').length >= n,
      models, { timeout });
    const frame = opened.page.frames().find((f) => f.url().startsWith(`${trainer}embed.html`));
    return { ...opened, frame, trainer, events: await opened.page.evaluate(() => window.events) };
  } finally {
    await tutorial.close();
  }
}

// One page at http://127.0.0.1:PORT/, with or without the isolation headers.
async function tutorialServer(isolated, html) {
  const server = createServer((req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}

// Runs `node scripts/serve.mjs ARGS` (under `ulimit -n` when given) until it prints its URL.
// Resolves to {url, output(), exitCode(), stop()}; with expectExit, waits for it to end
// instead and resolves to {code, output}.
export function startCli(args, { ulimit = null, env = {}, expectExit = false } = {}) {
  const command = `${ulimit ? `ulimit -n ${ulimit}; ` : ''}exec "$0" scripts/serve.mjs "$@"`;
  const child = spawn('bash', ['-c', command, process.execPath, ...args], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((ok) => child.on('exit', (code) => ok(code)));
  return new Promise((ok, fail) => {
    const onData = (chunk) => {
      output += chunk;
      const url = output.match(/is at (http:\S+)/)?.[1];
      if (url && !expectExit) ok({
        url,
        output: () => output,
        exitCode: () => child.exitCode,
        stop: () => { child.kill(); return exited; },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => (expectExit ? ok({ code, output }) : fail(new Error(`serve.mjs exited (${code}): ${output}`))));
  });
}

// A folder of stand-in commands, each appending "name args…" to a log and exiting with `code`
// (sudo runs its arguments). Put `dir` first in PATH; calls() lists what was run.
export function fakeTools(dir, names, code = 0) {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'calls.log');
  for (const name of names) {
    const body = name === 'sudo' ? 'exec "$@"' : `echo "${name} $*" >> '${log}'\nexit ${code}`;
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}
