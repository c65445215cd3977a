#!/usr/bin/env bash
# Conversions between formats and qcow2 check, `jimg` against `qemu-img` in the same run
# (issues: qcow2, VDI/VMDK/VHD). Input: a raw image of $SIZE_MB MiB alternating 1 MiB of
# incompressible data, 1 MiB of text-like data and holes. Prints medians of $RUNS alternating
# runs and the ratio jimg/qemu-img (below 1.0: jimg faster). The compressed conversions use all
# cores in jimg (-m default); qemu-img compresses on one.
#
#   RUNS=5 bench/convert-formats.sh               all cases, 1 GiB input
#   SIZE_MB=4096 CASES='^raw -> qcow2$|^qcow2 -> raw$' bench/convert-formats.sh
#                                                 the cases whose names match an extended regex
#   BENCH_DIR=dir KEEP=1 ...                      keep (and reuse) the inputs in dir
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib.sh"
jimg="$here/../jimg"
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-bench.XXXXXX)}"
RUNS="${RUNS:-3}"
SIZE_MB="${SIZE_MB:-1024}"
trap '[[ -z "${KEEP:-}" ]] && rm -rf "$work"' EXIT
mkdir -p "$work"
"$jimg" --version >/dev/null

src="$work/in-${SIZE_MB}m.raw"
if [[ ! -f $src ]]; then
    python3 - "$src" "$SIZE_MB" <<'PY'
import os, random, sys
path, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = [b"qcow2", b"cluster", b"refcount", b"snapshot", b"the", b"guest", b"block", b"\n"]
with open(path, "wb") as f:
    for i in range(mb):
        if i % 3 == 2:
            f.seek(1 << 20, 1)
        elif i % 3 == 0:
            f.write(os.urandom(1 << 20))
        else:
            buf = bytearray()
            while len(buf) < (1 << 20):
                buf += rnd.choice(words) + b" "
            f.write(bytes(buf[: 1 << 20]))
    f.truncate(mb << 20)
PY
fi
w=$work
# Whether a case of that name is to run.
wanted() { [[ -z ${CASES:-} ]] || grep -Eq -- "$CASES" <<<"$1"; }
# Inputs in each format, made once by qemu-img (and only for the cases that run).
in=$w/in-${SIZE_MB}m
for f in qcow2 vdi vpc vhdx; do
    [[ $f == qcow2 ]] && name="qcow2 -> raw" || name="$f -> qcow2"
    wanted "$name" && [[ ! -f $in.$f ]] && qemu-img convert -O $f "$src" "$in.$f"
done
wanted "vmdk(stream) -> qcow2" && [[ ! -f $in-stream.vmdk ]] &&
    qemu-img convert -O vmdk -o subformat=streamOptimized "$src" "$in-stream.vmdk"
wanted "check 64G qcow2" && [[ ! -f $w/big.qcow2 ]] && { qemu-img create -q -f qcow2 "$w/big.qcow2" 64G
    cmds=(); for ((i = 0; i < 512; i++)); do cmds+=(-c "write -P $((i % 251 + 1)) $((i * 127 + 3))M 1M"); done
    qemu-io -f qcow2 "${cmds[@]}" "$w/big.qcow2" >/dev/null; }

echo "input: $SIZE_MB MiB raw, 1/3 random, 1/3 text, 1/3 holes; $RUNS runs each; load $(cut -d' ' -f1-3 /proc/loadavg)"
c() {
    wanted "$1" || return 0
    compare "$1" "$RUNS" "$w/q.out" "$w/j.out" -- "${@:2}"
}
c "raw -> qcow2"            qemu-img convert -O qcow2 "$src" "$w/q.out" -- "$jimg" convert -O qcow2 "$src" "$w/j.out"
c "qcow2 -> raw"            qemu-img convert -O raw "$in.qcow2" "$w/q.out" -- "$jimg" convert -O raw "$in.qcow2" "$w/j.out"
c "raw -> qcow2 -c zlib"    qemu-img convert -c -O qcow2 "$src" "$w/q.out" -- "$jimg" convert -c -O qcow2 "$src" "$w/j.out"
c "raw -> qcow2 -c zstd"    qemu-img convert -c -O qcow2 -o compression_type=zstd "$src" "$w/q.out" -- \
                            "$jimg" convert -c -O qcow2 -o compression_type=zstd "$src" "$w/j.out"
c "check 64G qcow2"         qemu-img check "$w/big.qcow2" -- "$jimg" check "$w/big.qcow2"
c "vdi -> qcow2"            qemu-img convert -O qcow2 "$in.vdi" "$w/q.out" -- "$jimg" convert -O qcow2 "$in.vdi" "$w/j.out"
c "vmdk(stream) -> qcow2"   qemu-img convert -O qcow2 "$in-stream.vmdk" "$w/q.out" -- \
                            "$jimg" convert -O qcow2 "$in-stream.vmdk" "$w/j.out"
c "vpc -> qcow2"            qemu-img convert -O qcow2 "$in.vpc" "$w/q.out" -- "$jimg" convert -O qcow2 "$in.vpc" "$w/j.out"
c "vhdx -> qcow2"           qemu-img convert -O qcow2 "$in.vhdx" "$w/q.out" -- "$jimg" convert -O qcow2 "$in.vhdx" "$w/j.out"
c "raw -> vmdk"             qemu-img convert -O vmdk "$src" "$w/q.out" -- "$jimg" convert -O vmdk "$src" "$w/j.out"
c "raw -> vmdk(stream)"     qemu-img convert -O vmdk -o subformat=streamOptimized "$src" "$w/q.out" -- \
                            "$jimg" convert -O vmdk -o subformat=streamOptimized "$src" "$w/j.out"
c "raw -> vdi"              qemu-img convert -O vdi "$src" "$w/q.out" -- "$jimg" convert -O vdi "$src" "$w/j.out"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
