#!/usr/bin/env python3
"""A loopback backend for tests/e2e/t_proxy: one port, answering every
request with JSON naming that port, the path and the headers it got.

  GET /sleep/<ms>...   waits ms milliseconds first
  GET /status/<code>   answers with that status
  GET ... with Upgrade: websocket   a WebSocket echo (text and binary)

Usage: proxy_backend.py PORT.  It serves until it is killed."""

import base64
import hashlib
import http.server
import json
import socketserver
import struct
import sys
import time

PORT = int(sys.argv[1])
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status = 200
        parts = self.path.split("/")
        if len(parts) > 2 and parts[1] == "sleep":
            time.sleep(int(parts[2].split("?")[0]) / 1000.0)
        if len(parts) > 2 and parts[1] == "status":
            status = int(parts[2].split("?")[0])
        body = json.dumps({"port": PORT, "path": self.path,
                           "method": self.command,
                           "headers": dict(self.headers)}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = answer

    def do_OPTIONS(self):
        self.answer()

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1(
            (key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, n = head[0] & 0x0F, head[1] & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.rfile.read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in
                         enumerate(self.rfile.read(n)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                return
            out = bytes([0x80 | opcode])
            if len(data) < 126:
                out += bytes([len(data)])
            else:
                out += bytes([126]) + struct.pack(">H", len(data))
            self.wfile.write(out + data)
            self.wfile.flush()
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


Server(("127.0.0.1", PORT), Handler).serve_forever()
