import { variantsOf } from './experiment.js';

// The URL parameters of the page and of the embed, checked by the rules of the C++ core's settings
// table, which the catalog carries (paramTable). A bad value is an error to show, never
// silently clamped or replaced; parameters this table does not know (sw, hooks) are left alone.
//
// One optimiser setting is `optimizer`, `lr` (a list) and `momentum`; several are `sweeps`:
// "adam:3e-4,1e-3;sgd:0.01,0.1" (momentum as "sgd@0.9:0.01").

function names(list) { return list.join(', '); }

// Text as a message quotes it: its start only, and a list's first few, so that what a caller sends
// (a URL, an embed's configure) is never echoed back whole.
const QUOTED = 40, LISTED = 5;
export const quote = (text) => (text.length > QUOTED ? `${text.slice(0, QUOTED)}…` : text);
export const quoteList = (texts) =>
  names(texts.slice(0, LISTED).map(quote)) + (texts.length > LISTED ? ` and ${texts.length - LISTED} more` : '');

// The rule of each URL parameter, from the settings table of the C++ core (the catalog's
// `settings`, src/config/settings.cpp): its type, bounds and choices, in the table's order. No rule
// of its own lives here: a setting with a `param` in the table is a parameter of the page and the embed.
export function paramTable(catalog) {
  const table = {};
  for (const s of catalog.settings) if (s.param) table[s.param] = ruleOf(s, catalog);
  return table;
}

function ruleOf(s, catalog) {
  const lo = s.param_lo ?? s.lo;
  switch (s.type) {
    case 'integer': return s.param_list ? { kind: 'ints', lo, hi: s.hi, most: s.most } : { kind: 'int', lo, hi: s.hi };
    case 'number':
      if (s.param_list) return { kind: 'numbers', lo, hi: s.hi, most: s.most };
      return s.below_hi ? { kind: 'number', lo, below: s.hi } : { kind: 'number', lo, hi: s.hi };
    case 'choice': return s.param_list ? { kind: 'list', values: s.choices } : { kind: 'oneOf', values: s.choices };
    case 'sweeps': {
      // Each sweep's learning rates and momentum follow their own settings' rules.
      const lr = catalog.settings.find((t) => t.key === 'learning_rate');
      const momentum = catalog.settings.find((t) => t.key === 'momentum');
      return { kind: 'sweeps', optimizers: catalog.optimizers, lo: lr.lo, hi: lr.hi, most: lr.most, momentumBelow: momentum.hi };
    }
  }
  // Free text (an architecture spec) follows a grammar the catalog cannot carry: the core checks it
  // (catalog.checkText, the module's settings table on the page; web/wasm.js).
  return { kind: 'text', check: (text) => catalog.checkText?.(s.key, text) ?? null };
}

// Plain decimal notation, as wn-train reads it (src/config/settings.cpp): Number() would also take
// '0x10', '0b11', ' 5' and '' (as 0), which a link should not mean.
// A leading '-' reads as wn-train reads it: "-0" is 0, "-1" is out of range.
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
// A number setting is a float in the core (src/config/settings.cpp): 0 or a normal float, so
// 1e-50 (which would become 0) and 1e39 (inf) are not numbers here either.
const FLOAT_MIN = 2 ** -126;
const isFloat = (v) => v === 0 || (Math.abs(Math.fround(v)) >= FLOAT_MIN && Number.isFinite(Math.fround(v)));
const decimal = (text) => (DECIMAL.test(text) && isFloat(Number(text)) ? Number(text) : NaN);

// "1e-3,1e-2" → [0.001, 0.01] within [lo, hi], at most `most` of them, no repeats; or an error.
function numbers(text, lo, hi, most) {
  const items = text.split(',');  // not trimmed: wn-train refuses ' 5' too
  if (items.length > most) return [null, `more than ${most} values`];
  const values = items.map(decimal);
  const bad = items.filter((t, i) => t === '' || !Number.isFinite(values[i]) || values[i] < lo || values[i] > hi);
  if (bad.length) return [null, `${bad.map((b) => quote(b) || '(empty)').join(', ')} not a number from ${lo} to ${hi}`];
  if (new Set(values).size !== values.length) return [null, 'a value is listed twice'];
  return [values, null];
}

export function formatSweeps(sweeps) {
  return sweeps.map((s) => `${s.optimizer}${s.momentum ? `@${s.momentum}` : ''}:${s.lrs.join(',')}`).join(';');
}

// One value: [value, null] or [null, error message].
function parseOne(name, text, rule) {
  const bad = (why) => [null, `${name}=${quote(text)}: ${why}`];
  switch (rule.kind) {
    case 'int': {
      const v = INTEGER.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(v) || v < rule.lo || v > rule.hi) return bad(`must be a whole number from ${rule.lo} to ${rule.hi}`);
      return [v, null];
    }
    case 'number': {
      const v = decimal(text);
      if (rule.below != null) {
        if (!Number.isFinite(v) || v < rule.lo || !(v < rule.below)) return bad(`must be a number from ${rule.lo} to below ${rule.below}`);
      } else if (!Number.isFinite(v) || v < rule.lo || !(v <= rule.hi)) {
        return bad(`must be a number from ${rule.lo} to ${rule.hi}`);
      }
      return [v, null];
    }
    case 'ints': {
      // "2,4,8,32": whole numbers within the bounds, each once (a batch-size grid). One is read as an int.
      const items = text.split(',');
      if (items.length === 1) {
        const [v, error] = parseOne(name, text, { kind: 'int', lo: rule.lo, hi: rule.hi });
        return error ? [null, error] : [[v], null];
      }
      if (items.length > rule.most) return bad(`more than ${rule.most} values`);
      const values = items.map((t) => (INTEGER.test(t) ? Number(t) : NaN));
      const wrong = items.filter((t, i) => !Number.isSafeInteger(values[i]) || values[i] < rule.lo || values[i] > rule.hi);
      if (wrong.length) return bad(`${wrong.map((b) => quote(b) || '(empty)').join(', ')} not a whole number from ${rule.lo} to ${rule.hi}`);
      if (new Set(values).size !== values.length) return bad('a value is listed twice');
      return [values, null];
    }
    case 'numbers': {
      const [v, error] = numbers(text, rule.lo, rule.hi, rule.most);
      return error ? bad(error) : [v, null];
    }
    case 'text': {
      const error = rule.check?.(text);
      return error ? bad(error) : [text, null];
    }
    case 'oneOf':
      return rule.values.includes(text) ? [text, null] : bad(`must be one of ${names(rule.values)}`);
    case 'list': {
      const items = text.split(',');
      const unknown = items.filter((m) => !rule.values.includes(m));
      if (unknown.length) return bad(`unknown ${unknown.length > 1 ? 'entries' : 'entry'} ${quoteList(unknown)} (known: ${names(rule.values)})`);
      const twice = items.filter((m, i) => items.indexOf(m) !== i);
      if (twice.length) return bad(`lists ${names([...new Set(twice)])} twice`);
      return [items, null];
    }
    case 'sweeps': {
      const sweeps = [];
      for (const part of text.split(';')) {
        const m = /^([a-z]+)(?:@([\d.e+-]+))?:(.+)$/.exec(part);
        if (!m || !rule.optimizers.includes(m[1])) return bad(`each sweep is OPTIMIZER:LR,LR… with an optimizer of ${names(rule.optimizers)}`);
        const momentum = m[2] === undefined ? 0 : decimal(m[2]);
        if (!(momentum >= 0 && momentum < rule.momentumBelow) || (momentum > 0 && m[1] !== 'sgd')) return bad(`momentum is a number from 0 to below ${rule.momentumBelow}, for sgd`);
        const [lrs, error] = numbers(m[3], rule.lo, rule.hi, rule.most);
        if (error) return bad(error);
        if (sweeps.some((s) => s.optimizer === m[1])) return bad(`${m[1]} appears twice`);
        sweeps.push({ optimizer: m[1], momentum, lrs });
      }
      return [sweeps, null];
    }
  }
  return bad('unknown parameter');
}

// One parameter's text by its rule: [value, null] or [null, error message] (the form's list fields).
export function parseParam(name, text, catalog) {
  return parseOne(name, text, paramTable(catalog)[name]);
}

// {values: {name: value} for the parameters present and valid, errors: [messages]}.
export function parseParams(search, catalog, extra = {}) {
  const table = { ...paramTable(catalog), ...extra };
  const params = new URLSearchParams(search);
  const values = {}, errors = [];
  for (const [name, rule] of Object.entries(table)) {
    if (!params.has(name)) continue;
    const [v, error] = parseOne(name, params.get(name), rule);
    if (error) errors.push(error);
    else values[name] = v;
  }
  return { values, errors };
}

// Seeds first, first + 1, … first + count − 1 must all be seeds wn-train takes; a message if not.
export function seedRangeError(first, count, catalog) {
  const last = first + count - 1, max = catalog.limits.max_seed;
  return last > max ? `seeds ${first}…${last} go past the largest seed, ${max}` : null;
}

// What a spec asks that no single parameter's check can catch, as messages (empty: fine).
export function specErrors(spec, catalog) {
  const errors = [];
  if (spec.sweeps.some((s) => s.momentum > 0 && s.optimizer !== 'sgd')) errors.push('momentum applies to optimizer=sgd only');
  const seeds = seedRangeError(spec.seeds[0], spec.seeds.length, catalog);
  if (seeds) errors.push(seeds);
  return errors;
}

// The spec of an experiment (web/experiment.js) from parameter values: a preset's, then the
// explicit values over it (wn-train's rule for --experiment, src/config/settings.cpp), then the
// fallback's and the catalog's defaults for whatever neither sets. fallback: {epochs?, train, test}.
export function specFrom(values, catalog, fallback = {}) {
  const d = catalog.defaults;
  const preset = catalog.experiments.find((e) => e.name === values.experiment) ?? fallback;
  const models = values.models ?? preset.models ?? ['regular', 'weightnorm'];
  const inits = values.wninit ?? preset.wn_inits ?? [d.wn_init];
  let sweeps = values.sweeps ?? preset.sweeps ?? [{ optimizer: d.optimizer, momentum: d.momentum, lrs: [d.lr] }];
  if (values.optimizer || values.lr || values.momentum != null) {
    const optimizer = values.optimizer ?? sweeps[0].optimizer;
    const same = optimizer === sweeps[0].optimizer;
    sweeps = [{ optimizer, momentum: values.momentum ?? (same ? sweeps[0].momentum : 0), lrs: values.lr ?? (same ? sweeps[0].lrs : [d.lr]) }];
  }
  const first = values.seed ?? (preset.seeds ? 1 : d.seed);
  const count = values.seeds ?? preset.seeds ?? 1;
  return {
    experiment: values.experiment ?? preset.name ?? null,
    variants: variantsOf(models, inits),
    seeds: Array.from({ length: count }, (_, i) => first + i),
    sweeps,
    arch: values.arch ?? preset.arch ?? d.arch,
    width: values.width ?? preset.width ?? d.width,
    epochs: values.epochs ?? preset.epochs ?? fallback.epochs ?? d.epochs,
    batchSizes: values.batch ?? preset.batch ?? [d.batch_size],
    trainSamples: values.train ?? preset.train ?? fallback.train,
    testSamples: values.test ?? preset.test ?? fallback.test,
    ...(values.initsamples ?? preset.init_samples ? { initSamples: values.initsamples ?? preset.init_samples } : {}),
  };
}
