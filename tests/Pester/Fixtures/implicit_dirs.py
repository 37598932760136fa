"""
implicit_dirs.py LAYOUT TAG

Reads the layers of an OCI image layout (bottom first) with python's tarfile and prints, one line each, the
directories whose final state comes from a layer that does not list them -- it only lists something below them
("srv/b", "srv/.wh.a" without "srv"), as umoci and buildah write layers. For each: path|mode|uid|gid|mtime, where
mode/uid/gid/mtime are those of the directory as the layers below left it (the metadata the layer keeps), or
0755, 0, 0 and "-" (no defined mtime) when no lower layer has it. Paths are escaped like treewalk.c's.

Whiteouts and opaque markers apply before the layer's entries (image-spec layer.md). Independent of PSContainer.
"""
import json
import os
import posixpath
import sys
import tarfile


def escape(path):
    out = []
    for b in path.encode('utf-8', 'surrogateescape'):
        out.append('\\x%02x' % b if b <= 0x20 or b >= 0x7f or chr(b) in '\\=,' else chr(b))
    return ''.join(out)


def layers(layout, tag):
    with open(os.path.join(layout, 'index.json')) as f:
        index = json.load(f)
    manifest = next(m for m in index['manifests'] if m.get('annotations', {}).get('org.opencontainers.image.ref.name') == tag)
    blob = lambda d: os.path.join(layout, 'blobs', *d.split(':'))
    with open(blob(manifest['digest'])) as f:
        return [blob(l['digest']) for l in json.load(f)['layers']]


def below(state, directory):
    prefix = directory.rstrip('/') + '/'
    return [p for p in state if p.startswith(prefix)]


def main(layout, tag):
    state = {}      # path -> ('dir', mode, uid, gid, mtime) | ('other',)
    implicit = {}   # path -> (mode, uid, gid, mtime or None), for paths last set implicitly
    for blob in layers(layout, tag):
        members = list(tarfile.open(blob))
        entries, whiteouts, opaque, touched = [], [], [], []
        for m in members:
            path = posixpath.normpath('/' + m.name)
            if path == '/':
                continue
            touched.append(path)
            base, parent = posixpath.basename(path), posixpath.dirname(path)
            if base == '.wh..wh..opq':
                opaque.append(parent)
            elif base.startswith('.wh..wh.'):
                continue
            elif base.startswith('.wh.'):
                whiteouts.append(posixpath.join(parent, base[4:]))
            else:
                entries.append((path, m))
        for d in opaque:
            for p in below(state, d):
                state.pop(p, None)
                implicit.pop(p, None)
        for w in whiteouts:
            for p in [w] + below(state, w):
                state.pop(p, None)
                implicit.pop(p, None)
        listed = {p for p, _ in entries}
        parents = set()
        for path in touched:
            a = posixpath.dirname(path)
            while a != '/':
                parents.add(a)
                a = posixpath.dirname(a)
        for a in sorted(parents - listed):
            s = state.get(a)
            if s and s[0] == 'dir':
                implicit[a] = s[1:]
            else:
                implicit[a] = (0o755, 0, 0, None)
                state[a] = ('dir', 0o755, 0, 0, None)
        for path, m in entries:
            if not m.isdir() and state.get(path, ('',))[0] == 'dir':
                for p in below(state, path):
                    state.pop(p, None)
                    implicit.pop(p, None)
            state[path] = ('dir', m.mode & 0o7777, m.uid, m.gid, int(m.mtime)) if m.isdir() else ('other',)
            implicit.pop(path, None)
    for path in sorted(implicit):
        mode, uid, gid, mtime = implicit[path]
        print('%s|%04o|%d|%d|%s' % (escape(path), mode, uid, gid, '-' if mtime is None else mtime))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
