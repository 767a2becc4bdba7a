// The audio guide: lists the stops, shows them on a map, follows the visitor's
// position and plays each stop's story on arrival, in whatever order the
// visitor walks. Tour text is only ever set with textContent (or as a Text
// node or an element handed to the map); nothing from the tour is parsed as HTML.
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('tour-data').textContent);
  const ui = data.ui;
  const $ = (id) => document.getElementById(id);
  const audio = $('audio');
  const segments = data.segments;
  const stops = segments.filter((s) => s.kind === 'stop');
  const located = stops.filter((s) => typeof s.lat === 'number' && typeof s.lon === 'number');
  const intro = segments.find((s) => s.kind === 'intro') || null;
  const outro = segments.find((s) => s.kind === 'outro') || null;
  // Fixes this imprecise say little about which site the visitor is at.
  const MAX_TRIGGER_ACCURACY_M = 500;
  // A story counts as heard once this much of it was played (seeking over it does not count).
  const HEARD_FRACTION = 0.6;
  // A visit left this long ago is over: the next opening starts afresh.
  const STATE_TTL_MS = 16 * 3600 * 1000;
  // A change of language carries the story playing over to the other page, if it opens soon after.
  const RESUME_TTL_MS = 10 * 60 * 1000;
  // By mode, the speed (km/h) and how much longer roads and paths are than the straight line:
  // the table `audiotour check` estimates each leg with, given in the page data.
  const SPEEDS = data.speeds;
  const FOOT_MAX_M = 2500;  // farther than this, without a word from the tour, people drive

  // The tour in other languages: each one's page, relative to this one ("" is this page).
  const languages = Array.isArray(data.languages) ? data.languages : [];
  const pageOf = (language) => new URL(language.href || './', location.href);
  // Every language's page lives in the tour's folder or one below it: that folder names the visit,
  // so the French and the English pages read and write one visit (stop ids are the same in both).
  const tourFolder = languages.length
    ? languages.map((l) => pageOf(l).pathname).sort((a, b) => a.length - b.length)[0]
    : new URL('./', location.href).pathname;
  // Kept across reloads, a tab the phone discarded in a pocket and a change of language, for the day.
  const storageKey = 'audiotour:' + tourFolder;
  const languageKey = storageKey + ':language';  // the language the visitor chose, when they chose one
  if (openInTheirLanguage()) return;
  let visit = readState();
  const heard = new Set(visit.heard);
  const reached = new Set(visit.reached);

  let current = null;   // the segment loaded in the audio element
  let here = null;      // the located stop whose radius the visitor is in
  let queue = [];       // stops reached while another story was playing
  let following = false;
  let manual = false;
  let watchId = null;
  let lastFix = null;
  let lastAccuracy = 0;
  let heading = null;   // degrees from north, when the phone knows where it points
  let wakeLock = null;
  let lastTime = null;  // for counting what was really played

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

  // -- languages ----------------------------------------------------------------------

  function remembered(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function remember(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: asked again next time */ }
  }

  // The tour's language the phone prefers: its exact tag (pt-BR), else the same language (en-GB → en).
  function preferredLanguage() {
    const wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language])
      .filter(Boolean).map((tag) => String(tag).toLowerCase());
    for (const tag of wanted) {
      const exact = languages.find((l) => l.code.toLowerCase() === tag);
      if (exact) return exact;
      const same = languages.find((l) => l.code.toLowerCase().split('-')[0] === tag.split('-')[0]);
      if (same) return same;
    }
    return null;
  }

  // The visitor's own choice wins; else the phone's language when the tour has it. True when leaving.
  function openInTheirLanguage() {
    if (languages.length < 2) return false;
    const chosen = languages.find((l) => l.code === remembered(languageKey));
    const target = chosen || preferredLanguage();
    // Never twice in a row: two pages that disagreed (a half-uploaded build) must not bounce forever.
    // The page that stays forgets the mark.
    const bounce = storageKey + ':redirected';
    try {
      if (!target || target.href === '') {
        sessionStorage.removeItem(bounce);
        return false;
      }
      if (Date.now() - Number(sessionStorage.getItem(bounce) || 0) < 10000) return false;
      sessionStorage.setItem(bounce, String(Date.now()));
    } catch (e) {
      if (!target || target.href === '') return false;  // no session storage: go anyway
    }
    if (navigator.onLine) {
      location.replace(pageOf(target).href);
      return true;
    }
    // Offline: only to a page this phone keeps, else this one is better than an error.
    kept(target).then((yes) => { if (yes) location.replace(pageOf(target).href); });
    return false;
  }

  // Whether a language's own worker keeps its page on this phone (its shell is kept at install).
  async function kept(language) {
    if (!('serviceWorker' in navigator)) return false;
    try {
      const scope = pageOf(language).href;
      const found = await navigator.serviceWorker.getRegistration(scope);
      return Boolean(found && found.scope === scope && found.active);
    } catch (e) {
      return false;
    }
  }

  function renderLanguages() {
    const nav = $('languages');
    if (languages.length < 2) return;
    nav.hidden = false;
    $('masthead').classList.add('multilingual');
    nav.setAttribute('aria-label', ui.language);
    const list = el('ul');
    for (const language of languages) {
      const link = el('a', 'language', language.name);
      link.href = pageOf(language).href;
      link.hreflang = language.code;
      link.lang = language.code;
      if (language.href === '') link.setAttribute('aria-current', 'page');
      link.addEventListener('click', (event) => switchTo(event, language));
      const item = el('li');
      item.append(link);
      list.append(item);
    }
    nav.append(list);
  }

  // The same visit in another language: the stops heard, where it was, the story playing and how far in.
  function switchTo(event, language) {
    if (language.href === '') {
      event.preventDefault();
      remember(languageKey, language.code);
      return;
    }
    countPlayed();  // what was heard up to this very moment counts
    visit.resume = {
      at: Date.now(), id: current ? current.id : null,
      share: current && current.duration ? audio.currentTime / current.duration : 0,
      playing: busy(), following, manual, queue: queue.map((s) => s.id),
    };
    saveState();
    // In place of this page, not after it: Back leaves the tour rather than return to a page whose
    // visit went on in the other language.
    event.preventDefault();
    const go = () => {
      remember(languageKey, language.code);
      audio.pause();
      location.replace(pageOf(language).href);
    };
    if (navigator.onLine) return go();
    // Offline: only to a language this phone keeps; else this page goes on, and says why.
    kept(language).then((yes) => {
      if (yes) {
        go();
      } else {
        delete visit.resume;
        saveState();
        $('languages-note').hidden = false;
        $('languages-note').textContent = fill(ui.languageOffline, { language: language.name });
      }
    });
  }

  // Where the other page left the visit, once: the same story at the same sentence, and following again.
  function resumeVisit() {
    const resume = visit.resume;
    if (!resume) return;
    delete visit.resume;
    saveState();
    if (!(Date.now() - resume.at < RESUME_TTL_MS)) return;
    queue = (resume.queue || []).map((id) => segments.find((s) => s.id === id)).filter(Boolean);
    const segment = segments.find((s) => s.id === resume.id);
    if (resume.following && located.length && !visit.ended) {
      following = true;
      showStart();
      $('guidance').hidden = false;
      askForHeading();
      keepAwake();
      if (resume.manual) toManual();
      else follow();
    }
    if (segment) {
      cue(segment, sentenceAt(segment, resume.share));
      if (resume.playing) play(segment);
      updateCard(segment);
      showCard(segment);
    }
    guide();
  }

  // The start of the sentence being spoken at this share of the story: translations differ in length.
  function sentenceAt(segment, share) {
    if (!(share > 0)) return 0;
    const time = Math.min(share, 1) * segment.duration;
    let start = 0;
    for (const [from] of segment.sentences) if (from <= time) start = from;
    return start;
  }

  function readState() {
    const fresh = { heard: [], reached: [], route: [], shares: {}, ended: false, started: false };
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey));
      if (saved && Date.now() - saved.at < STATE_TTL_MS) return { ...fresh, ...saved };
    } catch (e) { /* unreadable: a new visit */ }
    return fresh;
  }

  function saveState() {
    visit.heard = [...heard];
    visit.reached = [...reached];
    visit.at = Date.now();
    try {
      localStorage.setItem(storageKey, JSON.stringify(visit));
    } catch (e) { /* private mode: the visit still works, it just forgets on reload */ }
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function minutes(seconds) {
    return seconds < 60 ? Math.round(seconds) + ' s' : Math.round(seconds / 60) + ' min';
  }

  function duration(seconds) {
    const m = Math.max(1, Math.round(seconds / 60));
    if (m < 60) return fill(ui.minutes, { m });
    return fill(ui.hours, { h: Math.floor(m / 60), m: String(m % 60).padStart(2, '0') });
  }

  const numbers = (digits) => new Intl.NumberFormat(data.lang, { maximumFractionDigits: digits });

  function distanceText(metres) {
    if (metres < 1000) return numbers(0).format(Math.round(metres / 10) * 10 || metres) + ' m';
    return numbers(metres < 10000 ? 1 : 0).format(metres / 1000) + ' km';
  }

  function sizeText(bytes) {
    if (bytes < 1e6) return fill(ui.kilobytes, { n: numbers(0).format(Math.max(1, Math.round(bytes / 1e3))) });
    return fill(ui.megabytes, { n: numbers(bytes < 1e7 ? 1 : 0).format(bytes / 1e6) });
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
  function mapsLink(stop, mode) {
    const where = stop.lat + ',' + stop.lon;
    const agent = navigator.userAgent;
    const car = mode === 'car';
    const travel = car ? 'driving' : mode === 'bike' ? 'bicycling' : 'walking';
    if (/iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)) {
      return 'https://maps.apple.com/?daddr=' + where + '&dirflg=' + (car ? 'd' : 'w');
    }
    if (/Android/.test(agent)) {
      return 'geo:' + where + '?q=' + where + '(' + encodeURIComponent(stop.title) + ')';
    }
    return 'https://www.google.com/maps/dir/?api=1&travelmode=' + travel +
      '&destination=' + where;
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
    renderLanguages();

    $('start').addEventListener('click', () => (visit.ended ? restart() : startVisit()));
    $('hint').textContent = located.length ? ui.startHint : '';
    showStart();
    $('next-label').textContent = ui.next;
    $('next-go').textContent = ui.directions;
    $('manual').textContent = ui.manual;
    $('way-summary').textContent = ui.how;

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

  function showStart() {
    const start = $('start');
    const begun = visit.started && !visit.ended && heard.size > 0;
    start.textContent = visit.ended ? ui.restart : begun ? ui.continue : located.length ? ui.start : ui.startPlain;
    start.hidden = following && !visit.ended;
    $('hint').hidden = following || visit.ended || begun;
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
    const kicker = el('p', 'kicker', [label(segment), dateText(segment.date)].filter(Boolean).join(' · '));
    const tick = el('span', 'tick', ' ✓');
    tick.setAttribute('role', 'img');
    tick.setAttribute('aria-label', ui.played);
    kicker.append(tick);
    body.append(kicker, el('h2', null, segment.title));
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
    const way = segment.way;
    if (way && typeof way.minutes === 'number' && SPEEDS[way.mode]) {
      // The leg to the next stop, as `audiotour check` gives it.
      const distance = distanceText(way.distance_km * 1000).replace(' ', '\u00a0');  // "3 km" on one line
      body.append(el('p', 'leg', fill(ui.leg, {
        distance: way.measured ? distance : fill(ui.crow, { distance }),
        time: fill(ui[way.mode], { time: duration(way.minutes * 60) }),
      })));
    }

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
    cards.set(segment.id, { item, listen, distance, spans, tick });
    updateCard(segment);
    return item;
  }

  function updateCard(segment) {
    const view = cards.get(segment.id);
    if (!view) return;
    const playing = segment === current && !audio.paused;
    const paused = segment === current && audio.paused && !audio.ended && audio.currentTime > 0;
    view.listen.textContent = '';
    view.listen.append(icon(playing ? 'pause' : 'play'), playing ? ui.pause : paused ? ui.resume : ui.listen,
      el('span', 'duration', minutes(segment.duration)));
    view.listen.setAttribute('aria-label', fill(playing ? ui.pauseTo : ui.listenTo, { title: segment.title }));
    view.item.classList.toggle('playing', segment === current);
    view.item.classList.toggle('here', segment === here);
    view.item.classList.toggle('heard', heard.has(segment.id));
    view.tick.hidden = !heard.has(segment.id);
    if (segment === here) view.item.setAttribute('aria-current', 'location');
    else view.item.removeAttribute('aria-current');
    mapMarker(segment);
  }

  const updateCards = () => segments.forEach(updateCard);

  // -- the map --------------------------------------------------------------------
  // Drawn from the tour's coordinates alone, so it works in a dead zone; the tour's
  // tiles (OpenStreetMap's by default) go beneath it while the phone is online, never cached.

  let map = null;
  const markers = new Map();
  let you = null;
  let youCircle = null;
  let tiles = null;
  let mapMoved = false;

  // The whole route, and the visitor when known; room left for the credits along the bottom.
  function fitMap() {
    if (!map || mapMoved) return;
    const bounds = window.L.latLngBounds(located.map((s) => [s.lat, s.lon]));
    // The visitor too, when on the way (not from home, hundreds of kilometres off).
    if (lastFix && Math.min(...located.map((s) => metresBetween(lastFix, s))) < 20000) {
      bounds.extend([lastFix.lat, lastFix.lon]);
    }
    map.fitBounds(bounds, { maxZoom: 16, paddingTopLeft: [24, 24], paddingBottomRight: [24, 64] });
  }

  function initMap() {
    const L = window.L;
    if (!located.length || !L) return;
    $('map-box').hidden = false;
    $('map').setAttribute('aria-label', ui.map);
    map = L.map('map', { zoomSnap: 0.5, scrollWheelZoom: false, tap: false });
    map.createPane('you').style.zIndex = 650;  // the visitor above the stops
    // The library's credit, pointing at its licence beside the page (our own text, no tour text).
    map.attributionControl.setPrefix('<a href="leaflet-LICENSE.txt">' + escapeText(ui.mapCredits) + '</a>');
    const line = located.map((s) => [s.lat, s.lon]);
    L.polyline(line, { color: '#0b2545', weight: 4, opacity: 0.85, dashArray: '2 8', lineCap: 'round',
      interactive: false }).addTo(map);
    for (const stop of located) {
      const badge = el('span', 'stop-number', stops.indexOf(stop) + 1);
      const marker = L.marker([stop.lat, stop.lon], {
        icon: L.divIcon({ className: 'stop-marker', html: badge, iconSize: [34, 34], iconAnchor: [17, 17] }),
        keyboard: true, title: stop.title, alt: stop.title, riseOnHover: true,
      }).addTo(map);
      marker.on('click', () => showCard(stop, 'smooth'));
      markers.set(stop.id, marker);
    }
    fitMap();
    // Once the visitor moves the map by hand, it stays where they put it.
    map.on('dragstart', () => { mapMoved = true; });
    map.getContainer().addEventListener('click', (event) => {
      if (event.target.closest('.leaflet-control-zoom')) mapMoved = true;
    });
    updateCards();
    updateTiles();
    window.addEventListener('online', updateTiles);
    window.addEventListener('offline', updateTiles);
  }

  // The tour's tile server (OpenStreetMap's unless it names its own), or none: then the map is the
  // tour's coordinates alone, online too, and the page reaches no other host.
  function updateTiles() {
    const L = window.L;
    const source = data.tiles;
    if (!map || !source) return;
    if (navigator.onLine && !tiles) {
      // Tile policies ask for the credit on the map and a Referer: the page sends none elsewhere.
      const credit = escapeText(source.attribution);
      tiles = L.tileLayer(source.url, {
        maxZoom: 19, referrerPolicy: 'strict-origin-when-cross-origin',
        attribution: source.link ? '<a href="' + escapeText(source.link).replace(/"/g, '&quot;') + '">' + credit + '</a>' : credit,
      }).addTo(map);
      tiles.bringToBack();
    } else if (!navigator.onLine && tiles) {
      map.removeLayer(tiles);
      tiles = null;
    }
  }

  function escapeText(text) {
    const span = el('span', null, text);
    return span.innerHTML;
  }

  function mapMarker(segment) {
    const marker = markers.get(segment.id);
    const node = marker && marker.getElement();
    if (!node) return;
    node.classList.toggle('heard', heard.has(segment.id));
    node.classList.toggle('here', segment === here);
    node.classList.toggle('next', segment === nextStop());
  }

  function mapPosition(fix, accuracy) {
    const L = window.L;
    if (!map) return;
    if (!you) {
      youCircle = L.circle([fix.lat, fix.lon], { radius: accuracy, className: 'you-accuracy', interactive: false, pane: 'you',
        color: '#1a73e8', weight: 1, fillOpacity: 0.15 }).addTo(map);
      you = L.circleMarker([fix.lat, fix.lon], { radius: 8, className: 'you-marker', color: '#fff', weight: 3, pane: 'you',
        fillColor: '#1a73e8', fillOpacity: 1, interactive: false }).addTo(map);
      you.bindTooltip(el('span', null, ui.you), { direction: 'top', offset: [0, -8] });
      if (!map.getBounds().contains([fix.lat, fix.lon])) fitMap();
    } else {
      you.setLatLng([fix.lat, fix.lon]);
      youCircle.setLatLng([fix.lat, fix.lon]);
      youCircle.setRadius(accuracy);
    }
  }

  // -- playback -----------------------------------------------------------------

  function play(segment, from) {
    cue(segment, from);
    audio.muted = false;
    if (queue.includes(segment)) queue = queue.filter((waiting) => waiting !== segment);
    const started = audio.play();
    if (started) started.catch(() => updatePlayButton());
    updateCard(segment);
    guide();
  }

  // Load a story in the player (from a time, or where it is), without playing it.
  function cue(segment, from) {
    if (current !== segment) {
      const previous = current;
      current = segment;
      audio.src = segment.file;
      lastTime = null;
      if (previous) updateCard(previous);
      $('player-title').textContent = segment.title;
      $('player').hidden = false;
      mediaMetadata(segment);
      // Whoever takes the phone out of the pocket finds the words being spoken.
      cards.get(segment.id).item.querySelector('details').open = true;
    }
    if (from !== undefined) {
      audio.currentTime = from;
      lastTime = null;
    }
  }

  // Bring a stop's card into view above the guidance, unless the visitor is reading the page.
  function showCard(segment, behavior) {
    const view = cards.get(segment.id);
    if (view && document.visibilityState === 'visible') view.item.scrollIntoView({ block: 'start', behavior });
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

  // Count only what was played, not what was skipped by seeking.
  function countPlayed() {
    if (!current || audio.paused || audio.seeking) return;
    const now = audio.currentTime;
    if (lastTime !== null) {
      const delta = now - lastTime;
      if (delta > 0 && delta < 2 + 4 * audio.playbackRate) {
        // As a share of the story, so that what was heard in one language counts in the other.
        const played = (visit.shares[current.id] || 0) + delta / (current.duration || 1);
        visit.shares[current.id] = played;
        if (!heard.has(current.id) && played >= HEARD_FRACTION) markHeard(current);
      }
    }
    lastTime = now;
  }

  function markHeard(segment) {
    heard.add(segment.id);
    if (segment === outro) visit.ended = true;
    saveState();
    if (visit.ended) showStart();
    updateCards();
    guide();
  }

  function onEnded() {
    countPlayed();
    const finished = current;
    updateCard(finished);
    if (queue.length) return play(queue[0], 0);
    if (!following) return;
    if (finished === outro) {
      if (heard.has(outro.id)) { visit.ended = true; saveState(); }
      following = visit.ended ? false : following;
      showStart();
      return guide();
    }
    // Between sites nothing plays, except what has no place of its own: a stop
    // without a location follows the story before it, and the closing words
    // follow the last story of the walk, whatever was skipped on the way.
    const next = segments[segments.indexOf(finished) + 1];
    if (next && next.kind === 'stop' && typeof next.lat !== 'number' && !heard.has(next.id)) {
      return play(next, 0);
    }
    if (located.length && heard.has(finished.id) && finished !== intro && !nextStop() && outro && !heard.has(outro.id)) {
      play(outro, 0);
      showCard(outro);
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
    countPlayed();
    const seek = $('seek');
    const length = isFinite(audio.duration) ? audio.duration : (current ? current.duration : 0);
    seek.max = String(length);
    if (!seek.matches(':active')) seek.value = String(audio.currentTime);
    seek.setAttribute('aria-valuetext', clock(audio.currentTime) + ' / ' + clock(length));
    $('elapsed').textContent = clock(audio.currentTime);
    $('total').textContent = clock(length);
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

  function restart() {
    heard.clear();
    reached.clear();
    visit = { heard: [], reached: [], route: [], shares: {}, ended: false, started: false };
    queue = [];
    saveState();
    updateCards();
    startVisit();
  }

  function startVisit() {
    following = true;
    visit.started = true;
    saveState();
    showStart();
    // This tap is the one gesture that lets the page play sound later, from a
    // position update: the audio element must start playing now.
    if (intro && !heard.has(intro.id)) {
      play(intro, 0);
    } else if (!located.length) {
      play(segments.find((s) => !heard.has(s.id)) || segments[0], 0);
    } else {
      unlockAudio();
    }
    if (!located.length) return;
    $('guidance').hidden = false;
    askForHeading();
    keepAwake();
    follow();
  }

  function follow() {
    manual = false;
    $('manual').textContent = ui.manual;
    if (!window.isSecureContext) return problem(ui.insecure);
    if (!('geolocation' in navigator)) return problem(ui.geoMissing);
    problem(null);
    status(lastFix ? '' : ui.geoWaiting);
    if (watchId === null) {
      watchId = navigator.geolocation.watchPosition(onPosition, onPositionError,
        { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    }
    guide();
  }

  function toManual() {
    manual = true;
    if (watchId !== null && 'geolocation' in navigator) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    lastFix = null;
    here = null;
    problem(null);
    updateCards();
    guide();
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
    // Browsers stop reporting the position once the screen locks: keep it on, or say it may lock.
    if (!following || manual || document.visibilityState !== 'visible') return;
    if (!('wakeLock' in navigator)) return notice(ui.wakeLock);
    try {
      wakeLock = await navigator.wakeLock.request('screen');
      wakeLock.addEventListener('release', () => { wakeLock = null; });
      notice(null);
    } catch (e) {
      wakeLock = null;
      notice(ui.wakeLock);
    }
  }

  function askForHeading() {
    const listen = () => {
      window.addEventListener('deviceorientationabsolute', (event) => {
        if (event.absolute && typeof event.alpha === 'number') setHeading(360 - event.alpha);
      });
      window.addEventListener('deviceorientation', (event) => {
        if (typeof event.webkitCompassHeading === 'number') setHeading(event.webkitCompassHeading, true);
      });
    };
    listen();
    // iOS sends nothing until the visitor allows it, asked from a tap: this is one.
    const Orientation = window.DeviceOrientationEvent;
    if (Orientation && typeof Orientation.requestPermission === 'function') {
      Orientation.requestPermission().catch(() => {});
    }
  }

  let headingShown = 0;
  function setHeading(degrees, screenRelative) {
    const angle = screenRelative ? 0 : (screen.orientation && screen.orientation.angle) || 0;
    heading = (degrees + angle + 360) % 360;
    const now = Date.now();
    if (now - headingShown > 500) { headingShown = now; guide(); }
  }

  function status(text) {
    $('status').textContent = text;
  }

  // One problem with the position at a time, with the way out: manual mode.
  function problem(text) {
    $('problem').hidden = !text && !noticeText;
    $('problem-text').textContent = text || noticeText || '';
    problemText = text;
  }
  let problemText = null;
  let noticeText = null;
  function notice(text) {
    noticeText = text;
    problem(problemText);
  }

  function onPositionError(error) {
    if (manual) return;
    if (error.code === 1) {
      problem(ui.geoDenied);
      status('');
    } else if (error.code === 3) {
      problem(ui.geoTimeout);
    } else {
      problem(ui.geoUnavailable);
    }
    guide();
  }

  function onPosition(position) {
    if (manual) return;
    const fix = { lat: position.coords.latitude, lon: position.coords.longitude };
    const accuracy = position.coords.accuracy;
    lastFix = fix;
    lastAccuracy = accuracy;
    const course = position.coords.heading;
    if (heading === null && typeof course === 'number' && !Number.isNaN(course) && position.coords.speed > 1) {
      heading = course;  // the direction of travel stands in for a compass
    }
    const inside = located
      .map((stop) => ({ stop, metres: metresBetween(fix, stop) }))
      .filter(({ stop, metres }) => metres <= stop.radius)
      .sort((a, b) => a.metres - b.metres);
    const previousHere = here;
    here = inside.length ? inside[0].stop : null;
    const reference = here || nextStop();
    if (accuracy > MAX_TRIGGER_ACCURACY_M) problem(fill(ui.geoPoor, { m: Math.round(accuracy) }));
    else if (reference && accuracy > reference.radius) problem(fill(ui.geoPoor, { m: Math.round(accuracy) }));
    else problem(null);
    if (here && accuracy <= MAX_TRIGGER_ACCURACY_M && !reached.has(here.id)) arrive(here);
    else if (!busy() && queue.length) play(queue[0], 0);
    if (previousHere !== here) updateCards();
    mapPosition(fix, accuracy);
    guide();
  }

  function arrive(stop) {
    reached.add(stop.id);
    visit.route.push(stop.id);
    saveState();
    if (current === stop && busy()) {
      // Already started by hand on the way: let it go on.
    } else if (busy()) {
      if (!queue.includes(stop)) queue.push(stop);
    } else {
      play(stop, 0);
      showCard(stop);
    }
  }

  // Which way the visitor walks the tour: from the last two sites reached; from
  // one site, the tour's own direction unless nothing is left that way.
  function direction(open) {
    const route = visit.route.map((id) => located.findIndex((s) => s.id === id)).filter((i) => i >= 0);
    const last = route[route.length - 1];
    for (let k = route.length - 2; k >= 0; k -= 1) {
      if (route[k] !== last) return Math.sign(last - route[k]);
    }
    return open.some((s) => located.indexOf(s) > last) ? 1 : -1;
  }

  // The nearest site not yet heard along the direction of travel. Sites passed
  // by (between sites already reached) are not pointed back to; a site beyond
  // the ones reached is, when nothing is left ahead.
  function nextStop() {
    const open = located.filter((s) => !heard.has(s.id) && !reached.has(s.id) && s !== here);
    if (!open.length) return null;
    const route = visit.route.map((id) => located.findIndex((s) => s.id === id)).filter((i) => i >= 0);
    if (!route.length) {
      if (!lastFix) return open[0];
      return open.reduce((a, b) => (metresBetween(lastFix, a) <= metresBetween(lastFix, b) ? a : b));
    }
    const last = route[route.length - 1];
    const dir = direction(open);
    const byGap = (a, b) => Math.abs(located.indexOf(a) - last) - Math.abs(located.indexOf(b) - last);
    const ahead = open.filter((s) => (located.indexOf(s) - last) * dir > 0).sort(byGap);
    if (ahead.length) {
      // Walked past a site without entering it: once the visitor is nearer the site after it than
      // that site is to the one passed, the one passed is behind them.
      let k = 0;
      while (lastFix && k + 1 < ahead.length && metresBetween(lastFix, ahead[k]) > ahead[k].radius &&
             metresBetween(lastFix, ahead[k + 1]) < metresBetween(ahead[k], ahead[k + 1])) k += 1;
      return ahead[k];
    }
    const low = Math.min(...route);
    const high = Math.max(...route);
    const beyond = open.filter((s) => located.indexOf(s) < low || located.indexOf(s) > high).sort(byGap);
    return beyond[0] || null;
  }

  // In manual mode: the first story not heard, in the tour's order.
  function nextByHand() {
    return segments.find((s) => s.kind === 'stop' && !heard.has(s.id)) || null;
  }

  // How to get there: the tour's word for this leg when it has one, else a guess from the distance.
  function leg(next, metres) {
    const route = visit.route;
    const from = route.length ? located.find((s) => s.id === route[route.length - 1]) : null;
    const way = from && from.way && located.indexOf(next) === located.indexOf(from) + 1 ? from.way : null;
    const mode = way && SPEEDS[way.mode] ? way.mode : metres > FOOT_MAX_M ? 'car' : 'foot';
    const speed = SPEEDS[mode];
    let seconds = metres * speed.detour / (speed.kmh / 3.6);
    // On the tour's own leg, its time (a measured length included) for the share of the straight line left:
    // from the stop just heard, the very time its card and `audiotour check` give.
    const whole = way && typeof way.minutes === 'number' ? metresBetween(from, next) : 0;
    if (whole > 0) seconds = way.minutes * 60 * metres / whole;
    return { mode, way, eta: fill(ui[mode], { time: duration(seconds) }) };
  }

  function guide() {
    const lines = [];
    // Each fact once: the player already names what plays, the panel what comes next.
    if (here && here !== current && !queue.includes(here)) lines.push(fill(ui.here, { title: here.title }));
    if (queue.length) lines.push(fill(ui.queued, { title: queue[0].title }));
    if (manual) lines.push(ui.manualOn);
    else if (following && !lastFix && !problemText) lines.push(ui.geoWaiting);
    status(lines.join(' · '));
    $('manual').textContent = manual ? ui.follow : ui.manual;
    $('problem').hidden = !(problemText || noticeText) && !manual;
    if (manual) $('problem-text').textContent = '';

    const next = manual ? nextByHand() : nextStop();
    const panel = $('next');
    const end = $('end');
    panel.hidden = !next || (!manual && !lastFix);
    const finishedRoute = located.length && !next && (lastFix || manual || visit.ended) && following;
    end.hidden = !finishedRoute && !visit.ended;
    if (!end.hidden) {
      const skipped = located.filter((s) => !heard.has(s.id)).length;
      const words = [visit.ended ? ui.finished : ui.endOfRoute];
      if (skipped && !visit.ended) words.push(skipped === 1 ? ui.skippedOne : fill(ui.skippedMany, { n: skipped }));
      $('end-text').textContent = words.join(' · ');
      const outroLeft = outro && !heard.has(outro.id);
      const go = $('end-go');
      go.hidden = outroLeft && current === outro && !audio.paused;
      go.textContent = outroLeft ? ui.playOutro : ui.restart;
      go.onclick = () => (outroLeft ? (play(outro, 0), showCard(outro, 'smooth')) : restart());
    }
    if (next && !panel.hidden) {
      $('next-title').textContent = next.title;
      $('next-label').textContent = ui.next;
      const canGo = typeof next.lat === 'number';
      $('next-go').hidden = !canGo;
      $('next-listen').hidden = !manual;
      if (manual) {
        $('next-listen').textContent = ui.listen;
        $('next-listen').onclick = () => { play(next, 0); showCard(next, 'smooth'); };
      }
      if (manual || !lastFix || !canGo) {
        $('next-distance').textContent = label(next);
        $('arrow').hidden = true;
        $('way').hidden = true;
        if (canGo) $('next-go').href = mapsLink(next);
      } else {
        const metres = metresBetween(lastFix, next);
        const towards = bearing(lastFix, next);
        const relative = heading === null ? towards : (towards - heading + 360) % 360;
        const words = heading === null ? ui.compass : ui.relative;
        const { mode, way, eta } = leg(next, metres);
        $('next-distance').textContent = fill(ui.away, {
          distance: distanceText(metres), direction: words[Math.round(relative / 45) % 8],
        }) + ' · ' + eta + ' · ' + fill(ui.accuracy, { m: Math.round(lastAccuracy) });
        const arrow = $('arrow');
        arrow.hidden = false;
        arrow.style.transform = 'rotate(' + Math.round(relative) + 'deg)';
        arrow.classList.toggle('north-up', heading === null);
        $('next-go').href = mapsLink(next, mode);
        const details = way && (way.directions || way.parking);
        $('way').hidden = !details;
        if (details) {
          $('way-directions').textContent = way.directions || '';
          $('way-directions').hidden = !way.directions;
          $('way-parking').textContent = way.parking ? fill(ui.parking, { parking: way.parking }) : '';
          $('way-parking').hidden = !way.parking;
        }
      }
    }
    for (const stop of located) {
      const view = cards.get(stop.id);
      if (view) view.distance.textContent = lastFix ? distanceText(metresBetween(lastFix, stop)) : '';
      mapMarker(stop);
    }
  }

  // -- the guidance dock: never covers the page -------------------------------------

  function watchDock() {
    const dock = $('dock');
    const root = document.documentElement;
    const measure = () => {
      const rect = dock.getBoundingClientRect();
      const side = getComputedStyle(dock).getPropertyValue('--dock-side').trim() === '1';
      root.style.setProperty('--dock-height', (side ? 0 : Math.ceil(rect.height)) + 'px');
      root.style.setProperty('--dock-width', (side && rect.height ? Math.ceil(rect.width) : 0) + 'px');
      if (map) { map.invalidateSize(); fitMap(); }
    };
    if ('ResizeObserver' in window) new ResizeObserver(measure).observe(dock);
    window.addEventListener('resize', measure);
    measure();
  }

  // -- download for the visit ---------------------------------------------------------

  let registration = null;
  let downloading = false;
  let workerReady;
  const worker = new Promise((resolve) => { workerReady = resolve; });

  function ask(worker, message, onProgress) {
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        if (event.data.final) resolve(event.data);
        else if (onProgress) onProgress(event.data);
      };
      try { worker.postMessage(message, [channel.port2]); } catch (e) { reject(e); }
    });
  }

  const tourSeconds = segments.reduce((sum, s) => sum + (s.duration || 0), 0);

  function showDownload(state) {
    const box = $('download');
    box.hidden = false;
    const button = $('download-go');
    const line = $('download-state');
    const bar = $('download-bar');
    const summary = data.download || { files: 0, bytes: 0 };
    if (state && typeof state.shell === 'number') SHELL_FILES = state.shell;
    if (!state) {
      button.hidden = false;
      button.textContent = '';
      button.append(ui.download, el('span', 'size', sizeText(summary.bytes)));
      line.textContent = '';
      $('download-progress').hidden = true;
      $('download-remove').hidden = true;
      return;
    }
    box.dataset.state = state.complete ? 'ready' : state.progress ? 'loading' : state.files > SHELL_FILES ? 'partial' : 'none';
    $('download-progress').hidden = !state.progress && (state.complete || state.files <= SHELL_FILES);
    bar.max = state.size || 1;
    bar.value = state.bytes;
    const values = { files: state.files, total: state.total, done: sizeText(state.bytes), size: sizeText(state.size) };
    if (state.complete) {
      line.textContent = fill(ui.downloadReady, { duration: duration(tourSeconds), size: sizeText(state.size) });
    } else if (state.progress) {
      line.textContent = fill(ui.downloading, values);
    } else if (state.failed) {
      line.textContent = fill(ui.downloadFailed, values);
    } else if (state.files > SHELL_FILES) {
      line.textContent = fill(ui.downloadPartial, values);
    } else {
      line.textContent = '';
    }
    button.hidden = state.complete || Boolean(state.progress);
    if (!button.hidden) {
      button.textContent = '';
      const resume = state.files > SHELL_FILES;
      button.append(resume ? ui.downloadResume : ui.download,
        el('span', 'size', sizeText(Math.max(0, state.size - state.bytes))));
    }
    $('download-remove').hidden = !state.complete;
    $('download-remove').textContent = ui.downloadRemove;
  }
  let SHELL_FILES = 0;  // what the worker keeps on its own (the page itself): not "a download"

  async function offline() {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) {
      $('download').hidden = false;
      $('download-state').textContent = window.isSecureContext ? ui.downloadNone : ui.downloadInsecure;
      return;
    }
    showDownload(null);
    $('download-go').addEventListener('click', download);
    $('download-remove').addEventListener('click', removeDownload);
    let switching = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (switching) location.reload();
    });
    try {
      registration = await navigator.serviceWorker.register('sw.js', { scope: './', updateViaCache: 'none' });
    } catch (e) {
      $('download-state').textContent = ui.downloadNone;
      $('download-go').hidden = true;
      return;
    }
    await navigator.serviceWorker.ready;
    workerReady();
    if (!downloading) await refreshDownload();
    const offerIfWaiting = () => {
      if (registration.waiting && registration.active) offerUpdate(registration.waiting, () => { switching = true; });
    };
    registration.addEventListener('updatefound', () => {
      const incoming = registration.installing;
      if (!incoming) return;
      incoming.addEventListener('statechange', () => { if (incoming.state === 'installed') offerIfWaiting(); });
    });
    offerIfWaiting();
  }

  async function refreshDownload() {
    const worker = registration && registration.active;
    if (!worker) return null;
    const state = await ask(worker, { type: 'state' });
    SHELL_FILES = state.shell;
    showDownload(state);
    showAlso(state.complete);
    return state;
  }

  // -- the other languages, offline too when asked ----------------------------------------
  // Each language's folder has its own worker, which keeps only that folder's files. Another
  // language's worker is registered from here only when the visitor asks for its download.

  let alsoBusy = false;
  const alsoFailed = new Set();

  async function ownRegistration(language) {
    const scope = pageOf(language).href;
    const found = await navigator.serviceWorker.getRegistration(scope).catch(() => null);
    return found && found.scope === scope ? found : null;
  }

  function activeWorker(registration) {
    return new Promise((resolve) => {
      const check = () => {
        if (registration.active) resolve(registration.active);
        else if (!registration.installing && !registration.waiting) resolve(null);
      };
      for (const incoming of [registration.installing, registration.waiting]) {
        if (incoming) incoming.addEventListener('statechange', check);
      }
      check();
    });
  }

  // Offered once this language is kept: a line for each other language kept, a button for the rest.
  async function showAlso(complete) {
    const others = languages.filter((l) => l.href !== '');
    if (!others.length || alsoBusy) return;
    const rows = [];
    for (const language of others) {
      const found = await ownRegistration(language);
      const state = found && found.active ? await ask(found.active, { type: 'state' }).catch(() => null) : null;
      const values = { language: language.name };
      if (state && state.complete) {
        rows.push(el('p', 'also-ready', fill(ui.downloadAlsoReady, values)));
      } else if (complete) {
        if (alsoFailed.has(language.code)) rows.push(el('p', 'note', fill(ui.downloadAlsoFailed, values)));
        const button = el('button', 'small secondary', fill(ui.downloadAlso, values));
        button.type = 'button';
        button.addEventListener('click', () => downloadAlso(language, button));
        rows.push(button);
      }
    }
    if (alsoBusy) return;
    $('download-also').replaceChildren(...rows);
    $('download-also').hidden = !rows.length;
  }

  async function downloadAlso(language, button) {
    if (alsoBusy) return;
    alsoBusy = true;
    button.disabled = true;
    alsoFailed.delete(language.code);
    const values = { language: language.name };
    try {
      const scope = pageOf(language).href;
      const found = await navigator.serviceWorker.register(scope + 'sw.js', { scope, updateViaCache: 'none' });
      const worker = await activeWorker(found);
      if (!worker) throw new Error('no worker');
      let state;
      do {
        state = await ask(worker, { type: 'download' }, (progress) => {
          button.textContent = fill(ui.downloadAlsoProgress,
            { ...values, done: sizeText(progress.bytes), size: sizeText(progress.size) });
        });
      } while (state.more);
      if (!state.complete) alsoFailed.add(language.code);
    } catch (e) {
      alsoFailed.add(language.code);
    } finally {
      alsoBusy = false;
    }
    await refreshDownload();
  }

  async function download() {
    if (downloading) return;
    downloading = true;
    $('download-go').hidden = true;
    persist();
    // A tap before the worker runs is kept, not lost; a worker that never comes is said.
    const ready = await Promise.race([worker.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 20000))]);
    if (!ready) {
      downloading = false;
      showDownload(null);
      $('download-state').textContent = ui.downloadNone;
      return;
    }
    let state;
    try {
      do {
        state = await ask(registration.active, { type: 'download' }, (progress) => showDownload(progress));
      } while (state.more);
      showDownload(state);
    } finally {
      downloading = false;
    }
    showAlso(state.complete);
  }

  async function persist() {
    const note = $('download-note');
    if (!navigator.storage || !navigator.storage.persist) return;
    let kept = await navigator.storage.persisted().catch(() => false);
    if (!kept) kept = await navigator.storage.persist().catch(() => false);
    note.textContent = ui.persistDenied;
    note.hidden = kept;
  }

  async function removeDownload() {
    if (!registration || !registration.active) return;
    showDownload(await ask(registration.active, { type: 'remove' }));
    $('download-note').hidden = true;
    showAlso(false);
  }

  // A new build waits beside the one in use; the visitor decides when it takes over.
  async function offerUpdate(waiting, switching) {
    const box = $('update-box');
    const old = await ask(registration.active, { type: 'state' });
    const incoming = await ask(waiting, { type: 'state' });
    box.hidden = false;
    $('update-text').textContent = ui.update;
    const button = $('update');
    button.textContent = '';
    button.append(ui.updateButton);
    if (old.complete) button.append(el('span', 'size', sizeText(incoming.missing)));
    button.onclick = async () => {
      button.disabled = true;
      if (old.complete) {
        // Kept offline: the new version must be complete before it replaces the old one.
        let state;
        do {
          state = await ask(waiting, { type: 'download' }, (progress) => showDownload(progress));
        } while (state.more);
        if (!state.complete) {
          showDownload({ ...state, failed: state.failed || 1 });
          button.disabled = false;
          return;
        }
      }
      switching();
      waiting.postMessage({ type: 'activate' });
    };
  }

  // -- wiring -------------------------------------------------------------------

  render();
  initMap();
  mediaActions();
  watchDock();
  audio.addEventListener('play', () => { lastTime = null; updatePlayButton(); });
  audio.addEventListener('pause', () => { countPlayed(); updatePlayButton(); });
  audio.addEventListener('seeking', () => { lastTime = null; });
  audio.addEventListener('ended', () => { updatePlayButton(); onEnded(); });
  audio.addEventListener('timeupdate', updateProgress);
  audio.addEventListener('loadedmetadata', updateProgress);
  $('play').addEventListener('click', () => (current ? toggle(current) : step(0)));
  $('previous').addEventListener('click', () => step(-1));
  $('following').addEventListener('click', () => step(1));
  $('manual').addEventListener('click', () => (manual ? follow() : toManual()));
  $('seek').addEventListener('input', (event) => { audio.currentTime = Number(event.target.value); });
  document.addEventListener('visibilitychange', () => {
    if (following && document.visibilityState === 'visible' && !wakeLock) keepAwake();
  });
  offline();
  resumeVisit();
  // Back from another language's page, this one may come from the browser's memory as it was left:
  // the visit went on since, in the other language, so it is read again.
  if (languages.length > 1) window.addEventListener('pageshow', (event) => { if (event.persisted) location.reload(); });
})();
