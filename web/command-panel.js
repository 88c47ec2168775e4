// The "Run this at full scale" panel: the form's wn-train command lines (web/command.js) for this
// machine, GNU parallel and Slurm, each with a copy button. The data path and the history file
// are the panel's own fields; everything else is the form's.
import { gridCommands, recipes } from './command.js';

const RECIPES = [
  ['local', 'On one machine'],
  ['parallel', 'GNU parallel: shards on every core of one machine'],
  ['slurm', 'Slurm: a job array and a merge job (scripts/slurm/)'],
];

// Copies `text`: through the Clipboard API where the page may use it, else by selecting the
// block's text and asking the browser to copy the selection. Resolves to what happened.
async function copy(text, block) {
  try {
    if (!navigator.clipboard?.writeText) throw new Error('no Clipboard API');
    await navigator.clipboard.writeText(text);
    return 'copied';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(block);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    // execCommand is the only way left without the Clipboard API; the selection stays either way.
    return document.execCommand?.('copy') ? 'copied' : 'selected: press Ctrl+C (⌘C) to copy';
  }
}

export class CommandPanel {
  // root: the panel's element; its #command-data and #command-json fields, #command-error and #commands.
  constructor(root, catalog) {
    this.root = root;
    this.catalog = catalog;
    this.field('command-data').value = catalog.settings.find((s) => s.key === 'data').default;
    this.field('command-json').value = 'history.json';
    for (const id of ['command-data', 'command-json']) this.field(id).addEventListener('input', () => this.show(this.params));
    this.blocks = Object.fromEntries(RECIPES.map(([id, title]) => [id, this.block(id, title)]));
  }

  field(id) { return this.root.querySelector(`#${id}`); }

  block(id, title) {
    const box = document.createElement('div');
    box.className = 'command';
    box.innerHTML = `<h3></h3><p class="explain"></p><pre class="command-text" tabindex="0"><code></code></pre>
      <div class="buttons"><button type="button" class="copy">Copy</button><span class="copy-status" role="status"></span></div>`;
    box.querySelector('h3').textContent = title;
    box.querySelector('pre').id = `command-${id}`;
    box.querySelector('pre').setAttribute('aria-label', title);
    box.querySelector('.copy').setAttribute('aria-label', `Copy: ${title}`);
    box.querySelector('.copy').addEventListener('click', async () => {
      const status = box.querySelector('.copy-status');
      status.textContent = await copy(box.querySelector('code').textContent, box.querySelector('code'));
      box.classList.add('copied');
    });
    this.field('commands').append(box);
    return box;
  }

  // params: the form's URL parameters (what the page runs and its URL shows).
  show(params) {
    this.params = params;
    const grids = gridCommands(params, this.catalog);
    const error = this.field('command-error');
    error.hidden = !grids.errors;
    error.textContent = grids.errors ? `The form has a setting wn-train would refuse: ${grids.errors.join('; ')}.` : '';
    const data = this.field('command-data').value || this.field('command-data').placeholder;
    const json = this.field('command-json').value || 'history.json';
    const lines = grids.errors ? null : recipes(grids.grids, { data, json });
    for (const [id] of RECIPES) {
      const box = this.blocks[id];
      // A recipe that cannot be given (GNU parallel and a braced file name) keeps its note, saying why.
      box.hidden = !lines;
      for (const part of box.querySelectorAll('pre, .buttons')) part.hidden = !lines?.[id].text;
      box.classList.remove('copied');
      box.querySelector('.copy-status').textContent = '';
      box.querySelector('code').textContent = lines?.[id].text ?? '';
      box.querySelector('.explain').textContent = lines?.[id].note ?? '';
    }
  }
}
