// SPDX-License-Identifier: MIT
// The seatmux teacher's dashboard: logon, a live grid of stations, actions on a selection. DOM is
// built with createElement/textContent only: names and users come from the network, never markup.
'use strict';

const $ = (id) => document.getElementById(id);
const grid = $('stations');

let me = null;		// {user, role, csrf} while logged on
let session = 0;	// bumped at every logon and logoff, so late replies of an old session are dropped
let pollTimer = 0;
let polling = false;	// a /api/stations request is in flight
let pollFailing = false;
let current = null;	// key of the card that last had focus: the target when nothing is selected
// Cards by key: a station of this host by its id, one of another host (dashboard.conf) as
// "host/id", so that updates happen in place.
const cards = new Map();
const heads = new Map();	// host name -> its group's heading, while other hosts are shown

const DONE = { identify: 'Identified', message: 'Sent the message to', block: 'Blocked',
	unblock: 'Unblocked', logoff: 'Logged off', project: 'Projected', unproject: 'Stopped projecting',
	launch: 'Launched it on' };
const EXPIRED = 'Your session expired, log on again';
const REFRESH = 'Cannot refresh the stations';

const apiError = (status, message) => Object.assign(new Error(message), { status });

// One request to the server; resolves to the JSON reply (null for 204), throws an Error with .status.
async function api(method, path, fields) {
	const headers = fields ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {};
	if (method !== 'GET' && me) headers['X-CSRF-Token'] = me.csrf;
	const body = fields && new URLSearchParams(fields).toString();
	const opts = { method, headers, body, credentials: 'same-origin', cache: 'no-store' };
	const res = await fetch(path, opts).catch(() => { throw apiError(0, 'Cannot reach the server'); });
	if (res.status === 204) return null;
	// A reply that is not JSON (a proxy's error page, say) falls back to the status line.
	const data = await res.json().catch(() => null);
	if (!res.ok) throw apiError(res.status, (data && data.error) || `${res.status} ${res.statusText}`);
	return data;
}

// Comparing first keeps the DOM, and screen readers, quiet when nothing changed.
function setText(node, text) {
	if (node.textContent !== text) node.textContent = text;
}
function setStatus(text, bad) {
	$('status').classList.toggle('error', !!bad);
	setText($('status'), text);
}

function el(tag, className = '', textContent = '') {
	return Object.assign(document.createElement(tag), { className, textContent });
}

// --- Views
function showLogin(message) {
	session++;
	clearTimeout(pollTimer);
	me = null;
	for (const d of document.querySelectorAll('dialog[open]')) d.close();
	cards.clear();
	heads.clear();
	grid.textContent = '';
	current = null;
	pollFailing = false;
	setStatus('');
	$('password').value = '';
	$('dashboard').hidden = true;
	$('login').hidden = false;
	setText($('login-error'), message || '');
	($('user').value ? $('password') : $('user')).focus();
}

function enter(who) {
	session++;
	me = who;
	setText($('whoami'), `${who.user} (${who.role})`);
	$('login').hidden = true;
	$('dashboard').hidden = false;
	$('room-actions').hidden = who.role !== 'admin';
	updateSelection();
	schedule(0);
}

// --- Polling: a setTimeout chain, so a slow server never gets requests piling up
function schedule(ms) {
	clearTimeout(pollTimer);
	pollTimer = setTimeout(poll, ms);
}

async function poll() {
	const gen = session;
	let delay = 1000;
	// A station opened large has the server to itself: the grid's pictures would make its input
	// and its picture wait behind one screenshot a station.
	if (view) return schedule(delay);
	polling = true;
	try {
		const data = await api('GET', '/api/stations');
		if (gen !== session) return;
		render(data);
		if (pollFailing && $('status').textContent.startsWith(REFRESH)) setStatus('');
		pollFailing = false;
	} catch (e) {
		if (gen !== session) return;
		if (e.status === 401) return showLogin(EXPIRED);
		delay = 5000;
		if (!pollFailing)	// announce the first failure, not one every 5 s
			setStatus(`${REFRESH}: ${e.message}`, true);
		pollFailing = true;
	} finally {
		polling = false;
	}
	if (gen === session) schedule(delay);
}

// After an action, show its effect without waiting for the next tick (unless one is in flight).
function refreshSoon() {
	if (me && !polling) schedule(150);
}

// --- Cards
// Another host's station's requests name it: host=.
const where = (c) => (c.host ? { host: c.host } : {});
const keyOf = (host, id) => (host ? `${host}/${id}` : id);

function makeCard(key, host, id) {
	const c = { key, host, id, thumb: undefined, station: null, el: el('li', 'station') };
	c.el.dataset.station = key;
	if (host) c.el.dataset.host = host;
	c.el.tabIndex = -1;	// a click anywhere on the card makes it the current one
	const label = el('label', 'pick');
	c.check = Object.assign(el('input', 'select'), { type: 'checkbox' });
	c.check.addEventListener('change', updateSelection);
	c.name = el('span', 'name');
	c.idText = el('span', 'id');
	label.append(c.check, c.name, c.idText);
	c.img = Object.assign(el('img', 'thumb'), { hidden: true });
	c.nopic = el('div', 'nopic', 'No picture');
	// Keep the failed URL: an unchanged picture is never fetched again.
	c.img.addEventListener('error', () => c.thumb && showPicture(c, false, 'Picture unavailable'));
	const frame = el('div', 'frame');
	frame.append(c.img, c.nopic);
	const facts = el('dl', 'facts');
	c.kind = el('dd', 'kind');
	c.user = el('dd', 'user');
	c.state = el('dd', 'state');
	facts.append(el('dt', '', 'Kind'), c.kind, el('dt', '', 'User'), c.user, el('dt', '', 'State'), c.state);
	c.badge = el('span', 'blocked', 'Blocked');
	c.el.append(label, frame, facts);
	const open = Object.assign(el('button', 'open', 'Open'), { type: 'button',
		title: 'Watch the station large, or take control of it' });
	open.addEventListener('click', () => openView(key));
	frame.addEventListener('dblclick', () => openView(key));
	c.el.append(open);
	if (me.role === 'admin') {	// teachers never see it: the server would refuse anyway
		const rename = Object.assign(el('button', 'rename', 'Rename…'), { type: 'button' });
		rename.addEventListener('click', () => renameStation(key));
		c.el.append(rename);
	}
	return c;
}

function updateCard(c, st) {
	c.station = st;
	const name = st.name || st.id;
	setText(c.name, name);
	setText(c.idText, name === st.id ? '' : `(${st.id})`);
	setText(c.kind, st.kind || '');
	setText(c.user, st.user || 'nobody');
	setText(c.state, st.state || '');
	c.el.classList.toggle('is-blocked', !!st.blocked);
	if (st.blocked && !c.badge.isConnected) c.el.firstChild.after(c.badge);
	else if (!st.blocked && c.badge.isConnected) c.badge.remove();
	if (c.img.alt !== `Screen of ${name}`) c.img.alt = `Screen of ${name}`;
	if (st.thumb === c.thumb) return;
	// v changes only when the picture does, so the src (and a fetch) only changes then too.
	c.thumb = st.thumb;
	if (st.thumb)
		c.img.src = `/api/thumb?${new URLSearchParams({ id: st.id, v: st.thumb, ...where(c) })}`;
	else
		c.img.removeAttribute('src');
	showPicture(c, !!st.thumb, 'No picture');
}

function showPicture(c, on, text) {
	c.img.hidden = !on;
	c.nopic.hidden = on;
	setText(c.nopic, text);
}

// Another host not reached (down at the logon here, its session there ended, or it refused):
// the teacher logs on there again with the password, which this page and server do not keep.
function hostLogonForm(name) {
	const form = el('form', 'host-logon');
	const label = el('label', '', `Password for ${name} `);
	const input = Object.assign(el('input'), { type: 'password', autocomplete: 'current-password',
		required: true });
	label.append(input);
	const button = Object.assign(el('button', '', 'Log on again'), { type: 'submit' });
	form.append(label, button);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const gen = session;
		button.disabled = true;	// one logon at a time: a second would count as a failure
		try {
			await api('POST', '/api/host-logon', { name, password: input.value });
			if (gen === session) setStatus(`Reached ${name}`);
		} catch (e) {
			if (gen !== session) return;
			if (e.status === 401) return showLogin(EXPIRED);
			setStatus(`${name}: ${e.message}`, true);
		} finally {
			input.value = '';
			button.disabled = false;
		}
		refreshSoon();
	});
	return form;
}

// A group's heading: the host's name and, for another host, whether it is reached.
function heading(name, state, why) {
	let h = heads.get(name);
	if (!h) {
		h = { el: el('li', 'host'), name: el('h2', 'host-name', name), state: el('span', 'host-state') };
		h.el.dataset.host = name;
		h.el.append(h.name, h.state);
		if (state) h.el.append(h.logon = hostLogonForm(name));
		heads.set(name, h);
	}
	const text = !state ? 'this host' : state === 'online' ? 'online' : `${state}${why ? `: ${why}` : ''}`;
	setText(h.state, text);
	h.el.classList.toggle('is-offline', !!state && state !== 'online');
	// No logon makes a host that shows another key than its pin the pinned one.
	if (h.logon) h.logon.hidden = state === 'online' || state === 'untrusted';
	return h.el;
}

// This host's stations, then each other host's under its heading (while dashboard.conf names
// any), in the server's order; a card is moved only when it is out of place.
function render(data) {
	const items = [];
	const groups = [{ host: '', list: data.stations || [] }];
	if (Array.isArray(data.hosts)) {
		items.push(heading(data.self || 'This host'));
		for (const h of data.hosts)
			if (h && typeof h.name === 'string') groups.push({ host: h.name, list: h.stations || [], h });
	}
	const seen = new Set();
	for (const g of groups) {
		if (g.h) items.push(heading(g.host, g.h.state || 'offline', g.h.why || ''));
		for (const st of g.list) {
			if (!st || typeof st.id !== 'string') continue;
			const key = keyOf(g.host, st.id);
			if (seen.has(key)) continue;
			seen.add(key);
			let c = cards.get(key);
			if (!c) cards.set(key, c = makeCard(key, g.host, st.id));
			updateCard(c, st);
			items.push(c.el);
		}
	}
	let prev = null;
	for (const node of items) {
		const want = prev ? prev.nextSibling : grid.firstChild;
		if (want !== node) grid.insertBefore(node, want);
		prev = node;
	}
	for (const [key, c] of cards) {
		if (!seen.has(key)) {
			c.el.remove();
			cards.delete(key);
		}
	}
	for (const [name, h] of heads) {
		if (!items.includes(h.el)) {
			h.el.remove();
			heads.delete(name);
		}
	}
	if (current && !cards.has(current)) current = null;
	updateSelection();
}

// --- Selection and targets
function selected() {
	return [...cards.values()].filter((c) => c.check.checked).map((c) => c.key);
}
function nameOf(key) {
	const c = cards.get(key);
	const name = (c && c.station && c.station.name) || (c ? c.id : key);
	return c && c.host ? `${name} (${c.host})` : name;
}

function updateSelection() {
	const ids = selected();
	for (const c of cards.values()) {
		c.el.classList.toggle('is-selected', c.check.checked);
		c.el.classList.toggle('is-current', !ids.length && c.key === current);
	}
	setText($('selection'), ids.length ? `${ids.length} of ${cards.size} selected`
		: current ? `Acting on ${nameOf(current)}` : 'No station selected');
}

grid.addEventListener('focusin', (ev) => {
	const card = ev.target.closest('.station');
	if (card) current = card.dataset.station;
	updateSelection();
});

// The stations an action applies to: the selection, else the current card; null if neither.
function targets() {
	const ids = selected();
	if (ids.length) return ids;
	if (current && cards.has(current)) return [current];
	setStatus('Select a station first', true);
	return null;
}
function describe(ids) {
	return ids.length === 1 ? nameOf(ids[0]) : `${ids.length} stations`;
}
function selectAll(on) {
	for (const c of cards.values()) c.check.checked = on;
	updateSelection();
}

// --- Dialogs: resolve to the returnValue set by the method="dialog" buttons ('' on Escape)
function openDialog(d, focus) {
	const back = document.activeElement;
	d.returnValue = '';
	d.showModal();
	focus.focus();
	return new Promise((resolve) => d.addEventListener('close', () => {
		if (back && back.isConnected) back.focus();
		resolve(d.returnValue);
	}, { once: true }));
}

async function askText(title, label, required, initial) {
	const ta = $('dialog-text');
	setText($('dialog-title'), title);
	setText($('dialog-label'), label);
	ta.value = initial || '';
	ta.required = required;
	return (await openDialog($('text-dialog'), ta)) === 'ok' ? ta.value : null;
}

async function confirmed(text, yes) {
	setText($('confirm-text'), text);
	setText($('confirm-ok'), yes);
	// Cancel has the focus, so a stray Enter logs nobody off.
	return (await openDialog($('confirm-dialog'), $('confirm-cancel'))) === 'ok';
}

// --- Actions: one request per station, in parallel; the status says what worked and groups errors
async function act(op, ids, text) {
	const gen = session;
	const errors = await Promise.all(ids.map((key) => {
		const c = cards.get(key);
		if (!c) return apiError(404, 'no such station any more');
		const fields = { op, id: c.id, ...(text ? { text } : {}), ...where(c) };
		return api('POST', '/api/action', fields).then(() => null, (e) => e);
	}));
	if (gen !== session) return;
	if (errors.some((e) => e && e.status === 401)) return showLogin(EXPIRED);
	const parts = [];
	const ok = ids.filter((id, i) => !errors[i]);
	if (ok.length)
		parts.push(op === 'rename' ? `Renamed ${ok[0]} to ${text}` : `${DONE[op]} ${ok.join(', ')}`);
	const byError = new Map();
	ids.forEach((id, i) => {
		if (errors[i]) byError.set(errors[i].message, (byError.get(errors[i].message) || []).concat(id));
	});
	for (const [message, failed] of byError) parts.push(`${failed.join(', ')}: ${message}`);
	setStatus(parts.join('. '), byError.size > 0);
	refreshSoon();
}

// A click handler for an action that needs no text.
const simple = (op) => () => {
	const ids = targets();
	if (ids) act(op, ids);
};

async function sendMessage() {
	const ids = targets();
	const text = ids && await askText(`Message to ${describe(ids)}`, 'Message', true);
	if (text === null) return;
	if (!text.trim()) return setStatus('Nothing sent: the message is empty', true);
	act('message', ids, text);
}

async function block() {
	const ids = targets();
	const text = ids && await askText(`Block ${describe(ids)}`, 'Message on the blocked screen (optional)', false);
	if (text !== null) act('block', ids, text.trim());
}

async function logoff() {
	const ids = targets();
	if (ids && await confirmed(`Log off ${describe(ids)}? Unsaved work will be lost.`, 'Log off'))
		act('logoff', ids);
}

// The current station's screen on the other selected ones, or on every other station.
async function project() {
	const src = current && cards.has(current) ? current : (targets() || [])[0];
	if (!src) return;
	const from = cards.get(src);
	const picked = [...cards.values()].filter((c) => c.check.checked && c.key !== src);
	// A host projects onto its own stations only: its broker draws them.
	if (picked.some((c) => c.host !== from.host))
		return setStatus(`A projection stays on one host: select stations of ${from.host || 'this host'} only`, true);
	const dsts = picked.map((c) => c.key);
	const onto = dsts.length ? describe(dsts) : `every other station${from.host ? ` of ${from.host}` : ''}`;
	if (await confirmed(`Show ${nameOf(src)} on ${onto}? Their input stops until you stop projecting.`,
		'Project'))
		act('project', [src], picked.map((c) => c.id).join(','));
}

async function launch() {
	const ids = targets();
	const text = ids && await askText(`Launch on ${describe(ids)}`,
		'Command (words parted by spaces; runs as each station\'s user)', true);
	if (text === null) return;
	const words = text.trim().split(/\s+/).filter(Boolean);
	if (!words.length) return setStatus('Nothing launched: the command is empty', true);
	act('launch', ids, words.join(' '));
}

async function renameStation(key) {
	const c = cards.get(key);
	const text = c && await askText(`Rename ${nameOf(key)}`, 'New name', true, (c.station && c.station.name) || c.id);
	if (text == null) return;	// cancelled, or the card went
	if (!text.trim()) return setStatus('Not renamed: the name is empty', true);
	act('rename', [key], text.trim());
}

// --- A station opened large: watched, and with View only unchecked, taken control of. Keys go as
// evdev codes by their place on the keyboard (the station's own layout gives them their meaning),
// the pointer as a place on the screen from 0 to 65535, through seatmuxd's keyboard and pointer on
// the station's seat.
const KEYS = { Escape: 1, Minus: 12, Equal: 13, Backspace: 14, Tab: 15, BracketLeft: 26,
	BracketRight: 27, Enter: 28, ControlLeft: 29, Semicolon: 39, Quote: 40, Backquote: 41,
	ShiftLeft: 42, Backslash: 43, Comma: 51, Period: 52, Slash: 53, ShiftRight: 54,
	NumpadMultiply: 55, AltLeft: 56, Space: 57, CapsLock: 58, NumLock: 69, ScrollLock: 70,
	NumpadSubtract: 74, NumpadAdd: 78, NumpadDecimal: 83, IntlBackslash: 86, F11: 87, F12: 88,
	NumpadEnter: 96, ControlRight: 97, NumpadDivide: 98, PrintScreen: 99, AltRight: 100, Home: 102,
	ArrowUp: 103, PageUp: 104, ArrowLeft: 105, ArrowRight: 106, End: 107, ArrowDown: 108,
	PageDown: 109, Insert: 110, Delete: 111, Pause: 119, MetaLeft: 125, MetaRight: 126,
	ContextMenu: 127 };
[...'1234567890'].forEach((d, i) => { KEYS[`Digit${d}`] = 2 + i; });
[...'QWERTYUIOP'].forEach((k, i) => { KEYS[`Key${k}`] = 16 + i; });
[...'ASDFGHJKL'].forEach((k, i) => { KEYS[`Key${k}`] = 30 + i; });
[...'ZXCVBNM'].forEach((k, i) => { KEYS[`Key${k}`] = 44 + i; });
for (let i = 1; i <= 10; i++) KEYS[`F${i}`] = 58 + i;
[71, 72, 73, 75, 76, 77, 79, 80, 81, 82].forEach((code, i) => { KEYS[`Numpad${[7, 8, 9, 4, 5, 6, 1, 2, 3, 0][i]}`] = code; });
const BATCH = 240;			// events a request (seatmuxd takes 256 a call)
const WATCHING = 'Watching: nothing you do reaches the station';
const IN_CONTROL = 'In control: your keyboard and mouse reach the station (Close or View only to stop)';

// {id, at, frame, control, queue: [[event...]], sending, down: Set of codes, wheel, ws, drawn}
let view = null;
const viewScreen = $('view-screen');
let takes = 0;		// control asked for, ever: a late answer's release must not end a newer one

function viewStatus(text, bad) {
	$('view-status').classList.toggle('error', !!bad);
	setText($('view-status'), text);
}

function openView(key) {
	const c = cards.get(key);
	if (view || !c) return;
	view = { id: c.id, at: where(c), frame: 0, control: false, queue: [], sending: false,
		down: new Set(), wheel: 0, ws: null, drawn: Promise.resolve() };
	setText($('view-title'), nameOf(key));
	$('view-only').checked = true;
	$('view-dialog').classList.remove('is-controlled');
	viewScreen.setAttribute('aria-label', `Screen of ${nameOf(key)}`);
	Object.assign(viewScreen.dataset, { messages: 0, areaFirst: 0, areaFewest: 0, areaLast: 0, stream: '' });
	viewScreen.getContext('2d').clearRect(0, 0, viewScreen.width, viewScreen.height);
	viewStatus(WATCHING);
	openDialog($('view-dialog'), viewScreen).then(closeView);
	// This host's station streams over a WebSocket, damage only; another host's is asked for picture
	// by picture, through this server.
	if (!c.host && 'WebSocket' in window) stream(view);
	else nextFrame(view);
}

// The stream: each binary message is a picture's changed tiles (stream.h), a text one an error.
function stream(v) {
	const ws = new WebSocket(`wss://${location.host}/api/stream?${new URLSearchParams({ id: v.id })}`);
	ws.binaryType = 'arraybuffer';
	v.ws = ws;
	viewScreen.dataset.stream = 'websocket';
	ws.addEventListener('message', (ev) => {
		if (view !== v) return;
		if (typeof ev.data === 'string') return streamError(v, JSON.parse(ev.data));
		v.drawn = v.drawn.then(() => drawTiles(v, ev.data));
	});
	ws.addEventListener('close', () => {
		if (view !== v || v.ws !== ws) return;
		// Gone (the server restarted, the link broke): picture by picture from now on.
		v.ws = null;
		nextFrame(v);
	});
}

function streamError(v, e) {
	const input = v.control || e.status === 409;
	if (e.status === 409 && v.control) {	// taken over, or gone unused: back to watching
		v.queue = [];
		v.control = false;
		$('view-only').checked = true;
		$('view-dialog').classList.remove('is-controlled');
	}
	viewStatus(`${input ? 'Input not sent' : 'No picture'}: ${e.error}`, true);
	v.errored = !input;
}

// Pictures again after a station had none: the status says what it said before.
function pictureBack(v) {
	if (!v.errored) return;
	v.errored = false;
	viewStatus(v.control ? IN_CONTROL : WATCHING);
}

async function drawTiles(v, buf) {
	const d = new DataView(buf);
	const w = d.getUint16(0, true), h = d.getUint16(2, true), n = d.getUint16(4, true);
	const parts = [];
	let area = 0;
	for (let i = 0, at = 6; i < n && at + 12 <= buf.byteLength; i++) {
		const len = d.getUint32(at + 8, true);
		parts.push({ x: d.getUint16(at, true), y: d.getUint16(at + 2, true),
			png: new Blob([new Uint8Array(buf, at + 12, len)], { type: 'image/png' }) });
		area += d.getUint16(at + 4, true) * d.getUint16(at + 6, true);
		at += 12 + len;
	}
	const bitmaps = await Promise.all(parts.map((p) => createImageBitmap(p.png)));
	if (view !== v) return;
	if (viewScreen.width !== w || viewScreen.height !== h)
		Object.assign(viewScreen, { width: w, height: h });
	const g = viewScreen.getContext('2d');
	parts.forEach((p, i) => g.drawImage(bitmaps[i], p.x, p.y));
	pictureBack(v);
	// For the tests (and the curious): how many pixels each change carried.
	const ds = viewScreen.dataset;
	ds.messages = Number(ds.messages) + 1;
	if (ds.messages === '1') ds.areaFirst = area;
	else ds.areaFewest = Math.min(Number(ds.areaFewest) || area, area);
	ds.areaLast = area;
}

// Picture by picture: the next once this one is shown, as fast as the station and the link allow.
async function nextFrame(v) {
	if (!v || view !== v) return;
	viewScreen.dataset.stream = 'pictures';
	try {
		const res = await fetch(`/api/view?${new URLSearchParams({ id: v.id, f: ++v.frame, ...v.at })}`,
			{ credentials: 'same-origin', cache: 'no-store' });
		if (!res.ok) throw new Error(`${res.status}`);
		const bitmap = await createImageBitmap(await res.blob());
		if (view !== v) return;
		if (viewScreen.width !== bitmap.width || viewScreen.height !== bitmap.height)
			Object.assign(viewScreen, { width: bitmap.width, height: bitmap.height });
		viewScreen.getContext('2d').drawImage(bitmap, 0, 0);
		viewScreen.dataset.messages = Number(viewScreen.dataset.messages) + 1;
		pictureBack(v);
		setTimeout(() => nextFrame(v), 100);
	} catch (e) {
		if (view !== v) return;
		viewStatus('No picture of the station just now', true);
		v.errored = true;
		setTimeout(() => nextFrame(v), 1000);
	}
}

function closeView() {
	const v = view;
	if (!v) return;
	view = null;
	if (v.ws) v.ws.close();
	if (v.control) {
		releaseKeys(v);
		v.control = false;
		api('POST', '/api/action', { op: 'release', id: v.id, ...v.at }).catch(() => {});
	}
}

async function setControl(on) {
	const v = view;
	if (!v || on === v.control) return;
	if (!on) {
		releaseKeys(v);
		v.control = false;
		$('view-dialog').classList.remove('is-controlled');
		viewStatus(WATCHING);
		await api('POST', '/api/action', { op: 'release', id: v.id, ...v.at }).catch(() => {});
		return;
	}
	viewStatus('Taking control…');
	const take = ++takes;
	try {
		await api('POST', '/api/action', { op: 'control', id: v.id, ...v.at });
	} catch (e) {
		if (e.status === 401) return showLogin(EXPIRED);
		if (view === v) {
			$('view-only').checked = true;
			viewStatus(`Cannot take control: ${e.message}`, true);
		}
		return;
	}
	if (view !== v || $('view-only').checked) {	// changed their mind while it was taken
		if (take === takes)	// not a newer take's to let go of
			api('POST', '/api/action', { op: 'release', id: v.id, ...v.at }).catch(() => {});
		return;
	}
	v.control = true;
	$('view-dialog').classList.add('is-controlled');
	viewStatus(IN_CONTROL);
	viewScreen.focus();
}

// Events go in order, one request at a time; a move replaces a move still waiting.
function send(v, events, isMove) {
	if (!v.control) return;
	const last = v.queue[v.queue.length - 1];
	if (isMove && last && last.move) v.queue[v.queue.length - 1] = Object.assign(events, { move: true });
	else v.queue.push(Object.assign(events, { move: isMove }));
	if (!v.sending) flush(v);
}

async function flush(v) {
	v.sending = true;
	while (v.queue.length && v.control && view === v) {
		const batch = [];
		while (v.queue.length && batch.length + v.queue[0].length <= BATCH) batch.push(...v.queue.shift());
		try {
			// Over the stream when there is one (its errors come back on it), else a request.
			if (v.ws && v.ws.readyState === WebSocket.OPEN) v.ws.send(batch.join(','));
			else await api('POST', '/api/input', { id: v.id, events: batch.join(','), ...v.at });
		} catch (e) {
			if (e.status === 401) return showLogin(EXPIRED);
			v.queue = [];
			if (e.status === 409) {	// taken over, or gone unused: back to watching
				v.control = false;
				$('view-only').checked = true;
				$('view-dialog').classList.remove('is-controlled');
			}
			viewStatus(`Input not sent: ${e.message}`, true);
		}
	}
	v.sending = false;
}

// Keys and buttons held go up (seatmuxd also lets go of what is held 10 s without input).
function releaseKeys(v) {
	const ups = [...v.down].map((code) => `1:${code}:0`);
	v.down.clear();
	if (ups.length) send(v, ups, false);
}

function onKey(ev, down) {
	const v = view;
	if (!v || !v.control) return;
	const code = KEYS[ev.code];
	ev.preventDefault();
	// Autorepeat is the station's own; a key it never saw go down does not go up.
	if (!code || ev.repeat || (!down && !v.down.has(code))) return;
	if (down) v.down.add(code);
	else v.down.delete(code);
	send(v, [`1:${code}:${down ? 1 : 0}`], false);
}

function place(ev) {
	const r = viewScreen.getBoundingClientRect();
	const at = (p, size) => Math.round(Math.min(Math.max(p / size, 0), 1) * 65535);
	return [`3:0:${at(ev.clientX - r.left, r.width)}`, `3:1:${at(ev.clientY - r.top, r.height)}`, '0:0:0'];
}

// Keys typed on the picture (click it, or Tab to it); the dialog's buttons stay the page's.
viewScreen.addEventListener('keydown', (ev) => onKey(ev, true));
viewScreen.addEventListener('keyup', (ev) => onKey(ev, false));
// In control, Escape is the station's, not the dialog's: Close ends control.
$('view-dialog').addEventListener('cancel', (ev) => { if (view && view.control) ev.preventDefault(); });
viewScreen.addEventListener('blur', () => view && releaseKeys(view));
// The buttons as the browser has them now (ev.buttons: a second button pressed or let go while
// another is held comes as a pointermove), sent where they differ from what the station was told;
// captured, so a button let go outside the picture is still let go at the station.
const HELD = [[1, 272], [2, 273], [4, 274]];	// ev.buttons' bits: left, right, middle
function syncButtons(ev) {
	const v = view;
	if (!v || !v.control) return;
	for (const [bit, code] of HELD) {
		const down = (ev.buttons & bit) !== 0;
		if (down === v.down.has(code)) continue;
		if (down) v.down.add(code);
		else v.down.delete(code);
		send(v, place(ev).concat(`1:${code}:${down ? 1 : 0}`), false);
	}
}
viewScreen.addEventListener('pointerdown', (ev) => {
	if (!view || !view.control) return;
	ev.preventDefault();
	viewScreen.setPointerCapture(ev.pointerId);
	viewScreen.focus();
	syncButtons(ev);
});
viewScreen.addEventListener('pointermove', (ev) => {
	if (!view) return;
	send(view, place(ev), true);
	syncButtons(ev);
});
viewScreen.addEventListener('pointerup', syncButtons);
for (const type of ['pointercancel', 'lostpointercapture'])
	viewScreen.addEventListener(type, (ev) => syncButtons({ buttons: 0, clientX: ev.clientX, clientY: ev.clientY }));
viewScreen.addEventListener('contextmenu', (ev) => { if (view && view.control) ev.preventDefault(); });
// A wheel click is 100 pixels or 3 lines of the browser's scrolling: a touchpad's many small
// steps add up to clicks rather than each being one.
viewScreen.addEventListener('wheel', (ev) => {
	const v = view;
	if (!v || !v.control) return;
	ev.preventDefault();
	v.wheel += ev.deltaMode === 0 ? ev.deltaY / 100 : ev.deltaMode === 1 ? ev.deltaY / 3 : ev.deltaY;
	const clicks = Math.max(-16, Math.min(16, Math.trunc(v.wheel)));
	if (!clicks) return;
	v.wheel -= clicks;
	send(v, place(ev).concat(`2:8:${-clicks}`), false);	// down the page: towards the user
}, { passive: false });
viewScreen.addEventListener('dragstart', (ev) => ev.preventDefault());
$('view-only').addEventListener('change', () => setControl(!$('view-only').checked));
$('view-close').addEventListener('click', () => $('view-dialog').close());
window.addEventListener('blur', () => view && releaseKeys(view));

// --- Wiring
$('login').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	$('login-button').disabled = true;	// no double submit, which would count as two failures
	setText($('login-error'), '');
	try {
		enter(await api('POST', '/api/login', { user: $('user').value, password: $('password').value }));
		$('password').value = '';
	} catch (e) {
		setText($('login-error'), e.message);
		$('password').focus();
		$('password').select();
	} finally {
		$('login-button').disabled = false;
	}
});

$('logout').addEventListener('click', async () => {
	const err = await api('POST', '/api/logout').then(() => null, (e) => e);
	// An expired session is as good as logged out; anything else means still logged on.
	if (err && err.status !== 401) return setStatus(`Could not log out: ${err.message}`, true);
	showLogin('');
});

$('act-identify').addEventListener('click', simple('identify'));
$('act-unblock').addEventListener('click', simple('unblock'));
$('act-message').addEventListener('click', sendMessage);
$('act-block').addEventListener('click', block);
$('act-logoff').addEventListener('click', logoff);
$('act-project').addEventListener('click', project);
$('act-unproject').addEventListener('click', simple('unproject'));
$('act-launch').addEventListener('click', launch);
// The room's own actions (administrators): map, and the mode.
const ROOM_DONE = {
	'map': 'Mapping: each head shows a letter; press it on that head\'s keyboard',
	'map-stop': 'Mapping stopped', 'mode-station': 'Station mode: a station at each head',
	'mode-console': 'Console mode: the console takes every head',
};
async function roomAction(op, ask) {
	if (ask && !await confirmed(ask, 'Switch')) return;
	try {
		await api('POST', '/api/room', { op });
		setStatus(ROOM_DONE[op]);
	} catch (e) {
		if (e.status === 401) return showLogin(EXPIRED);
		setStatus(`The room: ${e.message}`, true);
	}
	refreshSoon();
}
$('room-map').addEventListener('click', () => roomAction('map'));
$('room-map-stop').addEventListener('click', () => roomAction('map-stop'));
$('room-mode-station').addEventListener('click', () => roomAction('mode-station',
	'Switch to station mode? Each head becomes a station of its own.'));
$('room-mode-console').addEventListener('click', () => roomAction('mode-console',
	'Switch to console mode? The console takes every head; the stations\' sessions lose them.'));
$('select-all').addEventListener('click', () => selectAll(true));
$('select-none').addEventListener('click', () => selectAll(false));

// Start: the dashboard if a session cookie is still good, else the logon form.
api('GET', '/api/me').then(enter, (e) => showLogin(e.status === 401 ? '' : e.message));
