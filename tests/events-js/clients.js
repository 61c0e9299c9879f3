// clients.js: the JavaScript clients of tests/e2e/t_events, each the
// library a real client would use, driven by one JSON config:
//   ws      the ws package: a WebSocket to url with headers; it collects
//           the messages until `want` events (heartbeats apart) came
//   sio     socket.io-client with its defaults (polling first; the
//           server offers no upgrade): connect with extraHeaders, wait
//           for "connected", join_room(room), then collect
//           container_update events
//   es      headless Chromium (Debian's, through puppeteer-core) opens
//           `page` and runs an EventSource on `url` in it, collecting the
//           messages its onmessage sees
// It writes `ready` (a file) once subscribed, so the test knows when to
// cause events, and prints one JSON object {ready, error, status,
// messages} when done: `want` messages, or `timeout_ms` passed.
// Usage: node clients.js CONFIG.json.  Loopback only; everything it starts
// ends with it.
'use strict';

const fs = require('fs');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = { ready: false, error: null, status: null, messages: [] };
let done = false;
let cleanup = () => Promise.resolve();

function finish() {
	if (done)
		return;
	done = true;
	const end = () => {
		process.stdout.write(JSON.stringify(out) + '\n');
		process.exit(0);
	};
	cleanup().catch(() => {}).finally(end);
	setTimeout(end, 5000).unref();
}

function ready() {
	out.ready = true;
	fs.writeFileSync(cfg.ready, 'ready\n');
}

function take(msg) {
	out.messages.push(msg);
	const events = out.messages.filter((m) => m && m.type !== 'heartbeat');
	if (events.length >= cfg.want)
		finish();
}

setTimeout(finish, cfg.timeout_ms).unref();

function runWs() {
	const WebSocket = require('ws');
	const ws = new WebSocket(cfg.url, { headers: cfg.headers || {} });

	cleanup = () => { ws.terminate(); return Promise.resolve(); };
	ws.on('open', ready);
	ws.on('unexpected-response', (req, res) => {
		out.status = res.statusCode;
		let body = '';
		res.on('data', (c) => { body += c; });
		res.on('end', () => { out.error = body; finish(); });
	});
	ws.on('message', (data) => {
		try {
			take(JSON.parse(data.toString()));
		} catch (e) {
			out.error = 'not JSON: ' + data.toString();
		}
	});
	ws.on('error', (e) => {
		if (out.status === null) {
			out.error = String(e);
			finish();
		}
	});
	ws.on('close', () => finish());
}

function runSio() {
	const { io } = require('socket.io-client');
	const socket = io(cfg.url, { extraHeaders: cfg.headers || {},
	    reconnection: false });

	cleanup = () => { socket.close(); return Promise.resolve(); };
	socket.on('connected', (data) => {
		out.connected = data;
		out.transport = socket.io.engine.transport.name;
		socket.emit('join_room', cfg.room, (ack) => {
			out.ack = ack;
			ready();
		});
	});
	socket.on('container_update', (data) => take(data));
	socket.on('connect_error', (e) => {
		out.error = 'connect_error: ' + e.message;
		finish();
	});
}

async function runEs() {
	const puppeteer = require('puppeteer-core');
	const browser = await puppeteer.launch({ executablePath: cfg.chromium,
	    headless: true, userDataDir: cfg.profile,
	    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });

	cleanup = () => browser.close();
	const page = await browser.newPage();
	await page.exposeFunction('ccTake', (m) => take(JSON.parse(m)));
	await page.exposeFunction('ccReady', () => ready());
	await page.exposeFunction('ccError', (e) => { out.error = e; });
	await page.goto(cfg.page);
	await page.evaluate((url) => {
		const es = new EventSource(url);
		es.onopen = () => window.ccReady();
		es.onmessage = (e) => window.ccTake(e.data);
		es.onerror = () => window.ccError('EventSource error, ' +
		    'readyState ' + es.readyState);
	}, cfg.url);
}

try {
	if (cfg.mode === 'ws')
		runWs();
	else if (cfg.mode === 'sio')
		runSio();
	else if (cfg.mode === 'es')
		runEs().catch((e) => { out.error = String(e); finish(); });
	else
		throw new Error('unknown mode ' + cfg.mode);
} catch (e) {
	out.error = String(e);
	finish();
}
