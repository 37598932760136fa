#!/usr/bin/python3
"""Builds a multi-platform OCI image layout from single-platform umoci layouts, for the tests only.

  oci_index.py --out DIR --tag TAG --image LAYOUT:TAG=os/arch[/variant] ... [--attestation os/arch]

Each --image's manifest is copied with its config rewritten to say the given os/architecture/variant
(so its config and manifest digests change, as a real cross build's would). The index lists them in
the order given, each with its platform. --attestation adds, first in the index, a BuildKit-style
attestation manifest (an in-toto statement layer, annotated vnd.docker.reference.type =
attestation-manifest) claiming the given platform, which a puller must skip by its annotation.
"""
import argparse, hashlib, json, os, shutil

p = argparse.ArgumentParser()
p.add_argument('--out', required=True)
p.add_argument('--tag', required=True)
p.add_argument('--image', action='append', required=True)
p.add_argument('--attestation')
args = p.parse_args()

os.makedirs(os.path.join(args.out, 'blobs', 'sha256'), exist_ok=True)
with open(os.path.join(args.out, 'oci-layout'), 'w') as f:
    json.dump({'imageLayoutVersion': '1.0.0'}, f)


def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(args.out, 'blobs', 'sha256', digest), 'wb') as f:
        f.write(data)
    return 'sha256:' + digest, len(data)


def read_blob(layout, digest):
    with open(os.path.join(layout, 'blobs', *digest.split(':')), 'rb') as f:
        return f.read()


def platform_of(text):
    parts = text.split('/')
    platform = {'os': parts[0], 'architecture': parts[1]}
    if len(parts) > 2:
        platform['variant'] = parts[2]
    return platform


entries = []
for spec in args.image:
    source, _, platform_text = spec.rpartition('=')
    layout, _, tag = source.rpartition(':')
    platform = platform_of(platform_text)
    with open(os.path.join(layout, 'index.json')) as f:
        index = json.load(f)
    descriptor = next(m for m in index['manifests'] if m.get('annotations', {}).get('org.opencontainers.image.ref.name') == tag)
    manifest = json.loads(read_blob(layout, descriptor['digest']))
    for layer in manifest['layers']:
        shutil.copyfile(os.path.join(layout, 'blobs', *layer['digest'].split(':')),
                        os.path.join(args.out, 'blobs', *layer['digest'].split(':')))
    config = json.loads(read_blob(layout, manifest['config']['digest']))
    config.update(platform)
    if 'variant' not in platform:
        config.pop('variant', None)
    digest, size = put(json.dumps(config).encode())
    manifest['config'].update({'digest': digest, 'size': size})
    digest, size = put(json.dumps(manifest).encode())
    entries.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': digest, 'size': size, 'platform': platform})

if args.attestation:
    statement = json.dumps({'_type': 'https://in-toto.io/Statement/v0.1', 'predicateType': 'https://spdx.dev/Document',
                            'subject': [{'name': 'psc-test', 'digest': {'sha256': entries[0]['digest'][7:]}}], 'predicate': {}}).encode()
    layer_digest, layer_size = put(statement)
    config_digest, config_size = put(json.dumps({'architecture': 'unknown', 'os': 'unknown', 'config': {},
                                                 'rootfs': {'type': 'layers', 'diff_ids': [layer_digest]}}).encode())
    attestation = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                   'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': config_digest, 'size': config_size},
                   'layers': [{'mediaType': 'application/vnd.in-toto+json', 'digest': layer_digest, 'size': layer_size,
                               'annotations': {'in-toto.io/predicate-type': 'https://spdx.dev/Document'}}]}
    digest, size = put(json.dumps(attestation).encode())
    entries.insert(0, {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': digest, 'size': size,
                       'platform': platform_of(args.attestation),
                       'annotations': {'vnd.docker.reference.digest': entries[0]['digest'],
                                       'vnd.docker.reference.type': 'attestation-manifest'}})

index_digest, index_size = put(json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                                           'manifests': entries}).encode())
with open(os.path.join(args.out, 'index.json'), 'w') as f:
    json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.index.v1+json', 'digest': index_digest,
                                                  'size': index_size, 'annotations': {'org.opencontainers.image.ref.name': args.tag}}]}, f)
print(index_digest)
