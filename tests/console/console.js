#!/usr/bin/env node
// console.js: a client of the one-time console (handlers/console.c) for
// tests/e2e/t_lxd: it opens the terminal and control WebSockets of a
// ticket through nginx, together as a real client must, optionally
// resizes the terminal over the control channel, types a line, and
// reads the terminal until a text shows up. It prints one JSON report
// on stdout and exits 0; the test judges the report.
//
// Usage: node console.js --url WS_URL [--header "Name: value"]...
//          [--send TEXT] [--expect TEXT] [--resize COLSxROWS]
//          [--only terminal|control] [--wait-close] [--timeout SECONDS]
// WS_URL is the console's url (ws://host:port/api/v1/...?ticket=...);
// the control channel's is the same with &channel=control. TEXT takes
// \n for a newline. Without --send and --expect it is a probe: it reports
// once every socket has opened or been refused, or, with --wait-close,
// once they have closed again.
'use strict';

const WebSocket = require('ws');

function args(argv) {
  const o = { headers: {}, timeout: 15 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    if (k === '--url') o.url = v;
    else if (k === '--header') {
      const c = v.indexOf(':');
      o.headers[v.slice(0, c).trim()] = v.slice(c + 1).trim();
    } else if (k === '--send') o.send = v.replace(/\\n/g, '\n');
    else if (k === '--expect') o.expect = v;
    else if (k === '--resize') o.resize = v.split('x').map(Number);
    else if (k === '--only') o.only = v;
    else if (k === '--wait-close') { o.waitClose = true; i--; }
    else if (k === '--timeout') o.timeout = Number(v);
    else throw new Error('unknown argument ' + k);
    i++;
  }
  if (!o.url) throw new Error('--url is required');
  return o;
}

function open(url, headers, report) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  report.opened = false;
  ws.on('open', () => { report.opened = true; });
  ws.on('unexpected-response', (req, res) => {
    report.status = res.statusCode;
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => {
      report.body = body.slice(0, 400);
      ws.terminate();		// refused: done with it
    });
  });
  ws.on('error', (e) => { report.error = e.message; });
  ws.on('close', (code) => { report.closed = code; });
  return ws;
}

function main() {
  const o = args(process.argv);
  const out = { terminal: { output: '' }, control: {}, found: false };
  const socks = {};
  let done = false;

  const finish = () => {
    if (done) return;
    done = true;
    for (const k of Object.keys(socks)) {
      try { socks[k].terminate(); } catch (e) { /* closed */ }
    }
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(0);
  };
  setTimeout(finish, o.timeout * 1000);

  if (o.only !== 'control') {
    const t = socks.terminal = open(o.url, o.headers, out.terminal);
    t.on('message', (d) => {
      out.terminal.output += d.toString();
      if (o.expect && out.terminal.output.includes(o.expect)) {
        out.found = true;
        finish();
      }
    });
    t.on('open', () => {
      // let the shell print its prompt (and a resize land) first
      setTimeout(() => { if (o.send) t.send(Buffer.from(o.send)); }, 600);
    });
    t.on('close', () => { if (o.expect) finish(); });
  }
  if (o.only !== 'terminal') {
    const c = socks.control = open(o.url + '&channel=control', o.headers,
      out.control);
    c.on('open', () => {
      if (o.resize) {
        c.send(JSON.stringify({ command: 'window-resize', args: {
          width: String(o.resize[0]), height: String(o.resize[1]) } }));
      }
    });

  }
  if (!o.expect) {
    // a probe: report once every socket has opened or failed (or closed)
    const check = setInterval(() => {
      const all = Object.values(socks).every((s) => o.waitClose ?
        s.readyState === WebSocket.CLOSED : s.readyState !== 0);
      if (all) { clearInterval(check); setTimeout(finish, 200); }
    }, 50);
  }
}

main();
