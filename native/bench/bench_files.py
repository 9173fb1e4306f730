"""The files a probe wrote into one folder, read from that folder or from a .tgz of it (the form they come back
from the device machine in): [(base name, bytes)], sorted by name. Shared by the probes' table scripts."""
import os
import tarfile


def read_files(source):
    if os.path.isdir(source):
        names = sorted(os.listdir(source))
        out = []
        for name in names:
            with open(os.path.join(source, name), 'rb') as f:
                out.append((name, f.read()))
        return out
    with tarfile.open(source) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: os.path.basename(m.name))
        return [(os.path.basename(m.name), tar.extractfile(m).read()) for m in members]
