// One container: what the engine says of it, one stats sample (refreshed
// while it runs), the logs (a tail, and a live follow of the NDJSON
// stream to its {"end": reason} record), exec, add a file, add a user,
// and the LXC tools on an LXD endpoint.

import { api, seg, streamLines } from '../api.js';
import { h, fill, field, badge, errorBox, showError, confirmDlg, notice,
    fmtBytes, fmtTime, section, can, actionForm, logAppend,
    followToggle } from '../dom.js';
import { act, endpoints } from './containers.js';
import * as live from '../live.js';

export const title = (p) => 'Container ' + p.id;

function kv(pairs) {
	return h('dl', { class: 'kv' }, pairs.filter((p) => p[1] !== undefined &&
	    p[1] !== null && p[1] !== '').map(([k, v]) => [h('dt', { text: k }),
	    h('dd', null, v)]));
}

function asText(v) {
	if (v === null || v === undefined)
		return '';
	if (Array.isArray(v))
		return v.map(String).join(' ');
	if (typeof v === 'object')
		return Object.entries(v).map(([k, x]) => k + '=' +
		    (typeof x === 'object' ? JSON.stringify(x) : x)).join('\n');
	return String(v);
}

export function mount(main, params) {
	const id = params.id, endpoint = params.endpoint;
	const q = { endpoint };
	const base = '/containers/' + seg(id);
	const head = h('div', { class: 'spread' }, h('h1', { text: id }));
	const err = h('div');
	const info = h('div', null, 'Loading…');
	const stats = h('div', null, '-');
	const acts = h('div', { class: 'row' });
	const logBox = h('pre', { class: 'log', tabIndex: 0,
	    attrs: { 'aria-label': 'Container logs', role: 'log' } });
	const logState = h('p', { class: 'hint', attrs: { 'aria-live': 'polite' } });
	const lxcSlot = h('div');
	let ctr = null;
	let gone = false;

	const tail = field('Lines', { name: 'tail', type: 'number', value: 100,
	    min: 1, max: 100000 });
	const tailIn = tail.querySelector('input');
	const followBtn = h('button', { type: 'button', text: 'Follow' });
	const logs = section('Logs', h('div', { class: 'row' }, tail,
	    h('button', { type: 'button', class: 'secondary', text: 'Show tail',
		on: { click: loadTail } }), followBtn), logState, logBox);

	const exec = section('Exec', actionForm('Run', [
	    field('Command', { name: 'command', required: true,
		placeholder: 'ls -l /' }, 'Split into words without a shell.'),
	    field('User', { name: 'user' }),
	    field('Working directory', { name: 'workdir' })],
	    (v) => api('POST', base + '/exec', { query: q, body: Object.assign(
		{ command: v.command }, v.user ? { user: v.user } : null,
		v.workdir ? { workdir: v.workdir } : null) }),
	    (r) => {
		const x = r.execution;
		return [h('p', null, 'Exit code ', h('strong', { class: 'exit',
		    text: String(x.exit_code) }), x.truncated ?
		    ' (output truncated)' : ''),
		    h('pre', { class: 'log exec-out', tabIndex: 0,
			attrs: { 'aria-label': 'Exec output' },
			text: x.output || '(no output)' })];
	    }));

	const addFile = section('Add a file', actionForm('Add file', [
	    field('Destination path', { name: 'dest_path', required: true,
		placeholder: '/tmp/hello.txt' }),
	    field('Mode', { name: 'mode', placeholder: '0644' }),
	    field('Content', { name: 'content', type: 'textarea' })],
	    (v) => api('POST', base + '/files', { query: q, body: Object.assign(
		{ dest_path: v.dest_path, content: v.content },
		v.mode ? { mode: v.mode } : null) }),
	    (r) => h('p', { text: 'Wrote ' + r.file.dest_path + ' (' +
		r.file.size + ' bytes).' })));

	const addUser = section('Add a user', actionForm('Add user', [
	    field('Username', { name: 'username', required: true,
		autocomplete: 'off' }),
	    field('Password', { name: 'password', type: 'password',
		autocomplete: 'new-password' }),
	    field('Shell', { name: 'shell', placeholder: '/bin/sh' })],
	    (v) => api('POST', base + '/users', { query: q, body: Object.assign(
		{ username: v.username }, v.password ? { password: v.password } :
		null, v.shell ? { shell: v.shell } : null) }),
	    (r) => h('p', { text: 'User ' + r.user.username + ' created.' })));

	fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/containers',
	    text: 'Containers' }), ' / ' + endpoint),
	    head, err,
	    h('div', { class: 'grid' }, section('Container', info),
		section('Stats', stats)),
	    logs, lxcSlot,
	    can('operator') ? h('div', { class: 'grid' }, exec, addFile,
		addUser) : null);

	function renderActions() {
		acts.replaceChildren();
		if (!ctr || !can('operator'))
			return;
		const st = ctr.state || ctr.status;
		const b = (a, label, cls) => h('button', { type: 'button',
		    class: cls || 'secondary', text: label, min: 'operator',
		    on: { click: () => doAct(a) } });
		if (st === 'running')
			acts.append(b('stop', 'Stop'), b('restart', 'Restart'),
			    b('pause', 'Pause'));
		else if (st === 'paused')
			acts.append(b('unpause', 'Unpause'));
		else
			acts.append(b('start', 'Start'));
		acts.append(b('remove', 'Remove', 'danger'));
	}

	async function doAct(a) {
		if (a === 'remove' && !await confirmDlg('Remove container ' +
		    ctr.name + '? It is stopped first; this cannot be undone.',
		    'Remove'))
			return;
		showError(err, null);
		try {
			await act(Object.assign({}, ctr, { endpoint }), a);
			if (a === 'remove') {
				gone = true;
				notice('Removed ' + ctr.name + '.');
				location.hash = '#/containers';
				return;
			}
			notice(ctr.name + ': ' + a + ' done.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	}

	async function load() {
		if (gone)
			return;
		try {
			const r = await api('GET', base, { query: q });
			ctr = r.container;
			fill(head, h('h1', { text: ctr.name || id }), acts);
			renderActions();
			fill(info, kv([
			    ['State', badge(ctr.state || ctr.status)],
			    ['ID', h('span', { class: 'mono', text: ctr.id })],
			    ['Image', ctr.image],
			    ['Endpoint', ctr.endpoint || endpoint],
			    ['Owner', ctr.owner],
			    ['Created', fmtTime(ctr.created_at)],
			    ['Started', fmtTime(ctr.started_at)],
			    ['Finished', ctr.finished_at && ctr.state !== 'running' ?
				fmtTime(ctr.finished_at) : null],
			    ['Exit code', ctr.state === 'running' ? null :
				String(ctr.exit_code ?? '')],
			    ['Command', asText(ctr.command)],
			    ['Network', ctr.network_mode],
			    ['Restart policy', ctr.restart_policy],
			    ['Labels', h('span', { class: 'pre',
				text: asText(ctr.labels) })],
			    ['Environment', h('span', { class: 'pre mono',
				text: Array.isArray(ctr.environment) ?
				    ctr.environment.join('\n') : asText(ctr.environment) })],
			    ['Mounts', asText((ctr.mounts || []).map((m) =>
				(m.source || m.name || '') + ':' +
				(m.destination || '')))],
			]));
			showError(err, null);
			if ((ctr.state || ctr.status) === 'running')
				loadStats();
		} catch (ex) {
			showError(err, ex);
		}
	}

	async function loadStats() {
		try {
			const s = (await api('GET', base + '/stats',
			    { query: q })).stats;
			fill(stats, kv([
			    ['CPU', typeof s.cpu_usage === 'number' ?
				s.cpu_usage.toFixed(1) + ' %' : '-'],
			    ['Memory', fmtBytes(s.memory_usage) + ' of ' +
				fmtBytes(s.memory_limit)],
			    ['Network', fmtBytes(s.network_rx) + ' in, ' +
				fmtBytes(s.network_tx) + ' out'],
			    ['Block I/O', fmtBytes(s.block_read) + ' read, ' +
				fmtBytes(s.block_write) + ' written'],
			    ['Processes', s.pids !== undefined ? String(s.pids) :
				null],
			    ['Sampled', fmtTime(s.timestamp)]]));
		} catch (ex) {
			fill(stats, errorBox(ex));
		}
	}

	const addLine = (text, cls) => logAppend(logBox, text + '\n', cls);

	async function loadTail() {
		stopFollow();
		logBox.replaceChildren();
		try {
			const r = await api('GET', base + '/logs', { query:
			    Object.assign({ tail: (tailIn.value || 100) }, q) });
			for (const l of String(r.logs || '').split('\n'))
				if (l !== '')
					addLine(l);
			logState.textContent = r.truncated ? 'Truncated.' : '';
		} catch (ex) {
			fill(logState, errorBox(ex));
		}
	}

	// The NDJSON follow: {stream, line} records, then {"end": reason};
	// a stream that stops without one was cut.
	const stopFollow = followToggle(followBtn, logState, async (signal) => {
		let end = null;
		logBox.replaceChildren();
		await streamLines(base + '/logs', Object.assign({ follow: true,
		    tail: tailIn.value || 100 }, q), (line) => {
			if (!line.trim())
				return;		// keepalive
			let rec;
			try {
				rec = JSON.parse(line);
			} catch (e) {
				return addLine(line);
			}
			if (rec.end !== undefined)
				end = String(rec.end);
			else if (rec.error !== undefined)
				addLine('error: ' + rec.error, 'err');
			else
				addLine(String(rec.line ?? ''), rec.stream === 'stderr' ?
				    'err' : null);
		}, signal);
		if (end === null)
			return 'The stream was cut; follow again to resume.';
		addLine('-- end: ' + end + ' --', 'end');
		return 'The stream ended: ' + end + '.';
	});

	load();
	loadTail();
	endpoints().then(async (eps) => {
		const ep = eps.find((e) => e.name === endpoint);
		if (ep && ep.driver === 'lxd') {
			const m = await import('./lxc.js');
			fill(lxcSlot, m.tools({ name: id, endpoint }));
		}
	}).catch(() => {});
	// an event about this container re-reads it; others are not news here
	const stopWatch = live.watch({ types: ['container_event'],
	    interval: 5000, refresh: load, patch: (ev) => {
		const d = ev.data || {};
		const c = String(d.container_id || '');
		return d.endpoint !== endpoint || !(c === id || (ctr && (c ===
		    ctr.id || d.container_name === ctr.name ||
		    (c.length >= 12 && String(ctr.id).startsWith(c)))));
	    } });
	return () => {
		gone = true;
		stopFollow();
		stopWatch();
	};
}
