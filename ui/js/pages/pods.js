// Pods on endpoints with pods (Proxmox VE today): the list with the
// engine's status, create, and one pod: start, stop, delete (asked
// first), resources, DNS and port mappings.

import { api, seg } from '../api.js';
import { h, fill, field, values, badge, errorBox, showError, confirmDlg,
    notice, pager, section, table, can, actionForm } from '../dom.js';
import { endpoints } from './containers.js';
import * as live from '../live.js';

export const title = (p) => p.view === 'pod' ? 'Pod ' + p.id : 'Pods';

function words(s) {
	return String(s || '').split(/[\s,]+/).filter(Boolean);
}

function listView(main) {
	const state = { limit: 25, offset: 0, namespace: '', endpoint: '' };
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const note = h('p', { class: 'hint' });
	const epSel = field('Endpoint', { name: 'endpoint', type: 'select',
	    options: [] });
	const create = actionForm('Create pod', [
	    field('ID', { name: 'id', required: true }, 'a-z 0-9 -, 1 to 48'),
	    epSel,
	    field('Image', { name: 'image', required: true,
		placeholder: 'local:vztmpl/debian-12.tar.zst' }),
	    field('Namespace', { name: 'namespace', placeholder: 'default' }),
	    field('IP', { name: 'ip', placeholder: 'dhcp or 10.0.0.5/24' }),
	    field('Gateway', { name: 'gateway' }),
	    field('Bridge', { name: 'bridge', placeholder: 'vmbr0' }),
	    field('Cores', { name: 'cores', type: 'number', min: 1 }),
	    field('Memory (MB)', { name: 'memory', type: 'number', min: 16 }),
	    field('Disk (GB)', { name: 'disk', type: 'number', min: 1 }),
	    field('DNS servers', { name: 'servers' }, 'Space separated.'),
	    field('DNS search', { name: 'search' }),
	    field('Start it', { name: 'start', type: 'checkbox' })],
	    async (v) => {
		const b = { id: v.id, endpoint: v.endpoint, image: v.image };
		if (v.namespace)
			b.namespace = v.namespace;
		if (v.ip || v.gateway || v.bridge) {
			b.network = {};
			for (const k of ['ip', 'gateway', 'bridge'])
				if (v[k])
					b.network[k] = v[k];
		}
		const res = {};
		for (const k of ['cores', 'memory', 'disk'])
			if (v[k])
				res[k] = Number(v[k]);
		if (Object.keys(res).length)
			b.resources = res;
		if (v.servers || v.search)
			b.dns = { servers: words(v.servers),
			    search: words(v.search) };
		if (v.start)
			b.start = true;
		const r = await api('POST', '/pods', { body: b });
		notice('Created pod ' + r.pod.id + '.');
		location.hash = '#/pods/' + seg(r.pod.id);
	    });

	const filters = h('form', { class: 'filters', attrs: { role: 'search',
	    'aria-label': 'Filter pods' }, on: { submit: (e) => {
		e.preventDefault();
		Object.assign(state, values(filters), { offset: 0 });
		load();
	    } } }, field('Namespace', { name: 'namespace', type: 'search' }),
	    field('Endpoint', { name: 'endpoint', type: 'search' }),
	    h('button', { type: 'submit', class: 'secondary', text: 'Filter' }));

	fill(main, h('h1', { text: 'Pods' }), note,
	    h('div', { class: 'card' }, filters, err, body),
	    can('operator') ? section('New pod', create) : null);

	endpoints().then((eps) => {
		const pe = eps.filter((e) => e.driver === 'proxmox' ||
		    (e.capabilities || []).includes('pods'));
		note.textContent = pe.length ? '' : 'No endpoint with pods is ' +
		    'registered (Proxmox VE endpoints have them).';
		const s = epSel.querySelector('select');
		for (const e of pe.length ? pe : eps)
			s.appendChild(h('option', { value: e.name, text: e.name +
			    ' (' + e.driver + ')' }));
	}).catch(() => {});

	async function load() {
		try {
			const r = await api('GET', '/pods', { query: state });
			fill(body, table('Pods', [
			    { label: 'ID', cell: (p) => h('a', { href: '#/pods/' +
				seg(p.id), text: p.id }) },
			    { label: 'Name', cell: (p) => p.name || '' },
			    { label: 'Namespace', cell: (p) => p.namespace || '' },
			    { label: 'Status', cell: (p) => badge(p.status) },
			    { label: 'Endpoint', cell: (p) => p.endpoint },
			    { label: 'VMID', cell: (p) => String(p.vmid ?? '') },
			    { label: 'Owner', cell: (p) => p.owner || '' },
			], r.pods || [], 'No pods.'), pager(state, r.total, load));
			showError(err, null);
		} catch (ex) {
			showError(err, ex);
		}
	}
	load();
	return live.watch({ types: ['container_event'], interval: 10000,
	    refresh: load });
}

function podView(main, id) {
	const base = '/pods/' + seg(id);
	const err = h('div');
	const head = h('div', { class: 'spread' }, h('h1', { text: 'Pod ' + id }));
	const info = h('div', null, 'Loading…');
	const ports = h('div');
	let pod = null;
	let gone = false;

	const res = actionForm('Apply', [
	    field('Cores', { name: 'cores', type: 'number', min: 1 }),
	    field('Memory (MB)', { name: 'memory', type: 'number', min: 16 }),
	    field('Swap (MB)', { name: 'swap', type: 'number', min: 0 }),
	    field('Disk (GB)', { name: 'disk', type: 'number', min: 1 },
		'A disk only grows.')],
	    async (v) => {
		const b = {};
		for (const k of ['cores', 'memory', 'swap', 'disk'])
			if (v[k] !== '')
				b[k] = Number(v[k]);
		const r = (await api('PATCH', base + '/resources', { body: b }))
		    .resources;
		load();
		return h('p', { class: 'info', text: 'Applied: ' +
		    (r.applied || []).join(', ') + '; waiting for a restart: ' +
		    ((r.pending || []).join(', ') || 'nothing') + '.' });
	    });
	const dns = actionForm('Save DNS', [
	    field('Servers', { name: 'servers' }, 'Space separated.'),
	    field('Search', { name: 'search' }),
	    field('Options', { name: 'options' })],
	    async (v) => {
		const r = (await api('PUT', base + '/dns', { body: {
		    servers: words(v.servers), search: words(v.search),
		    options: words(v.options) } })).dns;
		return h('pre', { class: 'log', tabIndex: 0, attrs:
		    { 'aria-label': 'resolv.conf' }, text: r.resolv_conf ||
		    JSON.stringify(r, null, 1) });
	    });
	const addPort = actionForm('Add port', [
	    field('Protocol', { name: 'protocol', type: 'select',
		options: ['tcp', 'udp'] }),
	    field('Container port', { name: 'container_port', type: 'number',
		required: true, min: 1, max: 65535 }),
	    field('Host port', { name: 'host_port', type: 'number', required: true,
		min: 1, max: 65535 })],
	    async (v) => {
		await api('POST', base + '/ports', { body: { protocol: v.protocol,
		    container_port: Number(v.container_port),
		    host_port: Number(v.host_port) } });
		loadPorts();
	    });

	fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/pods',
	    text: 'Pods' }), ' / ' + id), head, err,
	    h('div', { class: 'grid' }, section('Pod', info),
		can('operator') ? section('Resources', res) : null,
		can('operator') ? section('DNS', dns) : null),
	    section('Ports', ports, can('operator') ? addPort : null));

	async function action(a) {
		if (a === 'delete') {
			if (!await confirmDlg('Delete pod ' + id + ' and its disks? ' +
			    'A running one is stopped first. This cannot be undone.',
			    'Delete'))
				return;
		}
		showError(err, null);
		try {
			if (a === 'delete') {
				await api('DELETE', base, { query: { force: true } });
				gone = true;
				notice('Deleted pod ' + id + '.');
				location.hash = '#/pods';
				return;
			}
			await api('POST', base + '/' + a);
			notice('Pod ' + id + ': ' + a + ' done.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	}

	async function load() {
		if (gone)
			return;
		try {
			pod = (await api('GET', base)).pod;
			const run = pod.status === 'running';
			fill(head, h('h1', { text: 'Pod ' + id }), h('div',
			    { class: 'row' },
			    h('button', { type: 'button', class: 'secondary',
				text: run ? 'Stop' : 'Start', min: 'operator',
				on: { click: () => action(run ? 'stop' : 'start') } }),
			    h('button', { type: 'button', class: 'danger',
				text: 'Delete', min: 'operator',
				on: { click: () => action('delete') } })));
			const show = (v) => typeof v === 'object' && v !== null ?
			    JSON.stringify(v) : String(v ?? '');
			fill(info, h('dl', { class: 'kv' }, Object.entries(pod)
			    .filter(([k]) => k !== 'ports').map(([k, v]) =>
				[h('dt', { text: k }), h('dd', { class: 'mono' },
				    k === 'status' ? badge(v) : show(v))])));
			showError(err, null);
		} catch (ex) {
			showError(err, ex);
		}
	}

	async function loadPorts() {
		try {
			const r = await api('GET', base + '/ports');
			fill(ports, table('Ports of ' + id, [
			    { label: 'Protocol', cell: (p) => p.protocol },
			    { label: 'Container', cell: (p) => String(p.container_port) },
			    { label: 'Host', cell: (p) => String(p.host_port) },
			    { label: 'Forward', cell: (p) => p.forward ?
				badge(p.forward.state) : '' },
			    { label: 'Actions', class: 'acts', cell: (p) => h('button',
				{ type: 'button', class: 'small danger', text: 'Remove',
				    min: 'operator', attrs: { 'aria-label':
					'Remove host port ' + p.host_port },
				    on: { click: async () => {
					if (!await confirmDlg('Remove the mapping of ' +
					    'host port ' + p.host_port + '?', 'Remove'))
						return;
					try {
						await api('DELETE', base + '/ports/' +
						    seg(p.host_port));
					} catch (ex) {
						showError(err, ex);
					}
					loadPorts();
				    } } }) },
			], r.ports || [], 'No port mappings.'));
		} catch (ex) {
			fill(ports, errorBox(ex));
		}
	}
	load();
	loadPorts();
	return () => { gone = true; };
}

export function mount(main, params) {
	return params.view === 'pod' ? podView(main, params.id) : listView(main);
}
