// Jobs: the list with status and a progress bar (kept current by
// job_status events, or by polling), filters and paging; and the submit
// form, as fields or as pasted JSON.

import { api, seg, newest } from '../api.js';
import { h, fill, field, values, badge, errorBox, fieldError,
    clearFieldErrors, notice, pager, fmtTime, progress, can,
    showError } from '../dom.js';
import * as live from '../live.js';

export const title = (p) => p.view === 'new' ? 'Submit a job' : 'Jobs';

function listView(main) {
	const state = { limit: 25, offset: 0, status: '', name: '' };
	const err = h('div');
	const body = h('div', null, 'Loading…');
	let byId = new Map();

	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter jobs' }, on: { submit: (e) => {
		e.preventDefault();
		apply();
	    }, change: apply } },
	    field('Status', { name: 'status', type: 'select', options: [
		['', 'Any'], 'queued', 'running', 'completed', 'failed',
		'cancelled'] }),
	    field('Name', { name: 'name', type: 'search' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));

	function apply() {
		Object.assign(state, values(filters), { offset: 0 });
		load();
	}

	fill(main, h('div', { class: 'spread' }, h('h1', { text: 'Jobs' }),
	    h('a', { href: '#/jobs/new', class: 'button', text: 'Submit a job',
		min: 'operator' })),
	    h('div', { class: 'card' }, filters, err, body));

	const load = newest(() => api('GET', '/jobs', { query: {
	    status: state.status, name: state.name, limit: state.limit,
	    offset: state.offset } }), (r) => {
		render(r);
		showError(err, null);
	    }, (e) => showError(err, e));

	function render(r) {
		const jobs = r.jobs || [];
		byId = new Map();
		if (!jobs.length) {
			fill(body, h('p', { class: 'empty', text: 'No jobs.' }));
			body.appendChild(pager(state, r.total, load));
			return;
		}
		const rows = jobs.map((j) => {
			const st = h('td', null, badge(j.status));
			const pr = h('td', null, progress('Progress of ' +
			    (j.name || j.job_id), j.progress));
			byId.set(j.job_id, { st, pr, j });
			return h('tr', { dataset: { job: j.job_id } },
			    h('td', null, h('a', { href: '#/jobs/' + seg(j.job_id),
				text: j.name || j.job_id })),
			    h('td', { class: 'mono wide', text: j.job_id }),
			    st, pr,
			    h('td', { class: 'wide', text: String(j.attempt ?? '') }),
			    h('td', { class: 'wide', text: j.owner || j.user || '' }),
			    h('td', { class: 'wide', text: fmtTime(j.created_at) }));
		});
		fill(body, h('div', { class: 'scroll', tabIndex: 0,
		    attrs: { role: 'region', 'aria-label': 'Jobs' } },
		    h('table', null, h('caption', { class: 'sr', text: 'Jobs' }),
			h('thead', null, h('tr', null, ['Name', 'ID', 'Status',
			    'Progress', 'Attempt', 'Owner', 'Submitted'].map((c, i) =>
			    h('th', { scope: 'col', text: c, class: i === 1 ||
				i > 3 ? 'wide' : null })))),
			h('tbody', null, rows))),
		    pager(state, r.total, load));
	}

	load();
	// a job_status event moves its row at once; one of a job not listed
	// (a new one), or that a status filter may leave out, re-reads
	const stops = [
	    live.watch({ types: ['job_status'], interval: 2000, refresh: load,
		patch: (ev) => {
		    const d = ev.data || {};
		    const row = byId.get(d.job_id);
		    if (!row || (state.status && d.status &&
			d.status !== state.status))
			    return false;
		    if (d.status)
			    fill(row.st, badge(d.status));
		    if (d.progress !== undefined && d.progress !== null)
			    fill(row.pr, progress('Progress of ' + (row.j.name ||
				row.j.job_id), d.progress));
		    row.st.parentNode.dataset.event = ev.id;
		    return true;
	    } }),
	];
	return () => stops.forEach((s) => s());
}

function splitList(s) {
	return String(s || '').split(/[\n,]/).map((x) => x.trim())
	    .filter(Boolean);
}

function submitView(main) {
	const slot = h('div');
	let asJson = false;
	const fieldsBox = h('div', { class: 'form-grid' },
	    field('Name', { name: 'name', autocomplete: 'off' }),
	    field('Image', { name: 'image', placeholder: 'localhost/busybox:test' }),
	    field('Command', { name: 'command', placeholder:
		'sh -c \'echo PROGRESS 50; sleep 1\'' },
		'A string runs through /bin/sh -c.'),
	    field('Output patterns', { name: 'output_patterns',
		placeholder: '/out/*.txt' }, 'Comma separated.'),
	    field('Input files', { name: 'input_files',
		placeholder: '/data/in.csv:/in/in.csv' },
		'source:destination, comma separated.'),
	    field('Priority', { name: 'priority', type: 'select', options: [
		'normal', 'low', 'high', 'critical'] }),
	    field('Timeout (s)', { name: 'timeout', type: 'number', min: 1 }),
	    field('Max attempts', { name: 'max_attempts', type: 'number', min: 1 }),
	    field('Endpoint', { name: 'endpoint' }));
	const jsonBox = field('Job as JSON', { name: 'json', type: 'textarea',
	    rows: 12, value: JSON.stringify({ name: 'example',
		image: 'localhost/busybox:test', command: ['sh', '-c',
		    'for i in 25 50 75 100; do echo PROGRESS $i; sleep 1; done'],
		output_patterns: [] }, null, 2) });
	jsonBox.hidden = true;
	const modeBtns = [
	    h('button', { type: 'button', text: 'Form', attrs:
		{ 'aria-pressed': 'true' }, on: { click: () => setMode(false) } }),
	    h('button', { type: 'button', class: 'secondary', text: 'JSON',
		attrs: { 'aria-pressed': 'false' },
		on: { click: () => setMode(true) } }),
	];
	function setMode(j) {
		asJson = j;
		fieldsBox.hidden = j;
		jsonBox.hidden = !j;
		modeBtns[0].setAttribute('aria-pressed', String(!j));
		modeBtns[1].setAttribute('aria-pressed', String(j));
	}
	const form = h('form', { class: 'card', on: { submit },
	    attrs: { 'aria-label': 'Submit a job' } },
	    can('operator') ? null : h('p', { class: 'info', text: 'Your role ' +
		'can only look: submitting a job needs an operator.' }),
	    h('div', { class: 'tabs', attrs: { role: 'group',
		'aria-label': 'Input' } }, modeBtns),
	    fieldsBox, jsonBox, slot,
	    h('div', { class: 'row' }, h('button', { type: 'submit',
		text: 'Submit', min: 'operator' }), h('a', { href: '#/jobs',
		text: 'Cancel' })));

	fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/jobs',
	    text: 'Jobs' }), ' / new'), h('h1', { text: 'Submit a job' }), form);

	async function submit(e) {
		e.preventDefault();
		slot.replaceChildren();
		clearFieldErrors(form);
		const v = values(form);
		let body;
		if (asJson) {
			try {
				body = JSON.parse(v.json);
			} catch (ex) {
				fieldError(form, { message: 'not JSON: ' + ex.message,
				    details: { field: 'json' } });
				return;
			}
		} else {
			body = { image: v.image };
			if (v.name)
				body.name = v.name;
			if (v.command.trim())
				body.command = v.command.trim();
			if (splitList(v.output_patterns).length)
				body.output_patterns = splitList(v.output_patterns);
			const inputs = splitList(v.input_files);
			if (inputs.length)
				body.input_files = inputs.map((s) => {
					const i = s.lastIndexOf(':');
					return i < 0 ? { source: s, destination: s } :
					    { source: s.slice(0, i),
						destination: s.slice(i + 1) };
				});
			body.priority = v.priority;
			if (v.timeout)
				body.resources = { timeout: Number(v.timeout) };
			if (v.max_attempts)
				body.retry_policy = { max_attempts:
				    Number(v.max_attempts) };
			if (v.endpoint)
				body.endpoint = v.endpoint;
		}
		try {
			const r = await api('POST', '/jobs', { body });
			notice('Submitted ' + r.job_id + '.');
			location.hash = '#/jobs/' + seg(r.job_id);
		} catch (ex) {
			if (asJson || !fieldError(form, ex))
				fill(slot, errorBox(ex));
		}
	}
	return null;
}

export function mount(main, params) {
	return params.view === 'new' ? submitView(main) : listView(main);
}
