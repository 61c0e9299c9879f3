// ui-size.js: the web console's JS and CSS bytes, as served (uncompressed)
// and gzipped, for tests/browser/ui.js (t_ui's limit) and lighthouse.js
// (bench/ui's figures).
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

// {js, css, total, gzipped, files} of every .js and .css under dir.
function uiSize(dir) {
	const o = { js: 0, css: 0, total: 0, gzipped: 0, files: 0 };
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const f = path.join(d, e.name);
			const m = /\.(js|css)$/.exec(e.name);
			if (e.isDirectory())
				walk(f);
			else if (m) {
				const b = fs.readFileSync(f);
				o[m[1]] += b.length;
				o.total += b.length;
				o.gzipped += zlib.gzipSync(b, { level: 6 }).length;
				o.files++;
			}
		}
	};
	walk(dir);
	return o;
}

module.exports = { uiSize };
