// The reverse proxy (admins; the nav shows it only when /proxy answers):
// upstreams with each server's health (live from proxy_health events),
// routes, streams, stats with p50/p95/p99, and the apply history with
// rollback.

import { api, seg } from '../api.js';
import { h, fill, badge, errorBox, showError, confirmDlg, notice, section,
    table, fmtTime } from '../dom.js';
import * as live from '../live.js';

export const title = 'Proxy';

// the stats' times are milliseconds
function ms(v) {
	return typeof v === 'number' ? v.toFixed(1) + ' ms' : '-';
}

export function mount(main) {
	const ups = h('div', null, 'Loading…');
	const routes = h('div', null, 'Loading…');
	const streams = h('div', null, 'Loading…');
	const stats = h('div', null, 'Loading…');
	const hist = h('div', null, 'Loading…');
	const histErr = h('div');
	let health = new Map();	// "upstream address" -> status, from the stats
	// what proxy_health events said since: {status, id}; newer than the
	// stats, which are saved once a second
	let heard = new Map();

	fill(main, h('h1', { text: 'Proxy' }),
	    section('Stats', stats), section('Upstreams', ups),
	    h('div', { class: 'grid' }, section('Routes', routes),
		section('Streams', streams)),
	    section('Apply history', histErr, hist));

	async function loadStats() {
		try {
			const s = (await api('GET', '/proxy/stats')).stats || {};
			const rt = s.response_times || {};
			health = new Map();
			const per = s.upstreams || {};
			for (const [name, u] of Array.isArray(per) ?
			    per.map((u) => [u.name, u]) : Object.entries(per))
				for (const sv of u.servers || [])
					health.set(name + ' ' + sv.address, sv.status);
			fill(stats, h('dl', { class: 'kv' }, [
			    ['Requests', String(s.requests_total ?? '-')],
			    ['Requests/s (60 s)', String(s.requests_per_second ?? '-')],
			    ['Error rate', s.error_rate !== undefined ?
				(100 * s.error_rate).toFixed(2) + ' %' : '-'],
			    ['Average', ms(rt.avg)], ['p50', ms(rt.p50)],
			    ['p95', ms(rt.p95)], ['p99', ms(rt.p99)],
			].map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])));
		} catch (e) {
			fill(stats, errorBox(e));
		}
	}

	// one server of an upstream: its address and health; data-event the
	// proxy_health event that said so
	function server(u, s) {
		const k = u.name + ' ' + s.address;
		const e = heard.get(k);
		const el = h('div', { dataset: { server: k } }, h('span', {
		    class: 'mono', text: s.address + ' ' }), badge(s.down ?
		    'down' : e ? e.status : health.get(k) || 'unknown'));
		if (e && !s.down)
			el.dataset.event = e.id;
		return el;
	}

	function heardOf(ev) {
		const d = ev.data || {};
		const k = d.upstream + ' ' + d.server;
		heard.set(k, { status: d.status, id: ev.id });
		const el = [...ups.querySelectorAll('[data-server]')].find((x) =>
		    x.dataset.server === k);
		if (!el)
			return false;
		const model = { name: d.upstream, servers: [] };
		el.replaceWith(server(model, { address: d.server }));
		return true;
	}

	async function loadUpstreams() {
		try {
			const r = await api('GET', '/proxy/upstreams');
			fill(ups, table('Upstreams', [
			    { label: 'Name', cell: (u) => u.name },
			    { label: 'Strategy', cell: (u) => u.strategy || '' },
			    { label: 'Servers', cell: (u) => (u.servers || []).map(
				(s) => server(u, s)) },
			    { label: 'Health check', cell: (u) => u.health_check &&
				u.health_check.enabled ? (u.health_check.path || '/') +
				' every ' + u.health_check.interval : 'off' },
			], r.upstreams || [], 'No upstreams.'));
		} catch (e) {
			fill(ups, errorBox(e));
		}
	}

	async function loadList(path, key, box, cols) {
		try {
			const r = await api('GET', path);
			fill(box, table(key, cols, r[key] || [], 'None.'));
		} catch (e) {
			fill(box, errorBox(e));
		}
	}

	async function rollback(g) {
		if (!await confirmDlg('Roll the proxy back to generation ' + g +
		    '? The web server is reloaded with it.', 'Roll back'))
			return;
		showError(histErr, null);
		try {
			const r = await api('POST', '/proxy/config/rollback/' +
			    seg(g));
			notice('Rolled back to generation ' + g + ': generation ' +
			    r.generation + ' is live.');
		} catch (e) {
			showError(histErr, e);
		}
		all();
	}

	function all() {
		loadStats().then(loadUpstreams);
		loadList('/proxy/routes', 'routes', routes, [
		    { label: 'ID', cell: (r) => String(r.id ?? '') },
		    { label: 'Host', cell: (r) => r.host || '' },
		    { label: 'Path', cell: (r) => r.path, class: 'mono' },
		    { label: 'Upstream', cell: (r) => r.upstream }]);
		loadList('/proxy/streams', 'streams', streams, [
		    { label: 'Name', cell: (s) => s.name },
		    { label: 'Listen', cell: (s) => s.listen, class: 'mono' },
		    { label: 'To', cell: (s) => s.upstream || s.address },
		    { label: 'Protocol', cell: (s) => s.protocol || 'tcp' }]);
		loadHistory();
	}

	// newest first: the server marks the live one; any other applied
	// one can be rolled back to
	async function loadHistory() {
		try {
			const gens = (await api('GET', '/proxy/config/history'))
			    .generations || [];
			fill(hist, table('Apply history', [
			    { label: 'Generation', cell: (g) => String(g.generation) },
			    { label: 'At', cell: (g) => fmtTime(g.at) },
			    { label: 'Reason', cell: (g) => g.reason || '' },
			    { label: 'Version', cell: (g) => String(g.version ?? ''),
				wide: true },
			    { label: 'State', cell: (g) => [badge(g.live ? 'live' :
				g.status), g.error ? ' ' + g.error : ''] },
			    { label: 'Actions', class: 'acts', cell: (g) => g.live ||
				g.status !== 'applied' ? '' : h('button', {
				type: 'button', class: 'small secondary',
				text: 'Roll back', min: 'admin', attrs: { 'aria-label':
				    'Roll back to generation ' + g.generation },
				on: { click: () => rollback(g.generation) } }) },
			], gens, 'Nothing applied yet.', (g) => ({
			    generation: g.generation })));
		} catch (e) {
			fill(hist, errorBox(e));
		}
	}

	all();
	// health flips come as proxy_health events; the counters have
	// none, so the stats are re-read every 10 s (while polling too)
	return live.watch({ types: ['proxy_health'], interval: 10000,
	    every: 10000, patch: heardOf, refresh: (why) => {
		if (why === 'resync')
			heard = new Map();
		loadStats().then(loadUpstreams);
	    } });
}
