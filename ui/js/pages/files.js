// Files: a folder-style browse by prefix (the folders are the next path
// parts of the page's files), upload with an upload progress bar (XHR),
// download, info and delete (asked first).

import { api, upload, url, segs, newest } from '../api.js';
import { h, fill, field, values, errorBox, showError, confirmDlg, notice,
    pager, fmtTime, fmtBytes, section, progress } from '../dom.js';
import * as live from '../live.js';

export const title = 'Files';

// "/a/b/" for a prefix typed as "a/b" or "/a/b/"; "/" for none.
function norm(p) {
	let s = '/' + String(p || '').replace(/^\/+/, '');
	if (!s.endsWith('/'))
		s += '/';
	return s.replace(/\/{2,}/g, '/');
}

export function mount(main) {
	const state = { limit: 50, offset: 0, prefix: '/' };
	const err = h('div');
	const crumbs = h('p', { class: 'crumbs' });
	const body = h('div', null, 'Loading…');
	const infoBox = h('div');

	// ---- upload ----
	const upSlot = h('div');
	const upProg = h('div', { class: 'upload-progress' });
	const upForm = h('form', { on: { submit: doUpload },
	    attrs: { 'aria-label': 'Upload a file' } },
	    h('div', { class: 'form-grid' },
		field('File', { name: 'file', type: 'file', required: true }),
		field('Store as', { name: 'path', placeholder:
		    '(this folder + the file\u2019s name)' }),
		field('Permissions', { name: 'permissions', placeholder: '644' })),
	    upProg, upSlot,
	    h('button', { type: 'submit', text: 'Upload', min: 'operator' }));

	const go = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Browse by prefix' }, on: { submit: (e) => {
		e.preventDefault();
		open(values(go).prefix);
	    } } }, field('Prefix', { name: 'prefix', value: '/' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Go' }));

	fill(main, h('h1', { text: 'Files' }),
	    h('div', { class: 'card' }, go, crumbs, err, body),
	    infoBox,
	    section('Upload', upForm));
	if (upForm.querySelector('[data-write]').hidden)
		upForm.closest('section').hidden = true;

	function open(p) {
		state.prefix = norm(p);
		state.offset = 0;
		go.elements.prefix.value = state.prefix;
		load();
	}

	function renderCrumbs() {
		const parts = state.prefix.split('/').filter(Boolean);
		const out = [h('a', { href: '#/files', text: '(root)', on: {
		    click: (e) => {
			e.preventDefault();
			open('/');
		    } } })];
		let acc = '/';
		for (const p of parts) {
			acc += p + '/';
			const to = acc;
			out.push(' / ', h('a', { href: '#/files', text: p, on: {
			    click: (e) => {
				e.preventDefault();
				open(to);
			    } } }));
		}
		fill(crumbs, out);
	}

	const fetchList = newest(() => api('GET', '/files', { query: {
	    prefix: state.prefix === '/' ? '' : state.prefix,
	    limit: state.limit, offset: state.offset } }), (r) => {
		render(r);
		showError(err, null);
	    }, (e) => showError(err, e));

	function load() {
		renderCrumbs();
		return fetchList();
	}

	function render(r) {
		const files = r.files || [];
		const folders = new Set();
		const here = [];
		for (const f of files) {
			const rest = f.path.slice(state.prefix.length);
			const i = rest.indexOf('/');
			if (f.path.startsWith(state.prefix) && i > 0)
				folders.add(rest.slice(0, i));
			else
				here.push(f);
		}
		const rows = [...[...folders].sort().map((d) => ({ dir: d })),
		    ...here];
		if (!rows.length) {
			fill(body, h('p', { class: 'empty', text: 'No files here.' }));
			body.appendChild(pager(state, r.total, load));
			return;
		}
		const tr = rows.map((f) => f.dir !== undefined ?
		    h('tr', null, h('td', null, h('a', { href: '#/files',
			class: 'folder', text: f.dir + '/', on: { click: (e) => {
			    e.preventDefault();
			    open(state.prefix + f.dir + '/');
			} } })), h('td', { text: 'folder' }), h('td', { class: 'wide' }),
			h('td', { class: 'wide' }), h('td')) :
		    h('tr', null,
			h('td', { class: 'mono', text: f.path.startsWith(
			    state.prefix) ? f.path.slice(state.prefix.length) :
			    f.path }),
			h('td', { text: fmtBytes(f.size) }),
			h('td', { class: 'wide', text: f.owner || '' }),
			h('td', { class: 'wide', text: fmtTime(f.modified_at) }),
			h('td', { class: 'acts' },
			    h('a', { class: 'button small secondary', href: url(
				'/files/download/' + segs(f.path)), download:
				f.path.split('/').pop(), text: 'Download',
				attrs: { 'aria-label': 'Download ' + f.path } }),
			    h('button', { type: 'button', class: 'small secondary',
				text: 'Info', attrs: { 'aria-label': 'Info on ' +
				    f.path }, on: { click: () => info(f.path) } }),
			    h('button', { type: 'button', class: 'small danger',
				text: 'Delete', min: 'operator', attrs: {
				    'aria-label': 'Delete ' + f.path },
				on: { click: () => del(f.path) } }))));
		fill(body, h('div', { class: 'scroll', tabIndex: 0, attrs: {
		    role: 'region', 'aria-label': 'Files' } }, h('table', null,
		    h('caption', { class: 'sr', text: 'Files in ' + state.prefix }),
		    h('thead', null, h('tr', null, ['Name', 'Size', 'Owner',
			'Modified', 'Actions'].map((c, i) => h('th', { scope: 'col',
			    text: c, class: i === 2 || i === 3 ? 'wide' : null })))),
		    h('tbody', null, tr))),
		    pager(state, r.total, load));
	}

	async function info(path) {
		try {
			const f = (await api('GET', '/files/info/' + segs(path))).file;
			fill(infoBox, section('File info', h('dl', { class: 'kv' },
			    Object.entries(f).map(([k, v]) => [h('dt', { text: k }),
				h('dd', { text: v === null ? '' : String(v) })]))));
			infoBox.querySelector('h2').scrollIntoView({ block:
			    'nearest' });
		} catch (e) {
			fill(infoBox, errorBox(e));
		}
	}

	async function del(path) {
		if (!await confirmDlg('Delete ' + path + '? This cannot be undone.',
		    'Delete'))
			return;
		try {
			await api('DELETE', '/files/' + segs(path));
			notice('Deleted ' + path + '.');
		} catch (e) {
			showError(err, e);
		}
		infoBox.replaceChildren();
		load();
	}

	async function doUpload(e) {
		e.preventDefault();
		upSlot.replaceChildren();
		const input = upForm.elements.file;
		const file = input.files[0];
		if (!file)
			return;
		const v = values(upForm);
		const path = v.path.trim() || state.prefix + file.name;
		const fd = new FormData();
		fd.append('path', path);
		if (v.permissions)
			fd.append('permissions', v.permissions);
		fd.append('file', file);
		const bar = progress('Upload of ' + file.name, 0);
		const note = h('span', { class: 'hint', text: ' 0 of ' +
		    fmtBytes(file.size) });
		fill(upProg, bar, note);
		const p = bar.querySelector('progress');
		const pct = bar.querySelector('.pct');
		const btn = upForm.querySelector('button[type=submit]');
		btn.disabled = true;
		try {
			const r = await upload('POST', '/files/upload', null, fd,
			    (done, total) => {
				const v2 = total ? done * 100 / total : 0;
				p.value = v2;
				pct.textContent = Math.round(v2) + '%';
				note.textContent = ' ' + fmtBytes(done) + ' of ' +
				    fmtBytes(total);
			    });
			p.value = 100;
			pct.textContent = '100%';
			notice('Stored ' + r.file.path + '.');
			note.textContent = ' stored as ' + r.file.path;
			load();
		} catch (ex) {
			fill(upSlot, errorBox(ex));
		} finally {
			btn.disabled = false;
		}
	}

	load();
	// no event says a file changed: re-read now and then, stream or not
	return live.watch({ types: null, interval: 15000, every: 60000,
	    refresh: load });
}
