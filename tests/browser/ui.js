// ui.js: the browser half of tests/e2e/t_ui.  Headless Chromium (the
// system's, through puppeteer-core) uses the web console in ui/ as people
// would, against the real stack, and reports what it saw; t_ui decides.
//
//   - the redirect from / to /ui/, the sign-in, the must-change-password
//     step, an idle session returning to the login, sign-out;
//   - containers: the create form's 400 and 403 beside their fields, a
//     create, the row kept current without a reload (the engine stops and
//     starts it behind the page's back), logs followed, exec, add a file,
//     add a user, remove with its confirmation;
//   - a job's progress bar to 100%, its output downloaded;
//   - a 20 MiB upload with its progress bar moving, file info;
//   - a key shown once, then revoked;
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
// newPassword}, op, op2, viewer: {username, password}}, containers:
// {own, other}}.  Loopback only; Chromium is this script's child and
// ends with it (a deadline ends everything).
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

fs.mkdirSync(SHOTS, { recursive: true });
fs.mkdirSync(DL, { recursive: true });

function finish(code) {
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
			log.js.push(t + (loc.url ? ' (' + loc.url + ')' : ''));
	});
	page.on('pageerror', (e) => log.js.push('uncaught: ' + e.message));
	page.on('dialog', (d) => {
		log.dialogs.push(d.type() + ': ' + d.message());
		d.dismiss().catch(() => {});
	});
	page.on('requestfailed', (r) => {
		const f = r.failure();
		// a follow the page stops, or a poll cut by navigation
		if (f && !/ERR_ABORTED/.test(f.errorText))
			log.js.push('request failed: ' + r.url() + ' ' + f.errorText);
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
	out.js = P.log.js.slice(P.seen.js);
	out.http = P.log.http.slice(P.seen.http).filter((e) => !expectedHttp(e));
	P.seen.js = P.log.js.length;
	P.seen.http = P.log.http.length;
	out.dialogs = P.log.dialogs.length;
	report.pages[name] = out;
	return out;
}

// fetch() with the admin key, from node (the engine's side of a change).
async function adminApi(method, p) {
	const r = await fetch(cfg.base + '/api/v1' + p, { method,
	    headers: { 'X-API-Key': cfg.admin_key } });
	return r.status;
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
		return { must_change_password: me.must_change_password,
		    username: me.username };
	});
	// two samples for the charts
	await sleep(5500);
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
		// the engine's side: stopped and started behind the page's
		// back; the row follows, without a reload
		const stop = await adminApi('POST', '/containers/ui-c1/stop?timeout=1');
		const t0 = Date.now();
		await until(P, () => {
			for (const tr of document.querySelectorAll('main [data-ctr]'))
				if (tr.textContent.includes('ui-c1'))
					return !tr.textContent.includes('running');
			return false;
		}, [], 20000);
		const stoppedSeen = Date.now() - t0;
		const stopped = await rowState(P, 'ui-c1');
		const start = await adminApi('POST', '/containers/ui-c1/start');
		const t1 = Date.now();
		await until(P, () => [...document.querySelectorAll('main [data-ctr]')]
		    .some((tr) => tr.textContent.includes('ui-c1') &&
			tr.textContent.includes('running')), [], 20000);
		const runningSeen = Date.now() - t1;
		const other = await pg.evaluate((n) => document.querySelector('main')
		    .textContent.includes(n), cfg.containers.other);
		return { first, stop_status: stop, stopped, stopped_seen_ms:
		    stoppedSeen, start_status: start, running_seen_ms: runningSeen,
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
		await pg.evaluate(() => {
			window.ccProg = [];
			window.ccProgT = setInterval(() => {
				const p = document.querySelector('.jobprog progress');
				if (p && window.ccProg[window.ccProg.length - 1] !==
				    p.value)
					window.ccProg.push(p.value);
			}, 50);
		});
		await until(P, () => {
			const p = document.querySelector('.jobprog progress');
			const b = document.querySelector('.jobprog .badge');
			return p && p.value === 100 && b && b.textContent ===
			    'completed' && document.querySelector('a[data-output]');
		}, [], 45000);
		const seen = await pg.evaluate(() => {
			clearInterval(window.ccProgT);
			return window.ccProg;
		});
		return { id: await pg.evaluate(() => location.hash.slice(7)),
		    progress_seen: seen, bar: await pg.evaluate(() =>
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
		await go(P, '#/jobs', 'Jobs');
		// the server forgets the session as an idle timeout would
		// (the cookie goes); the next poll finds out
		await pg.deleteCookie({ name: 'session', url: cfg.base });
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
	await mockedApis(P);
	report.admin_dialogs = P.log.dialogs;
}

// The pages of APIs this build may lack (events, audit, proxy), with
// their answers served by request interception: the nav shows them once
// they answer, each renders, and an event pushed on the stream reaches
// the events page live.
async function mockedApis(P) {
	const A = cfg.users.admin;
	const pg = P.page;
	const ev = (id, type, data) => ({ id, type, owner: A.username,
	    timestamp: '2026-01-01T00:00:0' + id + 'Z', data });
	const ok = (o) => JSON.stringify(Object.assign({ success: true }, o));
	// the stream: empty answers a browser comes back for (retry 300 ms)
	// until the test pushes; then event 6 once, then a long retry
	const metric = ev(6, 'system_metric', { cpu_usage: 12.5,
	    memory_usage: 1048576, memory_total: 4194304 });
	let push = false, sent = false;
	const stream = () => {
		if (!push)
			return 'retry: 300\n\n';
		if (sent)
			return 'retry: 600000\n\n';
		sent = true;
		return 'retry: 600000\nid: 6\ndata: ' + JSON.stringify(metric) +
		    '\n\n';
	};
	const answers = [
	    [/\/api\/v1\/events\?/, () => ok({ events: [ev(4, 'job_status',
		{ job_id: 'job_x', status: 'running', progress: 40 }),
		ev(5, 'container_event', { container_id: XSS, event: 'start' }),
		...(sent ? [metric] : [])], last_id: sent ? 6 : 5, oldest_id: 1 })],
	    [/\/api\/v1\/events\/stream/, stream, 'text/event-stream'],
	    [/\/api\/v1\/audit\?/, () => ok({ entries: [ev(3, 'audit', {
		actor: A.username, via: 'session', action: 'POST',
		resource: '/api/v1/containers', status: 201,
		request_id: 'req_mocked', client: '127.0.0.1' })], total: 1,
		next_before: 3 })],
	    [/\/api\/v1\/proxy\/stats/, () => ok({ stats: { requests_total: 10,
		requests_per_second: 0.2, error_rate: 0.01, response_times: {
		    avg: 4.2, p50: 3.1, p95: 8.4, p99: 12.9 },
		upstreams: { web: { servers: [{ address: '127.0.0.1:9001',
		    status: 'up' }, { address: '127.0.0.1:9002',
		    status: 'down' }] } } } })],
	    [/\/api\/v1\/proxy\/upstreams/, () => ok({ upstreams: [{
		name: 'web', strategy: 'round_robin', servers: [
		    { address: '127.0.0.1:9001' }, { address: '127.0.0.1:9002' }],
		health_check: { enabled: true, path: '/health',
		    interval: '5s' } }] })],
	    [/\/api\/v1\/proxy\/routes/, () => ok({ routes: [{ id: 'r1',
		host: 'app.example', path: '/app/*', upstream: 'web' }] })],
	    [/\/api\/v1\/proxy\/streams/, () => ok({ streams: [] })],
	    [/\/api\/v1\/proxy\/config\/history/, () => ok({ generations: [
		{ generation: 2, current: true, applied_at:
		    '2026-01-01T00:00:02Z' }, { generation: 1,
		    applied_at: '2026-01-01T00:00:01Z' }] })],
	];
	await step('mocked_apis', async () => {
		await pg.setRequestInterception(true);
		const handler = (req) => {
			const a = answers.find(([re]) => re.test(req.url()));
			if (a && req.method() === 'GET')
				req.respond({ status: 200, contentType: a[2] ||
				    'application/json', body: a[1]() });
			else
				req.continue();
		};
		pg.on('request', handler);
		const out = {};
		try {
			await signIn(P, A.username, A.newPassword);
			await until(P, () => ['Proxy', 'Events', 'Audit'].every((t) =>
			    [...document.querySelectorAll('#navlist a')].some((a) =>
				a.textContent === t && a.checkVisibility())));
			out.nav = true;
			await go(P, '#/', 'Dashboard');
			push = true;
			await until(P, () => document.querySelector('main').textContent
			    .includes('from system_metric events'), [], 10000);
			out.metric_live = await pg.evaluate(() => document.querySelector(
			    'main figcaption .now').textContent);
			await go(P, '#/events', 'Events');
			await until(P, () => [...document.querySelectorAll('main td')]
			    .some((td) => td.textContent === '6'), [], 5000);
			out.events = await pg.evaluate((x) => ({
			    rows: document.querySelectorAll('main tbody tr').length,
			    markup_as_text: document.querySelector('main').textContent
				.includes('container_id=' + x),
			    imgs: document.querySelectorAll('img').length }), XSS);
			await checkPage(P, 'events');
			await go(P, '#/audit', 'Audit log');
			await until(P, () => document.querySelector('main tbody'));
			out.audit = await pg.evaluate(() => document.querySelector(
			    'main tbody').textContent.includes('req_mocked'));
			await checkPage(P, 'audit');
			await go(P, '#/proxy', 'Proxy');
			await until(P, () => document.querySelector('main').textContent
			    .includes('127.0.0.1:9002') && document.querySelector(
				'main').textContent.includes('p99'));
			out.proxy = await pg.evaluate(() => ({
			    down: [...document.querySelectorAll('main .badge')].some(
				(b) => b.textContent === 'down'),
			    rollback: !!document.querySelector('main button[aria-label=' +
				'"Roll back to generation 1"]') }));
			await checkPage(P, 'proxy');
		} finally {
			pg.off('request', handler);
			await pg.setRequestInterception(false);
		}
		return out;
	});
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
		return { url: P.page.url(), csp: r.headers()[
		    'content-security-policy'] || '' };
	});
	await checkPage(P, 'apache-dashboard');
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
