// Parses CIFAR-10 off the page's thread: gunzip with DecompressionStream, tar and records
// with the C++ parser (WebAssembly), then hands the images back once, in SharedArrayBuffers
// when the page is isolated (both trainers read the same bytes). The worker is thrown away
// afterwards, taking the parser's memory with it.
//
// Only what is needed is read. A batch file: its first records, those the module still
// wants (an HTTP Range request; a server that ignores Range sends the whole file, and the
// response is cancelled once enough is in). An archive: until every image asked for is in.
// Sizes are checked before reading, so a 1 GB "batch file" is refused without reading it.
importScripts('protocol.js', 'wasm.js');
const { msg } = WNProtocol;
const CHUNK = 1 << 20;  // the staging buffer in the module's memory
// Compressed bytes per DecompressionStream write: what one write that runs past a gzip
// member's end costs to redo byte by byte (see inflateMember).
const PIECE = 1 << 14;

self.onmessage = async ({ data }) => {
  if (data.type !== msg.load) return;
  const read = { bytes: 0, total: 0, last: 0 };
  const onBytes = (n) => {
    read.bytes += n;
    if (performance.now() - read.last > 100) { read.last = performance.now(); progress('reading', read.bytes, read.total); }
  };
  try {
    const api = await WNWasm.loadTrainerModule(false);
    const result = await load(api, data.sources, data.limits, data.shared, read, onBytes);
    const buffers = data.shared ? [] : [result.train.images.buffer, result.train.labels.buffer,
      result.test.images.buffer, result.test.labels.buffer];
    self.postMessage({ type: msg.loaded, ...result, bytesRead: read.bytes }, buffers);
  } catch (e) {
    self.postMessage({ type: msg.error, message: e.message || String(e), bytesRead: read.bytes });
  }
};

function progress(phase, loaded, total) {
  self.postMessage({ type: msg.progress, phase, loaded, total });
}

const isBin = (name) => name.endsWith('.bin');

// What the progress bar expects to read: the records the limits want of each batch file
// (the official files hold 10,000 each, read in order), and whole archives.
function plannedBytes(sources, limits, catalog) {
  const perFile = catalog.images_per_batch_file, record = catalog.record_bytes;
  let train = limits.train, total = 0;
  for (const s of sources) {
    let bytes = s.file?.size ?? 0;
    if (isBin(s.name)) {
      const records = Math.min(perFile, s.name.endsWith('test_batch.bin') ? limits.test : train);
      if (!s.name.endsWith('test_batch.bin')) train -= records;
      bytes = Math.min(s.file?.size ?? Infinity, records * record);
    }
    total += bytes;
  }
  return total;
}

async function load(api, sources, limits, shared, read, onBytes) {
  const m = api.mod;
  const h = m._wn_loader_create(limits.train, limits.test);
  if (!h) throw new Error(api.lastError() || 'out of memory');
  const io = { api, m, h, staging: api.malloc(CHUNK), onBytes, read };
  read.total = plannedBytes(sources, limits, api.catalog);
  try {
    for (const s of sources) {
      if (isBin(s.name)) await loadBin(io, s);
      else await loadArchive(io, s);
    }
    progress('parsing', read.bytes, read.bytes);
    const label = api.string(sources.length === 1 ? sources[0].name : 'the chosen files');
    const rc = m._wn_loader_finish(h, label);
    api.free(label);
    api.check(rc);
    return { train: copyOut(api, h, 0, shared), test: copyOut(api, h, 1, shared) };
  } finally {
    api.free(io.staging);
    m._wn_loader_destroy(h);
  }
}

// Hands `bytes` to a module function (h, ptr, len) through the staging buffer; returns the
// last call's result.
function stage(io, fn, bytes) {
  let rc = 0;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const c = bytes.subarray(i, i + CHUNK);
    io.api.u8(io.staging, c.length).set(c);
    rc = io.api.check(fn(io.h, io.staging, c.length));
  }
  return rc;
}

// ---- reading sources: a File, or a URL

// Bytes [offset, offset + length) of a source: {size, chunks}. size is the whole file's
// (NaN when the server does not say); chunks yields the bytes and cancels the read when
// left early or when `length` bytes are in.
async function openBytes(source, offset, length) {
  if (source.file) {
    const f = source.file;
    return { size: f.size, chunks: take(f.slice(offset, Math.min(f.size, offset + length)).stream().getReader(), 0, length) };
  }
  const range = length === Infinity ? `bytes=${offset}-` : `bytes=${offset}-${offset + length - 1}`;
  let res;
  try {
    res = await fetch(source.url, offset > 0 || length < Infinity ? { headers: { Range: range } } : {});
  } catch (e) {
    throw new Error(`cannot fetch ${source.url}: ${e.message}`);
  }
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';  // lengths are then the encoding's
  if (res.status === 416) {  // nothing at or after offset
    res.body?.cancel().catch(() => {});
    return { size: Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? offset), chunks: take(null, 0, 0) };
  }
  if (!res.ok) throw new Error(`${source.url}: HTTP ${res.status}${res.status === 404 ? ' (run `npm run data` to prepare CIFAR-10)' : ''}`);
  if (res.status === 206) {
    const total = /^bytes (\d+)-\d+\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (total && Number(total[1]) === offset) return { size: encoded ? NaN : Number(total[2]), chunks: take(res.body.getReader(), 0, length) };
    res.body.cancel().catch(() => {});
    throw new Error(`${source.url}: the server answered a different range (${res.headers.get('content-range')})`);
  }
  // 200: the server ignored Range (many static hosts do): skip to offset, stop after length.
  const size = encoded ? NaN : Number(res.headers.get('content-length') ?? NaN);
  return { size, chunks: take(res.body.getReader(), offset, length) };
}

// The reader's bytes after skipping `skip`, up to `length`; the read is cancelled when done.
async function* take(reader, skip, length) {
  try {
    while (reader && length > 0) {
      const { done, value } = await reader.read();
      if (done) return;
      let chunk = value;
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
      }
      if (chunk.length > length) chunk = chunk.subarray(0, length);
      length -= chunk.length;
      if (chunk.length) yield chunk;
    }
  } finally {
    reader?.cancel().catch(() => {});
  }
}

// ---- batch files

async function loadBin(io, s) {
  const { api, m, h } = io;
  const name = api.string(s.name);
  try {
    const want = m._wn_loader_wanted(h, name);
    if (want === 0) return;  // earlier batches hold every image asked for
    // A name that is no batch file is refused by begin_file before anything is fetched.
    const { size, chunks } = want < 0 ? { size: -1, chunks: take(null, 0, 0) } : await openBytes(s, 0, want * api.catalog.record_bytes);
    api.check(m._wn_loader_begin_file(h, name, Number.isFinite(size) ? size : -1));
    for await (const c of chunks) {
      io.onBytes(c.length);
      stage(io, m._wn_loader_push_file, c);
    }
    api.check(m._wn_loader_end_file(h));
  } finally {
    api.free(name);
  }
}

// ---- archives: .tar, or .tar.gz inflated here

async function loadArchive(io, s) {
  const { api, m, h } = io;
  try {
    if (s.file) api.check(m._wn_loader_begin_archive(h, s.file.size));  // refused by its size before a byte is read
    const { size, chunks } = await openBytes(s, 0, Infinity);
    if (!s.file) {
      api.check(m._wn_loader_begin_archive(h, Number.isFinite(size) ? size : -1));
      if (Number.isFinite(size)) io.read.total += size;
    }
    // Gzip is sniffed from the first bytes, not trusted from the name.
    const head = await firstBytes(chunks, 2);
    const rest = prepend(head, chunks);
    if (head[0] === 0x1f && head[1] === 0x8b) await gunzip(io, s, rest);
    else await untar(io, rest);
    api.check(m._wn_loader_end_archive(h));
  } catch (e) {
    throw new Error(`${s.name}: ${e.message}`);
  }
}

async function untar(io, chunks) {
  for await (const c of chunks) {
    io.onBytes(c.length);
    stage(io, io.m._wn_loader_push_archive, c);
    if (io.m._wn_loader_done(io.h)) return;  // leaving the loop cancels the read
  }
}

// At least `n` bytes from the front of `chunks` (fewer at its end), concatenated.
async function firstBytes(chunks, n) {
  const parts = [];
  let have = 0;
  while (have < n) {
    const { done, value } = await chunks.next();
    if (done) break;
    parts.push(value);
    have += value.length;
  }
  const out = new Uint8Array(have);
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

async function* prepend(head, chunks) {
  if (head.length) yield head;
  yield* chunks;
}

// Inflates a gzip source member by member into the archive. After each member the module's
// GzipFraming judges what follows, as wn-train does: another member, zero padding, or junk.
async function gunzip(io, source, chunks) {
  const { api, m, h } = io;
  let start = 0;
  for (;;) {
    const end = await inflateMember(io, source, start, chunks);
    if (end === null) return;  // every image asked for is in
    m._wn_loader_gzip_end(h, end);
    let read = end, member = false;
    for await (const c of (await openBytes(source, end, Infinity)).chunks) {
      io.onBytes(c.length);
      read += c.length;
      api.check(m._wn_loader_check_size(read));
      if (stage(io, m._wn_loader_gzip_after, c) === 1) { member = true; break; }
    }
    if (!member) return void api.check(m._wn_loader_gzip_finish(h));
    start = m._wn_loader_gzip_member_start(h);
    chunks = (await openBytes(source, start, Infinity)).chunks;
  }
}

// One DecompressionStream fed from `chunks`, which start at compressed offset `at`; its output
// goes to the archive, after the first `skip` bytes. Writes carry at most PIECE bytes, and bytes from offset `bytewiseFrom` on go
// one at a time. Resolves to {fed, out, last, stopped, failure, atClose}: the bytes fed by
// writes that succeeded, the output, the last 8 bytes fed, whether the archive became done,
// and the error that ended it (atClose: at the end of the input). The archive's own errors
// are thrown.
async function inflate(io, chunks, at, { skip = 0, bytewiseFrom = Infinity, close = true } = {}) {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const state = { fed: 0, out: 0, last: new Uint8Array(0), stopped: false, failure: null, atClose: false };
  let archiveError = null;
  const pump = (async () => {
    for (;;) {
      let r;
      try {
        r = await reader.read();
      } catch {
        return;  // the stream failed: the write that failed says why
      }
      if (r.done) return;
      const from = Math.max(0, Math.min(r.value.length, skip - state.out));
      state.out += r.value.length;
      try {
        if (from < r.value.length) stage(io, io.m._wn_loader_push_archive, r.value.subarray(from));
      } catch (e) {
        archiveError = e;
      }
      if (archiveError || io.m._wn_loader_done(io.h)) {
        state.stopped = !archiveError;
        reader.cancel().catch(() => {});  // fails the pending write, which ends the feeding
        return;
      }
    }
  })();
  const ended = () => state.failure || state.stopped || archiveError;
  try {
    feeding: for await (const c of chunks) {
      io.onBytes(c.length);
      io.api.check(io.m._wn_loader_check_size(at + state.fed + c.length));  // input that inflates to nothing is bounded too
      for (let i = 0; i < c.length;) {
        const n = state.fed >= bytewiseFrom ? 1 : Math.min(PIECE, c.length - i, bytewiseFrom - state.fed);
        const bytes = c.subarray(i, i + n);
        await writer.write(bytes).catch((e) => { state.failure = e; });
        if (ended()) break feeding;
        state.fed += n, i += n;
        state.last = Uint8Array.from([...state.last, ...bytes.subarray(-8)].slice(-8));
      }
    }
    if (close && !ended()) await writer.close().catch((e) => { state.failure = e; state.atClose = true; });
  } finally {
    writer.abort().catch(() => {});
  }
  await pump;
  if (archiveError) throw archiveError;
  return state;
}

// Chromium's DecompressionStream fails a write that runs past the end of a member and drops
// that write's output. So a member is inflated PIECE bytes at a time; when a write fails, the
// member is inflated again up to that piece, then byte by byte: the first byte refused is
// where the member ended if the 4 bytes before it (the trailer's length field) match the
// output; otherwise the data is corrupt there. Resolves to the offset just past the member,
// or null once the archive is done.
async function inflateMember(io, source, start, chunks) {
  const first = await inflate(io, chunks, start);
  if (first.stopped) return null;
  if (!first.failure) return start + first.fed;  // the member ended with the input
  if (first.atClose) return void io.api.check(io.m._wn_loader_gzip_finish(io.h));  // truncated
  const failedAt = first.fed;
  const again = await openBytes(source, start, failedAt + PIECE);
  const redo = await inflate(io, again.chunks, start, { skip: first.out, bytewiseFrom: failedAt, close: false });
  if (redo.stopped) return null;
  const v = redo.last, isize = v.length < 4 ? -1 : new DataView(v.buffer, v.length - 4).getUint32(0, true);
  if (redo.failure && isize === redo.out % 2 ** 32) return start + redo.fed;
  throw new Error(`damaged gzip data (${(redo.failure ?? first.failure).message})`);
}

function copyOut(api, h, which, shared) {
  const m = api.mod;
  const count = m._wn_loader_count(h, which);
  const alloc = (n) => (shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n));
  const images = alloc(count * api.catalog.image_bytes), labels = alloc(count);
  images.set(api.u8(m._wn_loader_images(h, which), images.length));
  labels.set(api.u8(m._wn_loader_labels(h, which), count));
  return { count, images, labels };
}
