// app.js: the console's shell. Sign-in (the session cookie and the CSRF
// token of POST /users/login, the must-change-password step, sign-out, a
// session that ended returning here), the navigation, and a hash router
// that mounts one page module at a time (loaded on first use).

import { api, setCsrf, whenUnauthorized, whenPasswordChange } from './api.js';
import { h, fill, field, values, errorBox, setRole, can, notice,
    fieldError, clearFieldErrors } from './dom.js';
import * as live from './live.js';

const main = document.getElementById('main');

// Routes: path pattern, page module, extra params.
const ROUTES = [
	['', 'dashboard'],
	['containers', 'containers'],
	['containers/new', 'containers', { view: 'new' }],
	['containers/:endpoint/:id', 'container'],
	['jobs', 'jobs'],
	['jobs/new', 'jobs', { view: 'new' }],
	['jobs/:id', 'job'],
	['files', 'files'],
	['lxc', 'lxc'],
	['pods', 'pods'],
	['pods/:id', 'pods', { view: 'pod' }],
	['proxy', 'proxy'],
	['events', 'events'],
	['audit', 'events', { view: 'audit' }],
	['users', 'users'],
	['keys', 'users', { view: 'keys' }],
];

// The navigation; `probe`: shown only when that API answers (it may not
// be in this build), `min`: the role it needs.
const NAV = [
	['', 'Dashboard'],
	['containers', 'Containers'],
	['jobs', 'Jobs'],
	['files', 'Files'],
	['lxc', 'LXC'],
	['pods', 'Pods'],
	['proxy', 'Proxy', { min: 'admin', probe: '/proxy/stats' }],
	['events', 'Events', { probe: '/events' }],
	['audit', 'Audit', { min: 'admin', probe: '/audit' }],
	['users', 'Users', { min: 'admin' }],
	['keys', 'My keys'],
];

let me = null;
let current = null;	// {name, cleanup}
let afterLogin = null;
const modules = {};

function parse(hash) {
	const raw = hash.replace(/^#\/?/, '');
	const [path, qs] = raw.split('?');
	const parts = path.split('/').filter((p) => p !== '');
	for (const [pat, name, extra] of ROUTES) {
		const pp = pat.split('/').filter((p) => p !== '');
		if (pp.length !== parts.length)
			continue;
		const params = Object.assign({}, extra);
		let okk = true;
		for (let i = 0; i < pp.length && okk; i++) {
			if (pp[i].startsWith(':'))
				params[pp[i].slice(1)] = decodeURIComponent(parts[i]);
			else if (pp[i] !== parts[i])
				okk = false;
		}
		if (okk)
			return { name, params, path: pp[0] || '',
			    query: new URLSearchParams(qs || '') };
	}
	return null;
}

function unmount() {
	if (current && current.cleanup)
		try {
			current.cleanup();
		} catch (e) {
			// a page failing to clean up must not stop the next
		}
	current = null;
}

async function route() {
	if (!me)
		return;
	const hash = location.hash;
	if (hash && !hash.startsWith('#/'))
		return;		// an in-page anchor (the skip link)
	const r = parse(hash || '#/');
	unmount();
	for (const a of document.querySelectorAll('#navlist a'))
		if (a.dataset.path === (r ? r.path : null))
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	if (!r) {
		fill(main, h('h1', { text: 'Not found' }),
		    h('p', null, 'No page here. ', h('a', { href: '#/',
			text: 'Go to the dashboard' })));
		return;
	}
	const token = {};
	current = { token };
	try {
		if (!modules[r.name])
			modules[r.name] = await import('./pages/' + r.name + '.js');
	} catch (e) {
		fill(main, errorBox({ message: 'the page could not be loaded: ' +
		    e.message }));
		return;
	}
	if (current === null || current.token !== token)
		return;		// navigated away meanwhile
	main.replaceChildren();
	const m = modules[r.name];
	document.title = (m.title ? (typeof m.title === 'function' ?
	    m.title(r.params) : m.title) + ' · ' : '') + 'Container Codes';
	current.cleanup = m.mount(main, r.params, r.query, { me });
	const h1 = main.querySelector('h1');
	if (h1 && document.activeElement === document.body) {
		h1.tabIndex = -1;
		h1.focus({ preventScroll: true });
	}
}

// ---- navigation ----

async function probe(path) {
	try {
		await api('GET', path, { query: { limit: 1 }, quiet: true });
		return true;
	} catch (e) {
		return e.status !== 404 && e.status !== 403 && e.status !== 405;
	}
}

function buildNav() {
	const list = document.getElementById('navlist');
	list.replaceChildren();
	for (const [path, label, opt] of NAV) {
		const o = opt || {};
		if (o.min && !can(o.min))
			continue;
		const li = h('li', null, h('a', { href: '#/' + path, text: label,
		    dataset: { path } }));
		list.appendChild(li);
		if (o.probe) {
			li.hidden = true;
			(o.probe === '/events' ? live.available() : probe(o.probe))
			    .then((yes) => { li.hidden = !yes; });
		}
	}
	document.getElementById('nav').hidden = false;
	document.getElementById('whobox').hidden = false;
	document.getElementById('who').textContent = me.username + ' (' +
	    (me.effective_role || me.role) + ')';
}

function liveLabel(m) {
	const el = document.getElementById('live');
	el.textContent = m === 'sse' ? 'live' : m === 'poll' ? 'polling' :
	    m === 'offline' ? 'offline' : '';
	el.className = 'live live-' + m;
}

// ---- signing in and out ----

function signedOut(msg) {
	me = null;
	setCsrf(null);
	live.stop();
	unmount();
	document.getElementById('nav').hidden = true;
	document.getElementById('whobox').hidden = true;
	loginView(msg);
}

function loginView(msg) {
	document.title = 'Sign in · Container Codes';
	const slot = h('div');
	const form = h('form', { class: 'card narrow', on: { submit: login } },
	    h('h1', { text: 'Sign in' }),
	    msg ? h('p', { class: 'info', attrs: { role: 'status' }, text: msg }) :
		null,
	    field('Username', { name: 'username', autocomplete: 'username',
		required: true, autocapitalize: 'none' }),
	    field('Password', { name: 'password', type: 'password',
		autocomplete: 'current-password', required: true }),
	    slot,
	    h('button', { type: 'submit', text: 'Sign in' }));
	fill(main, form);
	form.querySelector('input').focus();

	async function login(e) {
		e.preventDefault();
		const v = values(form);
		slot.replaceChildren();
		try {
			const r = await api('POST', '/users/login', { body: {
			    username: v.username, password: v.password },
			    quiet: true });
			setCsrf(r.csrf_token);
			if (r.must_change_password)
				return passwordView(v.password);
			await enter();
		} catch (err) {
			fill(slot, errorBox(err));
		}
	}
}

// The must-change-password step (also reached from a 403
// PASSWORD_CHANGE_REQUIRED): nothing else works until it is done.
function passwordView(current) {
	document.title = 'Change your password · Container Codes';
	unmount();
	const slot = h('div');
	const form = h('form', { class: 'card narrow', on: { submit: change } },
	    h('h1', { text: 'Change your password' }),
	    h('p', { text: 'This account must choose a new password before ' +
		'anything else.' }),
	    current ? null : field('Current password', { name: 'currentPassword',
		type: 'password', autocomplete: 'current-password',
		required: true }),
	    field('New password', { name: 'newPassword', type: 'password',
		autocomplete: 'new-password', required: true, minLength: 8 },
		'At least 8 characters.'),
	    field('New password again', { name: 'again', type: 'password',
		autocomplete: 'new-password', required: true }),
	    slot,
	    h('div', { class: 'row' },
		h('button', { type: 'submit', text: 'Change password' }),
		h('button', { type: 'button', class: 'secondary',
		    text: 'Sign out', on: { click: logout } })));
	fill(main, form);
	form.querySelector('input').focus();

	async function change(e) {
		e.preventDefault();
		const v = values(form);
		slot.replaceChildren();
		clearFieldErrors(form);
		if (v.newPassword !== v.again) {
			fieldError(form, { message: 'the two passwords differ',
			    details: { field: 'again' } });
			return;
		}
		try {
			await api('POST', '/users/changepassword', { body: {
			    currentPassword: current || v.currentPassword,
			    newPassword: v.newPassword } });
			notice('Password changed.');
			await enter();
		} catch (err) {
			if (!fieldError(form, err))
				fill(slot, errorBox(err));
		}
	}
}

async function enter() {
	const r = await api('GET', '/users/me', { quiet: true });
	const u = r.user;
	if (u.must_change_password)
		return passwordView(null);
	me = u;
	setRole(u.effective_role || u.role);
	buildNav();
	live.start();
	if (afterLogin !== null && afterLogin !== location.hash)
		location.hash = afterLogin;
	afterLogin = null;
	await route();
}

async function logout() {
	try {
		await api('POST', '/users/logout', { quiet: true });
	} catch (e) {
		// signed out either way
	}
	location.hash = '#/';
	signedOut('You are signed out.');
}

// An answer saying the session is gone: back to the login, and after it
// to where the user was.
whenUnauthorized(() => {
	if (me === null)
		return;
	afterLogin = location.hash;
	signedOut('Your session has ended. Sign in again to go on.');
});
whenPasswordChange(() => {
	me = null;
	live.stop();
	passwordView(null);
});

live.onMode(liveLabel);
document.getElementById('logout').addEventListener('click', logout);
document.querySelector('.skip').addEventListener('click', (e) => {
	e.preventDefault();
	main.focus();
});
window.addEventListener('hashchange', route);

(async function boot() {
	try {
		await enter();
	} catch (e) {
		if (e.status === 401 || e.status === 0 || !e.status)
			loginView(e.status === 0 ? 'The API could not be reached.' :
			    null);
		else
			fill(main, errorBox(e));
	}
})();
