// Events (the nav shows it only when /events answers): the replay of
// the log with filters and, while the stream is up, new events as they
// come; and the audit log (admins): every write, with paging.

import { api } from '../api.js';
import { h, fill, field, values, showError, fmtTime,
    table, badge } from '../dom.js';
import * as live from '../live.js';

export const title = (p) => p.view === 'audit' ? 'Audit log' : 'Events';

function summary(d) {
	if (!d || typeof d !== 'object')
		return String(d ?? '');
	return Object.entries(d).filter(([, v]) => typeof v !== 'object' ||
	    v === null).map(([k, v]) => k + '=' + v).join(' ');
}

function eventsView(main) {
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const mode = h('p', { class: 'hint', attrs: { 'aria-live': 'polite' } });
	let rows = [];
	let filter = { type: '', limit: 100 };

	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter events' }, on: { submit: (e) => {
		e.preventDefault();
		filter = Object.assign(filter, values(filters));
		load();
	    } } }, field('Types', { name: 'type', type: 'search',
		placeholder: 'job_status,container_event' }),
	    field('Container', { name: 'container', type: 'search' }),
	    field('Job', { name: 'job', type: 'search' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));

	fill(main, h('h1', { text: 'Events' }), mode,
	    h('div', { class: 'card' }, filters, err, body));

	function showMode(m) {
		mode.textContent = m === 'sse' ? 'New events appear as they come.' :
		    'The live stream is not connected: the list is re-read now ' +
		    'and then.';
	}
	showMode(live.getMode());

	function render() {
		fill(body, table('Events', [
		    { label: 'ID', cell: (e) => String(e.id) },
		    { label: 'Type', cell: (e) => badge(e.type) },
		    { label: 'Time', cell: (e) => fmtTime(e.timestamp) },
		    { label: 'Owner', cell: (e) => e.owner || '' },
		    { label: 'Data', cell: (e) => summary(e.data), class: 'mono' },
		], rows, 'No events.', (e) => ({ id: e.id })));
	}

	// the server's rule: values of a key ORed (comma-separated), keys
	// ANDed; a container by id, a 12+ prefix of it, or name
	const list = (v) => String(v || '').split(',').map((x) => x.trim())
	    .filter(Boolean);
	function wanted(ev) {
		const d = ev.data || {};
		const types = list(filter.type), cs = list(filter.container),
		    jobs = list(filter.job);
		const ids = [d.container_id, d.container_name, d.container,
		    d.target]
		    .filter(Boolean).map(String);
		return (types.length ? types.includes(ev.type) :
		    ev.type !== 'audit') &&
		    (!cs.length || cs.some((c) => ids.some((i) => i === c ||
			(c.length >= 12 && i.startsWith(c))))) &&
		    (!jobs.length || jobs.includes(d.job_id));
	}

	// the newest 100 that match: where the log ends first, then the
	// replay (oldest first, in pages) from a window before it; what the
	// stream brought meanwhile is kept
	async function load() {
		const q = { type: filter.type, container: filter.container,
		    job: filter.job };
		const any = q.type || q.container || q.job;
		try {
			const end = await api('GET', '/events', { query:
			    Object.assign({ limit: 1 }, q) });
			const last = Number(end.last_id) || 0;
			let since = Math.max(0, (Number(end.oldest_id) || 1) - 1,
			    last - (any ? 20000 : filter.limit));
			let got = [];
			for (let i = 0; i < 20 && since < last; i++) {
				const r = await api('GET', '/events', { query:
				    Object.assign({ since, limit: filter.limit }, q) });
				got = got.concat(r.events || []).slice(-filter.limit);
				if (!(r.next_since > since))
					break;
				since = r.next_since;
			}
			const top = got.length ? got[got.length - 1].id : 0;
			rows = rows.filter((e) => e.id > top && wanted(e)).concat(
			    got.reverse());
			render();
			showError(err, null);
		} catch (e) {
			showError(err, e);
		}
	}
	load();
	const stops = [
	    live.onMode(showMode),
	    // newest first, each id once (a resumed stream's overlap, or
	    // an event the replay had too)
	    live.on(null, (ev) => {
		if (!wanted(ev) || rows.some((r) => r.id === ev.id))
			return;
		const i = rows.findIndex((r) => r.id < ev.id);
		rows.splice(i < 0 ? rows.length : i, 0, ev);
		rows.length = Math.min(rows.length, 200);
		render();
	    }),
	    live.watch({ types: null, interval: 10000, refresh: () => {
		if (live.getMode() !== 'sse')
			load();
	    } }),
	];
	return () => stops.forEach((s) => s());
}

// The audit log, newest first, paged as the API pages it: `before` an id
// (the next page starts before the last row's; Newer goes back a page).
function auditView(main) {
	const NEWEST = Number.MAX_SAFE_INTEGER;
	const state = { limit: 25, before: NEWEST, actor: '', action: '',
	    status: '' };
	const back = [];	// the `before` of each newer page
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter the audit log' }, on: { submit: (e) => {
		e.preventDefault();
		Object.assign(state, values(filters), { before: NEWEST });
		state.limit = Number(state.limit);
		back.length = 0;
		load();
	    } } }, field('Actor', { name: 'actor', type: 'search' }),
	    field('Action', { name: 'action', type: 'search' }),
	    field('Status', { name: 'status', type: 'search',
		inputMode: 'numeric' }),
	    field('Per page', { name: 'limit', type: 'select', options:
		['10', '25', '50', '100'] }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));
	filters.querySelector('[name=limit]').value = String(state.limit);
	fill(main, h('h1', { text: 'Audit log' }),
	    h('div', { class: 'card' }, filters, err, body));

	const page = (b) => h('button', { type: 'button', class: 'secondary',
	    text: b[0], disabled: b[1], on: { click: b[2] } });

	async function load() {
		try {
			const r = await api('GET', '/audit', { query: state });
			const list = r.entries || [];
			const d = (e) => e.data || e;
			const older = r.next_before;
			fill(body, table('Audit log', [
			    { label: 'Time', cell: (e) => fmtTime(e.timestamp ||
				d(e).timestamp) },
			    { label: 'Actor', cell: (e) => d(e).actor || '' },
			    { label: 'Via', cell: (e) => [d(e).via || '',
				d(e).credential ? ' ' + d(e).credential : ''] },
			    { label: 'Action', cell: (e) => d(e).action || '' },
			    { label: 'Resource', cell: (e) => d(e).resource || '',
				class: 'mono' },
			    { label: 'Status', cell: (e) => String(d(e).status ?? '') +
				(d(e).error_code ? ' ' + d(e).error_code : '') },
			    { label: 'Request', cell: (e) => d(e).request_id || '',
				class: 'mono', wide: true },
			    { label: 'Client', cell: (e) => d(e).client || '',
				wide: true },
			], list, 'Nothing recorded.', (e) => ({ id: e.id })),
			    h('nav', { class: 'pager', attrs: { 'aria-label':
				'Pages' } }, [
				['Newest', state.before === NEWEST, () => {
				    back.length = 0;
				    state.before = NEWEST;
				    load();
				}],
				['Newer', !back.length, () => {
				    state.before = back.pop();
				    load();
				}],
				['Older', !older || list.length < state.limit, () => {
				    back.push(state.before);
				    state.before = older;
				    load();
				}]].map(page),
				h('span', { text: list.length + ' shown' })));
			showError(err, null);
		} catch (e) {
			showError(err, e);
		}
	}
	load();
	return null;
}

export function mount(main, params) {
	return params.view === 'audit' ? auditView(main) : eventsView(main);
}


