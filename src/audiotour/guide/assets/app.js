// The audio guide: lists the stops, follows the visitor's position and plays
// each stop's story on arrival. Tour text is only ever set with textContent
// (or as a Text node); nothing from the tour is parsed as HTML.
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('tour-data').textContent);
  const ui = data.ui;
  const $ = (id) => document.getElementById(id);
  const audio = $('audio');
  const segments = data.segments;
  const stops = segments.filter((s) => s.kind === 'stop');
  const located = stops.filter((s) => typeof s.lat === 'number' && typeof s.lon === 'number');
  const byId = new Map(segments.map((s) => [s.id, s]));
  // Fixes this imprecise say little about which site the visitor is at.
  const MAX_TRIGGER_ACCURACY_M = 500;

  // Survives the tab being discarded and restored in a pocket, not a new visit.
  const storageKey = 'audiotour:' + location.pathname;
  const saved = readState();
  const triggered = new Set(saved.triggered || []);
  let lastReached = saved.lastReached || null;

  let current = null;   // the segment loaded in the audio element
  let here = null;      // the located stop whose radius the visitor is in
  let queue = [];       // stops reached while another story was playing
  let following = false;
  let lastFix = null;
  let lastAccuracy = 0;
  let wakeLock = null;

  // -- small helpers ------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const ICONS = { play: 'M7 4v16l13-8z', pause: 'M6 4h4v16H6zM14 4h4v16h-4z' };

  function icon(name) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'icon');
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
  }

  function readState() {
    try { return JSON.parse(sessionStorage.getItem(storageKey)) || {}; } catch (e) { return {}; }
  }

  function saveState() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify({ triggered: [...triggered], lastReached }));
    } catch (e) { /* private mode: the visit still works, it just forgets on reload */ }
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function minutes(seconds) {
    return seconds < 60 ? Math.round(seconds) + ' s' : Math.round(seconds / 60) + ' min';
  }

  const numbers = (digits) => new Intl.NumberFormat(data.lang, { maximumFractionDigits: digits });

  function distanceText(metres) {
    if (metres < 1000) return numbers(0).format(Math.round(metres / 10) * 10 || metres) + ' m';
    return numbers(metres < 10000 ? 1 : 0).format(metres / 1000) + ' km';
  }

  function dateText(parts) {
    if (!parts) return '';
    const [y, m, d, h, min] = parts;
    const options = { dateStyle: 'long', timeZone: 'UTC' };
    if (h !== undefined) options.timeStyle = 'short';
    try {
      return new Intl.DateTimeFormat(data.lang, options).format(new Date(Date.UTC(y, m - 1, d, h || 0, min || 0)));
    } catch (e) {
      return parts.join('-');
    }
  }

  function label(segment) {
    if (segment.kind === 'intro') return ui.intro;
    if (segment.kind === 'outro') return ui.outro;
    return fill(ui.stop, { n: stops.indexOf(segment) + 1 });
  }

  // -- geography ----------------------------------------------------------------

  const rad = (deg) => deg * Math.PI / 180;

  function metresBetween(a, b) {
    const dLat = rad(b.lat - a.lat);
    const dLon = rad(b.lon - a.lon);
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function bearing(a, b) {
    const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
    const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
      Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
    return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
  }

  // geo: opens the maps app on Android; iOS knows only its own maps links; others get a web map.
  function mapsLink(stop) {
    const where = stop.lat + ',' + stop.lon;
    const agent = navigator.userAgent;
    if (/iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)) {
      return 'https://maps.apple.com/?daddr=' + where + '&dirflg=w';
    }
    if (/Android/.test(agent)) {
      return 'geo:' + where + '?q=' + where + '(' + encodeURIComponent(stop.title) + ')';
    }
    return 'https://www.google.com/maps/dir/?api=1&travelmode=walking&destination=' + where;
  }

  // -- rendering ----------------------------------------------------------------

  const cards = new Map();

  function render() {
    const masthead = $('masthead');
    if (data.cover) {
      const cover = el('img', 'cover');
      cover.src = data.cover;
      cover.alt = '';
      masthead.append(cover);
    }
    masthead.append(el('h1', null, data.title), el('p', 'description', data.description));
    if (data.credits && data.credits.length) masthead.append(el('p', 'credits', data.credits.join(' · ')));

    const start = $('start');
    start.textContent = located.length ? ui.start : ui.startPlain;
    start.hidden = false;
    start.addEventListener('click', startVisit);
    $('hint').textContent = located.length ? ui.startHint : '';
    $('next-label').textContent = ui.next;
    $('next-go').textContent = ui.directions;

    const list = $('stops');
    for (const segment of segments) list.append(card(segment));

    const downloads = $('downloads');
    for (const [file, text] of [[data.gpx, ui.gpx], [data.episode, ui.whole]]) {
      if (!file) continue;
      const link = el('a', null, text);
      link.href = file;
      link.setAttribute('download', '');
      const line = el('p');
      line.append(link);
      downloads.append(line);
    }

    $('player').setAttribute('aria-label', ui.player);
    $('previous').setAttribute('aria-label', ui.previous);
    $('following').setAttribute('aria-label', ui.nextTrack);
    $('seek').setAttribute('aria-label', ui.seek);
    $('player-title').textContent = ui.nothing;
    updatePlayButton();
  }

  function card(segment) {
    const item = el('li', 'card card-' + segment.kind);
    item.id = 'stop-' + segment.id;
    if (segment.image) {
      const image = el('img', 'photo');
      image.src = segment.image;
      image.alt = '';
      image.loading = 'lazy';
      item.append(image);
    }
    const body = el('div', 'card-body');
    const kicker = [label(segment), dateText(segment.date)].filter(Boolean).join(' · ');
    body.append(el('p', 'kicker', kicker), el('h2', null, segment.title));
    const distance = el('p', 'distance');
    body.append(distance);

    const actions = el('div', 'actions');
    const listen = el('button', 'listen');
    listen.type = 'button';
    listen.addEventListener('click', () => toggle(segment));
    actions.append(listen);
    if (typeof segment.lat === 'number') {
      const go = el('a', 'button secondary', ui.directions);
      go.href = mapsLink(segment);
      go.rel = 'noopener noreferrer';
      actions.append(go);
    }
    body.append(actions);

    const transcript = el('details', 'transcript');
    transcript.append(el('summary', null, ui.transcript));
    const text = el('p');
    const spans = [];
    // The first sentence is the spoken title, already shown as the heading.
    segment.sentences.forEach(([from, to, sentence], index) => {
      const span = el('span', null, sentence);
      spans.push({ from, to, span });
      if (index === 0 && segment.sentences.length > 1) return;
      text.append(span, ' ');
    });
    transcript.append(text);
    body.append(transcript);

    const links = (segment.links || []).filter((l) => /^https?:\/\//i.test(l.url));
    if (links.length) {
      const list = el('ul', 'links');
      list.setAttribute('aria-label', ui.links);
      for (const link of links) {
        const anchor = el('a', null, link.title);
        anchor.href = link.url;
        anchor.rel = 'noopener noreferrer';
        anchor.target = '_blank';
        const item = el('li');
        item.append(anchor);
        list.append(item);
      }
      body.append(list);
    }
    item.append(body);
    cards.set(segment.id, { item, listen, distance, spans });
    updateCard(segment);
    return item;
  }

  function updateCard(segment) {
    const view = cards.get(segment.id);
    if (!view) return;
    const playing = segment === current && !audio.paused;
    view.listen.textContent = '';
    view.listen.append(icon(playing ? 'pause' : 'play'),
      playing ? ui.pause : (segment === current && audio.currentTime > 0 ? ui.resume : ui.listen),
      el('span', 'duration', minutes(segment.duration)));
    view.listen.setAttribute('aria-label', fill(playing ? ui.pauseTo : ui.listenTo, { title: segment.title }));
    view.item.classList.toggle('playing', segment === current);
    view.item.classList.toggle('here', segment === here);
    view.item.classList.toggle('heard', triggered.has(segment.id));
    if (segment === here) view.item.setAttribute('aria-current', 'location');
    else view.item.removeAttribute('aria-current');
  }

  const updateCards = () => segments.forEach(updateCard);

  // -- playback -----------------------------------------------------------------

  function play(segment, from) {
    if (current !== segment) {
      const previous = current;
      current = segment;
      audio.src = segment.file;
      if (previous) updateCard(previous);
      $('player-title').textContent = segment.title;
      $('player').hidden = false;
      mediaMetadata(segment);
      // Whoever takes the phone out of the pocket finds the words being spoken.
      cards.get(segment.id).item.querySelector('details').open = true;
    }
    if (from !== undefined) audio.currentTime = from;
    audio.muted = false;
    if (queue.includes(segment)) {
      queue = queue.filter((waiting) => waiting !== segment);
      if (lastFix) guide();
    }
    const started = audio.play();
    if (started) started.catch(() => updatePlayButton());
    updateCard(segment);
  }

  function toggle(segment) {
    if (segment === current && !audio.paused) audio.pause();
    else play(segment, segment === current && !audio.ended ? undefined : 0);
  }

  function step(offset) {
    const index = current ? segments.indexOf(current) + offset : 0;
    if (index >= 0 && index < segments.length) play(segments[index], 0);
  }

  function busy() {
    return current && !audio.paused && !audio.ended;
  }

  function onEnded() {
    updateCard(current);
    if (queue.length) return play(queue[0], 0);
    // Between sites nothing plays, except what has no place of its own:
    // a stop without a location follows the story before it, and the
    // closing words follow the last story once every site was reached.
    const next = segments[segments.indexOf(current) + 1];
    if (!next || triggered.has(next.id) || !following) return;
    const allReached = located.every((s) => triggered.has(s.id));
    if ((next.kind === 'stop' && typeof next.lat !== 'number') || (next.kind === 'outro' && allReached)) {
      triggered.add(next.id);
      saveState();
      play(next, 0);
    }
  }

  function updatePlayButton() {
    const button = $('play');
    const playing = !audio.paused && !audio.ended;
    button.classList.toggle('playing', playing);
    button.setAttribute('aria-label', playing ? ui.pause : ui.play);
    if (current) updateCard(current);
  }

  function updateProgress() {
    const seek = $('seek');
    const duration = isFinite(audio.duration) ? audio.duration : (current ? current.duration : 0);
    seek.max = String(duration);
    if (!seek.matches(':active')) seek.value = String(audio.currentTime);
    seek.setAttribute('aria-valuetext', clock(audio.currentTime) + ' / ' + clock(duration));
    $('elapsed').textContent = clock(audio.currentTime);
    $('total').textContent = clock(duration);
    readAlong();
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && isFinite(audio.duration)) {
      try {
        navigator.mediaSession.setPositionState({
          duration: audio.duration, position: Math.min(audio.currentTime, audio.duration), playbackRate: 1,
        });
      } catch (e) { /* a duration the browser dislikes: the lock screen shows no bar */ }
    }
  }

  function readAlong() {
    if (!current) return;
    const t = audio.currentTime;
    for (const { from, to, span } of cards.get(current.id).spans) {
      span.classList.toggle('now', t >= from && t < to);
    }
  }

  function mediaMetadata(segment) {
    if (!('mediaSession' in navigator) || typeof MediaMetadata === 'undefined') return;
    const art = segment.image || data.cover || 'icons/icon-512.png';
    navigator.mediaSession.metadata = new MediaMetadata({
      title: segment.title, artist: data.author, album: data.title,
      artwork: [{ src: new URL(art, location.href).href }],
    });
  }

  function mediaActions() {
    if (!('mediaSession' in navigator)) return;
    const actions = {
      play: () => (current ? play(current) : step(0)),
      pause: () => audio.pause(),
      previoustrack: () => step(-1),
      nexttrack: () => step(1),
      seekbackward: () => { audio.currentTime = Math.max(0, audio.currentTime - 10); },
      seekforward: () => { audio.currentTime = Math.min(audio.duration || 0, audio.currentTime + 10); },
      seekto: (details) => { audio.currentTime = details.seekTime; },
    };
    for (const [action, handler] of Object.entries(actions)) {
      try { navigator.mediaSession.setActionHandler(action, handler); } catch (e) { /* unsupported action */ }
    }
  }

  // -- following the visitor ----------------------------------------------------

  function startVisit() {
    $('start').hidden = true;
    $('hint').hidden = true;
    following = true;
    const intro = segments.find((s) => s.kind === 'intro');
    // This tap is the one gesture that lets the page play sound later, from a
    // position update: the audio element must start playing now.
    if (intro && !triggered.has(intro.id)) {
      triggered.add(intro.id);
      saveState();
      play(intro, 0);
    } else if (!located.length) {
      const first = segments.find((s) => !triggered.has(s.id)) || segments[0];
      triggered.add(first.id);
      saveState();
      play(first, 0);
    } else {
      unlockAudio();
    }
    if (!located.length) return;
    $('guidance').hidden = false;
    keepAwake();
    if (!window.isSecureContext) return status(ui.insecure);
    if (!('geolocation' in navigator)) return status(ui.geoMissing);
    status(ui.geoWaiting);
    navigator.geolocation.watchPosition(onPosition, onPositionError,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 });
  }

  function unlockAudio() {
    if (current) return;
    audio.muted = true;
    audio.src = located[0].file;
    const started = audio.play();
    const release = () => {
      if (!current) { audio.pause(); audio.removeAttribute('src'); audio.load(); }
      audio.muted = false;
    };
    if (started) started.then(release, release);
  }

  async function keepAwake() {
    // Browsers stop reporting the position once the screen locks: keep it on.
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    try { wakeLock = await navigator.wakeLock.request('screen'); } catch (e) { wakeLock = null; }
  }

  function status(text) {
    $('status').textContent = text;
  }

  function onPositionError(error) {
    status(error.code === 1 ? ui.geoDenied : ui.geoWaiting);
  }

  function onPosition(position) {
    const fix = { lat: position.coords.latitude, lon: position.coords.longitude };
    const accuracy = position.coords.accuracy;
    lastFix = fix;
    lastAccuracy = accuracy;
    const inside = located
      .map((stop) => ({ stop, metres: metresBetween(fix, stop) }))
      .filter(({ stop, metres }) => metres <= stop.radius)
      .sort((a, b) => a.metres - b.metres);
    const previousHere = here;
    here = inside.length ? inside[0].stop : null;
    if (here && accuracy <= MAX_TRIGGER_ACCURACY_M && !triggered.has(here.id)) arrive(here);
    else if (!busy() && queue.length) play(queue[0], 0);
    if (previousHere !== here) updateCards();
    guide();
  }

  function arrive(stop) {
    triggered.add(stop.id);
    lastReached = stop.id;
    saveState();
    if (current === stop && busy()) {
      // Already started by hand on the way: let it go on.
    } else if (busy()) {
      if (!queue.includes(stop)) queue.push(stop);
    } else {
      play(stop, 0);
    }
    const view = cards.get(stop.id);
    if (view && document.visibilityState === 'visible') view.item.scrollIntoView({ block: 'start' });
  }

  function nextStop() {
    const after = lastReached ? located.findIndex((s) => s.id === lastReached) + 1 : 0;
    return located.slice(after).find((s) => !triggered.has(s.id)) ||
      located.find((s) => !triggered.has(s.id)) || null;
  }

  function guide() {
    const lines = [];
    if (here) lines.push(fill(ui.here, { title: here.title }));
    if (queue.length) lines.push(fill(ui.queued, { title: queue[0].title }));
    const next = nextStop();
    if (!next && !here) lines.push(ui.finished);
    if (!lines.length) lines.push(fill(ui.accuracy, { m: Math.round(lastAccuracy) }));
    status(lines.join(' — '));

    const panel = $('next');
    panel.hidden = !next || !lastFix;
    if (next && lastFix) {
      const metres = metresBetween(lastFix, next);
      const heading = bearing(lastFix, next);
      $('next-title').textContent = next.title;
      $('next-distance').textContent = fill(ui.away, {
        distance: distanceText(metres), direction: ui.compass[Math.round(heading / 45) % 8],
      });
      $('arrow').style.transform = 'rotate(' + Math.round(heading) + 'deg)';
      $('next-go').href = mapsLink(next);
    }
    for (const stop of located) {
      const view = cards.get(stop.id);
      if (view && lastFix) view.distance.textContent = distanceText(metresBetween(lastFix, stop));
    }
  }

  // -- offline ------------------------------------------------------------------

  async function offline() {
    if (!('serviceWorker' in navigator)) return;
    let hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (hadController) showUpdate();
      hadController = true;
      fillCache();
    });
    try {
      await navigator.serviceWorker.register('sw.js', { scope: './', updateViaCache: 'none' });
      fillCache();
    } catch (e) {
      /* no offline copy (private mode, http:// from another machine): the page works online */
    }
  }

  // Ask the active worker to fetch whatever it still misses, and show how far it got.
  async function fillCache() {
    const line = $('offline');
    const registration = await navigator.serviceWorker.ready;
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      const { done, total, finished, obsolete } = event.data;
      if (obsolete) return;
      const ready = done === total;
      line.textContent = ready ? ui.offlineReady : finished ? ui.offlineFailed : fill(ui.offlineProgress, { done, total });
      line.dataset.state = ready ? 'ready' : finished ? 'failed' : 'loading';
    };
    registration.active.postMessage({ type: 'fill' }, [channel.port2]);
  }

  function showUpdate() {
    const button = $('update');
    button.textContent = ui.update;
    button.hidden = false;
  }

  // -- wiring -------------------------------------------------------------------

  render();
  mediaActions();
  audio.addEventListener('play', updatePlayButton);
  audio.addEventListener('pause', updatePlayButton);
  audio.addEventListener('ended', () => { updatePlayButton(); onEnded(); });
  audio.addEventListener('timeupdate', updateProgress);
  audio.addEventListener('loadedmetadata', updateProgress);
  $('play').addEventListener('click', () => (current ? toggle(current) : step(0)));
  $('previous').addEventListener('click', () => step(-1));
  $('following').addEventListener('click', () => step(1));
  $('update').addEventListener('click', () => location.reload());
  $('seek').addEventListener('input', (event) => { audio.currentTime = Number(event.target.value); });
  document.addEventListener('visibilitychange', () => {
    if (following && document.visibilityState === 'visible' && !wakeLock) keepAwake();
    if (document.visibilityState === 'hidden') wakeLock = null;
  });
  offline();
})();
