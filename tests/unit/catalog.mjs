// The catalog the page reads, as native wn-train prints it (`wn-train --catalog`): the same text the
// WebAssembly module's wn_catalog returns (src/config/catalog.cpp), without a browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const wnTrain = process.env.WN_TRAIN ?? fileURLToPath(new URL('../../build/wn-train', import.meta.url));

export function loadCatalog() {
  if (!existsSync(wnTrain)) throw new Error(`${wnTrain} is missing: build it first (bash scripts/build.sh native)`);
  const catalog = JSON.parse(execFileSync(wnTrain, ['--catalog'], { encoding: 'utf8' }));
  // The page asks the module's settings table about free text (web/wasm.js); here wn-train's table.
  const flagOf = (key) => catalog.settings.find((s) => s.key === key).flag;
  catalog.checkText = (key, text) => { const r = cliAccepts([flagOf(key), text]); return r.ok ? null : r.message; };
  return catalog;
}

// Whether wn-train takes these flags: it parses them all before --help answers.
export function cliAccepts(args) {
  const r = spawnSync(wnTrain, [...args, '--help'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 2) throw new Error(`wn-train ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
  return { ok: r.status === 0, message: r.stderr.trim() };
}
