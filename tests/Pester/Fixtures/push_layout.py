#!/usr/bin/python3
"""Pushes one image of an OCI layout to a registry over the distribution API, for the tests only.

  push_layout.py --layout DIR --tag TAG --registry HOST:PORT --repository REPO [--decompress]

skopeo cannot do what this is for: with --decompress every gzip layer is pushed uncompressed, as
application/vnd.oci.image.layer.v1.tar (containers/image always compresses layers it sends to a
registry). Blobs go up monolithically (POST, then PUT ?digest=), the manifest last. Anonymous,
plain HTTP. Prints the digest of the manifest pushed.
"""
import argparse, gzip, hashlib, http.client, json, os, urllib.parse

p = argparse.ArgumentParser()
p.add_argument('--layout', required=True)
p.add_argument('--tag', required=True)
p.add_argument('--registry', required=True)
p.add_argument('--repository', required=True)
p.add_argument('--reference')
p.add_argument('--decompress', action='store_true')
args = p.parse_args()


def blob(digest):
    with open(os.path.join(args.layout, 'blobs', *digest.split(':')), 'rb') as f:
        return f.read()


def request(method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(args.registry, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status >= 300:
        raise SystemExit('%s %s: %d %s' % (method, path, response.status, response.reason))
    return response


def push(data):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    started = request('POST', '/v2/%s/blobs/uploads/' % args.repository, b'', {'Content-Length': '0'})
    location = urllib.parse.urlsplit(started.getheader('Location'))
    query = (location.query + '&' if location.query else '') + 'digest=' + urllib.parse.quote(digest)
    request('PUT', location.path + '?' + query, data, {'Content-Type': 'application/octet-stream', 'Content-Length': str(len(data))})
    return digest, len(data)


with open(os.path.join(args.layout, 'index.json')) as f:
    index = json.load(f)
entry = next(m for m in index['manifests'] if m.get('annotations', {}).get('org.opencontainers.image.ref.name') == args.tag)
manifest = json.loads(blob(entry['digest']))
digest, size = push(blob(manifest['config']['digest']))
for layer in manifest['layers']:
    data = blob(layer['digest'])
    if args.decompress and layer['mediaType'].endswith('+gzip'):
        data = gzip.decompress(data)
        layer['mediaType'] = layer['mediaType'][:-len('+gzip')]
    layer['digest'], layer['size'] = push(data)
body = json.dumps(manifest).encode()
request('PUT', '/v2/%s/manifests/%s' % (args.repository, args.reference or args.tag), body,
        {'Content-Type': manifest.get('mediaType', 'application/vnd.oci.image.manifest.v1+json'), 'Content-Length': str(len(body))})
print('sha256:' + hashlib.sha256(body).hexdigest())
