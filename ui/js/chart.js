// chart.js: a small SVG line chart of the last samples, with the latest
// value in words beside it (the chart itself is decoration for readers
// who cannot see it: role img with a label that says the same).

import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 240, H = 60;

function svg(tag, attrs) {
	const el = document.createElementNS(NS, tag);
	for (const k of Object.keys(attrs))
		el.setAttribute(k, String(attrs[k]));
	return el;
}

// A chart: title, fmt(value) -> text, max (fixed top, or null: the
// samples' own). Returns {el, push(value, tag), clear()}; the figure's
// data-points is how many samples it holds, data-event the newest one's
// tag (the id of the event it came from).
export function sparkline(title, fmt, max, keep) {
	const pts = [];
	const n = keep || 60;
	const line = svg('polyline', { fill: 'none', stroke: 'currentColor',
	    'stroke-width': 2, points: '' });
	const area = svg('polygon', { class: 'area', points: '' });
	const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W,
	    height: H, role: 'img', 'aria-label': title + ': no samples yet',
	    preserveAspectRatio: 'none' });
	s.appendChild(area);
	s.appendChild(line);
	const now = h('span', { class: 'now', text: '-' });
	const el = h('figure', { class: 'chart' }, s,
	    h('figcaption', null, h('span', { text: title + ' ' }), now));

	function draw() {
		const top = max || Math.max(1, ...pts.map((p) => p.v)) * 1.1;
		// the samples there are span the width, until there are n
		const step = W / Math.max(1, pts.length - 1);
		const xy = pts.map((p, i) => (i * step).toFixed(1) +
		    ',' + (H - 2 - (H - 4) * Math.min(1, p.v / top)).toFixed(1));
		line.setAttribute('points', xy.join(' '));
		area.setAttribute('points', pts.length > 1 ? '0,' + H + ' ' +
		    xy.join(' ') + ' ' + W + ',' + H : '');
		const last = pts[pts.length - 1];
		now.textContent = last ? fmt(last.v) : '-';
		s.setAttribute('aria-label', title + ': ' + now.textContent +
		    ' now, ' + pts.length + ' samples');
	}
	return {
		el,
		push(v, tag) {
			if (typeof v !== 'number' || !isFinite(v))
				return;
			pts.push({ v });
			while (pts.length > n)
				pts.shift();
			draw();
			el.dataset.points = pts.length;
			if (tag !== undefined)
				el.dataset.event = tag;
			else
				delete el.dataset.event;
		},
		clear() {
			pts.length = 0;
			draw();
			el.dataset.points = 0;
		},
	};
}
