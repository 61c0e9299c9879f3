// dom.js: building the page from data without ever parsing it as HTML.
// Every string that came from the API reaches the page through h() as a
// text node or a property, never parsed as markup: container names, log
// lines and file names can carry markup.

let role = 'viewer';
const RANK = { viewer: 0, operator: 1, admin: 2 };

// The caller's effective role, which gate() and h()'s `min` read.
export function setRole(r) { role = RANK[r] !== undefined ? r : 'viewer'; }
export function can(min) { return RANK[role] >= RANK[min]; }

// h(tag, props, ...children): an element. props: `class`, `text`, `on`
// ({event: fn}), `min` (a role below it hides the element and marks it a
// write control), `attrs` (setAttribute), anything else a property.
// Children are nodes, strings (text nodes), arrays, or null/false (skipped).
export function h(tag, props, ...kids) {
	const el = document.createElement(tag);
	if (props) {
		for (const k of Object.keys(props)) {
			const v = props[k];
			if (v === undefined || v === null || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k === 'text')
				el.textContent = String(v);
			else if (k === 'on')
				for (const ev of Object.keys(v))
					el.addEventListener(ev, v[ev]);
			else if (k === 'min') {
				el.dataset.write = v;
				if (!can(v))
					el.hidden = true;
			} else if (k === 'attrs')
				for (const a of Object.keys(v))
					el.setAttribute(a, String(v[a]));
			else if (k === 'dataset')
				Object.assign(el.dataset, v);
			else
				el[k] = v;
		}
	}
	add(el, kids);
	return el;
}

function add(el, kids) {
	for (const c of kids) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			add(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

// Replaces el's children.
export function fill(el, ...kids) {
	el.replaceChildren();
	add(el, kids);
	return el;
}

let uid = 0;
function nextId(p) { return (p || 'f') + (++uid); }

// ---- formatting ----

export function fmtBytes(n) {
	if (typeof n !== 'number' || !isFinite(n))
		return '-';
	const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < u.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}

// One formatter for every date (making one per call is slow: a page of
// 1,000 rows formats 1,000 dates).
const DTF = new Intl.DateTimeFormat(undefined, { dateStyle: 'short',
    timeStyle: 'medium' });

export function fmtTime(s) {
	if (!s)
		return '-';
	const d = new Date(s);
	return isNaN(d) ? String(s) : DTF.format(d);
}

export function fmtDuration(sec) {
	sec = Math.floor(Number(sec) || 0);
	const d = Math.floor(sec / 86400), hh = Math.floor(sec % 86400 / 3600);
	const m = Math.floor(sec % 3600 / 60);
	return d ? d + 'd ' + hh + 'h' : hh ? hh + 'h ' + m + 'm' :
	    m + 'm ' + sec % 60 + 's';
}

// A coloured state word: running, stopped, failed...
export function badge(word) {
	const w = String(word || 'unknown');
	return h('span', { class: 'badge b-' + w.replace(/[^a-z_]/gi, ''),
	    text: w });
}

// ---- errors ----

// The box an API error is shown in: its message, code and status, and
// the request id to quote when reporting it.
export function errorBox(err) {
	const e = err || {};
	return h('div', { class: 'error', attrs: { role: 'alert' } },
	    h('strong', { text: e.message || String(err) }),
	    e.code ? h('span', { class: 'code',
		text: ' ' + e.code + (e.status ? ' (' + e.status + ')' : '') }) :
		null,
	    e.requestId ? h('div', { class: 'reqid',
		text: 'request id: ' + e.requestId }) : null);
}

// Shows err in slot (a container element), or clears it with null.
export function showError(slot, err) {
	if (err === null)
		slot.replaceChildren();
	else
		fill(slot, errorBox(err));
}

// A form's field errors: the API names the field in error.details.field
// ("name", "resources.memory_limit"); the message goes beside the input
// whose name is that path or its last part. False when no input matched.
export function fieldError(form, err) {
	clearFieldErrors(form);
	const f = err && err.details && err.details.field;
	if (typeof f !== 'string')
		return false;
	const cands = [f, f.split('.').pop(), f.split('[')[0]];
	let input = null;
	for (const c of cands) {
		input = form.querySelector('[name="' + CSS.escape(c) + '"]') ||
		    form.querySelector('[data-field="' + CSS.escape(c) + '"]');
		if (input)
			break;
	}
	if (!input)
		return false;
	const id = nextId('err');
	const msg = h('p', { class: 'field-error', id },
	    err.message + (err.status ? ' (' + err.status + ' ' +
	    err.code + ', ' + err.requestId + ')' : ''));
	input.setAttribute('aria-invalid', 'true');
	input.setAttribute('aria-describedby', id);
	input.insertAdjacentElement('afterend', msg);
	input.focus();
	return true;
}

export function clearFieldErrors(form) {
	for (const m of form.querySelectorAll('.field-error'))
		m.remove();
	for (const i of form.querySelectorAll('[aria-invalid]')) {
		i.removeAttribute('aria-invalid');
		i.removeAttribute('aria-describedby');
	}
}

// ---- forms ----

// A labelled input: field(label, {name, type, value, ...}).
export function field(label, props, hint) {
	const id = nextId('in');
	const p = Object.assign({ id }, props);
	let input;
	if (p.type === 'select') {
		const opts = p.options || [];
		delete p.type;
		delete p.options;
		input = h('select', p, opts.map((o) => Array.isArray(o) ?
		    h('option', { value: o[0], text: o[1] }) :
		    h('option', { value: o, text: o })));
	} else if (p.type === 'textarea') {
		delete p.type;
		input = h('textarea', p);
	} else
		input = h('input', p);
	const box = h('div', { class: p.type === 'checkbox' ? 'fld chk' :
	    'fld' }, h('label', { htmlFor: id, text: label }), input,
	    hint ? h('small', { class: 'hint', text: hint }) : null);
	return box;
}

// The values of a form's named inputs (checkboxes as booleans).
export function values(form) {
	const o = {};
	for (const el of form.elements) {
		if (!el.name)
			continue;
		o[el.name] = el.type === 'checkbox' ? el.checked : el.value;
	}
	return o;
}

// A form that runs run(values) on submit and shows show(answer) (or
// what run resolved, without show) below its button; an API error goes
// beside the field it names, else above the button. min: the role its
// button needs (operator).
export function actionForm(label, fields, run, show, min) {
	const slot = h('div');
	const out = h('div');
	const form = h('form', { on: { submit: async (e) => {
		e.preventDefault();
		slot.replaceChildren();
		clearFieldErrors(form);
		const btn = form.querySelector('button[type=submit]');
		btn.disabled = true;
		try {
			const r = await run(values(form));
			const v = show ? show(r) : r;
			if (v !== undefined && v !== null)
				fill(out, v);
		} catch (ex) {
			if (!fieldError(form, ex))
				fill(slot, errorBox(ex));
		} finally {
			btn.disabled = false;
		}
	} } }, h('div', { class: 'form-grid' }, fields), slot,
	    h('button', { type: 'submit', text: label, min: min || 'operator' }),
	    out);
	return form;
}

// Appends a line to a log view (a <pre>), keeping its last 5,000, and
// scrolls to it.
export function logAppend(pre, text, cls) {
	const span = document.createElement('span');
	if (cls)
		span.className = cls;
	span.textContent = text;
	pre.appendChild(span);
	while (pre.childNodes.length > 5000)
		pre.removeChild(pre.firstChild);
	pre.scrollTop = pre.scrollHeight;
}

// A Follow / Stop following button over a stream: start(signal) runs it
// and resolves the words stateEl shows when it ends. Returns stop().
export function followToggle(button, stateEl, start) {
	let ctl = null;
	function stop() {
		if (ctl) {
			ctl.abort();
			ctl = null;
		}
		button.textContent = 'Follow';
	}
	button.addEventListener('click', async () => {
		if (ctl)
			return stop();
		const my = ctl = new AbortController();
		button.textContent = 'Stop following';
		stateEl.textContent = 'Following…';
		try {
			stateEl.textContent = await start(my.signal);
		} catch (e) {
			if (e.name !== 'AbortError')
				fill(stateEl, errorBox(e));
			else
				stateEl.textContent = 'Stopped following.';
		}
		if (ctl === my) {
			ctl = null;
			button.textContent = 'Follow';
		}
	});
	return stop;
}

// A confirmation for what destroys something: a modal <dialog>; resolves
// true when confirmed.
export function confirmDlg(question, action) {
	return new Promise((resolve) => {
		const tid = nextId('dlg');
		const d = h('dialog', { class: 'confirm',
		    attrs: { 'aria-labelledby': tid } },
		    h('p', { id: tid, text: question }),
		    h('div', { class: 'row' },
			h('button', { type: 'button', class: 'danger',
			    text: action || 'Remove', on: { click: () => end(true) } }),
			h('button', { type: 'button', class: 'secondary',
			    text: 'Cancel', on: { click: () => end(false) } })));
		function end(v) {
			d.close();
			d.remove();
			resolve(v);
		}
		d.addEventListener('cancel', (e) => {
			e.preventDefault();
			end(false);
		});
		document.body.appendChild(d);
		d.showModal();
	});
}

// A short-lived notice in the page's live region.
export function notice(text) {
	const r = document.getElementById('notice');
	if (!r)
		return;
	r.textContent = text;
	clearTimeout(notice.t);
	notice.t = setTimeout(() => { r.textContent = ''; }, 6000);
}

// ---- tables and paging ----

// A table in a scrollable region: cols [{label, cell(row) -> node|string,
// class, wide (left out on a phone)}], rows; caption names it for
// assistive technology; data(row), if given, the row's dataset.
export function table(caption, cols, rows, empty, data) {
	if (!rows.length)
		return h('p', { class: 'empty', text: empty || 'Nothing here.' });
	const tb = document.createElement('tbody');
	const frag = document.createDocumentFragment();
	for (const r of rows) {
		const tr = document.createElement('tr');
		if (data)
			Object.assign(tr.dataset, data(r));
		for (const c of cols) {
			const td = document.createElement('td');
			if (c.class || c.wide)
				td.className = (c.class || '') + (c.wide ? ' wide' : '');
			const v = c.cell(r);
			if (v instanceof Node)
				td.appendChild(v);
			else if (Array.isArray(v))
				add(td, v);
			else if (v !== null && v !== undefined)
				td.textContent = String(v);
			tr.appendChild(td);
		}
		frag.appendChild(tr);
	}
	tb.appendChild(frag);
	return h('div', { class: 'scroll', tabIndex: 0,
	    attrs: { role: 'region', 'aria-label': caption } },
	    h('table', null, h('caption', { class: 'sr', text: caption }),
		h('thead', null, h('tr', null, cols.map((c) =>
		    h('th', { scope: 'col', text: c.label,
			class: c.wide ? 'wide' : null })))), tb));
}

// Paging through limit/offset: state {limit, offset}, total, and go(),
// called after state changes.
export function pager(state, total, go, sizes) {
	const n = Number(total) || 0;
	const from = n ? state.offset + 1 : 0;
	const to = Math.min(state.offset + state.limit, n);
	const id = nextId('ps');
	return h('nav', { class: 'pager', attrs: { 'aria-label': 'Pages' } },
	    h('button', { type: 'button', class: 'secondary', text: 'Previous',
		disabled: state.offset <= 0, on: { click: () => {
		    state.offset = Math.max(0, state.offset - state.limit);
		    go();
	    } } }),
	    h('span', { text: from + '–' + to + ' of ' + n }),
	    h('button', { type: 'button', class: 'secondary', text: 'Next',
		disabled: to >= n, on: { click: () => {
		    state.offset += state.limit;
		    go();
	    } } }),
	    h('label', { htmlFor: id, text: 'Per page' }),
	    h('select', { id, on: { change: (e) => {
		state.limit = Number(e.target.value);
		state.offset = 0;
		go();
	    } } }, (sizes || [25, 50, 100]).map((s) => h('option',
		{ value: s, text: s, selected: s === state.limit }))));
}

// A section with a heading.
export function section(title, ...kids) {
	const id = nextId('sec');
	return h('section', { class: 'card', attrs: { 'aria-labelledby': id } },
	    h('h2', { id, text: title }), kids);
}

// A progress bar with an accessible name and its percentage beside it.
export function progress(label, value) {
	const v = Math.max(0, Math.min(100, Number(value) || 0));
	const p = h('progress', { max: 100, value: v,
	    attrs: { 'aria-label': label } });
	return h('span', { class: 'prog' }, p,
	    h('span', { class: 'pct', text: Math.round(v) + '%' }));
}
