// Containers on every endpoint (GET /containers?endpoint=all): the
// endpoint and runtime of each row, filters, paging, the lifecycle
// actions (remove asks first), and the create form, which puts the API's
// 400 and 403 errors beside the field error.details.field names.

import { api, seg, newest } from '../api.js';
import { h, fill, field, values, errorBox, showError, fieldError,
    clearFieldErrors, confirmDlg, notice, pager, fmtTime, can } from '../dom.js';
import * as live from '../live.js';

export const title = (p) => p.view === 'new' ? 'New container' : 'Containers';

let endpointsCache = null;

// The endpoints (names and drivers), read once per page load.
export async function endpoints() {
	if (endpointsCache === null) {
		const r = await api('GET', '/endpoints');
		endpointsCache = r.endpoints || [];
	}
	return endpointsCache;
}

// A container's lifecycle action; the answer or a thrown ApiError.
export function act(c, action) {
	const q = { endpoint: c.endpoint };
	if (action === 'remove')
		return api('DELETE', '/containers/' + seg(c.id || c.name),
		    { query: Object.assign(q, { force: true }) });
	return api('POST', '/containers/' + seg(c.id || c.name) + '/' + action,
	    { query: q });
}

// The action cells, one per state, cloned into each row.
const ACTS = {
	running: [['stop', 'Stop'], ['restart', 'Restart'], ['pause', 'Pause']],
	paused: [['unpause', 'Unpause']],
	other: [['start', 'Start']],
};
function actCell(acts) {
	const td = cell('acts');
	for (const [a, label, cls] of [...acts, ['remove', 'Remove', 'danger']]) {
		const el = document.createElement('button');
		el.type = 'button';
		el.className = 'small ' + (cls || 'secondary');
		el.textContent = label;
		el.dataset.act = a;
		el.dataset.write = 'operator';
		td.appendChild(el);
	}
	return td;
}

function cell(cls, role) {
	const d = document.createElement('div');
	d.setAttribute('role', role || 'cell');
	if (cls)
		d.className = cls;
	return d;
}

function listView(main) {
	const state = { limit: 50, offset: 0, endpoint: 'all', status: '',
	    name: '', image: '' };
	const slot = h('div', { attrs: { 'aria-live': 'polite' } });
	const epErr = h('div');
	const err = h('div');
	const body = h('div', null, 'Loading…');
	let rows = [];
	let mkRow = null;

	const epSel = field('Endpoint', { name: 'endpoint', type: 'select',
	    options: [['all', 'All endpoints']] });
	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter containers' }, on: { submit: (e) => {
		e.preventDefault();
		apply();
	    }, change: apply } },
	    epSel,
	    field('State', { name: 'status', type: 'select', options: [
		['', 'Any'], 'running', 'stopped', 'paused'] }),
	    field('Name contains', { name: 'name', type: 'search' }),
	    field('Image contains', { name: 'image', type: 'search' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));

	endpoints().then((eps) => {
		const s = epSel.querySelector('select');
		for (const e of eps)
			s.appendChild(h('option', { value: e.name, text: e.name +
			    ' (' + e.driver + ')' }));
	}).catch(() => {});

	function apply() {
		Object.assign(state, values(filters), { offset: 0 });
		load();
	}

	fill(main, h('div', { class: 'spread' },
	    h('h1', { text: 'Containers' }),
	    h('a', { href: '#/containers/new', class: 'button',
		text: 'New container', min: 'operator' })),
	    h('div', { class: 'card' }, filters, err, epErr, body, slot));

	body.addEventListener('click', async (e) => {
		const btn = e.target.closest('button[data-act]');
		if (!btn)
			return;
		const c = rows[Number(btn.closest('[data-ctr]').dataset.i)];
		const a = btn.dataset.act;
		if (a === 'remove' && !await confirmDlg('Remove container ' +
		    c.name + ' on ' + c.endpoint + '? It is stopped first; ' +
		    'this cannot be undone.', 'Remove'))
			return;
		btn.disabled = true;
		showError(err, null);
		try {
			const r = await act(c, a);
			notice(a === 'remove' ? 'Removed ' + c.name + '.' :
			    c.name + ': ' + a + (r.changed === false ?
				' (no change)' : ' done') + '.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	});

	const load = newest(() => api('GET', '/containers', { query: {
	    endpoint: state.endpoint, status: state.status, name: state.name,
	    image: state.image, limit: state.limit, offset: state.offset } }),
	    (r) => {
		performance.mark('containers:data');
		rows = r.containers || [];
		render(r);
		showError(err, null);
	    }, (e) => showError(err, e));

	function render(r) {
		const eerr = r.endpoint_errors || [];
		fill(epErr, eerr.length ? h('div', { class: 'error',
		    attrs: { role: 'alert' } }, 'Endpoints that did not answer: ',
		    eerr.map((x, i) => [i ? ', ' : '', String(x.endpoint ||
			x.name || '') + ': ' + String(x.message || x.error ||
			x.code || '')])) : null);
		if (!rows.length) {
			fill(body, h('p', { class: 'empty', text: 'No containers.' }));
		} else {
			mkRow = rowMaker();
			fill(body, grid(rows, mkRow));
		}
		body.appendChild(pager(state, r.total, load, [25, 50, 100, 1000]));
		performance.mark('containers:built');
		requestAnimationFrame(() => setTimeout(() => {
			performance.mark('containers:painted');
		}, 0));
	}

	// an event about a row on the page changes it in place; anything
	// else (a new container, a removal, one off the page) re-reads
	function patch(ev) {
		const d = ev.data || {};
		const st = STATE_OF[d.event];
		const id = String(d.container_id || '');
		const i = rows.findIndex((c) => c.endpoint === d.endpoint && (
		    c.id === id || (id.length >= 12 && String(c.id).startsWith(id)) ||
		    (c.name && (c.name === id || c.name === d.container_name))));
		const tr = i < 0 ? null : body.querySelector('[data-ctr][data-i="' +
		    i + '"]');
		if (!st || !tr || state.status)
			return false;
		rows[i] = Object.assign({}, rows[i], { status: st });
		tr.replaceWith(mkRow(rows[i], i, ev.id));
		return true;
	}

	load();
	return live.watch({ types: ['container_event'], interval: 3000,
	    refresh: load, patch });
}

// What a container_event says of its container's state.
const STATE_OF = { start: 'running', restart: 'running', unpause: 'running',
    stop: 'stopped', die: 'stopped', pause: 'paused' };

// The rows, cloned from one prototype row, as an ARIA table of grid
// rows: a row off screen is neither laid out nor painted
// (content-visibility), so a page of 1,000 renders in well under half a
// second. One click handler serves every button.
const COLS = ['Name', 'Image', 'State', 'Endpoint', 'Runtime', 'Owner',
    'Created', 'Actions'];
// the columns a phone leaves out
const WIDE = [false, true, false, false, true, true, true, false];

// mk(c, i, eventId): one row; eventId marks a state an event set.
function rowMaker() {
	const proto = document.createElement('div');
	proto.className = 'drow';
	proto.setAttribute('role', 'row');
	proto.dataset.ctr = '';
	COLS.slice(0, 7).forEach((c, i) => {
		const td = cell(WIDE[i] ? (i === 1 ? 'mono wide' : 'wide') : null);
		td.appendChild(i === 0 ? document.createElement('a') : i === 2 ?
		    document.createElement('span') : document.createTextNode(''));
		proto.appendChild(td);
	});
	const writer = can('operator');
	const acts = {};
	for (const k of Object.keys(ACTS))
		acts[k] = writer ? actCell(ACTS[k]) : cell('acts');
	return (c, i, eventId) => {
		// ours (running, paused, stopped): the same words on every engine
		const st = c.status || c.state || 'unknown';
		const tr = proto.cloneNode(true);
		const td = tr.children;
		const name = c.name || String(c.id).slice(0, 12);
		tr.dataset.i = i;
		if (eventId !== undefined)
			tr.dataset.event = eventId;
		td[0].firstChild.href = '#/containers/' + seg(c.endpoint ||
		    'local') + '/' + seg(c.id || c.name);
		td[0].firstChild.textContent = name;
		td[1].firstChild.data = c.image || '';
		td[2].firstChild.className = 'badge b-' + st.replace(/[^a-z_]/gi,
		    '');
		td[2].firstChild.textContent = st;
		td[3].firstChild.data = c.endpoint || '';
		td[4].firstChild.data = c.runtime || '';
		td[5].firstChild.data = c.owner || '';
		td[6].firstChild.data = fmtTime(c.created_at);
		const a = (acts[st] || acts.other).cloneNode(true);
		for (const b of a.children)
			b.setAttribute('aria-label', b.textContent + ' ' + name);
		tr.appendChild(a);
		return tr;
	};
}

function grid(rows, mk) {
	const body = cell('dbody', 'rowgroup');
	const frag = document.createDocumentFragment();
	rows.forEach((c, i) => frag.appendChild(mk(c, i)));
	body.appendChild(frag);
	const head = cell('drow dhead', 'row');
	COLS.forEach((c, i) => {
		const th = cell(WIDE[i] ? 'wide' : null, 'columnheader');
		th.textContent = c;
		head.appendChild(th);
	});
	const hg = cell(null, 'rowgroup');
	hg.appendChild(head);
	const t = cell('dtable', 'table');
	t.setAttribute('aria-label', 'Containers');
	t.append(hg, body);
	return h('div', { class: 'scroll', tabIndex: 0, attrs: { role: 'region',
	    'aria-label': 'Containers list' } }, t);
}

// "K=V" lines into an array, empty lines dropped.
function lines(s) {
	return String(s || '').split('\n').map((l) => l.trim()).filter(Boolean);
}

function createView(main) {
	const slot = h('div');
	const epSel = field('Endpoint', { name: 'endpoint', type: 'select',
	    options: [] });
	const form = h('form', { class: 'card', on: { submit: submit },
	    attrs: { 'aria-label': 'New container' } },
	    can('operator') ? null : h('p', { class: 'info', text: 'Your role ' +
		'can only look: creating a container needs an operator.' }),
	    h('div', { class: 'form-grid' },
		epSel,
		field('Name', { name: 'name', required: true,
		    autocomplete: 'off' }, 'Letters, digits, _ . -'),
		field('Image', { name: 'image', required: true,
		    placeholder: 'localhost/busybox:test' }),
		field('Command', { name: 'command', placeholder:
		    'sh -c \'echo hello; sleep 3600\'' },
		    'Split into words without a shell; quotes group.'),
		field('Network mode', { name: 'network_mode', type: 'select',
		    options: [['', '(engine default)'], 'bridge', 'none',
			'host'] }),
		field('Restart policy', { name: 'restart_policy', type: 'select',
		    options: [['', '(none)'], 'always', 'unless-stopped',
			'on-failure'] }),
		field('Memory limit', { name: 'memory_limit',
		    placeholder: '512m' }),
		field('CPU limit', { name: 'cpu_limit', placeholder: '0.5' }),
		field('User', { name: 'user' }),
		field('Working directory', { name: 'workdir' })),
	    h('div', { class: 'form-grid' },
		field('Environment', { name: 'environment', type: 'textarea',
		    placeholder: 'KEY=value' }, 'One KEY=value a line.'),
		field('Ports', { name: 'ports', type: 'textarea',
		    placeholder: '8080:80' }, 'One [ip:]host:container[/proto] a line.'),
		field('Volumes', { name: 'volumes', type: 'textarea',
		    placeholder: 'data:/data' }, 'One source:destination[:ro] a line.'),
		field('Labels', { name: 'labels', type: 'textarea',
		    placeholder: 'team=web' }, 'One key=value a line.')),
	    field('Privileged', { name: 'privileged', type: 'checkbox' }),
	    slot,
	    h('div', { class: 'row' },
		h('button', { type: 'submit', text: 'Create and start',
		    min: 'operator' }),
		h('a', { href: '#/containers', text: 'Cancel' })));

	endpoints().then((eps) => {
		const s = epSel.querySelector('select');
		for (const e of eps)
			s.appendChild(h('option', { value: e.name, text: e.name +
			    ' (' + e.driver + ')', selected: !!e.default }));
	}).catch((e) => fill(slot, errorBox(e)));

	fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/containers',
	    text: 'Containers' }), ' / new'),
	    h('h1', { text: 'New container' }), form);

	async function submit(e) {
		e.preventDefault();
		const v = values(form);
		const body = { name: v.name, image: v.image };
		if (v.command.trim())
			body.command = v.command.trim();
		for (const k of ['network_mode', 'restart_policy', 'user',
		    'workdir'])
			if (v[k])
				body[k] = v[k];
		if (v.memory_limit || v.cpu_limit) {
			body.resources = {};
			if (v.memory_limit)
				body.resources.memory_limit = v.memory_limit;
			if (v.cpu_limit)
				body.resources.cpu_limit = v.cpu_limit;
		}
		if (lines(v.environment).length)
			body.environment = lines(v.environment);
		if (lines(v.ports).length)
			body.ports = lines(v.ports);
		if (lines(v.volumes).length)
			body.volumes = lines(v.volumes);
		if (lines(v.labels).length) {
			body.labels = {};
			for (const l of lines(v.labels)) {
				const i = l.indexOf('=');
				body.labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' :
				    l.slice(i + 1);
			}
		}
		if (v.privileged)
			body.privileged = true;
		slot.replaceChildren();
		clearFieldErrors(form);
		const btn = form.querySelector('button[type=submit]');
		btn.disabled = true;
		try {
			const r = await api('POST', '/containers', { query:
			    { endpoint: v.endpoint }, body });
			notice('Created ' + r.container.name + ' (' +
			    r.container.state + ').');
			location.hash = '#/containers';
		} catch (ex) {
			if (!fieldError(form, ex))
				fill(slot, errorBox(ex));
		} finally {
			btn.disabled = false;
		}
	}
	return null;
}

export function mount(main, params) {
	return params.view === 'new' ? createView(main) : listView(main);
}
