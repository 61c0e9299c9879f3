// live.js: the page's one live layer. It subscribes to the API's event
// stream (GET /api/v1/events/stream, Server-Sent Events) and, where the
// server has none (GET /api/v1/events answers 404) or the stream is down,
// falls back to polling the list endpoints. Pages never know which:
//
//   watch({types, refresh, interval}) -> stop()
//       refresh() re-reads what the page shows: every `interval` ms while
//       polling; while the stream is up, soon after an event of one of
//       `types`, and now and then as a safety net.
//   on(types, fn) -> stop()
//       fn(event) for each streamed event {id, type, timestamp, data}.
//
// Nothing is lost when the stream drops: the browser's EventSource
// reconnects with Last-Event-ID on its own; a stream this layer reopens
// starts at ?since= the last id seen. An id older than the server keeps
// (410 EVENTS_GONE) makes every watcher re-read its list.

import { api, url } from './api.js';

const watchers = new Set();
const listeners = new Set();
let mode = 'off';	// off | probing | sse | poll
let es = null;
let lastId = null;
let retry = null;
let backoff = 2000;
const modeFns = new Set();

let answered = null;
let haveEvents = new Promise((r) => { answered = r; });

export function getMode() { return mode; }
// Resolves whether the server has the events API (after start()'s probe).
export function available() { return haveEvents; }
export function onMode(fn) { modeFns.add(fn); return () => modeFns.delete(fn); }

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
	if (mode === 'off')
		return;
	// while the stream is up, a slow safety poll; else the page's pace
	const every = mode === 'sse' ? Math.max(w.interval * 6, 30000) :
	    w.interval;
	w.timer = setInterval(() => {
		if (!document.hidden)
			w.refresh();
	}, every);
}

export function watch(opt) {
	const w = { types: opt.types || null, refresh: opt.refresh,
	    interval: opt.interval || 5000, timer: null, soon: null };
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

function dispatch(ev) {
	for (const l of listeners)
		if (matches(l.types, ev))
			try {
				l.fn(ev);
			} catch (e) {
				// a page's handler failing must not stop the stream
			}
	for (const w of watchers)
		if (w.types && matches(w.types, ev) && !w.soon)
			w.soon = setTimeout(() => {
				w.soon = null;
				w.refresh();
			}, 250);
}

function resyncAll() {
	for (const w of watchers)
		w.refresh();
}

// Starts the layer after sign-in: probe the events API, then stream.
export async function start() {
	if (mode !== 'off')
		return;
	setMode('probing');
	try {
		const r = await api('GET', '/events', { query: { limit: 1,
		    since: lastId === null ? undefined : lastId }, quiet: true });
		if (lastId === null && r && r.last_id !== undefined)
			lastId = r.last_id;
		answered(true);
	} catch (e) {
		answered(e.status !== 404 && e.status !== 403);
		if (mode === 'off')
			return;
		if (e.status === 410) {
			lastId = null;
			resyncAll();
			retryLater(100);
			return setMode('poll');
		}
		setMode('poll');
		// no events API (404) or no right to it: poll, and ask again
		// now and then (it may land with an upgrade)
		return retryLater(e.status === 404 || e.status === 403 ?
		    300000 : backoff);
	}
	open();
}

function retryLater(ms) {
	clearTimeout(retry);
	retry = setTimeout(() => {
		if (mode === 'off')
			return;
		mode = 'off';	// quietly: the watchers keep polling
		start();
	}, ms);
	backoff = Math.min(backoff * 2, 60000);
}

function open() {
	if (typeof EventSource === 'undefined')
		return setMode('poll');
	const q = lastId !== null ? { since: lastId } : null;
	es = new EventSource(url('/events/stream', q));
	es.onopen = () => {
		backoff = 2000;
		setMode('sse');
		resyncAll();	// what changed while we were away
	};
	es.onmessage = (m) => {
		if (m.lastEventId)
			lastId = m.lastEventId;
		let ev;
		try {
			ev = JSON.parse(m.data);
		} catch (e) {
			return;
		}
		if (ev && typeof ev.type === 'string')
			dispatch(ev);
	};
	es.addEventListener('heartbeat', (m) => {
		if (m.lastEventId)
			lastId = m.lastEventId;
	});
	es.onerror = () => {
		// CONNECTING: the browser is reconnecting with Last-Event-ID;
		// poll meanwhile. CLOSED: the server refused (401, 410, 503):
		// find out why through the REST replay, then reopen.
		setMode('poll');
		if (es && es.readyState === EventSource.CLOSED) {
			es = null;
			retryLater(backoff);
		}
	};
}

// Stops everything (logout, session end).
export function stop() {
	clearTimeout(retry);
	haveEvents = new Promise((r) => { answered = r; });
	if (es) {
		es.close();
		es = null;
	}
	setMode('off');
}
