// Adds the isolation headers to same-origin responses, so static hosts that cannot set
// headers still get a cross-origin isolated page (SharedArrayBuffer, pthreads).
// Registered by coi.js. The same rule as scripts/serve.mjs (isolationHeaders):
//   COOP same-origin + COEP require-corp on everything (a worker without COEP is refused
//   by an isolated page);
//   CORP cross-origin on HTML pages, which other sites may frame, also isolated ones
//   (their COEP admits a cross-origin frame only with it), same-origin on the rest,
//   which only our own pages load.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  if (new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(fetch(req).then((res) => {
    if (res.status === 0) return res;
    const headers = new Headers(res.headers);
    const page = (headers.get('Content-Type') || '').startsWith('text/html');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    headers.set('Cross-Origin-Resource-Policy', page ? 'cross-origin' : 'same-origin');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }));
});
