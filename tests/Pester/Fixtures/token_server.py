#!/usr/bin/python3
"""A token server for distribution's `auth: token` mode, for the tests only.

Implements the token authentication specification (GET with optional Basic credentials, offline_token
for refresh tokens) and its OAuth2 variant (POST grant_type=password|refresh_token). Tokens are JWTs
signed RS256 with a key the test generates; the certificate goes in the JWT's x5c header and in the
registry's rootcertbundle. Policy: authenticated users get every action they ask for; anonymous
clients get pull on repositories under the --public prefix and nothing else.

Every request is appended to --log as one JSON line, so tests can count token fetches and see
which credentials were used (never the secrets themselves).
"""
import argparse, base64, http.server, json, secrets, socketserver, threading, time, urllib.parse
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

p = argparse.ArgumentParser()
p.add_argument('--port', type=int, required=True)
p.add_argument('--key', required=True)
p.add_argument('--cert', required=True)
p.add_argument('--issuer', required=True)
p.add_argument('--users', required=True, help='JSON file {"user": "password"}')
p.add_argument('--log', required=True)
p.add_argument('--expires', type=int, default=300)
p.add_argument('--public', default='public/')
args = p.parse_args()

with open(args.key, 'rb') as f:
    KEY = serialization.load_pem_private_key(f.read(), password=None)
with open(args.cert, 'rb') as f:
    CERT = x509.load_pem_x509_certificate(f.read())
X5C = base64.b64encode(CERT.public_bytes(serialization.Encoding.DER)).decode()
with open(args.users) as f:
    USERS = json.load(f)
REFRESH = {}          # refresh token -> user
LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def jwt(claims):
    header = {'typ': 'JWT', 'alg': 'RS256', 'x5c': [X5C]}
    signing_input = b64url(json.dumps(header).encode()) + '.' + b64url(json.dumps(claims).encode())
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + '.' + b64url(signature)


def grant(user, scopes):
    access = []
    for scope in scopes:
        for part in scope.split(' '):
            fields = part.split(':')
            if len(fields) < 3 or fields[0] != 'repository':
                continue
            name, actions = ':'.join(fields[1:-1]), fields[-1].split(',')
            if user is None:
                actions = [a for a in actions if a == 'pull' and name.startswith(args.public)]
            if actions:
                access.append({'type': 'repository', 'name': name, 'actions': actions})
    return access


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def record(self, **fields):
        with LOCK, open(args.log, 'a') as f:
            f.write(json.dumps(fields) + '\n')

    def answer(self, status, body, extra=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def basic_user(self):
        header = self.headers.get('Authorization', '')
        if not header.lower().startswith('basic '):
            return None, False
        user, _, password = base64.b64decode(header[6:]).decode().partition(':')
        return user, USERS.get(user) == password

    def issue(self, user, service, scopes, offline, method, grant_type=None):
        access = grant(user, scopes)
        now = int(time.time())
        claims = {'iss': args.issuer, 'sub': user or '', 'aud': service, 'exp': now + args.expires,
                  'nbf': now - 10, 'iat': now, 'jti': secrets.token_hex(8), 'access': access}
        token = jwt(claims)
        body = {'token': token, 'access_token': token, 'expires_in': args.expires,
                'issued_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}
        if offline and user:
            refresh = secrets.token_hex(16)
            with LOCK:
                REFRESH[refresh] = user
            body['refresh_token'] = refresh
        self.record(method=method, user=user, scopes=scopes, granted=access, offline=offline, grant_type=grant_type, status=200)
        self.answer(200, body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == '/healthz':
            return self.answer(200, {})
        if url.path != '/token':
            return self.answer(404, {})
        query = urllib.parse.parse_qs(url.query)
        user, valid = self.basic_user()
        if user is not None and not valid:
            self.record(method='GET', user=user, scopes=query.get('scope', []), status=401)
            return self.answer(401, {'details': 'wrong user name or password'}, {'WWW-Authenticate': 'Basic realm="token"'})
        self.issue(user, query.get('service', [''])[0], query.get('scope', []), query.get('offline_token', [''])[0] == 'true', 'GET')

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != '/token':
            return self.answer(404, {})
        length = int(self.headers.get('Content-Length', '0'))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        grant_type = form.get('grant_type', [''])[0]
        scopes = form.get('scope', [''])[0].split(' ') if form.get('scope') else []
        service = form.get('service', [''])[0]
        if grant_type == 'refresh_token':
            with LOCK:
                user = REFRESH.get(form.get('refresh_token', [''])[0])
            if user is None:
                self.record(method='POST', grant_type=grant_type, scopes=scopes, status=401)
                return self.answer(401, {'error': 'invalid_grant'})
            return self.issue(user, service, scopes, False, 'POST', grant_type)
        if grant_type == 'password':
            user = form.get('username', [''])[0]
            if USERS.get(user) != form.get('password', [''])[0]:
                self.record(method='POST', grant_type=grant_type, user=user, scopes=scopes, status=401)
                return self.answer(401, {'error': 'invalid_grant'})
            return self.issue(user, service, scopes, form.get('access_type', [''])[0] == 'offline', 'POST', grant_type)
        self.record(method='POST', grant_type=grant_type, scopes=scopes, status=400)
        return self.answer(400, {'error': 'unsupported_grant_type'})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(('127.0.0.1', args.port), Handler).serve_forever()
