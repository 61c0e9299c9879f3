// live.test.mjs: ui/js/live.js, the console's live layer, on its own
// (node's test runner; fetch and EventSource are stand-ins): polling when
// the server has no events API, the stream when it has one, events to
// their listeners and watchers (a patch applied in place re-reads
// nothing), no polling while the stream is up, a dropped stream reopened
// at the last id with what it sends again dropped, a second failure
// polling and asking the replay, and a re-read of every list after 410
// EVENTS_GONE.
// Run by tests/e2e/t_ui: node --experimental-default-type=module --test
import test from 'node:test';
import assert from 'node:assert/strict';

globalThis.document = { documentElement: { dataset: {} }, hidden: false };
const calls = [];
let answer = () => ({ status: 404, body: { success: false,
    error: { code: 'NOT_FOUND', message: 'no route' } } });
globalThis.fetch = async (u) => {
	calls.push(u);
	const a = answer(u);
	return { ok: a.status < 300, status: a.status,
	    headers: { get: () => 'req_test' }, json: async () => a.body };
};
class FakeES {
	constructor(u) {
		this.url = u;
		this.readyState = 0;
		this.l = {};
		FakeES.all.push(this);
	}
	addEventListener(t, f) { this.l[t] = f; }
	close() { this.readyState = 2; }
}
FakeES.CLOSED = 2;
FakeES.all = [];
globalThis.EventSource = FakeES;

const live = await import('../../ui/js/live.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// waits (at most 10 s: the machine may be busy) until fn() is true
async function until(fn) {
	for (let i = 0; i < 200 && !fn(); i++)
		await sleep(50);
	return fn();
}
const msg = (id, type, data) => ({ data: JSON.stringify({ id, type,
    data }) });

test('no events API: the watchers poll', async () => {
	let n = 0;
	const stop = live.watch({ types: ['job_status'], interval: 40,
	    refresh: () => n++ });
	await live.start();
	assert.equal(live.getMode(), 'poll');
	assert.equal(await live.available(), false);
	assert.equal(FakeES.all.length, 0, 'no stream is opened');
	assert.ok(await until(() => n >= 3), 'polled ' + n + ' times');
	stop();
	live.stop();
});

test('events API: the stream, its events, resume and resync', async () => {
	answer = (u) => /since=/.test(u) && /since=9/.test(u) ?
	    { status: 410, body: { success: false, error: {
		code: 'EVENTS_GONE', message: 'too old' } } } :
	    { status: 200, body: { success: true, events: [], last_id: 5 } };
	const got = [];
	const why = [];
	let jobs = 0, files = 0, patched = 0;
	const w1 = live.watch({ types: ['job_status'], interval: 40,
	    refresh: (w) => {
		jobs++;
		why.push(w);
	    } });
	const w2 = live.watch({ types: ['file_*'], interval: 60000,
	    refresh: () => files++ });
	// applies container_events of c1 in place; others re-read
	let ctrs = 0;
	const w3 = live.watch({ types: ['container_event'], interval: 60000,
	    refresh: () => ctrs++, patch: (ev) => ev.data.id === 'c1' &&
		++patched > 0 });
	const l = live.on(['job_status'], (ev) => got.push(ev));
	await live.start();
	assert.equal(await live.available(), true);
	let es = FakeES.all.at(-1);
	assert.match(es.url, /\/api\/v1\/events\/stream\?since=5$/,
	    'the stream starts after the last id of the replay');
	es.onopen();
	assert.equal(live.getMode(), 'sse');
	assert.equal(document.documentElement.dataset.live, 'sse');
	assert.deepEqual(why, ['resync'], 'once up, every list is re-read');
	jobs = files = ctrs = 0;
	es.onmessage(msg(6, 'job_status', { job_id: 'j1', progress: 50 }));
	es.onmessage(msg(7, 'container_event', { id: 'c1' }));
	es.onmessage(msg(8, 'container_event', { id: 'c2' }));
	await until(() => jobs >= 1 && ctrs >= 1);
	await sleep(300);
	assert.equal(got.length, 1);
	assert.equal(got[0].data.progress, 50);
	assert.equal(jobs, 1, 'the job watcher re-read its list once, and ' +
	    'did not poll while the stream was up');
	assert.equal(files, 0, 'the other one did not');
	assert.equal(patched, 1, 'c1 was patched in place');
	assert.equal(ctrs, 1, 'c2 made its watcher re-read');

	// the answer ends (a catch-up from the log, an nginx reload): at
	// once a new stream from the last id; what it sends again is dropped
	const n0 = FakeES.all.length;
	es.onerror();
	assert.ok(await until(() => FakeES.all.length > n0), 'reopened');
	assert.equal(live.getMode(), 'sse', 'one drop is not a fallback');
	es = FakeES.all.at(-1);
	assert.match(es.url, /since=8$/, 'resumed after the last id: ' +
	    es.url);
	es.onopen();
	es.onmessage(msg(6, 'job_status', { job_id: 'j1', progress: 50 }));
	es.onmessage(msg(9, 'job_status', { job_id: 'j1', progress: 90 }));
	assert.deepEqual(got.map((e) => e.id), [6, 9], 'each id once');
	es.l.heartbeat({ data: JSON.stringify({ type: 'heartbeat', id: 12 }) });

	// refused twice in a row: poll, and ask the replay from the last id
	// (a heartbeat's 12 here): the fake answers 410 for since=9.. so
	// every list is re-read
	answer = (u) => /since=12/.test(u) ?
	    { status: 410, body: { success: false, error: {
		code: 'EVENTS_GONE', message: 'too old' } } } :
	    { status: 200, body: { success: true, events: [], last_id: 20 } };
	const n1 = FakeES.all.length;
	es.onerror();
	assert.ok(await until(() => FakeES.all.length > n1), 'reopened');
	files = 0;
	FakeES.all.at(-1).onerror();
	assert.equal(live.getMode(), 'poll');
	const n2 = FakeES.all.length;
	assert.ok(await until(() => FakeES.all.length > n2), 'reopened after ' +
	    'asking the replay');
	assert.ok(calls.some((u) => /events\?limit=1&since=12/.test(u)),
	    'asked from the last id: ' + calls.join(' '));
	assert.ok(files >= 1, 'resync re-read every list');
	es = FakeES.all.at(-1);
	assert.match(es.url, /since=20$/, 'then from the newest id: ' +
	    es.url);
	l();
	w1();
	w2();
	w3();
	live.stop();
	assert.equal(live.getMode(), 'off');
});
