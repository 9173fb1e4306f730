#!/usr/bin/env bash
# Packs what a device call made into DEST as the device tool can return it: one gzipped tar NAME.tgz, or, past
# 15 MB, its parts NAME.tgz.partaa, NAME.tgz.partab, ... (the tool returns no file over 16 MB and at most 8
# files from $OUT, and empties $OUT between calls: s17 lost a 19.9 MB archive, s31 a folder of 10 files, s32
# had to fetch a 25 MB re-tar of split parts with a second call). Fails when DEST would then hold more than 8
# files. At home: `cat NAME.tgz* | tar xzf -`.
# usage: scripts/device-pack.sh NAME DEST TAR_ARGS...     e.g. (last step of a device command)
#   bash scripts/device-pack.sh probe "$OUT" -C /tmp/r halves halves.log card.txt
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
name="$1"; dest="$2"; shift 2
mkdir -p "$dest"
tar czf "$dest/$name.tgz.tmp" "$@"
rm -f "$dest/$name.tgz" "$dest/$name.tgz".part*
if [ "$(stat -c %s "$dest/$name.tgz.tmp")" -gt $(( 15 << 20 )) ]; then
  split -b 15M "$dest/$name.tgz.tmp" "$dest/$name.tgz.part" && rm -f "$dest/$name.tgz.tmp"
else
  mv "$dest/$name.tgz.tmp" "$dest/$name.tgz"
fi
files=$(find "$dest" -maxdepth 1 -type f | wc -l)
if [ "$files" -gt 8 ]; then
  echo "device-pack: $dest holds $files files; the device returns at most 8" >&2
  exit 1
fi
ls -la "$dest" | sed 's/^/device-pack: /' >&2
