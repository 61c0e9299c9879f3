// The dashboard: health checks, system info, the pool's processes, the
// engine endpoints with their status, and small charts of CPU and memory
// (system_metric events when the stream is up; the pool's own figures
// from /system/info while polling).

import { api } from '../api.js';
import { h, fill, section, table, badge, errorBox, fmtBytes,
    fmtDuration } from '../dom.js';
import { sparkline } from '../chart.js';
import * as live from '../live.js';

export const title = 'Dashboard';

function kv(pairs) {
	return h('dl', { class: 'kv' }, pairs.map(([k, v]) =>
	    [h('dt', { text: k }), h('dd', null, v)]));
}

export function mount(main) {
	const health = h('div', null, 'Loading…');
	const info = h('div', null, 'Loading…');
	const pool = h('div');
	const eps = h('div', null, 'Loading…');
	const cpu = sparkline('CPU', (v) => v.toFixed(1) + ' %', 100);
	const mem = sparkline('Memory', fmtBytes, null);
	const src = h('p', { class: 'hint' });
	let metricsLive = false;
	let infoAt = 0;

	let stopped = false;
	// everything at once, when the first answers are in: nothing moves
	// under the reader's eyes (no layout shift)
	fill(main, h('h1', { text: 'Dashboard' }),
	    h('p', { class: 'empty', text: 'Loading…' }));
	function show() {
		if (!stopped)
			fill(main, h('h1', { text: 'Dashboard' }),
			    h('div', { class: 'grid' },
				section('Health', health),
				section('System', info),
				section('Load', cpu.el, mem.el, src)),
			    section('Engine endpoints', eps),
			    section('Pool processes', pool));
	}

	function source() {
		src.textContent = metricsLive ?
		    'Host figures from system_metric events, as they come.' :
		    'The pool\u2019s own figures from /system/info, polled.';
	}
	source();

	async function loadHealth() {
		try {
			const r = await fetch('/health', { credentials: 'same-origin',
			    headers: { Accept: 'application/json' } });
			const b = await r.json();
			const checks = Object.entries(b.checks || {});
			const epc = Object.entries(b.endpoints || {});
			fill(health, kv([
			    ['Status', badge(b.status || (r.ok ? 'healthy' :
				'unhealthy'))],
			    ['Version', b.version || '-'],
			    ...checks.map(([k, v]) => [k, badge(typeof v ===
				'string' ? v : v.status || 'unknown')]),
			    ...epc.map(([k, v]) => ['endpoint ' + k,
				badge(v.status || 'unknown')])]));
		} catch (e) {
			fill(health, errorBox(e));
		}
	}

	async function loadInfo() {
		infoAt = Date.now();
		try {
			const s = (await api('GET', '/system/info')).system;
			const p = s.pool || {};
			fill(info, kv([
			    ['Version', s.version],
			    ['Uptime', fmtDuration(s.uptime)],
			    ['Pool memory', fmtBytes(s.memory_usage)],
			    ['Pool CPU', Number(s.cpu_usage || 0).toFixed(1) + ' %'],
			    ['Connections', String(s.active_connections ?? '-')],
			    ['Workers', (p.busy ?? 0) + ' busy, ' + (p.idle ?? 0) +
				' idle of ' + (p.workers ?? '-')],
			    ['Generation', String(p.generation ?? 0) + ', ' +
				(p.restarts ?? 0) + ' restarts']]));
			fill(pool, table('Pool processes', [
			    { label: 'PID', cell: (x) => String(x.pid) },
			    { label: 'Kind', cell: (x) => x.kind },
			    { label: 'State', cell: (x) => badge(x.state) },
			    { label: 'Requests', cell: (x) => String(x.requests) },
			    { label: 'Errors', wide: true, cell: (x) => String(x.errors) },
			    { label: 'Memory', wide: true, cell: (x) => fmtBytes(x.rss) },
			    { label: 'Generation', wide: true, cell: (x) => String(x.generation) },
			], p.processes || [], 'No processes reported.'));
			if (!metricsLive) {
				cpu.push(Number(s.cpu_usage));
				mem.push(Number(s.memory_usage));
			}
		} catch (e) {
			fill(info, errorBox(e));
		}
	}

	async function loadEndpoints() {
		try {
			const r = await api('GET', '/endpoints', { query:
			    { check: true } });
			fill(eps, table('Engine endpoints', [
			    { label: 'Name', cell: (x) => x.name },
			    { label: 'Driver', cell: (x) => x.driver },
			    { label: 'URL', cell: (x) => x.url, class: 'mono', wide: true },
			    { label: 'Status', cell: (x) => x.available === undefined ?
				badge('unknown') : badge(x.available ? 'up' : 'down') },
			    { label: 'Detail', cell: (x) => x.error ||
				(x.default ? 'default' : '') },
			], r.endpoints || [], 'No endpoints.'));
		} catch (e) {
			fill(eps, errorBox(e));
		}
	}

	Promise.allSettled([loadHealth(), loadInfo(), loadEndpoints()])
	    .then(show);
	// each system_metric is a point of the charts (marked with its id);
	// the pool's figures and the checks are re-read at most every 5 s
	const stops = [
	    live.watch({ types: ['system_metric'], interval: 5000,
		refresh: () => {
		    loadInfo();
		    loadHealth();
		}, patch: (ev) => {
		    const d = ev.data || {};
		    if (!metricsLive) {
			    // the host's figures from now on, not the pool's
			    metricsLive = true;
			    source();
			    cpu.clear();
			    mem.clear();
		    }
		    cpu.push(Number(d.cpu_usage), ev.id);
		    mem.push(Number(d.memory_usage), ev.id);
		    return Date.now() - infoAt < 5000;
	    } }),
	    live.watch({ types: ['container_event'], interval: 30000,
		refresh: loadEndpoints }),
	];
	return () => {
		stopped = true;
		stops.forEach((s) => s());
	};
}
