// api.js: the one door to the API. Same origin, the session cookie the
// browser holds, and the CSRF token from the login kept in this module's
// memory only (never in storage: a reload loses it, and the browser's
// Sec-Fetch-Site: same-origin still lets our writes through).

const BASE = '/api/v1';

let csrf = null;
const onUnauthorized = new Set();
const onPasswordChange = new Set();

export function setCsrf(t) { csrf = t || null; }

// fn() runs when an answer says the session is gone (401), or that the
// password must be changed first (403 PASSWORD_CHANGE_REQUIRED).
export function whenUnauthorized(fn) { onUnauthorized.add(fn); }
export function whenPasswordChange(fn) { onPasswordChange.add(fn); }

// An API error: status, code, message, details and the request id.
export class ApiError extends Error {
	constructor(status, body, reqId) {
		const e = body && body.error ? body.error : {};
		super(e.message || (status ? 'HTTP ' + status :
		    'the API could not be reached'));
		this.status = status;
		this.code = e.code || (status ? 'HTTP_' + status : 'NETWORK');
		this.details = e.details || {};
		this.requestId = e.request_id || reqId || '';
	}
}

// path with a query ({k: v}, empty values left out) under /api/v1.
export function url(path, query) {
	let u = path.startsWith('/api/') || path === '/health' ? path :
	    BASE + path;
	if (query) {
		const q = new URLSearchParams();
		for (const k of Object.keys(query))
			if (query[k] !== undefined && query[k] !== null &&
			    query[k] !== '')
				q.set(k, String(query[k]));
		const s = q.toString();
		if (s)
			u += (u.includes('?') ? '&' : '?') + s;
	}
	return u;
}

// A path segment, or a multi-segment path ("a/b c") with each part encoded.
export function seg(s) { return encodeURIComponent(String(s)); }
export function segs(p) {
	return String(p).replace(/^\/+/, '').split('/').map(seg).join('/');
}

function headers(method, json) {
	const hd = { Accept: 'application/json' };
	if (json)
		hd['Content-Type'] = 'application/json';
	if (csrf && method !== 'GET' && method !== 'HEAD')
		hd['X-CSRF-Token'] = csrf;
	return hd;
}

function failed(status, body, reqId, quiet) {
	const err = new ApiError(status, body, reqId);
	if (!quiet) {
		if (status === 401)
			for (const f of onUnauthorized)
				f(err);
		else if (status === 403 && err.code ===
		    'PASSWORD_CHANGE_REQUIRED')
			for (const f of onPasswordChange)
				f(err);
	}
	return err;
}

// One call: api(method, path, {query, body, signal, quiet}). Resolves the
// parsed success body; rejects with ApiError. quiet: a 401 does not end
// the session in the page (the login form's own call).
export async function api(method, path, opt) {
	const o = opt || {};
	let res;
	try {
		res = await fetch(url(path, o.query), {
		    method, credentials: 'same-origin', signal: o.signal,
		    headers: headers(method, o.body !== undefined),
		    body: o.body !== undefined ? JSON.stringify(o.body) :
			undefined });
	} catch (e) {
		if (e.name === 'AbortError')
			throw e;
		throw new ApiError(0, null, '');
	}
	const reqId = res.headers.get('X-Request-Id') || '';
	let body = null;
	try {
		body = await res.json();
	} catch (e) {
		body = null;
	}
	if (!res.ok || (body && body.success === false))
		throw failed(res.status, body, reqId, o.quiet);
	if (body && typeof body === 'object')
		body.requestId = reqId;
	return body;
}

// get() wrapped so that, of calls that overlap (a poll and a filter
// change), only the newest one's answer reaches done(answer): an older
// one arriving late is dropped. Its error reaches fail(error).
export function newest(get, done, fail) {
	let seq = 0;
	return async () => {
		const my = ++seq;
		try {
			const r = await get();
			if (my === seq)
				done(r);
		} catch (e) {
			if (my === seq)
				fail(e);
		}
	};
}

// A streamed GET read line by line: onLine(text) for each line as it
// comes. Resolves when the stream ends (with no reason of its own: the
// caller's NDJSON knows its closing record); rejects with ApiError when
// the answer is an error.
export async function streamLines(path, query, onLine, signal) {
	const res = await fetch(url(path, query), { credentials: 'same-origin',
	    signal, headers: { Accept: 'application/x-ndjson, text/plain' } });
	const reqId = res.headers.get('X-Request-Id') || '';
	if (!res.ok) {
		let body = null;
		try {
			body = await res.json();
		} catch (e) {
			body = null;
		}
		throw failed(res.status, body, reqId);
	}
	const rd = res.body.getReader();
	const dec = new TextDecoder();
	let buf = '';
	for (;;) {
		const { value, done } = await rd.read();
		if (done)
			break;
		buf += dec.decode(value, { stream: true });
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			onLine(buf.slice(0, i));
			buf = buf.slice(i + 1);
		}
	}
	buf += dec.decode();
	if (buf)
		onLine(buf);
}

// An upload with progress (fetch has no upload progress: XHR does).
// onProgress(loaded, total). Resolves the success body; rejects ApiError.
export function upload(method, path, query, body, onProgress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open(method, url(path, query));
		x.withCredentials = true;
		x.setRequestHeader('Accept', 'application/json');
		if (csrf)
			x.setRequestHeader('X-CSRF-Token', csrf);
		x.upload.onprogress = (e) => {
			if (e.lengthComputable)
				onProgress(e.loaded, e.total);
		};
		x.onload = () => {
			let b = null;
			try {
				b = JSON.parse(x.responseText);
			} catch (e) {
				b = null;
			}
			const rid = x.getResponseHeader('X-Request-Id') || '';
			if (x.status >= 200 && x.status < 300 && b &&
			    b.success !== false) {
				b.requestId = rid;
				resolve(b);
			} else
				reject(failed(x.status, b, rid));
		};
		x.onerror = () => reject(new ApiError(0, null, ''));
		x.send(body);
	});
}
