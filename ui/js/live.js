// live.js: the page's one live layer. It subscribes to the API's event
// stream (GET /api/v1/events/stream, Server-Sent Events) and, where the
// server has none (GET /api/v1/events answers 404) or the stream is down,
// falls back to polling the list endpoints. Pages never know which:
//
//   watch({types, refresh, interval, patch, every}) -> stop()
//       refresh(why) re-reads what the page shows ('poll', 'event',
//       'resync', 'every'): every `interval` ms while polling; once the
//       stream is up, soon after an event of one of `types` that
//       patch(event) did not apply in place (patch returns true when it
//       did), and every `every` ms if given (data no event announces).
//   on(types, fn) -> stop()
//       fn(event) for each streamed event {id, type, timestamp, data}.
//
// The mode is on <html data-live>: off, probing, sse, poll or offline;
// the id of the newest event dispatched on <html data-live-seen>.
// Nothing is lost when the stream drops (an answer that ends, a refused
// one, the network gone): the layer reopens it at ?since= the last id it
// saw (the log's id, never nchan's) and drops what it had seen already.
// A second failure in a row polls meanwhile and asks the REST replay why:
// 401 ends the session, 410 EVENTS_GONE makes every watcher re-read.
// No message nor heartbeat for QUIET_MS counts as a drop.

import { api, url } from './api.js';

const QUIET_MS = 60000;
const watchers = new Set();
const listeners = new Set();
const modeFns = new Set();
let mode = 'off';	// off | probing | sse | poll | offline
let es = null;
let lastId = null;	// where a reopened stream resumes
let seen = null;	// the newest event dispatched
let haveApi = false;
let fresh = true;	// the pages re-read once the stream is up
let drops = 0;		// failures of the stream in a row
let retry = null;
let quiet = null;
let backoff = 2000;

let answered = null;
let haveEvents = new Promise((r) => { answered = r; });

export function getMode() { return mode; }
// Resolves whether the server has the events API (after start()'s probe).
export function available() { return haveEvents; }
export function onMode(fn) { modeFns.add(fn); return () => modeFns.delete(fn); }

const online = () => typeof navigator === 'undefined' ||
    navigator.onLine !== false;

function setMode(m) {
	if (mode === m)
		return;
	mode = m;
	document.documentElement.dataset.live = m;
	for (const w of watchers)
		schedule(w);
	for (const f of modeFns)
		f(m);
}

function matches(types, ev) {
	return !types || types.includes(ev.type) ||
	    types.some((t) => t.endsWith('*') && ev.type.startsWith(
		t.slice(0, -1)));
}

function schedule(w) {
	clearInterval(w.timer);
	w.timer = null;
	const every = mode === 'sse' ? w.every : mode === 'poll' ||
	    mode === 'probing' ? w.interval : 0;
	if (every)
		w.timer = setInterval(() => {
			if (!document.hidden && online())
				w.refresh(mode === 'sse' ? 'every' : 'poll');
		}, every);
}

export function watch(opt) {
	const w = { types: opt.types || null, refresh: opt.refresh,
	    patch: opt.patch || null, interval: opt.interval || 5000,
	    every: opt.every || 0, timer: null, soon: null };
	watchers.add(w);
	schedule(w);
	return () => {
		clearInterval(w.timer);
		clearTimeout(w.soon);
		watchers.delete(w);
	};
}

export function on(types, fn) {
	const l = { types, fn };
	listeners.add(l);
	return () => listeners.delete(l);
}

// a page's handler failing must not stop the stream
function safely(fn, ev) {
	try {
		return fn(ev);
	} catch (e) {
		return false;
	}
}

function dispatch(ev) {
	for (const l of listeners)
		if (matches(l.types, ev))
			safely(l.fn, ev);
	for (const w of watchers)
		if (w.types && matches(w.types, ev) && !(w.patch &&
		    safely(w.patch, ev) === true) && !w.soon)
			w.soon = setTimeout(() => {
				w.soon = null;
				w.refresh('event');
			}, 250);
}

function resyncAll() {
	for (const w of watchers)
		w.refresh('resync');
}

function later(fn, ms) {
	clearTimeout(retry);
	retry = setTimeout(fn, ms);
}

// Starts the layer after sign-in: probe the events API, then stream.
export function start() {
	if (mode !== 'off')
		return Promise.resolve();
	setMode('probing');
	return probe();
}

// The REST replay says whether there are events, where to start, and why
// a stream was refused (401 ends the session through api.js).
async function probe() {
	try {
		const r = await api('GET', '/events', { query: { limit: 1,
		    since: lastId === null ? undefined : lastId } });
		if (lastId === null && r && r.last_id !== undefined)
			lastId = Number(r.last_id);
		haveApi = true;
		answered(true);
	} catch (e) {
		answered(e.status !== 404 && e.status !== 403);
		if (mode === 'off')
			return;
		fresh = true;
		setMode('poll');
		if (e.status === 410) {
			lastId = seen = null;
			resyncAll();
			return later(probe, 100);
		}
		// no events API (404) or no right to it: poll, and ask again
		// now and then (it may land with an upgrade)
		later(probe, e.status === 404 || e.status === 403 ? 300000 :
		    backoff);
		backoff = Math.min(backoff * 2, 60000);
		return;
	}
	if (mode !== 'off')
		open();
}

function alive() {
	clearTimeout(quiet);
	quiet = setTimeout(failed, QUIET_MS);
}

function close() {
	clearTimeout(quiet);
	if (es) {
		es.onopen = es.onmessage = es.onerror = null;
		es.close();
		es = null;
	}
}

function open() {
	close();
	if (typeof EventSource === 'undefined')
		return setMode('poll');
	es = new EventSource(url('/events/stream', lastId !== null ?
	    { since: lastId } : null));
	alive();
	es.onopen = () => {
		alive();
		drops = 0;
		backoff = 2000;
		setMode('sse');
		if (fresh) {
			fresh = false;
			resyncAll();	// what changed before the stream was up
		}
	};
	es.onmessage = (m) => {
		alive();
		let ev;
		try {
			ev = JSON.parse(m.data);
		} catch (e) {
			return;
		}
		if (!ev || typeof ev.type !== 'string')
			return;
		const id = Number(ev.id);
		if (Number.isFinite(id)) {
			if (seen !== null && id <= seen)
				return;		// a resume's overlap: had it
			seen = id;
			document.documentElement.dataset.liveSeen = id;
			if (lastId === null || id > lastId)
				lastId = id;
		}
		dispatch(ev);
	};
	es.addEventListener('heartbeat', (m) => {
		alive();
		let hb = null;
		try {
			hb = JSON.parse(m.data);
		} catch (e) {
			return;
		}
		const id = Number(hb && hb.id);
		if (Number.isFinite(id) && (lastId === null || id > lastId))
			lastId = id;
	});
	es.onerror = failed;
}

// The stream ended or was refused: the browser would reconnect with its
// own URL (a stale ?since=) or not at all, so the layer does it.
function failed() {
	close();
	if (mode === 'off')
		return;
	if (!online())
		return setMode('offline');
	if (++drops === 1)
		return later(open, 250);
	fresh = true;
	setMode('poll');
	later(probe, backoff);
	backoff = Math.min(backoff * 2, 60000);
}

if (typeof window !== 'undefined' && window.addEventListener) {
	window.addEventListener('offline', () => {
		if (mode === 'off' || mode === 'probing')
			return;
		clearTimeout(retry);
		close();
		setMode('offline');
	});
	window.addEventListener('online', () => {
		if (mode !== 'offline' && mode !== 'poll')
			return;
		clearTimeout(retry);
		drops = 0;
		if (haveApi)
			open();
		else {
			setMode('poll');
			probe();
		}
	});
}

// Stops everything (logout, session end).
export function stop() {
	clearTimeout(retry);
	close();
	haveEvents = new Promise((r) => { answered = r; });
	lastId = seen = null;
	haveApi = false;
	fresh = true;
	drops = 0;
	setMode('off');
}
