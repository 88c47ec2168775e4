// The experiment form: an experiment preset fills it, every field stays editable, and the form
// reads back as an experiment spec (web/experiment.js) and as URL parameters with the embed's
// names (web/params.js), so a link reproduces a run. Bounds and choices come from the catalog.
import { hasInit, variantsOf } from './experiment.js';
import { formatSweeps, paramTable, parseParam, seedRangeError, specFrom } from './params.js';

const $ = (id) => document.getElementById(id);

function checkboxes(box, name, values, labels = {}) {
  box.replaceChildren(...values.map((v) => {
    const label = document.createElement('label');
    label.className = 'check';
    const input = Object.assign(document.createElement('input'), { type: 'checkbox', name, value: v });
    label.append(input, ` ${labels[v] ?? v}`);
    return label;
  }));
}

const checked = (name) => [...document.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);

export class Controls {
  // fallback: the data sizes when no experiment sets them ({train, test}).
  // costOf(spec): the cost of the spec's first model ({params, train_flops}), or throws why the
  // architecture is refused; the module answers (web/wasm.js), so the rules live in the core only.
  constructor(catalog, fallback, onChange, costOf = null) {
    this.catalog = catalog;
    this.costOf = costOf;
    this.fallback = fallback;
    const table = paramTable(catalog);
    $('experiment').replaceChildren(...catalog.experiments.map((e) => new Option(e.title, e.name)), new Option('Custom', ''));
    checkboxes($('models-box'), 'model', catalog.models, { weightnorm: 'weight norm', 'wn-mobn': 'weight norm + mean-only BN', batchnorm: 'batch norm' });
    checkboxes($('wninit-box'), 'wninit', catalog.wn_inits);
    // The number fields' bounds: the settings table's (the catalog's settings with a form field).
    for (const { field, param } of catalog.settings.filter((t) => t.field && (t.type === 'integer' || t.type === 'number'))) {
      const rule = table[param];
      Object.assign($(field), { min: rule.lo, max: rule.hi ?? rule.below });
    }
    $('add-sweep').addEventListener('click', () => { this.addSweep({ optimizer: this.unusedOptimizer(), momentum: 0, lrs: [catalog.defaults.lr] }); onChange(); });
    $('experiment').addEventListener('change', () => {
      const name = $('experiment').value;
      if (name) this.set(specFrom({ experiment: name }, catalog, fallback));
      onChange();
    });
    // Any edit makes it a custom experiment, unless it matches the preset again.
    // The custom checks run on every edit: a message left from the last Start would otherwise keep
    // the browser from submitting the corrected form.
    $('controls').addEventListener('input', (e) => { if (e.target.id !== 'experiment') this.markCustom(); this.check(); onChange(); });
    this.onChange = onChange;
  }

  unusedOptimizer() {
    const used = [...document.querySelectorAll('#sweeps .optimizer')].map((s) => s.value);
    return this.catalog.optimizers.find((o) => !used.includes(o)) ?? this.catalog.optimizers[0];
  }

  addSweep(s) {
    const row = document.createElement('div');
    row.className = 'sweep';
    row.innerHTML = `<label>optimizer <select class="optimizer"></select></label>
      <label>learning rates <input class="lrs" type="text" inputmode="decimal" required></label>
      <label>momentum <input class="momentum" type="number" min="0" max="1" step="any"></label>
      <button type="button" class="remove" aria-label="remove this optimizer">×</button>`;
    const select = row.querySelector('.optimizer');
    select.append(...this.catalog.optimizers.map((o) => new Option(o, o)));
    select.value = s.optimizer;
    row.querySelector('.lrs').value = s.lrs.join(', ');
    row.querySelector('.momentum').value = s.momentum ?? 0;
    const syncMomentum = () => { row.querySelector('.momentum').disabled = select.value !== 'sgd'; };
    select.addEventListener('change', syncMomentum);
    syncMomentum();
    row.querySelector('.remove').addEventListener('click', () => {
      if (document.querySelectorAll('#sweeps .sweep').length > 1) row.remove();
      this.markCustom();
      this.check();
      this.onChange();
    });
    $('sweeps').append(row);
    $('add-sweep').disabled = document.querySelectorAll('#sweeps .sweep').length >= this.catalog.optimizers.length;
  }

  set(spec) {
    $('experiment').value = spec.experiment ?? '';
    const preset = this.catalog.experiments.find((e) => e.name === spec.experiment);
    $('experiment-text').textContent = preset?.text ?? 'Your own settings.';
    const models = new Set(spec.variants.map((v) => v.model));
    const inits = new Set(spec.variants.filter((v) => hasInit(v.model)).map((v) => v.wnInit));
    if (!inits.size) inits.add(spec.variants[0]?.wnInit ?? this.catalog.defaults.wn_init);
    for (const i of document.querySelectorAll('input[name=model]')) i.checked = models.has(i.value);
    for (const i of document.querySelectorAll('input[name=wninit]')) i.checked = inits.has(i.value);
    $('sweeps').replaceChildren();
    for (const s of spec.sweeps) this.addSweep(s);
    $('seed').value = spec.seeds[0];
    $('seeds').value = spec.seeds.length;
    $('arch').value = spec.arch;
    $('width').value = spec.width;
    $('epochs').value = spec.epochs;
    $('batch-size').value = spec.batchSizes.join(',');
    $('train-samples').value = spec.trainSamples;
    $('test-samples').value = spec.testSamples;
    $('init-samples').value = spec.initSamples ?? '';
    this.presetParams = preset ? this.params(true).toString() : null;
    this.check();
  }

  markCustom() {
    if (this.presetParams && this.params(true).toString() !== this.presetParams) {
      $('experiment').value = '';
      $('experiment-text').textContent = 'Your own settings.';
      this.presetParams = null;
    }
  }

  sweeps() {
    return [...document.querySelectorAll('#sweeps .sweep')].map((row) => ({
      optimizer: row.querySelector('.optimizer').value,
      momentum: row.querySelector('.optimizer').value === 'sgd' ? Number(row.querySelector('.momentum').value) || 0 : 0,
      lrs: row.querySelector('.lrs').value.split(',').map((t) => Number(t.trim())),
      input: row.querySelector('.lrs'),
      momentumInput: row.querySelector('.momentum'),
    }));
  }

  // Marks what the browser's own constraints cannot express, and shows the first problem; true when the form is valid.
  validate() {
    this.check();
    return $('controls').reportValidity();
  }

  // Marks what the browser's own constraints cannot express, without showing it.
  check() {
    const { lr, momentum } = paramTable(this.catalog);
    const models = checked('model');
    document.querySelector('input[name=model]').setCustomValidity(models.length ? '' : 'Choose at least one model.');
    const needsInit = models.some(hasInit);
    document.querySelector('input[name=wninit]').setCustomValidity(!needsInit || checked('wninit').length ? '' : 'Choose at least one weight-norm init.');
    const seen = new Set();
    for (const s of this.sweeps()) {
      const bad = s.lrs.some((v) => !Number.isFinite(v) || v < lr.lo || v > lr.hi) || new Set(s.lrs).size !== s.lrs.length;
      const twice = seen.has(s.optimizer);
      seen.add(s.optimizer);
      s.input.setCustomValidity(bad ? `Learning rates: numbers from ${lr.lo} to ${lr.hi}, separated by commas, each once.`
        : twice ? `${s.optimizer} is listed twice.` : '');
      s.momentumInput.setCustomValidity(s.momentum >= momentum.below ? `Momentum must be below ${momentum.below}: at ${momentum.below} old gradients never fade.` : '');
    }
    // Batch sizes, a list: the batch parameter's rule (the settings table's), message and all.
    const [, batchError] = parseParam('batch', $('batch-size').value, this.catalog);
    $('batch-size').setCustomValidity(batchError ?? '');
    this.checkArchitecture();
    // Each field may be in range while the last seed is not (2147483647 and 3 seeds).
    $('seeds').setCustomValidity('');
    const seeds = $('seed').validity.valid && $('seeds').validity.valid ? seedRangeError(Number($('seed').value), Number($('seeds').value), this.catalog) : null;
    $('seeds').setCustomValidity(seeds ? `The ${seeds}.` : '');
  }

  spec() {
    const num = (id) => Number($(id).value);
    const inits = checked('wninit');
    const seed = num('seed');
    return {
      experiment: $('experiment').value || null,
      variants: variantsOf(checked('model'), inits.length ? inits : [this.catalog.defaults.wn_init]),
      seeds: Array.from({ length: num('seeds') }, (_, i) => seed + i),
      sweeps: this.sweeps().map(({ optimizer, momentum, lrs }) => ({ optimizer, momentum, lrs })),
      arch: $('arch').value.trim(), width: num('width'),
      epochs: num('epochs'), batchSizes: $('batch-size').value.split(',').map(Number), trainSamples: num('train-samples'), testSamples: num('test-samples'),
      initSamples: $('init-samples').value ? num('init-samples') : undefined,
    };
  }

  // The architecture as the core reads it, with its size and cost per training image.
  checkArchitecture() {
    if (!this.costOf) return;
    let why = '', text = '';
    if ($('width').validity.valid) {
      try {
        const costs = this.costOf(this.spec());
        text = costs.map(({ model, cost }) =>
          `${model}: ${cost.params.toLocaleString('en')} parameters, ${(cost.train_flops / 1e6).toFixed(1)} MFLOPs per training image`).join('; ');
      } catch (e) {
        why = e.message;
      }
    }
    $('arch').setCustomValidity(why);
    $('arch-cost').textContent = why || text;
    $('arch-cost').classList.toggle('error', Boolean(why));
  }

  // The form as URL parameters with the embed's names.
  params(ignoreExperiment = false) {
    const s = this.spec();
    const p = new URLSearchParams();
    if (s.experiment && !ignoreExperiment) p.set('experiment', s.experiment);
    p.set('models', [...new Set(s.variants.map((v) => v.model))].join(','));
    p.set('wninit', checked('wninit').join(','));
    if (s.sweeps.length === 1) {
      p.set('optimizer', s.sweeps[0].optimizer);
      p.set('lr', s.sweeps[0].lrs.join(','));
      if (s.sweeps[0].momentum) p.set('momentum', s.sweeps[0].momentum);
    } else {
      p.set('sweeps', formatSweeps(s.sweeps));
    }
    p.set('seed', s.seeds[0]);
    p.set('seeds', s.seeds.length);
    p.set('arch', s.arch);
    p.set('width', s.width);
    p.set('epochs', s.epochs);
    p.set('batch', s.batchSizes.join(','));
    p.set('train', s.trainSamples);
    p.set('test', s.testSamples);
    if (s.initSamples) p.set('initsamples', s.initSamples);
    return p;
  }
}
