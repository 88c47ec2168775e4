// Parses CIFAR-10 off the page's thread: gunzip with DecompressionStream, tar and
// records with the C++ parser (WebAssembly), then hands the images back once, in
// SharedArrayBuffers when the page is isolated (both trainers read the same bytes).
// The worker is thrown away afterwards, taking the parser's memory with it.
importScripts('protocol.js', 'wasm.js');
const { msg } = WNProtocol;
const CHUNK = 1 << 20;

self.onmessage = async ({ data }) => {
  if (data.type !== msg.load) return;
  try {
    const api = await WNWasm.loadTrainerModule(false);
    const result = await load(api, data.sources, data.limits, data.shared);
    const buffers = data.shared ? [] : [result.train.images.buffer, result.train.labels.buffer,
      result.test.images.buffer, result.test.labels.buffer];
    self.postMessage({ type: msg.loaded, ...result }, buffers);
  } catch (e) {
    self.postMessage({ type: msg.error, message: e.message || String(e) });
  }
};

function progress(phase, loaded, total) {
  self.postMessage({ type: msg.progress, phase, loaded, total });
}

async function open(source) {
  if (source.file) return { stream: source.file.stream(), size: source.file.size };
  let res;
  try {
    res = await fetch(source.url);
  } catch (e) {
    throw new Error(`cannot fetch ${source.url}: ${e.message}`);
  }
  if (!res.ok) throw new Error(`${source.url}: HTTP ${res.status}${res.status === 404 ? ' (run `npm run data` to prepare CIFAR-10)' : ''}`);
  return { stream: res.body, size: Number(res.headers.get('content-length')) || source.size || 0 };
}

// Counts bytes as they are read, for the progress bar, across all sources.
function counted(stream, onBytes) {
  return stream.pipeThrough(new TransformStream({ transform(chunk, c) { onBytes(chunk.byteLength); c.enqueue(chunk); } }));
}

async function* chunks(stream) {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (let i = 0; i < value.length; i += CHUNK) yield value.subarray(i, i + CHUNK);
  }
}

async function load(api, sources, limits, shared) {
  const m = api.mod;
  const loader = m._wn_loader_create(limits.train, limits.test);
  if (!loader) throw new Error(api.lastError() || 'out of memory');
  const staging = api.malloc(CHUNK);
  try {
    const opened = [];
    for (const s of sources) opened.push({ ...s, ...(await open(s)) });
    const total = opened.reduce((t, s) => t + s.size, 0);
    let loaded = 0, last = 0;
    const onBytes = (n) => {
      loaded += n;
      if (performance.now() - last > 100) { last = performance.now(); progress('reading', loaded, total); }
    };
    let sawTar = false;
    for (const s of opened) {
      const stream = counted(s.stream, onBytes);
      if (s.name.endsWith('.bin')) {
        // One batch file: collected whole (30 MB), then parsed in one call.
        const parts = [];
        let size = 0;
        for await (const c of chunks(stream)) { parts.push(c.slice()); size += c.length; }
        const ptr = api.malloc(size || 1);
        let at = 0;
        for (const p of parts) { api.u8(ptr + at, p.length).set(p); at += p.length; }
        const nameLen = m.lengthBytesUTF8(s.name) + 1, namePtr = api.malloc(nameLen);
        m.stringToUTF8(s.name, namePtr, nameLen);
        const rc = m._wn_loader_push_file(loader, namePtr, ptr, size);
        api.free(namePtr);
        api.free(ptr);
        api.check(rc);
      } else {
        sawTar = true;
        const { head, rest } = await peek(stream);
        const gz = head[0] === 0x1f && head[1] === 0x8b;  // sniffed, not trusted from the name
        const tar = gz ? rest.pipeThrough(new DecompressionStream('gzip')) : rest;
        try {
          for await (const c of chunks(tar)) {
            api.u8(staging, c.length).set(c);
            api.check(m._wn_loader_push_tar(loader, staging, c.length));
          }
        } catch (e) {
          if (e instanceof TypeError || e.name === 'TypeError') throw new Error(`${s.name}: damaged gzip data (${e.message})`);
          throw new Error(`${s.name}: ${e.message}`);
        }
      }
    }
    progress('parsing', total, total);
    api.check(m._wn_loader_finish(loader, sawTar ? 1 : 0));
    return { train: copyOut(api, loader, 0, shared), test: copyOut(api, loader, 1, shared) };
  } finally {
    api.free(staging);
    m._wn_loader_destroy(loader);
  }
}

// The first chunk of a stream, and a stream that still yields everything.
async function peek(stream) {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const rest = new ReadableStream({
    start(c) { if (!first.done) c.enqueue(first.value); },
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) c.close(); else c.enqueue(value);
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  return { head, rest };
}

function copyOut(api, loader, which, shared) {
  const m = api.mod;
  const count = m._wn_loader_count(loader, which);
  const alloc = (n) => (shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n));
  const images = alloc(count * api.catalog.image_bytes), labels = alloc(count);
  images.set(api.u8(m._wn_loader_images(loader, which), images.length));
  labels.set(api.u8(m._wn_loader_labels(loader, which), count));
  return { count, images, labels };
}
