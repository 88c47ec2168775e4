// The page's parameter checks (web/params.js, from the catalog) and wn-train's flags (the settings
// table in C++) accept and refuse the same values, for every parameter that is also a flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseParams } from '../../web/params.js';
import { cliAccepts, loadCatalog } from './catalog.mjs';

const catalog = loadCatalog();

const VALUES = ['', '0', '-0', '1', '-1', '2', '00', '7', '10', '1000', '1001', '1024', '1025', '9999', '10000', '10001', '50000',
  '50001', '2147483647', '2147483648', '99999999999999999999', '1.5', '1e3', ' 5', '5 ', '+5', '0x10', 'abc', '1e-3', '1E-3',
  '1e-9', '1e-10', '100', '100.1', '0.9', '0.99', '.5', '5.', '1e39', '1e-50', 'inf', 'NaN', '1e-3,1e-2', '1e-3,1e-3',
  '1e-3,', ',1e-3', '1,2', '1-2', '2,4,8,32', '2,2', '8,1025', Array.from({ length: 21 }, (_, i) => `${i + 1}e-3`).join(','),
  'regular', 'weightnorm', 'wn-mobn', 'regular,weightnorm', 'regular,regular', 'regular,', 'nope', 'tfa', 'paper', 'none',
  'tfa,paper', 'tfa,tfa', 'adam', 'sgd', 'Adam', 'tutorial', 'sgd,adam'];

// What a parameter cannot mean by design, though the flag takes it: the flag's list syntax where the
// parameter is one value (seed: the first of `seeds`), the flag's alias `both`, and values below the
// parameter's own lower bound (the page trains at least one epoch).
function comparable(setting, value) {
  if (!setting.param_list && setting.list && /[,-]/.test(value.replace(/^-/, ''))) return false;
  if (setting.key === 'model' && value.split(',').includes('both')) return false;
  const n = Number(value);
  if (setting.param_lo != null && /^-?\d+$/.test(value) && n >= setting.lo && n < setting.param_lo) return false;
  return true;
}

for (const setting of catalog.settings.filter((s) => s.param && s.flag)) {
  test(`${setting.param} and ${setting.flag} take the same values`, () => {
    // Momentum applies to SGD only; wn-train checks that across flags.
    const context = setting.key === 'momentum' ? ['--optimizer', 'sgd'] : [];
    let compared = 0;
    for (const value of VALUES.filter((v) => comparable(setting, v))) {
      const page = parseParams(`${setting.param}=${encodeURIComponent(value)}`, catalog).errors.length === 0;
      const cli = cliAccepts([...context, setting.flag, value]);
      assert.equal(page, cli.ok, `${setting.param}=${JSON.stringify(value)}: page ${page ? 'accepts' : 'refuses'}, ${setting.flag} ${cli.ok ? 'accepts' : `refuses (${cli.message})`}`);
      compared++;
    }
    assert.ok(compared > 40, `${compared} values compared`);
  });
}
