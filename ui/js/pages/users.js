// Users (admins: create, role, disable, require a new password, delete)
// and my API keys (create: the key is shown this once, with a copy
// button; revoke).

import { api, seg } from '../api.js';
import { h, fill, field, values, badge, errorBox, showError, fieldError,
    clearFieldErrors, confirmDlg, notice, pager, fmtTime, section,
    table } from '../dom.js';

export const title = (p) => p.view === 'keys' ? 'My keys' : 'Users';

function usersView(main) {
	const state = { limit: 25, offset: 0 };
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const slot = h('div');
	const form = h('form', { on: { submit: create },
	    attrs: { 'aria-label': 'New user' } },
	    h('div', { class: 'form-grid' },
		field('Username', { name: 'username', required: true,
		    autocomplete: 'off' }, '3 to 64 of a-z 0-9 _ . -'),
		field('Password', { name: 'password', type: 'password',
		    required: true, autocomplete: 'new-password' },
		    'At least 8 characters.'),
		field('Email', { name: 'email', type: 'email' }),
		field('Role', { name: 'role', type: 'select', options: [
		    'viewer', 'operator', 'admin'] })),
	    field('Must change the password at first sign-in',
		{ name: 'must_change', type: 'checkbox' }),
	    slot, h('button', { type: 'submit', text: 'Create user',
		min: 'admin' }));

	fill(main, h('h1', { text: 'Users' }),
	    h('div', { class: 'card' }, err, body),
	    section('New user', form));

	async function create(e) {
		e.preventDefault();
		clearFieldErrors(form);
		slot.replaceChildren();
		const v = values(form);
		const b = { username: v.username, password: v.password,
		    role: v.role };
		if (v.email)
			b.email = v.email;
		try {
			await api('POST', '/users', { body: b });
			if (v.must_change)
				await api('PATCH', '/users/' + seg(v.username),
				    { body: { must_change_password: true } });
			notice('Created ' + v.username + '.');
			form.reset();
			load();
		} catch (ex) {
			if (!fieldError(form, ex))
				fill(slot, errorBox(ex));
		}
	}

	async function patch(u, body, what) {
		showError(err, null);
		try {
			await api('PATCH', '/users/' + seg(u.username), { body });
			notice(u.username + ': ' + what + '.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	}

	async function del(u) {
		if (!await confirmDlg('Delete user ' + u.username + ' with their ' +
		    'keys and sessions? This cannot be undone.', 'Delete'))
			return;
		try {
			await api('DELETE', '/users/' + seg(u.username));
			notice('Deleted ' + u.username + '.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	}

	async function load() {
		try {
			const r = await api('GET', '/users', { query: state });
			fill(body, table('Users', [
			    { label: 'Username', cell: (u) => u.username },
			    { label: 'Email', cell: (u) => u.email },
			    { label: 'Role', cell: (u) => {
				const sel = h('select', { attrs: { 'aria-label':
				    'Role of ' + u.username }, min: 'admin',
				    on: { change: (e) => patch(u, { role:
					e.target.value }, 'role ' + e.target.value) } },
				    ['viewer', 'operator', 'admin'].map((x) =>
					h('option', { value: x, text: x,
					    selected: x === u.role })));
				return sel;
			    } },
			    { label: 'State', cell: (u) => [badge(u.disabled ?
				'disabled' : 'enabled'), u.must_change_password ?
				' must change password' : ''] },
			    { label: 'Created', cell: (u) => fmtTime(u.created_at) },
			    { label: 'Actions', class: 'acts', cell: (u) => [
				h('button', { type: 'button', class: 'small secondary',
				    min: 'admin', text: u.disabled ? 'Enable' :
					'Disable', attrs: { 'aria-label': (u.disabled ?
					'Enable ' : 'Disable ') + u.username },
				    on: { click: () => patch(u, { disabled:
					!u.disabled }, u.disabled ? 'enabled' :
					'disabled') } }),
				h('button', { type: 'button', class: 'small secondary',
				    min: 'admin', text: 'Require new password',
				    attrs: { 'aria-label': 'Require new password: ' +
					u.username },
				    on: { click: () => patch(u,
					{ must_change_password: true },
					'must change the password') } }),
				h('button', { type: 'button', class: 'small danger',
				    min: 'admin', text: 'Delete', attrs: {
					'aria-label': 'Delete ' + u.username },
				    on: { click: () => del(u) } })] },
			], r.users || [], 'No users.'), pager(state, r.total, load));
		} catch (ex) {
			showError(err, ex);
		}
	}
	load();
	return null;
}

function keysView(main) {
	const err = h('div');
	const body = h('div', null, 'Loading…');
	const shown = h('div', { attrs: { 'aria-live': 'polite' } });
	const slot = h('div');
	const form = h('form', { on: { submit: create },
	    attrs: { 'aria-label': 'New key' } },
	    h('div', { class: 'form-grid' },
		field('Name', { name: 'name', autocomplete: 'off' }),
		field('Scope', { name: 'scope', type: 'select', options: [
		    'read', 'write', 'admin'] },
		    'Never more than your own role.'),
		field('Expires in', { name: 'expires_in', placeholder: '30d' },
		    'Empty: never.')),
	    slot, h('button', { type: 'submit', text: 'Create key' }));

	fill(main, h('h1', { text: 'My API keys' }), shown,
	    h('div', { class: 'card' }, err, body),
	    section('New key', form));

	async function create(e) {
		e.preventDefault();
		clearFieldErrors(form);
		slot.replaceChildren();
		const v = values(form);
		const b = { scope: v.scope };
		if (v.name)
			b.name = v.name;
		if (v.expires_in)
			b.expires_in = v.expires_in;
		try {
			const k = (await api('POST', '/users/me/keys', { body: b })).key;
			showOnce(k);
			form.reset();
			load();
		} catch (ex) {
			if (!fieldError(form, ex))
				fill(slot, errorBox(ex));
		}
	}

	// The secret, this once: it is not kept anywhere, and leaving the
	// page forgets it.
	function showOnce(k) {
		const secret = h('p', { class: 'secret', id: 'new-key',
		    text: k.api_key });
		const copied = h('span', { class: 'hint', attrs:
		    { 'aria-live': 'polite' } });
		fill(shown, section('Your new key', h('p', { text: 'Copy it now: ' +
		    'it is shown only this once.' }), secret, h('div',
		    { class: 'row' }, h('button', { type: 'button', text: 'Copy',
			on: { click: async () => {
			    try {
				await navigator.clipboard.writeText(k.api_key);
				copied.textContent = 'Copied.';
			    } catch (e) {
				const r = document.createRange();
				r.selectNodeContents(secret);
				const s = getSelection();
				s.removeAllRanges();
				s.addRange(r);
				copied.textContent = 'Selected: press Ctrl+C to copy.';
			    }
			} } }), h('button', { type: 'button', class: 'secondary',
			    text: 'Done', on: { click: () => shown.replaceChildren() } }),
		    copied)));
		secret.scrollIntoView({ block: 'nearest' });
	}

	async function revoke(k) {
		if (!await confirmDlg('Revoke key ' + k.prefix + (k.name ? ' (' +
		    k.name + ')' : '') + '? Clients using it stop working.',
		    'Revoke'))
			return;
		try {
			await api('DELETE', '/users/me/keys/' + seg(k.prefix));
			notice('Revoked ' + k.prefix + '.');
		} catch (ex) {
			showError(err, ex);
		}
		load();
	}

	async function load() {
		try {
			const r = await api('GET', '/users/me/keys');
			fill(body, table('My keys', [
			    { label: 'Prefix', class: 'mono', cell: (k) => k.prefix },
			    { label: 'Name', cell: (k) => k.name },
			    { label: 'Scope', cell: (k) => k.scope },
			    { label: 'Created', cell: (k) => fmtTime(k.created_at) },
			    { label: 'Expires', cell: (k) => k.expires_at ?
				fmtTime(k.expires_at) : 'never' },
			    { label: 'Last used', cell: (k) => fmtTime(k.last_used_at) },
			    { label: 'Actions', class: 'acts', cell: (k) => h('button',
				{ type: 'button', class: 'small danger', text: 'Revoke',
				    attrs: { 'aria-label': 'Revoke key ' + k.prefix },
				    on: { click: () => revoke(k) } }) },
			], r.keys || [], 'You have no keys.'));
		} catch (ex) {
			showError(err, ex);
		}
	}
	load();
	return null;
}

export function mount(main, params) {
	return params.view === 'keys' ? keysView(main) : usersView(main);
}
