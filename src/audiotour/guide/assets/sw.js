// The offline copy of the tour. VERSION and FILES (path -> content hash)
// are written above this line by the build; a changed file changes VERSION,
// so browsers install this worker again and fetch only what changed.

const SCOPE = self.registration.scope;
const PREFIX = 'audiotour:' + SCOPE + ':';
const CACHE = PREFIX + VERSION;

// The hash in the key keeps two versions of one file apart, and skips any
// HTTP cache that still holds the old one.
const keyFor = (path) => new URL(path + '?v=' + FILES[path], SCOPE).href;

async function sha(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('').slice(0, 16);
}

// Cache one file unless it is already there; true when it is cached.
async function ensure(cache, path) {
  const key = keyFor(path);
  if (await cache.match(key)) return true;
  const earlier = await caches.match(key);  // same bytes, kept by the previous version
  if (earlier) {
    await cache.put(key, earlier);
    return true;
  }
  const response = await fetch(key, { cache: 'no-cache' });
  if (response.status !== 200) return false;
  // A host half-way through an upload may serve another version: keep only the expected bytes.
  if (await sha(await response.clone().arrayBuffer()) !== FILES[path]) return false;
  await cache.put(key, response);
  return true;
}

async function fillCache(progress) {
  const cache = await caches.open(CACHE);
  const paths = Object.keys(FILES);
  let done = 0;
  for (const path of paths) {
    try {
      if (await ensure(cache, path)) done += 1;
    } catch (error) {
      // Offline or the host failed: the page asks again on its next visit.
    }
    if (progress) progress({ done, total: paths.length });
  }
  return { done, total: paths.length };
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await fillCache();
    const cache = await caches.open(CACHE);
    if (!(await cache.match(keyFor('index.html')))) throw new Error('the page itself could not be cached');
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (!event.data || event.data.type !== 'fill' || !event.ports[0]) return;
  const port = event.ports[0];
  event.waitUntil((async () => {
    // A newer version deleted this one's cache: filling it again would only bring it back.
    if (!(await caches.has(CACHE))) return port.postMessage({ obsolete: true });
    const state = await fillCache((progress) => port.postMessage(progress));
    port.postMessage({ ...state, finished: true });
  })());
});

function pathOf(url) {
  const scope = new URL(SCOPE);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  let path;
  try {
    path = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  } catch (error) {
    return null;
  }
  if (path === '') path = 'index.html';
  return Object.prototype.hasOwnProperty.call(FILES, path) ? path : null;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const path = pathOf(new URL(request.url));
  if (path === null) return;
  event.respondWith(answer(request, path));
});

async function answer(request, path) {
  const cached = await caches.match(keyFor(path));
  // Not cached yet (the first visit is still filling the cache): the network answers, ranges and all.
  if (!cached) return fetch(request);
  const range = request.headers.get('Range');
  return range ? partial(cached, range) : cached;
}

// Media elements (Safari's always) ask for byte ranges, also when seeking offline.
async function partial(cached, header) {
  const blob = await cached.blob();
  const size = blob.size;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return cached;  // several ranges: the whole file
  let start;
  let end;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
    if (Number(match[2]) === 0) start = size;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable',
      headers: { 'Content-Range': 'bytes */' + size } });
  }
  const headers = new Headers(cached.headers);
  headers.set('Content-Range', 'bytes ' + start + '-' + end + '/' + size);
  headers.set('Content-Length', String(end - start + 1));
  headers.set('Accept-Ranges', 'bytes');
  return new Response(blob.slice(start, end + 1, blob.type), {
    status: 206, statusText: 'Partial Content', headers,
  });
}
