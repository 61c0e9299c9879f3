// ui.js: the browser half of tests/e2e/t_ui.  Headless Chromium (the
// system's, through puppeteer-core) uses the web console in ui/ as people
// would, against the real stack, and reports what it saw; t_ui decides.
//
//   - the redirect from / to /ui/, the sign-in, the must-change-password
//     step, an idle session returning to the login, sign-out;
//   - the dashboard's charts fed by system_metric events;
//   - containers: the create form's 400 and 403 beside their fields, a
//     create, the row kept current while the engine stops and starts it
//     behind the page's back, from the container_events alone (no list
//     read, the stream up throughout), logs followed, exec, add a file,
//     add a user, remove with its confirmation;
//   - a job's progress bar to 100%, each value set by a job_status event;
//     its output downloaded;
//   - the events page: filters, events as they happen, the network taken
//     away while more happen and each of them listed once when it comes
//     back (the stream resumed, no re-list), markup in an event as text;
//   - a 20 MiB upload with its progress bar moving, file info;
//   - a key shown once, then revoked;
//   - the audit log of this run's writes, paged, with no secret in it;
//   - the proxy page on the real proxy: an upstream of two backends and a
//     route made through the API, health, stats, a backend killed (its
//     proxy_health event shown as it comes), a rollback from the history;
//   - a viewer sees no write control and a forced write shows the 403;
//   - an operator does not see another's container;
//   - markup in names stays text (a file, a label, and a container name the
//     engine would refuse, served by request interception): no element, no
//     dialog;
//   - 1,000 containers rendered, timed from the data's arrival;
//   - on every page: console errors, axe-core's serious and critical
//     violations, a screenshot at 375 and at 1440 px (cfg.out/shots).
//
// Usage: node ui.js CONFIG.json; CONFIG is {chromium, profile, base, apache,
// out, ui_dir, admin_key, users: {admin: {username, password,
// newPassword}, op, viewer: {username, password}}, containers: {own,
// other}, proxy: {ports: [a, b], backend: proxy_backend.py}}.  Loopback
// only; Chromium and the proxy's backends are this script's children and
// end with it (a deadline ends everything).
'use strict';

const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');
const { uiSize } = require('./ui-size.js');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const DEADLINE_MS = cfg.deadline_ms || 170000;
const T = 15000;		// one wait
const XSS = '<img src=x onerror=alert(1)>';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = path.join(cfg.out, 'shots');
const DL = path.join(cfg.out, 'downloads');

const report = { steps: {}, pages: {}, sizes: {} };
let browser = null;
let stepName = 'start';
let madeKey = null;	// the key key_once made (the audit must not show it)
const children = [];	// the proxy's backends (this script's)

fs.mkdirSync(SHOTS, { recursive: true });
fs.mkdirSync(DL, { recursive: true });

function finish(code) {
	for (const c of children)
		if (c.exitCode === null && c.signalCode === null)
			c.kill('SIGTERM');
	process.stdout.write(JSON.stringify(report, null, 1) + '\n');
	const b = browser;
	browser = null;
	if (b === null)
		process.exit(code);
	b.close().catch(() => {}).finally(() => process.exit(code));
	setTimeout(() => {
		const p = b.process();
		if (p !== null && p.exitCode === null)
			p.kill('SIGKILL');
		process.exit(code);
	}, 3000).unref();
}

setTimeout(() => {
	report.deadline = 'the deadline of ' + DEADLINE_MS + ' ms ended the run ' +
	    'in step ' + stepName;
	finish(2);
}, DEADLINE_MS).unref();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One step: its outcome in report.steps[name] ({ok, ms, ...what fn
// returned} or {ok: false, error}).
async function step(name, fn) {
	stepName = name;
	const t0 = Date.now();
	try {
		const r = await fn();
		report.steps[name] = Object.assign({ ok: true }, r || {},
		    { ms: Date.now() - t0 });
	} catch (e) {
		report.steps[name] = { ok: false, ms: Date.now() - t0,
		    error: String(e && e.stack ? e.stack : e).slice(0, 1500) };
	}
	return report.steps[name];
}

// HTTP statuses the flows cause on purpose, which Chromium logs as
// console errors ("Failed to load resource"): the session check before
// sign-in (401), the APIs this build may lack (404: the nav hides them),
// and the steps that provoke an error.
function expectedHttp(e) {
	const u = e.url || '';
	if (e.status === 401 && /\/api\/v1\/users\/me$/.test(u))
		return true;
	if (e.status === 404 && /\/api\/v1\/(events|audit|proxy\/stats)\?/.test(u))
		return true;
	return (e.step === 'create_form_errors' && (e.status === 400 ||
	    e.status === 403)) || (e.step === 'forced_write' && e.status === 403) ||
	    (e.step === 'idle_session' && e.status === 401) ||
	    (e.step === 'login' && e.status === 401);
}

// What the browser logs on its own when a step drops the event stream on
// purpose: the network taken away (events_live).
function expectedJs(e) {
	return e.step === 'events_live' && /\/api\/v1\/events\/stream/.test(
	    e.url || '') && /ERR_INTERNET_DISCONNECTED/.test(e.text);
}

// A page of a context, with what it logs collected.
async function open(ctx, label) {
	const page = await ctx.newPage();
	const log = { js: [], http: [], dialogs: [] };
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const t = m.text();
		const loc = m.location() || {};
		const st = /^Failed to load resource: the server responded with a status of (\d+)/.exec(t);
		if (st)
			log.http.push({ status: Number(st[1]), url: loc.url || '',
			    step: stepName });
		else
			log.js.push({ text: t + (loc.url ? ' (' + loc.url + ')' : ''),
			    url: loc.url || '', step: stepName });
	});
	page.on('pageerror', (e) => log.js.push({ text: 'uncaught: ' +
	    e.message, step: stepName }));
	page.on('dialog', (d) => {
		log.dialogs.push(d.type() + ': ' + d.message());
		d.dismiss().catch(() => {});
	});
	page.on('requestfailed', (r) => {
		const f = r.failure();
		// a follow the page stops, or a poll cut by navigation
		if (f && !/ERR_ABORTED/.test(f.errorText))
			log.js.push({ text: 'request failed: ' + r.url() + ' ' +
			    f.errorText, url: r.url(), step: stepName });
	});
	await page.setViewport({ width: 1440, height: 900 });
	return { page, log, label, seen: { js: 0, http: 0 } };
}

// Waits until fn(...args) is truthy in the page.
function until(P, fn, args, ms) {
	return P.page.waitForFunction(fn, { timeout: ms || T, polling: 100 },
	    ...(args || []));
}

function h1(P) {
	return P.page.evaluate(() => {
		const e = document.querySelector('main h1');
		return e ? e.textContent : '';
	});
}

async function go(P, hash, heading) {
	await P.page.evaluate((x) => { location.hash = x; }, hash);
	if (heading)
		await until(P, (t) => {
			const e = document.querySelector('main h1');
			return e && e.textContent === t &&
			    !document.querySelector('main').textContent.includes(
				'Loading…');
		}, [heading]);
}

// Sets the named field of the page's form (the first form holding it).
function set(P, name, value, scope) {
	return P.page.evaluate((n, v, s) => {
		const root = s ? document.querySelector(s) : document;
		const el = root.querySelector('[name="' + n + '"]');
		if (!el)
			throw new Error('no field ' + n);
		if (el.type === 'checkbox')
			el.checked = !!v;
		else
			el.value = v;
		el.dispatchEvent(new Event('input', { bubbles: true }));
	}, name, value, scope || null);
}

// Clicks the visible element matching sel whose text is text.
function click(P, sel, text) {
	return P.page.evaluate((s, t) => {
		const el = [...document.querySelectorAll(s)].find((e) =>
		    (t === null || e.textContent.trim() === t) &&
		    e.checkVisibility());
		if (!el)
			throw new Error('nothing to click: ' + s + ' ' + t);
		el.click();
	}, sel, text === undefined ? null : text);
}

function mainText(P) {
	return P.page.evaluate(() => document.querySelector('main').innerText);
}

// axe-core in the page (evaluated through DevTools, so the page's CSP
// still holds for its own scripts): the serious and critical violations.
async function axe(P) {
	const have = await P.page.evaluate(() => typeof window.axe);
	if (have === 'undefined')
		await P.page.evaluate(AXE);
	return P.page.evaluate(async () => {
		const r = await window.axe.run(document, {
		    resultTypes: ['violations'] });
		return r.violations.filter((v) => v.impact === 'serious' ||
		    v.impact === 'critical').map((v) => ({ id: v.id,
		    impact: v.impact, help: v.help, nodes: v.nodes.length,
		    targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
}

// The checks every page gets: axe, both screenshots, and what the page
// logged since the last check (JS errors, unexpected HTTP errors,
// dialogs).
async function checkPage(P, name) {
	const out = { axe: null, shots: [] };
	try {
		out.axe = await axe(P);
	} catch (e) {
		out.axe_error = String(e);
	}
	for (const [w, hh] of [[375, 812], [1440, 900]]) {
		await P.page.setViewport({ width: w, height: hh });
		await sleep(150);
		const f = path.join(SHOTS, name + '-' + w + '.png');
		await P.page.screenshot({ path: f, fullPage: true });
		out.shots.push(path.relative(cfg.out, f));
		if (w === 375)
			out.overflow_375 = await P.page.evaluate(() =>
			    document.documentElement.scrollWidth >
			    document.documentElement.clientWidth);
	}
	await P.page.setViewport({ width: 1440, height: 900 });
	out.js = P.log.js.slice(P.seen.js).filter((e) => !expectedJs(e))
	    .map((e) => e.text);
	out.http = P.log.http.slice(P.seen.http).filter((e) => !expectedHttp(e));
	P.seen.js = P.log.js.length;
	P.seen.http = P.log.http.length;
	out.dialogs = P.log.dialogs.length;
	report.pages[name] = out;
	return out;
}

// fetch() with the admin key, from node (the engine's side of a change):
// the status.
async function adminApi(method, p, body) {
	return (await adminCall(method, p, body)).status;
}

// The same, with X-Event-Id (the last event the write appended) and the
// parsed body.
async function adminCall(method, p, body) {
	const hd = { 'X-API-Key': cfg.admin_key };
	if (body !== undefined)
		hd['Content-Type'] = 'application/json';
	const r = await fetch(cfg.base + '/api/v1' + p, { method, headers: hd,
	    body: body === undefined ? undefined : JSON.stringify(body) });
	let json = null;
	try {
		json = await r.json();
	} catch (e) {
		json = null;
	}
	return { status: r.status, eventId: Number(r.headers.get('X-Event-Id')) ||
	    null, json };
}

// The event of that id in the REST replay (of type), or null.
async function eventById(id, type) {
	const q = new URLSearchParams({ since: String(Number(id) - 1),
	    limit: '1' });
	if (type)
		q.set('type', type);
	const r = await adminCall('GET', '/events?' + q);
	const ev = r.json && r.json.events && r.json.events[0];
	return ev && Number(ev.id) === Number(id) ? ev : null;
}

// Counts the page's requests whose URL matches re (method GET) until the
// returned stop() is called, which gives the count and the URLs.
function countRequests(P, re) {
	const seen = [];
	const fn = (req) => {
		if (req.method() === 'GET' && re.test(req.url()))
			seen.push(req.url());
	};
	P.page.on('request', fn);
	return () => {
		P.page.off('request', fn);
		return seen;
	};
}

// Records every value <html data-live> takes from now on, in the page's
// window.ccModes (the mode that was is first).
function recordModes(P) {
	return P.page.evaluate(() => {
		const root = document.documentElement;
		window.ccModes = [root.dataset.live];
		if (window.ccModeObs)
			window.ccModeObs.disconnect();
		window.ccModeObs = new MutationObserver(() => {
			if (window.ccModes[window.ccModes.length - 1] !==
			    root.dataset.live)
				window.ccModes.push(root.dataset.live);
		});
		window.ccModeObs.observe(root, { attributes: true,
		    attributeFilter: ['data-live'] });
	});
}

function modes(P) {
	return P.page.evaluate(() => window.ccModes);
}

async function signIn(P, u, pw) {
	await until(P, () => !!document.querySelector('input[name=username]'));
	await set(P, 'username', u);
	await set(P, 'password', pw);
	await click(P, 'main form button[type=submit]');
}

function rowState(P, name) {
	return P.page.evaluate((n) => {
		for (const tr of document.querySelectorAll('main [data-ctr]')) {
			const a = tr.querySelector('a');
			if (a && a.textContent === n) {
				const b = tr.querySelector('.badge');
				return b ? b.textContent : '?';
			}
		}
		return null;
	}, name);
}

async function adminFlows(P) {
	const A = cfg.users.admin;
	const pg = P.page;

	await step('redirect', async () => {
		const r = await pg.goto(cfg.base + '/', { waitUntil: 'load' });
		const chain = r.request().redirectChain().map((q) => q.url());
		await until(P, () => !!document.querySelector('input[name=username]'));
		return { url: pg.url(), redirected: chain.length > 0,
		    csp: (r.headers()['content-security-policy'] || ''),
		    xfo: r.headers()['x-frame-options'] || '' };
	});
	await checkPage(P, 'login');

	await step('login', async () => {
		await signIn(P, A.username, A.password);
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Change your password';
		});
		return { heading: await h1(P) };
	});
	await checkPage(P, 'password');

	await step('change_password', async () => {
		await set(P, 'newPassword', A.newPassword);
		await set(P, 'again', A.newPassword);
		await click(P, 'main form button[type=submit]', 'Change password');
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Dashboard' &&
			    !document.getElementById('nav').hidden;
		});
		const me = await pg.evaluate(async () => (await (await fetch(
		    '/api/v1/users/me')).json()).user);
		await until(P, () => document.querySelector('main').innerText
		    .includes('healthy') && document.querySelectorAll(
			'main tbody tr').length > 1);
		// a marker a reload would lose
		await pg.evaluate(() => { window.ccNoReload = 'still here'; });
		// the APIs this stack has: the nav shows their pages
		await until(P, () => ['Proxy', 'Events', 'Audit'].every((t) =>
		    [...document.querySelectorAll('#navlist a')].some((a) =>
			a.textContent === t && a.checkVisibility())));
		return { must_change_password: me.must_change_password,
		    username: me.username, nav: true };
	});

	// the charts' points come from system_metric events (every second
	// in this stack): the newest point is the event it names
	await step('dashboard_metrics', async () => {
		await until(P, () => document.documentElement.dataset.live === 'sse');
		await recordModes(P);
		await until(P, () => {
			const f = document.querySelector('main figure.chart');
			return f && Number(f.dataset.points) >= 3 && f.dataset.event &&
			    document.querySelector('main').textContent.includes(
				'from system_metric events');
		}, [], 20000);
		const seen = await pg.evaluate(() => {
			const f = document.querySelector('main figure.chart');
			return { points: Number(f.dataset.points), event: f.dataset.event,
			    now: f.querySelector('.now').textContent,
			    label: f.querySelector('svg').getAttribute('aria-label') };
		});
		const ev = await eventById(seen.event, 'system_metric');
		return Object.assign(seen, { modes: await modes(P),
		    event_cpu: ev ? ev.data.cpu_usage.toFixed(1) + ' %' : null });
	});
	await checkPage(P, 'dashboard');

	await step('create_form_errors', async () => {
		await go(P, '#/containers/new', 'New container');
		await until(P, () => document.querySelectorAll(
		    '[name=endpoint] option').length > 0);
		await set(P, 'name', 'ui-bad');
		await set(P, 'image', 'localhost/busybox:test');
		await set(P, 'network_mode', 'none');
		await set(P, 'memory_limit', 'lots');
		await click(P, 'main form button[type=submit]');
		await until(P, () => {
			const e = document.querySelector('[name=memory_limit] + .field-error');
			return e && e.textContent.length > 0;
		});
		const bad = await pg.evaluate(() => ({
		    text: document.querySelector('[name=memory_limit] + .field-error')
			.textContent,
		    invalid: document.querySelector('[name=memory_limit]')
			.getAttribute('aria-invalid') }));
		await set(P, 'memory_limit', '');
		await set(P, 'privileged', true);
		await click(P, 'main form button[type=submit]');
		await until(P, () => {
			const e = document.querySelector('[name=privileged] + .field-error');
			return e && e.textContent.length > 0;
		});
		const priv = await pg.evaluate(() => document.querySelector(
		    '[name=privileged] + .field-error').textContent);
		await set(P, 'privileged', false);
		return { memory_limit: bad.text, aria_invalid: bad.invalid,
		    privileged: priv };
	});
	await checkPage(P, 'container-new');

	await step('create_container', async () => {
		await set(P, 'name', 'ui-c1');
		await set(P, 'command', 'sh -c \'i=0; while true; do echo line-$i; ' +
		    'i=$((i+1)); sleep 0.5; done\'');
		await set(P, 'labels', 'cc.test=1\nnote=' + XSS);
		await click(P, 'main form button[type=submit]');
		await until(P, () => location.hash === '#/containers');
		await until(P, () => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.textContent.includes('ui-c1') &&
			tr.textContent.includes('running')));
		const first = await rowState(P, 'ui-c1');
		// the create's own events (which re-read the list) have come,
		// and the list is shown again after them: none is pending
		const made = await adminCall('GET', '/events?container=ui-c1&limit=50');
		const madeLast = Math.max(0, ...((made.json && made.json.events) ||
		    []).map((e) => Number(e.id)));
		await until(P, (n) => Number(document.documentElement.dataset
		    .liveSeen) >= n, [madeLast], 20000);
		await go(P, '#/', 'Dashboard');
		await go(P, '#/containers', 'Containers');
		await until(P, () => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.textContent.includes('ui-c1') &&
			tr.textContent.includes('running')));
		// the engine's side: stopped and started behind the page's
		// back; the row follows from the container_events alone: no
		// list read, no reload, the stream up all along
		await until(P, () => document.documentElement.dataset.live === 'sse');
		await recordModes(P);
		const lists = countRequests(P, /\/api\/v1\/containers\?/);
		const rowEvent = () => pg.evaluate(() => {
			for (const tr of document.querySelectorAll('main [data-ctr]'))
				if (tr.querySelector('a').textContent === 'ui-c1')
					return tr.dataset.event || null;
			return null;
		});
		const stop = await adminCall('POST', '/containers/ui-c1/stop?timeout=1');
		const t0 = Date.now();
		await until(P, () => {
			for (const tr of document.querySelectorAll('main [data-ctr]'))
				if (tr.textContent.includes('ui-c1'))
					return !tr.textContent.includes('running');
			return false;
		}, [], 20000);
		const stoppedSeen = Date.now() - t0;
		const stopped = await rowState(P, 'ui-c1');
		const stoppedEv = await rowEvent();
		const start = await adminCall('POST', '/containers/ui-c1/start');
		const t1 = Date.now();
		await until(P, () => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.textContent.includes('ui-c1') &&
			tr.textContent.includes('running')), [], 20000);
		const runningSeen = Date.now() - t1;
		const runningEv = await rowEvent();
		const listed = lists();
		const evOf = async (id) => {
			const e = id ? await eventById(id, 'container_event') : null;
			return e ? { id: e.id, event: e.data.event,
			    name: e.data.container_name || '' } : null;
		};
		const other = await pg.evaluate((n) => document.querySelector('main')
		    .textContent.includes(n), cfg.containers.other);
		return { first, stop_status: stop.status, stop_event: stop.eventId,
		    stopped, stopped_seen_ms: stoppedSeen,
		    stopped_by: await evOf(stoppedEv), start_status: start.status,
		    start_event: start.eventId, running_seen_ms: runningSeen,
		    running_by: await evOf(runningEv), list_reads: listed.length,
		    list_urls: listed, modes: await modes(P),
		    no_reload: await pg.evaluate(() => window.ccNoReload ===
			'still here'), live: await pg.evaluate(() =>
			document.documentElement.dataset.live),
		    admin_sees_other: other };
	});
	await checkPage(P, 'containers');

	await step('container_detail', async () => {
		await click(P, 'main [data-ctr] a', 'ui-c1');
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'ui-c1' &&
			    document.querySelector('main dl.kv');
		});
		const label = await pg.evaluate(() => {
			const dts = [...document.querySelectorAll('main dl.kv dt')];
			const dt = dts.find((d) => d.textContent === 'Labels');
			return dt ? dt.nextElementSibling.textContent : null;
		});
		return { label_text: label, imgs: await pg.evaluate(() =>
		    document.querySelectorAll('img').length) };
	});
	await sleep(1200);
	await checkPage(P, 'container');

	await step('logs_follow', async () => {
		await click(P, 'main button', 'Follow');
		const n = () => pg.evaluate(() => {
			const t = document.querySelector('pre[aria-label="Container logs"]')
			    .textContent;
			const m = t.match(/line-(\d+)/g) || [];
			return m.length ? Number(m[m.length - 1].slice(5)) : -1;
		});
		await until(P, () => /line-\d+/.test(document.querySelector(
		    'pre[aria-label="Container logs"]').textContent));
		const a = await n();
		await sleep(2500);
		const b = await n();
		await click(P, 'main button', 'Stop following');
		return { first_line: a, later_line: b };
	});

	await step('exec', async () => {
		await set(P, 'command', 'sh -c \'echo exec-ok; exit 3\'');
		await click(P, 'main form button[type=submit]', 'Run');
		await until(P, () => document.querySelector('.exec-out'));
		return pg.evaluate(() => ({
		    exit: document.querySelector('.exit').textContent,
		    output: document.querySelector('.exec-out').textContent }));
	});

	await step('add_file', async () => {
		await set(P, 'dest_path', '/tmp/ui-file.txt');
		await set(P, 'content', 'file-from-the-console');
		await click(P, 'main form button[type=submit]', 'Add file');
		await until(P, () => document.querySelector('main').textContent
		    .includes('Wrote /tmp/ui-file.txt'));
		await set(P, 'command', 'cat /tmp/ui-file.txt');
		await click(P, 'main form button[type=submit]', 'Run');
		await until(P, () => document.querySelector('.exec-out') &&
		    document.querySelector('.exec-out').textContent.includes(
			'file-from-the-console'));
		return { read_back: true };
	});

	await step('add_user', async () => {
		await set(P, 'username', 'uiuser');
		await set(P, 'password', 'user-pass-123');
		await click(P, 'main form button[type=submit]', 'Add user');
		await until(P, () => document.querySelector('main').textContent
		    .includes('User uiuser created.') || document.querySelector(
			'main section .error'), [], 30000);
		return { created: await pg.evaluate(() => document.querySelector(
		    'main').textContent.includes('User uiuser created.')) };
	});

	await step('remove', async () => {
		await click(P, 'main .spread button', 'Remove');
		await until(P, () => document.querySelector('dialog.confirm[open]'));
		const q = await pg.evaluate(() => document.querySelector(
		    'dialog.confirm p').textContent);
		await click(P, 'dialog.confirm button', 'Remove');
		await until(P, () => location.hash === '#/containers');
		await until(P, () => document.querySelector('main .dtable, main .empty') &&
		    ![...document.querySelectorAll('main [data-ctr] a')].some((a) =>
			a.textContent === 'ui-c1'), [], 20000);
		return { question: q, api_status: await adminApi('GET',
		    '/containers/ui-c1') };
	});

	await step('job', async () => {
		await go(P, '#/jobs/new', 'Submit a job');
		await set(P, 'name', 'ui-job');
		await set(P, 'image', 'localhost/busybox:test');
		await set(P, 'command', 'sh -c \'mkdir -p /out; for i in 10 30 50 70 90; ' +
		    'do echo PROGRESS $i; sleep 0.7; done; echo job-output > ' +
		    '/out/result.txt\'');
		await set(P, 'output_patterns', '/out/*.txt');
		await click(P, 'main form button[type=submit]', 'Submit');
		await until(P, () => /^#\/jobs\/job_/.test(location.hash));
		await recordModes(P);
		// every state the bar takes, with the event that set it (its
		// data-event), and the page's reads of the job meanwhile
		await pg.evaluate(() => {
			window.ccProg = [];
			window.ccMarks = [];
			window.ccReads = [];
			const id = location.hash.slice(7);
			const note = () => {
				const p = document.querySelector('.jobprog progress');
				if (!p)
					return;
				const box = document.querySelector('.jobprog');
				const last = window.ccMarks[window.ccMarks.length - 1];
				const m = { v: p.value, ev: box.dataset.event || null,
				    t: performance.now() };
				if (!last || last.v !== m.v || last.ev !== m.ev)
					window.ccMarks.push(m);
				if (window.ccProg[window.ccProg.length - 1] !== p.value)
					window.ccProg.push(p.value);
			};
			window.ccProgObs = new MutationObserver(note);
			window.ccProgObs.observe(document.querySelector('main'), {
			    subtree: true, childList: true, attributes: true });
			window.ccResObs = new PerformanceObserver((l) => {
				for (const e of l.getEntries())
					if (new URL(e.name).pathname === '/api/v1/jobs/' + id)
						window.ccReads.push(e.startTime);
			});
			window.ccResObs.observe({ type: 'resource' });
			note();
		});
		await until(P, () => {
			const p = document.querySelector('.jobprog progress');
			const b = document.querySelector('.jobprog .badge');
			return p && p.value === 100 && b && b.textContent ===
			    'completed' && document.querySelector('a[data-output]');
		}, [], 45000);
		const seen = await pg.evaluate(() => {
			window.ccProgObs.disconnect();
			window.ccResObs.disconnect();
			return { prog: window.ccProg, marks: window.ccMarks,
			    reads: window.ccReads };
		});
		// each value the bar showed between 0 and 100, and the 100: did
		// an event set it (data-event naming a job_status of this job
		// with that progress)?
		const id = await pg.evaluate(() => location.hash.slice(7));
		const shown = [...new Set(seen.marks.map((m) => m.v).filter((v) =>
		    v > 0))];
		const byEvent = {};
		for (const v of shown) {
			const m = seen.marks.find((x) => x.v === v && x.ev);
			const ev = m ? await eventById(m.ev, 'job_status') : null;
			byEvent[v] = !!(ev && ev.data.job_id === id &&
			    Number(ev.data.progress) === v);
		}
		const first = seen.marks.find((m) => m.v > 0 && m.v < 100);
		const full = seen.marks.find((m) => m.v === 100);
		return { id, progress_seen: seen.prog, by_event: byEvent,
		    values: shown.length, reads_while_moving: first && full ?
			seen.reads.filter((t) => t > first.t && t < full.t).length :
			-1, modes: await modes(P),
		    bar: await pg.evaluate(() =>
			document.querySelector('.jobprog .pct').textContent) };
	});
	await checkPage(P, 'job');

	await step('download_output', async () => {
		const cdp = await browser.target().createCDPSession();
		await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow',
		    downloadPath: DL, eventsEnabled: true });
		const f = path.join(DL, 'result.txt');
		try {
			fs.unlinkSync(f);
		} catch (e) {
			// not there yet
		}
		await click(P, 'a[data-output="result.txt"]');
		for (let i = 0; i < 100 && !fs.existsSync(f); i++)
			await sleep(100);
		await sleep(200);
		return { content: fs.existsSync(f) ? fs.readFileSync(f, 'utf8') :
		    null };
	});

	await step('job_logs', async () => {
		await click(P, 'main button', 'Show logs');
		await until(P, () => document.querySelector(
		    'pre[aria-label="Job logs"]').textContent.includes('PROGRESS 90'));
		return { ok_text: true };
	});

	await go(P, '#/jobs', 'Jobs');
	await until(P, () => document.querySelector('main tbody progress'));
	await checkPage(P, 'jobs');
	await go(P, '#/jobs/new', 'Submit a job');
	await checkPage(P, 'job-new');
	await eventsLive(P);

	await step('upload', async () => {
		await go(P, '#/files', 'Files');
		const big = path.join(cfg.out, 'upload-20m.bin');
		fs.writeFileSync(big, Buffer.alloc(20 * 1024 * 1024, 0x61));
		const cdp = await pg.createCDPSession();
		await cdp.send('Network.enable');
		// 20 MiB at 16 MiB/s: long enough to watch on loopback
		await cdp.send('Network.emulateNetworkConditions', { offline: false,
		    latency: 0, downloadThroughput: -1,
		    uploadThroughput: 16 * 1024 * 1024 });
		const input = await pg.$('input[type=file]');
		await input.uploadFile(big);
		await set(P, 'path', '/ui/upload-20m.bin');
		await pg.evaluate(() => {
			window.ccUp = [];
			window.ccUpT = setInterval(() => {
				const p = document.querySelector('.upload-progress progress');
				if (p && window.ccUp[window.ccUp.length - 1] !== p.value)
					window.ccUp.push(p.value);
			}, 20);
		});
		const t0 = Date.now();
		await click(P, 'main form button[type=submit]', 'Upload');
		await until(P, () => {
			const e = document.querySelector('.upload-progress .hint');
			return (e && e.textContent.includes('stored as')) ||
			    document.querySelector('main section .error');
		}, [], 90000);
		const ms = Date.now() - t0;
		await cdp.send('Network.emulateNetworkConditions', { offline: false,
		    latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
		const seen = await pg.evaluate(() => {
			clearInterval(window.ccUpT);
			return window.ccUp;
		});
		const stored = await pg.evaluate(() => document.querySelector(
		    '.upload-progress .hint').textContent);
		return { ms, progress_seen: seen.map((v) => Math.round(v)),
		    stored, api_size: await (async () => {
			const r = await fetch(cfg.base +
			    '/api/v1/files/info/ui/upload-20m.bin', { headers:
				{ 'X-API-Key': cfg.admin_key } });
			return r.ok ? (await r.json()).file.size : r.status;
		    })() };
	});

	await step('xss_file', async () => {
		const f = path.join(cfg.out, 'markup.txt');
		fs.writeFileSync(f, 'markup\n');
		const input = await pg.$('input[type=file]');
		await input.uploadFile(f);
		await set(P, 'path', '/ui/' + XSS + '.txt');
		await click(P, 'main form button[type=submit]', 'Upload');
		await until(P, () => {
			const e = document.querySelector('.upload-progress .hint');
			return e && e.textContent.includes('stored as /ui/<img');
		});
		await click(P, 'main a.folder', 'ui/');
		await until(P, () => [...document.querySelectorAll('main td.mono')]
		    .some((td) => td.textContent === 'upload-20m.bin'));
		return pg.evaluate((x) => ({
		    cell: [...document.querySelectorAll('main td.mono')].map((td) =>
			td.textContent).find((t) => t.startsWith('<img')) || null,
		    shown_as_text: [...document.querySelectorAll('main td.mono')]
			.some((td) => td.textContent === x + '.txt'),
		    imgs: document.querySelectorAll('img').length }), XSS);
	});

	await step('file_info', async () => {
		await click(P, 'main button[aria-label="Info on /ui/upload-20m.bin"]');
		await until(P, () => [...document.querySelectorAll('main h2')].some(
		    (e) => e.textContent === 'File info'));
		return { has_size: await pg.evaluate(() => document.querySelector(
		    'main').textContent.includes('20971520')) };
	});
	await checkPage(P, 'files');

	await step('key_once', async () => {
		await go(P, '#/keys', 'My API keys');
		await set(P, 'name', 'ui-key');
		await set(P, 'scope', 'read');
		await click(P, 'main form button[type=submit]', 'Create key');
		await until(P, () => document.getElementById('new-key'));
		const key = await pg.evaluate(() => document.getElementById(
		    'new-key').textContent);
		madeKey = key;
		const works = (await fetch(cfg.base + '/api/v1/users/me', {
		    headers: { 'X-API-Key': key } })).status;
		await go(P, '#/', 'Dashboard');
		await go(P, '#/keys', 'My API keys');
		await until(P, () => document.querySelector('main tbody'));
		const again = await pg.evaluate((k) => ({
		    box: !!document.getElementById('new-key'),
		    anywhere: document.documentElement.outerHTML.includes(k),
		    storage: JSON.stringify(localStorage).includes(k) ||
			JSON.stringify(sessionStorage).includes(k) }), key);
		const prefix = key.split('_')[1];
		await click(P, 'main button[aria-label="Revoke key ' + prefix + '"]');
		await until(P, () => document.querySelector('dialog.confirm[open]'));
		await click(P, 'dialog.confirm button', 'Revoke');
		await until(P, (p) => !document.querySelector(
		    'main button[aria-label="Revoke key ' + p + '"]'), [prefix]);
		const after = (await fetch(cfg.base + '/api/v1/users/me', {
		    headers: { 'X-API-Key': key } })).status;
		return { looks_like_key: /^cc_[0-9a-f]+_/.test(key), works,
		    shown_again: again.box, in_page_again: again.anywhere,
		    in_storage: again.storage, after_revoke: after };
	});
	await checkPage(P, 'keys');

	for (const [hash, heading, name] of [['#/users', 'Users', 'users'],
	    ['#/lxc', 'LXC', 'lxc'], ['#/pods', 'Pods', 'pods']]) {
		await go(P, hash, heading);
		await sleep(500);
		await checkPage(P, name);
	}
	await auditPage(P);
	await proxyPage(P);

	await step('xss_container_name', async () => {
		const rows = [];
		for (let i = 0; i < 1000; i++)
			rows.push({ id: (i + 1).toString(16).padStart(64, '0'),
			    name: i === 0 ? XSS : 'c-' + String(i).padStart(4, '0'),
			    image: i === 0 ? XSS : 'localhost/busybox:test',
			    status: i % 3 ? 'running' : 'exited',
			    state: i % 3 ? 'running' : 'exited',
			    created_at: '2026-01-01T00:00:00Z', ports: [],
			    labels: { 'cc.owner': 'x' }, owner: 'x',
			    endpoint: i % 2 ? 'local' : 'other', runtime: 'docker' });
		const body = JSON.stringify({ success: true, containers: rows,
		    total: 1000, limit: 1000, offset: 0, endpoint_errors: [],
		    request_id: 'req_mocked' });
		await pg.setRequestInterception(true);
		const handler = (req) => {
			if (/\/api\/v1\/containers\?/.test(req.url()) &&
			    req.method() === 'GET')
				req.respond({ status: 200, contentType:
				    'application/json', body });
			else
				req.continue();
		};
		pg.on('request', handler);
		try {
			await go(P, '#/', 'Dashboard');
			await pg.evaluate(() => performance.clearMarks());
			await go(P, '#/containers', 'Containers');
			await until(P, () => document.querySelectorAll(
			    'main [data-ctr]').length === 1000 && performance
			    .getEntriesByName('containers:painted').length > 0);
			const r = await pg.evaluate((x) => {
				const d = performance.getEntriesByName('containers:data')[0];
				const p = performance.getEntriesByName(
				    'containers:painted').find((e) => e.startTime >=
					d.startTime);
				const a = document.querySelector('main [data-ctr] a');
				return { render_ms: Math.round(p.startTime - d.startTime),
				    first_name: a.textContent, as_text: a.textContent === x,
				    imgs: document.querySelectorAll('img').length,
				    rows: document.querySelectorAll('main [data-ctr]').length };
			}, XSS);
			await sleep(300);
			return Object.assign(r, { dialogs: P.log.dialogs.length });
		} finally {
			pg.off('request', handler);
			await pg.setRequestInterception(false);
		}
	});

	await step('idle_session', async () => {
		// (a page that reads nothing by itself while the stream is up)
		await go(P, '#/keys', 'My API keys');
		// the server forgets the session as an idle timeout would
		// (the cookie goes); the live stream stays up (it was
		// authorized when it opened), so the page finds out at its next
		// request: the user goes to the jobs
		await pg.deleteCookie({ name: 'session', url: cfg.base });
		await click(P, '#navlist a', 'Jobs');
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Sign in';
		}, [], 20000);
		const msg = await mainText(P);
		await signIn(P, A.username, A.newPassword);
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Jobs';
		});
		return { message: msg.includes('Your session has ended'),
		    back_to: await pg.evaluate(() => location.hash) };
	});

	await step('logout', async () => {
		await click(P, '#logout');
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Sign in';
		});
		const me = await pg.evaluate(async () => (await fetch(
		    '/api/v1/users/me')).status);
		return { me_after: me, message: (await mainText(P)).includes(
		    'You are signed out.') };
	});
	report.admin_dialogs = P.log.dialogs;
}

// The rows of the events page: [{id, type, data}] as shown.
function eventRows(P) {
	return P.page.evaluate(() => [...document.querySelectorAll(
	    'main tbody tr')].map((tr) => ({ id: Number(tr.dataset.id),
	    type: tr.children[1].textContent, data: tr.children[4].textContent })));
}

// The events page on the real stream: filters, events as they come, and
// a stream dropped (the network gone) while events happen: once back, the
// page resumes from the last id it saw and lists each of them once.
async function eventsLive(P) {
	const pg = P.page;
	const C = 'ui-ev';
	await step('events_live', async () => {
		const made = await adminCall('POST', '/containers', { name: C,
		    image: 'localhost/busybox:test', command: ['sleep', '600'],
		    network_mode: 'none', labels: { 'cc.test': '1' } });
		if (made.status !== 201)
			throw new Error('container ' + C + ': ' + made.status);
		await go(P, '#/events', 'Events');
		await set(P, 'type', 'container_event');
		await set(P, 'container', C);
		await click(P, 'main form button[type=submit]', 'Filter');
		await until(P, () => document.querySelector('main tbody tr'));
		await until(P, () => document.documentElement.dataset.live === 'sse');
		await recordModes(P);
		const relists = countRequests(P, /\/api\/v1\/events\?.*limit=100/);
		// one as it happens
		const s1 = await adminCall('POST', '/containers/' + C + '/stop?timeout=1');
		await until(P, (id) => [...document.querySelectorAll('main tbody tr')]
		    .some((tr) => Number(tr.dataset.id) === id), [s1.eventId], 20000);
		// the network goes; three happen; it comes back
		await pg.setOfflineMode(true);
		await until(P, () => document.documentElement.dataset.live ===
		    'offline');
		const missed = [];
		for (const a of ['start', 'stop?timeout=1', 'start']) {
			const r = await adminCall('POST', '/containers/' + C + '/' + a);
			missed.push(r.eventId);
		}
		const before = await eventRows(P);
		await pg.setOfflineMode(false);
		await until(P, (ids) => ids.every((id) => [...document
		    .querySelectorAll('main tbody tr')].some((tr) =>
			Number(tr.dataset.id) === id)), [missed], 20000);
		// what the log holds for this filter: all of it shown (the
		// engine may add its own later: what is shown is in the log)
		const replay = async () => {
			const r = await adminCall('GET', '/events?type=container_event&' +
			    'container=' + C + '&limit=100');
			return ((r.json && r.json.events) || []).map((e) =>
			    Number(e.id));
		};
		const want = await replay();
		await until(P, (w) => w.every((id) => [...document.querySelectorAll(
		    'main tbody tr')].some((tr) => Number(tr.dataset.id) === id)),
		    [want], 20000);
		const rows = await eventRows(P);
		const ids = rows.map((r) => r.id);
		const logged = await replay();
		const urls = relists();
		return { live_one: s1.eventId, missed, shown_offline: before.filter(
		    (r) => missed.includes(r.id)).length, ids, want,
		    as_logged: want.every((id) => ids.includes(id)) &&
			ids.every((id) => logged.includes(id)),
		    unique: new Set(ids).size === ids.length,
		    newest_first: ids.every((v, i) => i === 0 || ids[i - 1] > v),
		    only_filtered: rows.every((r) => r.type === 'container_event' &&
			r.data.includes(C)), relists: urls.length,
		    modes: await modes(P), live: await pg.evaluate(() =>
			document.documentElement.dataset.live) };
	});
	await step('events_markup', async () => {
		// a create the API refuses still has its LXC Tools events, with
		// the name it was given: markup, shown as text
		await set(P, 'type', 'container_create_start,container_create_error');
		await set(P, 'container', '');
		await click(P, 'main form button[type=submit]', 'Filter');
		await until(P, () => document.querySelector('main tbody, main .empty'));
		const bad = await adminCall('POST', '/containers', { name: XSS,
		    image: 'localhost/busybox:test' });
		await until(P, (x) => [...document.querySelectorAll('main tbody tr')]
		    .filter((tr) => tr.textContent.includes('container=' + x))
		    .length >= 2, [XSS], 20000);
		await sleep(300);
		return pg.evaluate((x, st) => ({ status: st,
		    as_text: [...document.querySelectorAll('main tbody tr')].some(
			(tr) => tr.children[1].textContent === 'container_create_error' &&
			tr.textContent.includes('container=' + x)),
		    imgs: document.querySelectorAll('img').length }), XSS,
		    bad.status);
	});
	await checkPage(P, 'events');
}

// The audit log of this run's writes: who, what and how it ended, paged
// newest first (Older, Newer), and no secret anywhere in it.
async function auditPage(P) {
	const pg = P.page;
	const A = cfg.users.admin;
	const rowsOf = () => pg.evaluate(() => [...document.querySelectorAll(
	    'main tbody tr')].map((tr) => ({ id: Number(tr.dataset.id),
	    c: [...tr.children].map((td) => td.textContent) })));
	const text = () => pg.evaluate(() => document.querySelector('main')
	    .textContent);
	const first = () => pg.evaluate(() => {
		const tr = document.querySelector('main tbody tr');
		return tr ? Number(tr.dataset.id) : 0;
	});
	await step('audit', async () => {
		const texts = [];
		await go(P, '#/audit', 'Audit log');
		await until(P, () => document.querySelector('main tbody'));
		texts.push(await text());
		await set(P, 'actor', A.username);
		await set(P, 'limit', '10');
		await click(P, 'main form button[type=submit]', 'Filter');
		await until(P, (n) => {
			const trs = [...document.querySelectorAll('main tbody tr')];
			return trs.length && trs.every((tr) => tr.children[1]
			    .textContent === n);
		}, [A.username]);
		const pages = [await rowsOf()];
		texts.push(await text());
		// older pages to the end (bounded)
		let atEmpty = false;
		for (let i = 0; i < 10; i++) {
			const more = await pg.evaluate(() => {
				const b = [...document.querySelectorAll('main nav.pager button')]
				    .find((x) => x.textContent === 'Older');
				return b && !b.disabled;
			});
			if (!more)
				break;
			const top = await first();
			await click(P, 'main nav.pager button', 'Older');
			await until(P, (t) => {
				const tr = document.querySelector('main tbody tr, main .empty');
				return tr && (!tr.dataset || Number(tr.dataset.id) !== t);
			}, [top]);
			const rows = await rowsOf();
			if (!rows.length) {
				atEmpty = true;
				break;
			}
			pages.push(rows);
			texts.push(await text());
		}
		const prev = pages[pages.length - (atEmpty ? 1 : 2)];
		let newer = [];
		if (prev) {
			const top = await first();
			await click(P, 'main nav.pager button', 'Newer');
			await until(P, (t) => {
				const tr = document.querySelector('main tbody tr');
				return tr && Number(tr.dataset.id) !== t;
			}, [top]);
			newer = await rowsOf();
		}
		const all = pages.flat();
		const ids = all.map((r) => r.id);
		const has = (method, re, status) => all.some((r) => r.c[3]
		    .startsWith(method + ' ') && re.test(r.c[3]) && r.c[5]
		    .split(' ')[0] === String(status));
		const secrets = [madeKey, madeKey && madeKey.split('_').slice(2)
		    .join('_'), cfg.admin_key, A.password, A.newPassword,
		    'user-pass-123', cfg.users.op.password, cfg.users.viewer.password]
		    .filter(Boolean);
		const leaked = secrets.filter((x) => texts.some((t) =>
		    t.includes(x))).map((x) => x.slice(0, 6) + '…');
		return { pages: pages.map((p) => p.length), rows: all.length,
		    actor_only: all.every((r) => r.c[1] === A.username),
		    via_session: all.every((r) => r.c[2].trim() === 'session'),
		    paged: pages.every((p, i) => i === 0 || Math.max(...p.map((r) =>
			r.id)) < Math.min(...pages[i - 1].map((r) => r.id))) &&
			new Set(ids).size === ids.length,
		    newer_is_previous: !!prev && JSON.stringify(newer.map(
			(r) => r.id)) === JSON.stringify(prev.map((r) => r.id)),
		    create_201: has('POST', /^POST \/containers$/, 201),
		    create_400: has('POST', /^POST \/containers$/, 400),
		    create_403: has('POST', /^POST \/containers$/, 403),
		    key_201: has('POST', /\/keys$/, 201),
		    revoke_200: has('DELETE', /\/keys\/\{prefix\}$/, 200),
		    request_ids: all.every((r) => /^req_/.test(r.c[6])),
		    leaked };
	});
	await checkPage(P, 'audit');
}

// Waits in node until fn() resolves truthy (at most ms).
async function untilNode(fn, ms) {
	const end = Date.now() + (ms || T);
	for (;;) {
		const v = await fn();
		if (v || Date.now() > end)
			return v;
		await sleep(200);
	}
}

// The proxy page on the real proxy: an upstream of two loopback
// backends (tests/e2e/proxy_backend.py, this script's children) and a
// route made through the API, their health, the stats, one backend
// killed (its proxy_health event reaches the page), and a rollback made
// from the page's history.
async function proxyPage(P) {
	const pg = P.page;
	const X = cfg.proxy;
	if (!X)
		return;
	const key = (port) => 'ui-web 127.0.0.1:' + port;
	const health = (k) => pg.evaluate((kk) => {
		const el = [...document.querySelectorAll('main [data-server]')]
		    .find((x) => x.dataset.server === kk);
		return el ? { status: el.querySelector('.badge').textContent,
		    event: el.dataset.event || null } : null;
	}, k);
	await step('proxy', async () => {
		const { spawn } = require('child_process');
		const bes = X.ports.map((port) => {
			const c = spawn('python3', [X.backend, String(port)],
			    { stdio: 'ignore' });
			children.push(c);
			return c;
		});
		for (const port of X.ports)
			await untilNode(async () => {
				try {
					return (await fetch('http://127.0.0.1:' + port +
					    '/')).ok;
				} catch (e) {
					return false;
				}
			});
		const up = await adminCall('POST', '/proxy/upstreams', {
		    name: 'ui-web', strategy: 'round_robin', health_check: {
			enabled: true, path: '/', interval: '1s', timeout: '1s',
			healthy_threshold: 1, unhealthy_threshold: 1 },
		    servers: X.ports.map((p) => ({ address: '127.0.0.1:' + p })) });
		const rt = await adminCall('POST', '/proxy/routes', { id: 'ui-app',
		    path: '/ui-app/*', upstream: 'ui-web',
		    middleware: ['strip_prefix'] });
		if (up.status !== 201 || rt.status !== 201)
			throw new Error('proxy writes: ' + up.status + ' ' + rt.status +
			    ' ' + JSON.stringify(up.json) + JSON.stringify(rt.json));
		let served = 0;
		for (let i = 0; i < 20; i++)
			served += (await fetch(cfg.base + '/ui-app/x' + i)).status ===
			    200 ? 1 : 0;
		// the proxy process has read its access log and checked both
		const ready = await untilNode(async () => {
			const st = (await adminCall('GET', '/proxy/stats')).json;
			const u = st && st.stats && st.stats.upstreams &&
			    st.stats.upstreams['ui-web'];
			return st.stats.requests_total >= served && u &&
			    u.servers.every((x) => x.status === 'healthy');
		}, 30000);
		await go(P, '#/proxy', 'Proxy');
		await until(P, () => document.querySelector('main [data-server]') &&
		    document.querySelector('main tr[data-generation]'));
		const shown = await pg.evaluate(() => {
			const dl = [...document.querySelectorAll('main dl.kv dt')];
			const v = (k) => {
				const dt = dl.find((d) => d.textContent === k);
				return dt ? dt.nextElementSibling.textContent : null;
			};
			const t = document.querySelector('main').textContent;
			return { requests: Number(v('Requests')), p50: v('p50'),
			    p99: v('p99'), route: t.includes('/ui-app/*'),
			    upstream: t.includes('ui-web'),
			    generations: document.querySelectorAll(
				'main tr[data-generation]').length };
		});
		const before = [await health(key(X.ports[0])),
		    await health(key(X.ports[1]))];
		// the second backend goes: its check fails, the flip is a
		// proxy_health event, which the page shows as it comes
		await until(P, () => document.documentElement.dataset.live === 'sse',
		    [], 20000);
		bes[1].kill('SIGTERM');
		await until(P, (k) => {
			const el = [...document.querySelectorAll('main [data-server]')]
			    .find((x) => x.dataset.server === k);
			return el && el.dataset.event && el.querySelector('.badge')
			    .textContent === 'unhealthy';
		}, [key(X.ports[1])], 30000);
		const after = await health(key(X.ports[1]));
		const hev = await eventById(after.event, 'proxy_health');
		// roll back to the generation before the route
		const g = up.json.generation;
		await click(P, 'main button[aria-label="Roll back to generation ' +
		    g + '"]');
		await until(P, () => document.querySelector('dialog.confirm[open]'));
		await click(P, 'dialog.confirm button', 'Roll back');
		await until(P, () => !document.querySelector('main').textContent
		    .includes('/ui-app/*') && document.querySelector(
			'main tr[data-generation] .b-live'), [], 30000);
		const liveGen = await pg.evaluate(() => Number(document.querySelector(
		    'main tr[data-generation]').dataset.generation));
		const routes = (await adminCall('GET', '/proxy/routes')).json;
		const hist = (await adminCall('GET', '/proxy/config/history')).json;
		const newest = hist && hist.generations && hist.generations[0];
		return { upstream_status: up.status, route_status: rt.status,
		    generation_upstream: g, generation_route: rt.json.generation,
		    served, ready: !!ready, shown, before, after,
		    event: hev ? hev.data : null, live_generation: liveGen,
		    newest: newest ? { generation: newest.generation,
			status: newest.status, reason: newest.reason } : null,
		    routes_after: routes && routes.routes ? routes.routes.length :
			-1 };
	});
	await checkPage(P, 'proxy');
}

async function viewerFlows(P) {
	const V = cfg.users.viewer;
	await step('viewer_login', async () => {
		await P.page.goto(cfg.base + '/ui/', { waitUntil: 'load' });
		await signIn(P, V.username, V.password);
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Dashboard';
		});
		return {};
	});
	await step('viewer_no_writes', async () => {
		const out = {};
		for (const [hash, heading] of [['#/containers', 'Containers'],
		    ['#/containers/new', 'New container'], ['#/jobs', 'Jobs'],
		    ['#/jobs/new', 'Submit a job'], ['#/files', 'Files'],
		    ['#/pods', 'Pods'], ['#/lxc', 'LXC']]) {
			await go(P, hash, heading);
			await sleep(400);
			out[hash] = await P.page.evaluate(() => ({
			    visible: [...document.querySelectorAll('[data-write]')]
				.filter((e) => e.checkVisibility()).map((e) =>
				    e.textContent),
			    hidden: document.querySelectorAll('[data-write]').length }));
		}
		return { pages: out, visible_total: Object.values(out).reduce(
		    (n, p) => n + p.visible.length, 0) };
	});
	await checkPage(P, 'viewer-jobs');
	await step('forced_write', async () => {
		await go(P, '#/containers/new', 'New container');
		await until(P, () => document.querySelectorAll(
		    '[name=endpoint] option').length > 0);
		await set(P, 'name', 'ui-viewer');
		await set(P, 'image', 'localhost/busybox:test');
		await set(P, 'network_mode', 'none');
		await P.page.evaluate(() => {
			document.querySelector('main form button[type=submit]')
			    .hidden = false;
		});
		await click(P, 'main form button[type=submit]');
		await until(P, () => document.querySelector('main .error, main .field-error'));
		return P.page.evaluate(() => {
			const e = document.querySelector('main .error, main .field-error');
			return { text: e.textContent };
		});
	});
	await checkPage(P, 'viewer-forced-write');
}

async function operatorFlows(P) {
	const O = cfg.users.op;
	await step('operator_list', async () => {
		await P.page.goto(cfg.base + '/ui/#/containers', { waitUntil: 'load' });
		await signIn(P, O.username, O.password);
		await until(P, () => {
			const e = document.querySelector('main h1');
			return e && e.textContent === 'Containers' &&
			    document.querySelector('main .dtable, main .empty');
		});
		await until(P, (n) => document.querySelector('main').textContent
		    .includes(n), [cfg.containers.own]);
		return P.page.evaluate((own, other) => ({
		    own: document.querySelector('main').textContent.includes(own),
		    other: document.querySelector('main').textContent.includes(other),
		}), cfg.containers.own, cfg.containers.other);
	});
}

async function apacheFlows(P) {
	const O = cfg.users.op;
	await step('apache', async () => {
		const r = await P.page.goto(cfg.apache + '/', { waitUntil: 'load' });
		await signIn(P, O.username, O.password);
		await until(P, () => document.querySelector('main').innerText
		    .includes('healthy'));
		// Apache has no nchan: the app serves the stream itself
		await until(P, () => document.documentElement.dataset.live ===
		    'sse', [], 20000);
		return { url: P.page.url(), csp: r.headers()[
		    'content-security-policy'] || '', live: 'sse' };
	});
	await checkPage(P, 'apache-dashboard');
	await step('apache_live', async () => {
		const own = cfg.containers.own;
		await go(P, '#/containers', 'Containers');
		await until(P, (n) => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.querySelector('a').textContent === n &&
			tr.textContent.includes('running')), [own]);
		await recordModes(P);
		const lists = countRequests(P, /\/api\/v1\/containers\?/);
		const stop = await adminCall('POST', '/containers/' + own +
		    '/stop?timeout=1');
		await until(P, (n) => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.querySelector('a').textContent === n &&
			!tr.textContent.includes('running')), [own], 20000);
		const row = await P.page.evaluate((n) => {
			const tr = [...document.querySelectorAll('main [data-ctr]')]
			    .find((x) => x.querySelector('a').textContent === n);
			return { state: tr.querySelector('.badge').textContent,
			    event: Number(tr.dataset.event) || null };
		}, own);
		const ev = row.event ? await eventById(row.event,
		    'container_event') : null;
		return Object.assign(row, { stop_status: stop.status,
		    stop_event: stop.eventId, list_reads: lists().length,
		    modes: await modes(P), by: ev ? { event: ev.data.event,
			name: ev.data.container_name || '' } : null });
	});
}

async function main() {
	report.sizes = uiSize(cfg.ui_dir);
	browser = await puppeteer.launch({
		executablePath: cfg.chromium,
		headless: true,
		pipe: true,
		userDataDir: cfg.profile,
		protocolTimeout: 60000,
		args: [
			'--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			'--disable-dev-shm-usage',
		],
	});
	const t0 = Date.now();
	const A = await open(browser.defaultBrowserContext(), 'admin');
	await adminFlows(A);
	for (const [fn, label] of [[viewerFlows, 'viewer'],
	    [operatorFlows, 'operator'], [apacheFlows, 'apache']]) {
		if (label === 'apache' && !cfg.apache)
			continue;
		const ctx = await browser.createBrowserContext();
		const P = await open(ctx, label);
		await fn(P);
		report[label + '_dialogs'] = P.log.dialogs;
		await ctx.close();
	}
	report.browser_ms = Date.now() - t0;
	finish(0);
}

main().catch((e) => {
	report.fatal = String(e && e.stack ? e.stack : e);
	finish(1);
});
