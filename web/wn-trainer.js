// <wn-trainer>: the trainer as one custom element, for tutorial pages on any site.
//
//   <script type="module" src="https://HOST/wn-trainer.js"></script>
//   <wn-trainer experiment="sgd" seeds="3" autostart></wn-trainer>
//
// It frames HOST/embed.html (resolved from this module's own URL, so it works from any origin),
// passes its attributes on as the embed's URL parameters, re-dispatches the frame's messages as
// DOM events (wn-ready, wn-progress, wn-epoch, wn-experiment-done, wn-error …, the message in
// `detail`), keeps the frame as tall as its content, and offers the command channel as methods
// that return Promises. Changing an attribute later configures the frame (autostart counts
// only when it loads).
import './protocol.js';

const { embed } = globalThis.WNProtocol;
const FRAME = new URL('embed.html', import.meta.url);

class WnTrainer extends HTMLElement {
  static get observedAttributes() { return [...embed.params]; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).innerHTML =
      '<style>:host { display: block; } iframe { display: block; width: 100%; height: 420px; border: 0; }</style>';
    this.frame = null;
    this.ready = false;
    this.nextId = 1;
    this.pending = new Map();  // command id → {resolve, reject}
    this.queue = [];           // commands waiting for the frame's ready
    this.onMessage = this.onMessage.bind(this);
  }

  connectedCallback() {
    addEventListener('message', this.onMessage);
    if (!this.frame) this.load();
  }

  disconnectedCallback() { removeEventListener('message', this.onMessage); }

  // (Re)loads the frame with the attributes as its URL parameters.
  load() {
    const url = new URL(FRAME);
    for (const name of embed.params) {
      if (name === 'autostart') { if (this.hasAttribute(name)) url.searchParams.set(name, '1'); }
      else if (this.hasAttribute(name)) url.searchParams.set(name, this.getAttribute(name));
    }
    if (!this.frame) {
      this.frame = document.createElement('iframe');
      this.frame.title = 'Weight normalisation on CIFAR-10, trained in your browser';
      // Threads where the page is cross-origin isolated too; harmless where it is not.
      this.frame.allow = 'cross-origin-isolated';
      this.shadowRoot.append(this.frame);
    }
    this.ready = false;
    this.frame.src = url.href;
  }

  attributeChangedCallback(name, old, value) {
    if (!this.frame || old === value || name === 'autostart') return;
    // A frame that is up takes the change as a command (null: back to the default); one that
    // is not (still loading, or refused its parameters) is loaded again with it.
    if (this.ready) this.configure({ [name]: value }).catch(() => {});  // a refusal also arrives as wn-error
    else this.load();
  }

  onMessage(e) {
    if (e.source !== this.frame?.contentWindow || e.origin !== FRAME.origin || e.data?.source !== embed.source) return;
    const m = e.data;
    if (m.type === embed.events.resize) this.frame.style.height = `${m.height}px`;
    if (m.type === embed.events.ready) {
      this.ready = true;
      for (const c of this.queue.splice(0)) this.post(c);
    }
    const waiting = m.id != null && this.settle(m.id);
    if (waiting) m.ok ? waiting.resolve(m) : waiting.reject(new Error(m.message));
    else if (m.type === embed.events.error && !this.ready) {
      // The frame refused its parameters: it will take no commands.
      for (const c of this.queue.splice(0)) this.settle(c.id).reject(new Error(m.message));
    }
    this.dispatchEvent(new CustomEvent(`wn-${m.type}`, { detail: m, bubbles: true, composed: true }));
  }

  settle(id) {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  post(command) { this.frame.contentWindow.postMessage(command, FRAME.origin); }

  // Sends a command; resolves with the frame's answer, rejects with its refusal.
  command(type, fields = {}) {
    const c = { target: embed.target, type, id: this.nextId++, ...fields };
    return new Promise((resolve, reject) => {
      this.pending.set(c.id, { resolve, reject });
      this.ready ? this.post(c) : this.queue.push(c);
    });
  }

  start() { return this.command(embed.commands.start); }
  stop() { return this.command(embed.commands.stop); }
  pause() { return this.command(embed.commands.pause); }
  resume() { return this.command(embed.commands.resume); }
  // params: the URL parameters' names and values, e.g. {epochs: 3, models: ['weightnorm']}.
  configure(params) { return this.command(embed.commands.configure, { params }); }
  // The runs so far in the history file's schema (docs/history.md).
  history() { return this.command(embed.commands.getHistory).then((answer) => answer.history); }
}

if (!customElements.get('wn-trainer')) customElements.define('wn-trainer', WnTrainer);
