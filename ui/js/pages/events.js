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
		], rows, 'No events.'));
	}

	function wanted(ev) {
		const types = String(filter.type || '').split(',').map((s) =>
		    s.trim()).filter(Boolean);
		const d = ev.data || {};
		return (!types.length || types.includes(ev.type)) &&
		    (!filter.container || d.container_id === filter.container ||
		    d.target === filter.container) &&
		    (!filter.job || d.job_id === filter.job);
	}

	// the newest 100: where the log ends first, then the replay from
	// 100 before it (never older than what the log still keeps)
	async function load() {
		const q = { type: filter.type, container: filter.container,
		    job: filter.job };
		try {
			const end = await api('GET', '/events', { query:
			    Object.assign({ limit: 1 }, q) });
			const last = Number(end.last_id) || 0;
			const oldest = Number(end.oldest_id) || 1;
			const r = await api('GET', '/events', { query: Object.assign({
			    since: Math.max(0, oldest - 1, last - filter.limit),
			    limit: filter.limit }, q) });
			rows = (r.events || []).slice().sort((a, b) => b.id - a.id);
			render();
			showError(err, null);
		} catch (e) {
			showError(err, e);
		}
	}
	load();
	const stops = [
	    live.onMode(showMode),
	    live.on(null, (ev) => {
		if (!wanted(ev) || rows.some((r) => r.id === ev.id))
			return;
		rows.unshift(ev);
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
// (the next page starts before the last row's).
function auditView(main) {
	const NEWEST = Number.MAX_SAFE_INTEGER;
	const state = { limit: 50, before: NEWEST, actor: '', action: '' };
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter the audit log' }, on: { submit: (e) => {
		e.preventDefault();
		Object.assign(state, values(filters), { before: NEWEST });
		load();
	    } } }, field('Actor', { name: 'actor', type: 'search' }),
	    field('Action', { name: 'action', type: 'search' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));
	fill(main, h('h1', { text: 'Audit log' }),
	    h('div', { class: 'card' }, filters, err, body));

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
			    { label: 'Status', cell: (e) => String(d(e).status ?? '') },
			    { label: 'Request', cell: (e) => d(e).request_id || '',
				class: 'mono', wide: true },
			    { label: 'Client', cell: (e) => d(e).client || '',
				wide: true },
			], list, 'Nothing recorded.'), h('nav', { class: 'pager',
			    attrs: { 'aria-label': 'Pages' } },
			    h('button', { type: 'button', class: 'secondary',
				text: 'Newest', disabled: state.before === NEWEST,
				on: { click: () => {
				    state.before = NEWEST;
				    load();
				} } }),
			    h('button', { type: 'button', class: 'secondary',
				text: 'Older', disabled: !older ||
				    list.length < state.limit, on: { click: () => {
				    state.before = older;
				    load();
				} } }),
			    h('span', { text: r.total !== undefined ? r.total +
				' in all' : '' })));
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


