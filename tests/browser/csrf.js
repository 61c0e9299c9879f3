// csrf.js: the browser half of tests/e2e/t_csrf.  Headless Chromium (the
// system's, through puppeteer-core) logs a user in on each front end, then
// opens pages served from other origins that submit forms to our
// logout and changepassword routes with the user's cookie in the profile:
//   - a same-site page (http://127.0.0.1:<other port>: another origin on the
//     same host, so Chromium sends the SameSite=Strict cookie, with
//     Sec-Fetch-Site: same-site): only the Fetch Metadata check stops it;
//   - a cross-site page (http://attacker.test:<port>, mapped to 127.0.0.1):
//     Chromium withholds the Strict cookie itself;
// and, as the control, a form submitted from our own origin (same-origin),
// which must work.  It asserts nothing: it prints one JSON object with what
// each request sent and got, and t_csrf decides.
//
// Usage: node csrf.js CONFIG.json, where CONFIG is
//   {chromium, profile, user, password, newPassword,
//    fronts: [{name, base}]}
// Loopback only; the page server and Chromium are this script's children
// and end with it (a 45 s deadline ends everything).
'use strict';

const fs = require('fs');
const http = require('http');
const puppeteer = require('puppeteer-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const DEADLINE_MS = 45000;
const STEP_MS = 10000;

let browser = null;
let server = null;

function finish(code, out) {
	if (out !== undefined)
		process.stdout.write(JSON.stringify(out) + '\n');
	const b = browser;
	browser = null;
	const end = () => {
		if (server !== null)
			server.close();
		process.exit(code);
	};
	if (b === null)
		return end();
	b.close().catch(() => {}).finally(end);
	setTimeout(() => {
		const p = b.process();
		if (p !== null && p.exitCode === null)
			p.kill('SIGKILL');
		end();
	}, 3000).unref();
}

setTimeout(() => {
	process.stderr.write('csrf.js: deadline of ' + DEADLINE_MS + ' ms\n');
	finish(2);
}, DEADLINE_MS).unref();

function esc(s) {
	return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
	    .replace(/'/g, '&#39;').replace(/</g, '&lt;');
}

// The attacker's page: a form that posts itself on load.  kind "logout"
// has no body worth the name; "changepw" smuggles JSON in a text/plain
// body, the classic form CSRF on a JSON API.
function attackPage(target, kind) {
	let fields = '<input type="hidden" name="x" value="y">';
	let enctype = 'application/x-www-form-urlencoded';
	if (kind === 'changepw') {
		const name = '{"currentPassword":"' + cfg.password +
		    '","newPassword":"' + cfg.newPassword + '","pad":"';
		fields = '<input type="hidden" name="' + esc(name) +
		    '" value="' + esc('"}') + '">';
		enctype = 'text/plain';
	}
	return '<!DOCTYPE html><html><body>' +
	    '<form method="POST" action="' + esc(target) + '" enctype="' +
	    enctype + '">' + fields + '</form>' +
	    '<script>document.forms[0].submit();</script></body></html>';
}

function startServer() {
	return new Promise((resolve, reject) => {
		const s = http.createServer((req, res) => {
			const u = new URL(req.url, 'http://x');
			if (u.pathname !== '/attack') {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, {
				'Content-Type': 'text/html; charset=utf-8',
				'Cache-Control': 'no-store',
			});
			res.end(attackPage(u.searchParams.get('target'),
			    u.searchParams.get('kind')));
		});
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => resolve(s));
	});
}

// Request headers as Chromium sent them (Cookie, Origin, Sec-Fetch-*),
// which only the DevTools protocol's ExtraInfo events show.
async function watchHeaders(page) {
	const cdp = await page.createCDPSession();
	const byId = new Map();
	const sent = [];
	await cdp.send('Network.enable');
	cdp.on('Network.requestWillBeSent', (e) => {
		const r = byId.get(e.requestId) || {};
		r.url = e.request.url;
		r.method = e.request.method;
		byId.set(e.requestId, r);
		if (r.headers !== undefined)
			sent.push(r);
	});
	cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
		const r = byId.get(e.requestId) || {};
		const h = {};
		for (const k of Object.keys(e.headers))
			h[k.toLowerCase()] = e.headers[k];
		r.headers = h;
		byId.set(e.requestId, r);
		if (r.url !== undefined)
			sent.push(r);
	});
	// The headers of the last request to url with method, or null.
	return (url, method) => {
		for (let i = sent.length - 1; i >= 0; i--)
			if (sent[i].url === url && sent[i].method === method)
				return sent[i].headers;
		return null;
	};
}

// What a navigation to target (a POST) answered: status and JSON body.
async function answerOf(page, resp) {
	let body = null;
	try {
		body = JSON.parse(await resp.text());
	} catch (e) {
		try {
			body = JSON.parse(await page.evaluate(
			    () => document.body.innerText));
		} catch (e2) {
			body = null;
		}
	}
	return {
		status: resp.status(),
		code: body && body.error ? body.error.code : null,
		message: body && body.error ? body.error.message :
		    (body ? body.message : null),
	};
}

// Opens pageUrl, whose form posts to target; the answer and what was sent.
async function submitFrom(page, sentTo, pageUrl, target) {
	const wait = page.waitForResponse((r) => r.url() === target &&
	    r.request().method() === 'POST', { timeout: STEP_MS });
	await page.goto(pageUrl, { timeout: STEP_MS });
	const resp = await wait;
	await page.waitForNetworkIdle({ idleTime: 100, timeout: STEP_MS })
	    .catch(() => {});
	const a = await answerOf(page, resp);
	const h = sentTo(target, 'POST') || {};
	a.sent = {
		cookie: typeof h.cookie === 'string' &&
		    /(^|; )session=/.test(h.cookie),
		origin: h.origin || null,
		sec_fetch_site: h['sec-fetch-site'] || null,
		x_csrf_token: h['x-csrf-token'] !== undefined,
	};
	return a;
}

// fetch() from a page of our own origin; the status.
function fetchHere(page, path, method, body) {
	return page.evaluate(async (p, m, b) => {
		const init = { method: m, credentials: 'same-origin' };
		if (b !== null) {
			init.headers = { 'Content-Type': 'application/json' };
			init.body = b;
		}
		const r = await fetch(p, init);
		return r.status;
	}, path, method, body);
}

async function front(page, sentTo, port, f) {
	const out = {};
	const logout = f.base + '/api/v1/users/logout';
	const changepw = f.base + '/api/v1/users/changepassword';
	const sameSite = 'http://127.0.0.1:' + port + '/attack';
	const crossSite = 'http://attacker.test:' + port + '/attack';
	const q = (t, k) => '?target=' + encodeURIComponent(t) + '&kind=' + k;

	// log in from our own origin, as a web page of ours would
	await page.goto(f.base + '/health', { timeout: STEP_MS });
	out.login = await fetchHere(page, '/api/v1/users/login', 'POST',
	    JSON.stringify({ username: cfg.user, password: cfg.password }));
	out.cookies = (await page.cookies(f.base)).filter(
	    (c) => c.name === 'session').map((c) => ({
		sameSite: c.sameSite, httpOnly: c.httpOnly }));

	out.samesite_logout = await submitFrom(page, sentTo,
	    sameSite + q(logout, 'logout'), logout);
	out.samesite_changepw = await submitFrom(page, sentTo,
	    sameSite + q(changepw, 'changepw'), changepw);
	out.crosssite_logout = await submitFrom(page, sentTo,
	    crossSite + q(logout, 'logout'), logout);
	out.crosssite_changepw = await submitFrom(page, sentTo,
	    crossSite + q(changepw, 'changepw'), changepw);

	// the session survived all of it
	await page.goto(f.base + '/health', { timeout: STEP_MS });
	out.me_after = await fetchHere(page, '/api/v1/users/me', 'GET', null);

	// the control: the same form from our own origin works (no token)
	const here = f.base + '/health';
	await page.goto(here, { timeout: STEP_MS });
	const wait = page.waitForResponse((r) => r.url() === logout &&
	    r.request().method() === 'POST', { timeout: STEP_MS });
	await page.evaluate((t) => {
		const form = document.createElement('form');
		form.method = 'POST';
		form.action = t;
		document.body.appendChild(form);
		form.submit();
	}, logout);
	out.sameorigin_logout = await answerOf(page, await wait);
	const h = sentTo(logout, 'POST') || {};
	out.sameorigin_logout.sent = {
		sec_fetch_site: h['sec-fetch-site'] || null,
		cookie: typeof h.cookie === 'string' &&
		    /(^|; )session=/.test(h.cookie),
	};
	await page.goto(f.base + '/health', { timeout: STEP_MS });
	out.me_after_logout = await fetchHere(page, '/api/v1/users/me', 'GET',
	    null);
	return out;
}

async function main() {
	server = await startServer();
	const port = server.address().port;
	browser = await puppeteer.launch({
		executablePath: cfg.chromium,
		headless: true,
		pipe: true,
		userDataDir: cfg.profile,
		args: [
			'--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			'--host-resolver-rules=MAP attacker.test 127.0.0.1',
		],
	});
	const page = await browser.newPage();
	const sentTo = await watchHeaders(page);
	const out = { attacker_port: port, fronts: {} };
	for (const f of cfg.fronts)
		out.fronts[f.name] = await front(page, sentTo, port, f);
	finish(0, out);
}

main().catch((e) => {
	process.stderr.write('csrf.js: ' + (e && e.stack ? e.stack : e) + '\n');
	finish(1);
});
