// LXC on LXD endpoints: the instances, and for each the LXC Tools
// routes: connect info, SSH key deploy (authkey), port forwards; and the
// network setup (admins). tools() is also shown on a container's page.

import { api, seg } from '../api.js';
import { h, fill, field, badge, errorBox, showError, confirmDlg, notice,
    section, table, can, actionForm } from '../dom.js';
import { endpoints } from './containers.js';

export const title = 'LXC';

function text(v) {
	if (v === null || v === undefined)
		return '';
	return typeof v === 'object' ? JSON.stringify(v, null, 1) : String(v);
}

// The LXC Tools panel of one instance {name, endpoint}.
export function tools(c) {
	const q = { endpoint: c.endpoint };
	const base = '/containers/' + seg(c.name);
	const conn = h('div');
	const fwd = h('div', null, 'Loading…');
	const err = h('div');

	async function connect() {
		try {
			const x = (await api('POST', base + '/connect', { query: q }))
			    .connection;
			fill(conn, h('dl', { class: 'kv' },
			    [['Status', badge(x.status)],
			    ['SSH', x.ssh || 'not ready' + (x.ssh_missing ? ': ' +
				text(x.ssh_missing) : '')],
			    ['Addresses', text(x.addresses)],
			    ['Exec', text(x.exec)]].map(([k, v]) =>
				[h('dt', { text: k }), h('dd', { class: 'mono' }, v)])));
		} catch (ex) {
			fill(conn, errorBox(ex));
		}
	}

	async function loadForwards() {
		try {
			const r = await api('GET', base + '/portforward', { query: q });
			fill(fwd, table('Port forwards of ' + c.name, [
			    { label: 'Name', cell: (f) => f.name },
			    { label: 'Protocol', cell: (f) => f.protocol },
			    { label: 'Listen', cell: (f) => (f.listen_address || '') +
				':' + f.listen_port },
			    { label: 'Container port', cell: (f) =>
				String(f.container_port) },
			    { label: 'Actions', class: 'acts', cell: (f) => h('button',
				{ type: 'button', class: 'small danger', text: 'Remove',
				    min: 'operator', attrs: { 'aria-label':
					'Remove forward ' + f.name },
				    on: { click: () => delForward(f) } }) },
			], r.forwards || [], 'No port forwards.'));
		} catch (ex) {
			fill(fwd, errorBox(ex));
		}
	}

	async function delForward(f) {
		if (!await confirmDlg('Remove port forward ' + f.name + '?',
		    'Remove'))
			return;
		try {
			await api('DELETE', base + '/portforward/' + seg(f.name),
			    { query: q });
			notice('Removed ' + f.name + '.');
		} catch (ex) {
			showError(err, ex);
		}
		loadForwards();
	}

	const authkey = actionForm('Deploy key', [
	    field('Public key', { name: 'key', type: 'textarea', required: true,
		placeholder: 'ssh-ed25519 AAAA… me@host' }),
	    field('User', { name: 'user', placeholder: 'root' })],
	    (v) => api('POST', base + '/authkey', { query: q, body: Object.assign(
		{ key: v.key.trim() }, v.user ? { user: v.user } : null) }),
	    (r) => h('p', { text: 'Added ' + r.authkey.added + ' key(s) for ' +
		r.authkey.user + '; ' + r.authkey.total + ' in all.' }));

	const addFwd = actionForm('Add forward', [
	    field('Name', { name: 'name', required: true }),
	    field('Listen port', { name: 'listen_port', type: 'number', min: 1,
		max: 65535 }, 'Empty: a free one.'),
	    field('Container port', { name: 'container_port', type: 'number',
		min: 1, max: 65535, placeholder: '80' }),
	    field('Protocol', { name: 'protocol', type: 'select',
		options: ['tcp', 'udp'] }),
	    field('Listen address', { name: 'listen_address',
		placeholder: '127.0.0.1' })],
	    (v) => {
		const b = { name: v.name, protocol: v.protocol };
		if (v.listen_port)
			b.listen_port = Number(v.listen_port);
		if (v.container_port)
			b.container_port = Number(v.container_port);
		if (v.listen_address)
			b.listen_address = v.listen_address;
		return api('POST', base + '/portforward', { query: q, body: b });
	    }, (r) => {
		loadForwards();
		return h('p', { text: 'Forward ' + r.forward.name + ' on port ' +
		    r.forward.listen_port + '.' });
	    });

	loadForwards();
	return section('LXC tools: ' + c.name, err,
	    h('div', { class: 'row' }, h('button', { type: 'button',
		class: 'secondary', text: 'Connect info', min: 'operator',
		on: { click: connect } })), conn,
	    h('h3', { text: 'Port forwards' }), fwd,
	    can('operator') ? [addFwd, h('h3', { text: 'SSH key' }), authkey] :
		null);
}

export function mount(main) {
	const list = h('div', null, 'Loading…');
	const panel = h('div');
	const err = h('div');
	const net = actionForm('Set up network', [
	    field('Name', { name: 'name', required: true }),
	    field('Type', { name: 'type', type: 'select',
		options: ['bridge', 'macvlan'] }),
	    field('Parent interface', { name: 'parent' },
		'macvlan: default the default route\u2019s NIC.'),
	    field('Endpoint', { name: 'endpoint', required: true })],
	    (v) => api('POST', '/network/setup', { query: { endpoint:
		v.endpoint }, body: Object.assign({ name: v.name, type: v.type },
		v.parent ? { parent: v.parent } : null) }),
	    (r) => h('p', { text: 'Network ' + text(r.network.name) +
		(r.network.changed === false ? ' unchanged.' : ' set up.') }),
	    'admin');

	fill(main, h('h1', { text: 'LXC' }), err,
	    h('div', { class: 'card' }, list), panel,
	    can('admin') ? section('Network setup', net) : null);

	(async () => {
		try {
			const eps = (await endpoints()).filter((e) => e.driver ===
			    'lxd');
			if (!eps.length) {
				fill(list, h('p', { class: 'empty', text: 'No LXD ' +
				    'endpoint is registered. An admin adds one under ' +
				    'POST /endpoints with driver lxd.' }));
				return;
			}
			const ep = net.querySelector('[name=endpoint]');
			if (ep && !ep.value)
				ep.value = eps[0].name;
			const rows = [];
			for (const e of eps) {
				try {
					const r = await api('GET', '/containers', { query:
					    { endpoint: e.name, limit: 100 } });
					for (const c of r.containers || [])
						rows.push(Object.assign({ endpoint: e.name }, c));
				} catch (ex) {
					showError(err, ex);
				}
			}
			fill(list, table('LXD instances', [
			    { label: 'Name', cell: (c) => h('a', { href: '#/containers/' +
				seg(c.endpoint) + '/' + seg(c.name), text: c.name }) },
			    { label: 'State', cell: (c) => badge(c.state || c.status) },
			    { label: 'Endpoint', cell: (c) => c.endpoint },
			    { label: 'Type', cell: (c) => c.type || '' },
			    { label: 'Tools', class: 'acts', cell: (c) => h('button',
				{ type: 'button', class: 'small secondary', text: 'Tools',
				    attrs: { 'aria-label': 'LXC tools of ' + c.name },
				    on: { click: () => {
					fill(panel, tools(c));
					panel.querySelector('h2').scrollIntoView();
				    } } }) },
			], rows, 'No instances on the LXD endpoints.'));
		} catch (ex) {
			fill(list, errorBox(ex));
		}
	})();
	return null;
}
