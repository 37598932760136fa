#!/usr/bin/python3
"""A fault-injecting HTTP proxy in front of a test registry, for the tests only.

Main port: forwards every request to --upstream and streams the answer back, unless a fault rule
matches. Rules (POST /__faults, a JSON list; GET /__log returns what was served; POST /__reset
clears both) are checked in order; each applies to at most `times` requests (-1: all):

  {"match": "<regex on the path>", "method": "GET", "action": "...", "times": 1, ...}
  action "status":   answer `status` (429, 500, ...) with optional `retryAfter`, forward nothing
  action "drop":     forward, but close the connection after `after` bytes of the body
  action "corrupt":  forward, flipping the byte at offset `after` of the body
  action "slow":     forward, sleeping `delay` seconds after every 64 KiB of the body
  action "redirect": answer 307 to the CDN port, which serves the same upstream path (with the
                     credentials of the original request, held server-side) -- a blob CDN

Second port (the CDN): /cdn/<ticket> serves a redirected request; /files/<name> serves files
registered with POST /__files {"name": "...", "path": "..."} (a layer's `urls`). Every request on
either port is logged with whether it carried an Authorization header -- never its value.
"""
import argparse, http.client, http.server, json, re, secrets, socket, socketserver, threading, time, urllib.parse

p = argparse.ArgumentParser()
p.add_argument('--port', type=int, required=True)
p.add_argument('--cdn-port', type=int, required=True)
p.add_argument('--upstream', required=True, help='host:port of the registry (plain HTTP)')
args = p.parse_args()

LOCK = threading.Lock()
RULES = []
LOG = []
TICKETS = {}
FILES = {}
HOP_HEADERS = {'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'}
# Host is kept: the registry builds upload Locations from it, and they must lead back through the proxy.


def take_rule(method, path):
    with LOCK:
        for rule in RULES:
            if rule.get('times', 1) == 0:
                continue
            if rule.get('method', method) != method or not re.search(rule['match'], path):
                continue
            if rule.get('times', 1) > 0:
                rule['times'] = rule.get('times', 1) - 1
            return dict(rule)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    port_name = 'main'

    def log_message(self, *a):
        pass

    def record(self, status, **extra):
        url = urllib.parse.urlsplit(self.path)
        entry = {'port': self.port_name, 'method': self.command, 'path': url.path, 'query': url.query, 'status': status,
                 'authorization': 'Authorization' in self.headers, 'range': self.headers.get('Range')}
        entry.update(extra)
        with LOCK:
            LOG.append(entry)

    def reply_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def body(self):
        length = int(self.headers.get('Content-Length', '0') or 0)
        return self.rfile.read(length) if length else None

    def control(self):
        path = urllib.parse.urlsplit(self.path).path
        global RULES, LOG
        if path == '/__faults' and self.command == 'POST':
            rules = json.loads(self.body() or b'[]')
            with LOCK:
                RULES = rules
            return self.reply_json(200, {})
        if path == '/__files' and self.command == 'POST':
            entry = json.loads(self.body())
            with LOCK:
                FILES[entry['name']] = entry['path']
            return self.reply_json(200, {})
        if path == '/__log':
            with LOCK:
                return self.reply_json(200, list(LOG))
        if path == '/__reset':
            with LOCK:
                RULES, LOG = [], []
            return self.reply_json(200, {})
        return self.reply_json(404, {})

    def forward(self, path_and_query, headers, rule=None, body=None):
        upstream = http.client.HTTPConnection(args.upstream, timeout=60)
        try:
            upstream.request(self.command, path_and_query, body=body, headers=headers)
            response = upstream.getresponse()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_HEADERS:
                    self.send_header(name, value)
            self.send_header('Connection', 'close')
            self.end_headers()
            self.close_connection = True
            sent = 0
            drop_at = rule['after'] if rule and rule['action'] == 'drop' else None
            flip_at = rule['after'] if rule and rule['action'] == 'corrupt' else None
            while self.command != 'HEAD':
                chunk = response.read(65536)
                if not chunk:
                    break
                if flip_at is not None and sent <= flip_at < sent + len(chunk):
                    i = flip_at - sent
                    chunk = chunk[:i] + bytes([chunk[i] ^ 0xFF]) + chunk[i + 1:]
                if drop_at is not None and sent + len(chunk) > drop_at:
                    self.wfile.write(chunk[:max(0, drop_at - sent)])
                    self.wfile.flush()
                    # An abrupt end in the middle of the body: the client sees a broken transfer.
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return response.status
                self.wfile.write(chunk)
                sent += len(chunk)
                if rule and rule['action'] == 'slow':
                    self.wfile.flush()
                    time.sleep(rule.get('delay', 0.05))
            return response.status
        finally:
            upstream.close()

    def forwarded_headers(self):
        return {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}

    def handle_main(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith('/__'):
            return self.control()
        body = self.body()
        rule = take_rule(self.command, path)
        if rule and rule['action'] == 'status':
            self.send_response(rule['status'])
            if 'retryAfter' in rule:
                self.send_header('Retry-After', str(rule['retryAfter']))
            self.send_header('Content-Length', '0')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.close_connection = True
            return self.record(rule['status'], fault='status')
        if rule and rule['action'] == 'redirect':
            ticket = secrets.token_hex(8)
            with LOCK:
                TICKETS[ticket] = (self.path, self.forwarded_headers())
            self.send_response(307)
            self.send_header('Location', 'http://127.0.0.1:%d/cdn/%s' % (args.cdn_port, ticket))
            self.send_header('Content-Length', '0')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.close_connection = True
            return self.record(307, fault='redirect')
        status = self.forward(self.path, self.forwarded_headers(), rule, body)
        self.record(status, fault=rule['action'] if rule else None)

    def handle_cdn(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith('/cdn/'):
            with LOCK:
                ticket = TICKETS.get(path[5:])
            if ticket is None:
                self.reply_json(404, {})
                return self.record(404)
            original, headers = ticket
            headers = dict(headers)
            if 'Range' in self.headers:
                headers['Range'] = self.headers['Range']
            status = self.forward(original, headers)
            return self.record(status)
        if path.startswith('/files/'):
            with LOCK:
                file = FILES.get(path[7:])
            if file is None:
                self.reply_json(404, {})
                return self.record(404)
            with open(file, 'rb') as f:
                data = f.read()
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.close_connection = True
            if self.command != 'HEAD':
                self.wfile.write(data)
            return self.record(200)
        self.reply_json(404, {})
        self.record(404)

    def dispatch(self):
        try:
            self.handle_cdn() if self.port_name == 'cdn' else self.handle_main()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = dispatch


class CdnHandler(Handler):
    port_name = 'cdn'


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


cdn = Server(('127.0.0.1', args.cdn_port), CdnHandler)
threading.Thread(target=cdn.serve_forever, daemon=True).start()
Server(('127.0.0.1', args.port), Handler).serve_forever()
