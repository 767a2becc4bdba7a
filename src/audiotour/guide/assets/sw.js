// The offline copy of the tour. VERSION, RECORD, SHELL and FILES (path ->
// [content hash, size]) are written above this line by the build.
//
// One build, one cache, named by VERSION: a worker reads and fills only its
// own, so a page never gets files from two builds. The shell (the page, its
// script, style and icons) is kept at install, so the page opens without a
// network; the rest only when the visitor asks for the download. A new
// version waits until the page tells it to take over: the page does so once
// the new cache is complete when the old one was, so a half-downloaded update
// never replaces a complete older copy.

const SCOPE = self.registration.scope;
const PREFIX = 'audiotour:' + SCOPE + ':';
const CACHE = PREFIX + VERSION;
const SLICE_MS = 60000;  // a message's work stays well inside what browsers allow an event

// The hash in the key keeps two versions of one file apart, and skips any
// HTTP cache that still holds the old one. The build record has no hash of
// its own (it is written after this file): it is keyed by the version.
// This very script cannot list its own hash either: it is kept by version, checked by its VERSION line.
const SELF = 'sw.js';
const UNHASHED = [RECORD, SELF];
const keyFor = (path) => new URL(path + '?v=' + (UNHASHED.includes(path) ? VERSION : FILES[path][0]), SCOPE).href;
const PATHS = Object.keys(FILES);
const ALL = [...PATHS, ...UNHASHED];
const ABSENT = keyFor(RECORD) + '&absent';  // remembers a host that does not publish the record

async function sha(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('').slice(0, 16);
}

// A cached copy is only as good as its size: a truncated entry counts as missing.
// The answer: how many bytes are kept, or -1 for nothing usable.
async function holds(cache, path) {
  const cached = await cache.match(keyFor(path));
  if (!cached) return path === RECORD && (await cache.match(ABSENT)) ? 0 : -1;
  const size = (await cached.blob()).size;
  if (UNHASHED.includes(path)) return size;
  return size === FILES[path][1] ? size : -1;
}

// The record must describe this build: every segment it lists has the size listed here.
async function recordMatches(buffer) {
  try {
    const record = JSON.parse(new TextDecoder().decode(buffer));
    return Array.isArray(record.segments) && record.segments.every(
      (s) => !(s.file in FILES) || !s.size_bytes || FILES[s.file][1] === s.size_bytes);
  } catch (error) {
    return false;
  }
}

// The bytes this build published, and no other build's.
async function expected(path, buffer) {
  if (path === RECORD) return recordMatches(buffer);
  if (path === SELF) return new TextDecoder().decode(buffer).includes('const VERSION = "' + VERSION + '";');
  return (await sha(buffer)) === FILES[path][0];
}

// Fetch one file into the cache, counting bytes as they come; true when it is there.
async function fetchInto(cache, path, onBytes) {
  const key = keyFor(path);
  const earlier = await caches.match(key);  // the same bytes, kept by another version
  if (earlier) {
    const size = (await earlier.clone().blob()).size;
    if (UNHASHED.includes(path) || size === FILES[path][1]) {
      await cache.put(key, earlier);
      onBytes(size);
      return true;
    }
  }
  const response = await fetch(key, { cache: 'no-cache' });
  if (path === RECORD && response.status === 404) {
    await cache.put(ABSENT, new Response(''));
    return true;
  }
  if (response.status !== 200 || !response.body) return false;
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.byteLength);
  }
  const blob = new Blob(chunks, { type: response.headers.get('Content-Type') || '' });
  const buffer = await blob.arrayBuffer();
  // A host half-way through an upload may serve another version: keep only the expected bytes.
  if (!(await expected(path, buffer))) return false;
  const headers = new Headers(response.headers);
  headers.set('Content-Length', String(blob.size));
  await cache.put(key, new Response(blob, { status: 200, statusText: 'OK', headers }));
  return true;
}

// What this version's cache really holds, checked file by file.
async function state() {
  const cache = await caches.open(CACHE);
  const result = { version: VERSION, shell: SHELL.length, files: 0, total: ALL.length, bytes: 0, size: 0, missing: 0 };
  for (const path of ALL) {
    const expected = UNHASHED.includes(path) ? 0 : FILES[path][1];
    const held = await holds(cache, path);
    result.size += expected || Math.max(held, 0);
    if (held >= 0) {
      result.files += 1;
      result.bytes += held;
    } else if (!(await caches.match(keyFor(path)))) {
      result.missing += expected;  // not in any version's cache: what an update costs
    }
  }
  result.complete = result.files === result.total;
  return result;
}

async function fill(paths, report) {
  const cache = await caches.open(CACHE);
  const started = Date.now();
  const status = await state();
  let { files, bytes } = status;
  let failed = 0;
  for (const path of paths) {
    if ((await holds(cache, path)) >= 0) continue;
    if (report && Date.now() - started > SLICE_MS) return { ...(await state()), more: true };
    let got = 0;
    let ok = false;
    try {
      ok = await fetchInto(cache, path, (n) => {
        got += n;
        if (report) report({ progress: true, files, total: status.total, bytes: bytes + got, size: status.size });
      });
    } catch (error) {
      ok = false;  // offline, or the host failed: the visitor resumes later
    }
    if (ok) {
      files += 1;
      bytes += got;
    } else {
      failed += 1;
    }
    if (report) report({ progress: true, files, total: status.total, bytes, size: status.size });
  }
  return { ...(await state()), failed };
}

async function remove() {
  const cache = await caches.open(CACHE);
  for (const path of ALL) {
    if (!SHELL.includes(path)) await cache.delete(keyFor(path));
  }
  await cache.delete(ABSENT);
  return state();
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const result = await fill(SHELL);
    if ((await holds(await caches.open(CACHE), 'index.html')) < 0) {
      throw new Error('the page itself could not be kept (' + result.failed + ' files failed)');
    }
    // The first version takes over at once; a later one waits for the page's word.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Carry over what an older version already holds with the same bytes, then forget it.
    const cache = await caches.open(CACHE);
    const older = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE);
    for (const name of older) {
      const old = await caches.open(name);
      for (const path of PATHS) {
        if ((await holds(cache, path)) >= 0) continue;
        const kept = await old.match(keyFor(path));
        if (kept) await cache.put(keyFor(path), kept);
      }
      await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

let running = null;  // one download at a time, however many tabs ask

self.addEventListener('message', (event) => {
  const message = event.data || {};
  const port = event.ports[0];
  if (message.type === 'activate') {
    event.waitUntil(self.skipWaiting());
    return;
  }
  if (!port) return;
  event.waitUntil((async () => {
    let answer;
    try {
      if (message.type === 'state') {
        answer = await state();
      } else if (message.type === 'download') {
        if (!running) running = fill(ALL, (progress) => port.postMessage(progress));
        try { answer = await running; } finally { running = null; }
      } else if (message.type === 'remove') {
        answer = await remove();
      } else {
        return;
      }
    } catch (error) {
      answer = { error: String(error) };
    }
    port.postMessage({ ...answer, final: true });
  })());
});

// Only this build's own files, by exact name. A tour in several languages has a worker per
// language folder: the tour's own at the root, whose scope also covers en/, and en/'s. A page of
// en/ belongs to en/'s worker (the longer scope wins) and, before that worker exists, to the
// network: no path under en/ is in FILES here, so this worker never answers for it nor keeps it.
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
  return UNHASHED.includes(path) || Object.prototype.hasOwnProperty.call(FILES, path) ? path : null;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const path = pathOf(new URL(request.url));
  if (path === null) return;
  event.respondWith(answer(request, path));
});

async function answer(request, path) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(keyFor(path));
  // Not kept (not downloaded yet): the network answers, ranges and all.
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
