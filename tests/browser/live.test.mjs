// live.test.mjs: ui/js/live.js, the console's live layer, on its own
// (node's test runner; fetch and EventSource are stand-ins): polling when
// the server has no events API, the stream when it has one, events to
// their listeners and watchers, the last id carried into a reopened
// stream, and a re-read of every list after 410 EVENTS_GONE.
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

test('no events API: the watchers poll', async () => {
	let n = 0;
	const stop = live.watch({ types: ['job_status'], interval: 40,
	    refresh: () => n++ });
	await live.start();
	assert.equal(live.getMode(), 'poll');
	assert.equal(await live.available(), false);
	assert.equal(FakeES.all.length, 0, 'no stream is opened');
	await sleep(220);
	assert.ok(n >= 3, 'polled ' + n + ' times');
	stop();
	live.stop();
});

test('events API: the stream, its events, resume and resync', async () => {
	answer = (u) => /since=/.test(u) && /since=9/.test(u) ?
	    { status: 410, body: { success: false, error: {
		code: 'EVENTS_GONE', message: 'too old' } } } :
	    { status: 200, body: { success: true, events: [], last_id: 5 } };
	const got = [];
	let jobs = 0, files = 0;
	const w1 = live.watch({ types: ['job_status'], interval: 60000,
	    refresh: () => jobs++ });
	const w2 = live.watch({ types: ['file_*'], interval: 60000,
	    refresh: () => files++ });
	const l = live.on(['job_status'], (ev) => got.push(ev));
	await live.start();
	assert.equal(await live.available(), true);
	const es = FakeES.all.at(-1);
	assert.match(es.url, /\/api\/v1\/events\/stream\?since=5$/,
	    'the stream starts after the last id of the replay');
	es.onopen();
	assert.equal(live.getMode(), 'sse');
	jobs = files = 0;
	es.onmessage({ lastEventId: '6', data: JSON.stringify({ id: 6,
	    type: 'job_status', data: { job_id: 'j1', progress: 50 } }) });
	es.onmessage({ lastEventId: '7', data: JSON.stringify({ id: 7,
	    type: 'container_event', data: {} }) });
	es.l.heartbeat({ lastEventId: '9' });
	assert.equal(got.length, 1);
	assert.equal(got[0].data.progress, 50);
	await sleep(400);
	assert.equal(jobs, 1, 'the job watcher re-read its list once');
	assert.equal(files, 0, 'the other one did not');

	// the server refuses the stream: poll, then ask the replay from the
	// last id seen (a heartbeat's 9): too old, so every list is re-read
	es.readyState = 2;
	es.onerror();
	assert.equal(live.getMode(), 'poll');
	await sleep(2300);
	assert.ok(calls.some((u) => /events\?limit=1&since=9/.test(u)),
	    'asked from the last id: ' + calls.join(' '));
	assert.ok(jobs >= 2 && files >= 1, 'resync re-read every list');
	l();
	w1();
	w2();
	live.stop();
	assert.equal(live.getMode(), 'off');
});
