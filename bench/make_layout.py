#!/usr/bin/env python3
"""Writes OCI image layouts for the benchmarks with python3's tarfile, gzip and hashlib only.

The images are made independently of PSContainer's code, as every test image is.

  make_layout.py layers <dir> <count>     an image of <count> layers, each adding one small file
  make_layout.py big <dir> [<files>]       one layer with <files> small files (default 20000) and a 64 MiB file
  make_layout.py many <file.tar> <count>  a docker archive (docker save's format) of <count> distinct one-layer
                                          images, named localhost/bench/many:1 .. :<count>
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import time

MTIME = 1700000000


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def write_blob_from_file(layout, source):
    h = hashlib.sha256()
    size = 0
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    digest = h.hexdigest()
    os.replace(source, os.path.join(layout, "blobs", "sha256", digest))
    return "sha256:" + digest, size


def add_file(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = MTIME
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = MTIME
    tar.addfile(info)


class HashingWriter:
    """A file object that hashes what goes through it: the uncompressed tar's sha256 is the DiffID."""

    def __init__(self, inner):
        self.inner = inner
        self.hash = hashlib.sha256()

    def write(self, data):
        self.hash.update(data)
        return self.inner.write(data)

    def flush(self):
        self.inner.flush()


def write_layer(layout, fill):
    """Streams a gzip layer to a temp file; returns (descriptor, diff_id) without holding it in memory."""
    temp = os.path.join(layout, "blobs", "layer.tmp")
    with open(temp, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            hashing = HashingWriter(gz)
            with tarfile.open(fileobj=hashing, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                fill(tar)
    diff_id = "sha256:" + hashing.hash.hexdigest()
    digest, size = write_blob_from_file(layout, temp)
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}, diff_id


def finish(layout, layers, diff_ids, tag="latest"):
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MTIME))
    config = {
        "created": created,
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": created, "created_by": "make_layout.py layer %d" % i} for i in range(len(layers))],
    }
    config_digest, config_size = write_blob(layout, json.dumps(config).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": layers,
    }
    manifest_digest, manifest_size = write_blob(layout, json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    }
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def write_many(path, count):
    """A docker archive of count images, each with its own small layer and config (so its own id), all tagged."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MTIME))
    entries = []
    with tarfile.open(path, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for i in range(1, count + 1):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as layer:
                add_dir(layer, "many")
                add_file(layer, "many/%03d" % i, ("image %d\n" % i).encode())
            layer_data = buffer.getvalue()
            diff_id = "sha256:" + hashlib.sha256(layer_data).hexdigest()
            layer_name = diff_id.split(":")[1] + "/layer.tar"
            add_file(archive, layer_name, layer_data)
            config = {
                "created": created,
                "architecture": "amd64",
                "os": "linux",
                "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                "history": [{"created": created, "created_by": "make_layout.py many %d" % i}],
            }
            config_data = json.dumps(config).encode()
            config_name = hashlib.sha256(config_data).hexdigest() + ".json"
            add_file(archive, config_name, config_data)
            entries.append({"Config": config_name, "RepoTags": ["localhost/bench/many:%d" % i], "Layers": [layer_name]})
        add_file(archive, "manifest.json", json.dumps(entries).encode())


def main():
    kind, layout = sys.argv[1], sys.argv[2]
    if kind == "many":
        write_many(layout, int(sys.argv[3]))
        return
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    layers, diff_ids = [], []
    if kind == "layers":
        for i in range(int(sys.argv[3])):
            def fill(tar, i=i):
                add_dir(tar, "layers")
                add_file(tar, "layers/%03d" % i, ("layer %d\n" % i).encode())
            descriptor, diff_id = write_layer(layout, fill)
            layers.append(descriptor)
            diff_ids.append(diff_id)
    elif kind == "big":
        files = int(sys.argv[3]) if len(sys.argv) > 3 else 20000

        def fill(tar):
            for d in range(files // 500):
                add_dir(tar, "data/%03d" % d)
            for n in range(files):
                add_file(tar, "data/%03d/file%05d.txt" % (n // 500, n), ("content of file %d\n" % n).encode() * 8)
            big = tarfile.TarInfo("data/big.bin")
            big.size = 64 << 20
            big.mode = 0o644
            big.mtime = MTIME
            block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB, poorly compressible is not needed
            tar.addfile(big, io.BytesIO(block * 64))
        descriptor, diff_id = write_layer(layout, fill)
        layers.append(descriptor)
        diff_ids.append(diff_id)
    else:
        raise SystemExit(__doc__)
    finish(layout, layers, diff_ids)


if __name__ == "__main__":
    main()
