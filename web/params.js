// The URL parameters of the page and of the embed: one table, with the embed's names, checked
// against the limits the C++ core reports (its catalog). A bad value is an error to show, never
// silently clamped or replaced; parameters this table does not know (sw, hooks) are left alone.

function names(list) { return list.join(', '); }

export function paramTable(catalog) {
  const l = catalog.limits;
  const int = (lo, hi) => ({ kind: 'int', lo, hi });
  const num = (lo, hi) => ({ kind: 'number', lo, hi });
  const oneOf = (values) => ({ kind: 'oneOf', values });
  return {
    models: { kind: 'list', values: catalog.models },
    epochs: int(1, l.max_epochs),
    batch: int(1, l.max_batch),
    train: int(1, l.max_train),
    test: int(1, l.max_test),
    seed: int(0, l.max_seed),
    seeds: int(1, l.max_seeds),
    lr: num(l.min_lr, l.max_lr),
    momentum: num(0, 1),
    optimizer: oneOf(catalog.optimizers),
    wninit: oneOf(catalog.wn_inits),
    threads: int(1, l.max_threads),
    build: oneOf(['auto', 'st']),
    autostart: oneOf(['0', '1']),
  };
}

// One value: [value, null] or [null, error message].
function parseOne(name, text, rule) {
  const bad = (why) => [null, `${name}=${text}: ${why}`];
  switch (rule.kind) {
    case 'int': {
      const v = Number(text);
      if (text.trim() === '' || !Number.isInteger(v) || v < rule.lo || v > rule.hi) return bad(`must be a whole number from ${rule.lo} to ${rule.hi}`);
      return [v, null];
    }
    case 'number': {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v) || v < rule.lo || v > rule.hi) return bad(`must be a number from ${rule.lo} to ${rule.hi}`);
      return [v, null];
    }
    case 'oneOf':
      return rule.values.includes(text) ? [text, null] : bad(`must be one of ${names(rule.values)}`);
    case 'list': {
      const items = text.split(',');
      const unknown = items.filter((m) => !rule.values.includes(m));
      if (unknown.length) return bad(`unknown ${unknown.length > 1 ? 'entries' : 'entry'} ${names(unknown)} (known: ${names(rule.values)})`);
      const twice = items.filter((m, i) => items.indexOf(m) !== i);
      if (twice.length) return bad(`lists ${names([...new Set(twice)])} twice`);
      return [items, null];
    }
  }
  return bad('unknown parameter');
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
