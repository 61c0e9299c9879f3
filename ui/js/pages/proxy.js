// The reverse proxy (admins; the nav shows it only when /proxy answers):
// upstreams with each server's health (live from proxy_health events),
// routes, streams, stats with p50/p95/p99, and the apply history with
// rollback.

import { api, seg } from '../api.js';
import { h, fill, badge, errorBox, confirmDlg, notice, section, table,
    fmtTime } from '../dom.js';
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
	let health = new Map();	// "upstream address" -> status

	fill(main, h('h1', { text: 'Proxy' }),
	    section('Stats', stats), section('Upstreams', ups),
	    h('div', { class: 'grid' }, section('Routes', routes),
		section('Streams', streams)),
	    section('Apply history', hist));

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

	async function loadUpstreams() {
		try {
			const r = await api('GET', '/proxy/upstreams');
			fill(ups, table('Upstreams', [
			    { label: 'Name', cell: (u) => u.name },
			    { label: 'Strategy', cell: (u) => u.strategy || '' },
			    { label: 'Servers', cell: (u) => (u.servers || []).map(
				(s) => h('div', null, h('span', { class: 'mono',
				    text: s.address + ' ' }), badge(health.get(u.name +
				    ' ' + s.address) || (s.down ? 'down' :
				    'unknown')))) },
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
		try {
			await api('POST', '/proxy/config/rollback/' + seg(g));
			notice('Rolled back to generation ' + g + '.');
		} catch (e) {
			fill(hist, errorBox(e));
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
		loadList('/proxy/config/history', 'generations', hist, [
		    { label: 'Generation', cell: (g) => String(g.generation) },
		    { label: 'Applied', cell: (g) => fmtTime(g.applied_at ||
			g.created_at) },
		    { label: 'State', cell: (g) => g.status || g.state ||
			g.current ? badge(g.status || g.state || 'current') : '' },
		    { label: 'Actions', class: 'acts', cell: (g) => g.current ? '' :
			h('button', { type: 'button', class: 'small secondary',
			    text: 'Roll back', min: 'admin', attrs: { 'aria-label':
				'Roll back to generation ' + g.generation },
			    on: { click: () => rollback(g.generation) } }) }]);
	}
	all();
	return live.watch({ types: ['proxy_health'], interval: 10000,
	    refresh: () => loadStats().then(loadUpstreams) });
}
