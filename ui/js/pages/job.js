// One job: status and progress (live), its attempts, the logs (a tail, or
// followed while it runs: plain text), the output files to download, and
// cancel and retry.

import { api, seg, segs, streamLines, url } from '../api.js';
import { h, fill, badge, errorBox, showError, confirmDlg, notice, fmtTime,
    fmtBytes, section, table, progress, logAppend,
    followToggle } from '../dom.js';
import * as live from '../live.js';

export const title = (p) => 'Job ' + p.id;

export function mount(main, params) {
	const id = params.id;
	const base = '/jobs/' + seg(id);
	const err = h('div');
	const head = h('div', { class: 'spread' }, h('h1', { text: id }));
	const info = h('div', null, 'Loading…');
	const prog = h('div', { class: 'jobprog' });
	const attempts = h('div');
	const outputs = h('div');
	const logBox = h('pre', { class: 'log', tabIndex: 0,
	    attrs: { 'aria-label': 'Job logs', role: 'log' } });
	const logState = h('p', { class: 'hint', attrs: { 'aria-live': 'polite' } });
	const followBtn = h('button', { type: 'button', text: 'Follow' });
	let job = null;
	let done = false;
	let last = null;	// the newest job_status event of this job

	fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/jobs',
	    text: 'Jobs' }), ' / ' + id), head, err,
	    h('div', { class: 'grid' }, section('Job', prog, info),
		section('Output files', outputs)),
	    section('Attempts', attempts),
	    section('Logs', h('div', { class: 'row' }, h('button', {
		type: 'button', class: 'secondary', text: 'Show logs',
		on: { click: loadLogs } }), followBtn), logState, logBox));

	// eventId: the job_status event that said so (on data-event)
	function setProgress(p, status, eventId) {
		fill(prog, h('p', null, badge(status), ' ',
		    progress('Progress of job ' + id, p)));
		if (eventId !== undefined)
			prog.dataset.event = eventId;
		else
			delete prog.dataset.event;
	}

	async function load() {
		if (done)
			return;
		try {
			const r = await api('GET', base);
			job = r.job || r;
			render();
			showError(err, null);
		} catch (e) {
			showError(err, e);
		}
	}

	function render() {
		const j = job;
		const st = j.status;
		const b = [];
		if (st === 'queued' || st === 'running')
			b.push(h('button', { type: 'button', class: 'danger',
			    text: 'Cancel', min: 'operator', on: { click: cancel } }));
		if (st === 'failed' || st === 'cancelled' || st === 'interrupted')
			b.push(h('button', { type: 'button', text: 'Retry',
			    min: 'operator', on: { click: retry } }));
		fill(head, h('h1', { text: j.name || id }), h('div',
		    { class: 'row' }, b));
		setProgress(j.progress, st, last && last.status === st &&
		    last.progress === j.progress ? last.id : undefined);
		const kvs = [
		    ['ID', j.job_id], ['Image', j.image],
		    ['Command', Array.isArray(j.command) ? j.command.join(' ') :
			j.command],
		    ['Owner', j.owner || j.user], ['Priority', j.priority_name ||
			String(j.priority)],
		    ['Submitted', fmtTime(j.created_at)],
		    ['Started', fmtTime(j.started_at)],
		    ['Finished', j.finished_at ? fmtTime(j.finished_at) : null],
		    ['Estimated completion', j.estimated_completion &&
			!j.finished_at ? fmtTime(j.estimated_completion) : null],
		    ['Exit code', j.exit_code === undefined || j.exit_code ===
			null ? null : String(j.exit_code)],
		    ['Error', j.error ? String(j.error) : null],
		    ['Memory peak', j.resource_usage ?
			fmtBytes(j.resource_usage.memory_peak) : null],
		];
		fill(info, h('dl', { class: 'kv' }, kvs.filter((x) => x[1]).map(
		    ([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])));
		fill(attempts, table('Attempts', [
		    { label: 'Attempt', cell: (a) => String(a.attempt) },
		    { label: 'Status', cell: (a) => badge(a.status) },
		    { label: 'Started', cell: (a) => fmtTime(a.started_at) },
		    { label: 'Finished', cell: (a) => fmtTime(a.finished_at) },
		    { label: 'Exit code', cell: (a) => a.exit_code === undefined ?
			'' : String(a.exit_code) },
		    { label: 'Error', cell: (a) => a.error || '' },
		], j.attempts || [], 'No attempt yet.'));
		fill(outputs, table('Output files', [
		    { label: 'File', cell: (o) => h('a', {
			href: url(base + '/output/' + segs(o.name)),
			download: o.name.split('/').pop(), text: o.name,
			attrs: { 'data-output': o.name } }) },
		    { label: 'Size', cell: (o) => fmtBytes(o.size) },
		], j.output_files || [], st === 'completed' ?
		    'This job collected no files.' : 'None yet.'));
	}

	async function cancel() {
		if (!await confirmDlg('Cancel job ' + (job.name || id) +
		    '? A running one has its container killed.', 'Cancel job'))
			return;
		try {
			await api('POST', base + '/cancel');
			notice('Cancelled.');
		} catch (e) {
			showError(err, e);
		}
		load();
	}

	async function retry() {
		try {
			await api('POST', base + '/retry');
			notice('Queued again.');
		} catch (e) {
			showError(err, e);
		}
		load();
	}

	const addText = (t) => logAppend(logBox, t);

	async function loadLogs() {
		stopFollow();
		logBox.replaceChildren();
		try {
			await streamLines(base + '/logs', { tail: 200 },
			    (l) => addText(l + '\n'));
			logState.textContent = '';
		} catch (e) {
			fill(logState, errorBox(e));
		}
	}

	// a job's followed log is plain text, to the job's end
	const stopFollow = followToggle(followBtn, logState, async (signal) => {
		logBox.replaceChildren();
		await streamLines(base + '/logs', { follow: true, tail: 200 },
		    (l) => addText(l + '\n'), signal);
		load();
		return 'The log ended.';
	});

	load();
	// an event of this job moves the bar at once; a new status re-reads
	// the job (attempts, times, outputs)
	const stops = [
	    live.watch({ types: ['job_status'], interval: 1500, refresh: load,
		patch: (ev) => {
		    const d = ev.data || {};
		    if (d.job_id !== id)
			    return true;
		    if (!job) {
			    // before the first read: it marks what it shows
			    last = { id: ev.id, status: d.status,
				progress: d.progress };
			    return false;
		    }
		    const same = !d.status || d.status === job.status;
		    job.status = d.status || job.status;
		    job.progress = d.progress ?? job.progress;
		    last = { id: ev.id, status: job.status,
			progress: job.progress };
		    setProgress(job.progress, job.status, ev.id);
		    return same;
	    } }),
	];
	return () => {
		done = true;
		stopFollow();
		stops.forEach((s) => s());
	};
}
