// lighthouse.js: the web console's figures for bench/ui.  Lighthouse
// (npm, with Debian's chromium through puppeteer-core) on the dashboard
// and the containers page, signed in, with the desktop and the default
// (mobile, simulated slow network and CPU) settings; the console's JS and
// CSS bytes, as served and gzipped; and the containers page's time from
// 1,000 rows' data arriving to the painted table, over several runs.
//
// Usage: node lighthouse.js CONFIG.json; CONFIG is {chromium, profile,
// base, user, password, ui_dir, runs}.  Prints one JSON object.
'use strict';

const fs = require('fs');
const puppeteer = require('puppeteer-core');
const { uiSize } = require('./ui-size.js');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = { lighthouse: {}, sizes: {}, render_1000_ms: [] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function signIn(page) {
	await page.goto(cfg.base + '/ui/', { waitUntil: 'networkidle0' });
	await page.waitForSelector('input[name=username]');
	await page.type('input[name=username]', cfg.user);
	await page.type('input[name=password]', cfg.password);
	await page.click('main form button[type=submit]');
	await page.waitForFunction(() => {
		const e = document.querySelector('main h1');
		return e && e.textContent === 'Dashboard';
	});
}

async function render1000(page) {
	const rows = [];
	for (let i = 0; i < 1000; i++)
		rows.push({ id: (i + 1).toString(16).padStart(64, '0'),
		    name: 'c-' + String(i).padStart(4, '0'),
		    image: 'localhost/busybox:test', status: 'running',
		    state: i % 3 ? 'running' : 'exited',
		    created_at: '2026-01-01T00:00:00Z', ports: [], labels: {},
		    owner: 'bench', endpoint: 'local', runtime: 'docker' });
	const body = JSON.stringify({ success: true, containers: rows,
	    total: 1000, limit: 1000, offset: 0, endpoint_errors: [] });
	await page.setRequestInterception(true);
	const handler = (req) => {
		if (/\/api\/v1\/containers\?/.test(req.url()))
			req.respond({ status: 200, contentType: 'application/json',
			    body });
		else
			req.continue();
	};
	page.on('request', handler);
	for (let n = 0; n < (cfg.runs || 5); n++) {
		await page.evaluate(() => { location.hash = '#/'; });
		await sleep(300);
		await page.evaluate(() => performance.clearMarks());
		await page.evaluate(() => { location.hash = '#/containers'; });
		await page.waitForFunction(() => document.querySelectorAll(
		    'main [data-ctr]').length === 1000 && performance
		    .getEntriesByName('containers:painted').length > 0);
		out.render_1000_ms.push(await page.evaluate(() => {
			const d = performance.getEntriesByName('containers:data')[0];
			const p = performance.getEntriesByName('containers:painted')
			    .find((e) => e.startTime >= d.startTime);
			return Math.round(p.startTime - d.startTime);
		}));
	}
	page.off('request', handler);
	await page.setRequestInterception(false);
}

async function main() {
	const { default: lighthouse } = await import('lighthouse');
	const desktop = (await import(
	    'lighthouse/core/config/desktop-config.js')).default;
	out.sizes = uiSize(cfg.ui_dir);
	const browser = await puppeteer.launch({
		executablePath: cfg.chromium, headless: true, pipe: false,
		userDataDir: cfg.profile,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    '--disable-dev-shm-usage'],
	});
	try {
		const page = await browser.newPage();
		await signIn(page);
		await render1000(page);
		for (const [name, hash] of [['dashboard', '#/'],
		    ['containers', '#/containers']]) {
			for (const [preset, config] of [['desktop', desktop],
			    ['mobile', undefined]]) {
				const r = await lighthouse(cfg.base + '/ui/' + hash, {
				    logLevel: 'error', output: 'json',
				    onlyCategories: ['performance', 'accessibility'],
				    disableStorageReset: true }, config, page);
				const l = r.lhr;
				const failed = Object.values(l.audits).filter((a) =>
				    a.score !== null && a.score < 0.9 &&
				    a.scoreDisplayMode !== 'informative' &&
				    a.scoreDisplayMode !== 'manual' &&
				    a.scoreDisplayMode !== 'notApplicable')
				    .map((a) => a.id);
				out.lighthouse[name + ' ' + preset] = {
				    performance: Math.round(100 *
					l.categories.performance.score),
				    accessibility: Math.round(100 *
					l.categories.accessibility.score),
				    fcp_ms: Math.round(l.audits['first-contentful-paint']
					.numericValue),
				    lcp_ms: Math.round(l.audits['largest-contentful-paint']
					.numericValue),
				    tbt_ms: Math.round(l.audits['total-blocking-time']
					.numericValue),
				    cls: l.audits['cumulative-layout-shift'].numericValue,
				    below_09: failed,
				    shifts: ((l.audits['layout-shifts'].details || {}).items ||
					[]).map((i) => (i.node && i.node.selector) + ' ' +
					Number(i.score).toFixed(3)),
				    page_h1: await page.evaluate(() => {
					const e = document.querySelector('main h1');
					return e ? e.textContent : null;
				    }),
				};
			}
		}
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

main().catch((e) => {
	process.stderr.write('lighthouse.js: ' + (e && e.stack ? e.stack : e) +
	    '\n');
	process.exit(1);
});
