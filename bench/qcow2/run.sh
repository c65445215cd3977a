#!/usr/bin/env bash
# qcow2 benchmark: jimg's qcow2 driver against qemu-img in the same run.
#   raw->qcow2, qcow2->raw, convert -c with zlib and zstd, check of a 64 GiB sparse image.
# jimg runs through a small Java main (Qcow2Bench in img-formats' test sources) until the CLI's
# convert verb is available; its times include JVM start-up. Targets are written without flushes,
# as qemu-img convert's default cache=unsafe does. Usage: bench/qcow2/run.sh [size-in-MiB] (default 1024)
# Each figure is the best of two alternating runs; "jimg s" includes JVM start-up and warm-up,
# "in-process" is the conversion alone as Qcow2Bench measures it. Plain copies use 4 threads
# (qemu-img keeps 8 requests in flight), compression 2 workers with writes in guest order.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
size_mb="${1:-1024}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$here"
mvn -q -o -pl img-formats -am test-compile >/dev/null
mvn -q -o -pl img-formats dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test >/dev/null
cp="img-formats/target/test-classes:img-formats/target/classes:block-layer/target/classes:block-layer/target/test-classes:$(cat "$work/cp.txt")"
jimg() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.jimg.formats.qcow2.Qcow2Bench "$@" | awk '{print $2}' >"$work/inproc"; }

# Input: alternating 1 MiB chunks of incompressible and text-like data, with a few holes.
python3 - "$work/in.raw" "$size_mb" <<'PY'
import os, random, sys
path, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = [b"qcow2", b"cluster", b"refcount", b"snapshot", b"the", b"guest", b"block", b"layer", b"\n"]
with open(path, "wb") as f:
    for i in range(mb):
        if i % 16 == 15:
            f.seek(1 << 20, 1)          # a hole
        elif i % 2 == 0:
            f.write(os.urandom(1 << 20))
        else:
            buf = bytearray()
            while len(buf) < (1 << 20):
                buf += rnd.choice(words) + b" "
            f.write(bytes(buf[: 1 << 20]))
    f.truncate(mb << 20)
PY

t() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
row() { printf "%-22s %10s %10s %11s %8s\n" "$1" "$2" "$3" "$4" "$5"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
# bench NAME QEMU-CMD... -- JIMG-ARGS...: best of two alternating runs each.
bench() {
  local name="$1"; shift
  local qcmd=() jargs=()
  while [[ "$1" != "--" ]]; do qcmd+=("$1"); shift; done; shift; jargs=("$@")
  local q1 q2 j1 j2 i1 i2
  q1=$(t "${qcmd[@]}"); j1=$(t jimg "${jargs[@]}"); i1=$(cat "$work/inproc")
  q2=$(t "${qcmd[@]}"); j2=$(t jimg "${jargs[@]}"); i2=$(cat "$work/inproc")
  local q j i; q=$(min "$q1" "$q2"); j=$(min "$j1" "$j2"); i=$(min "$i1" "$i2")
  row "$name" "$q" "$j" "$i" "$(ratio "$q" "$j")"
}

sync
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
row "operation" "qemu-img s" "jimg s" "in-process" "speedup"
bench "raw->qcow2 ${size_mb}M" qemu-img convert -O qcow2 "$work/in.raw" "$work/q.qcow2" -- to-qcow2 "$work/in.raw" "$work/j.qcow2"
bench "qcow2->raw ${size_mb}M" qemu-img convert -O raw "$work/q.qcow2" "$work/q.raw" -- to-raw "$work/j.qcow2" "$work/j.raw"
cmp "$work/q.raw" "$work/j.raw"
bench "convert -c zlib" qemu-img convert -c -O qcow2 "$work/in.raw" "$work/qz.qcow2" -- compress-zlib "$work/in.raw" "$work/jz.qcow2" 2
bench "convert -c zstd" qemu-img convert -c -O qcow2 -o compression_type=zstd "$work/in.raw" "$work/qs.qcow2" -- compress-zstd "$work/in.raw" "$work/js.qcow2" 2
qemu-img compare -q "$work/jz.qcow2" "$work/in.raw" && qemu-img compare -q "$work/js.qcow2" "$work/in.raw"
printf "sizes: zlib qemu %s jimg %s, zstd qemu %s jimg %s\n" "$(stat -c %s "$work/qz.qcow2")" "$(stat -c %s "$work/jz.qcow2")" \
  "$(stat -c %s "$work/qs.qcow2")" "$(stat -c %s "$work/js.qcow2")"

# 64 GiB sparse image: 64 KiB of data every 64 MiB.
qemu-img create -q -f qcow2 "$work/big.qcow2" 64G
cmds=(); for ((i = 0; i < 1024; i++)); do cmds+=(-c "write -q -P $((i % 250 + 1)) $((i * 64))M 64k"); done
qemu-io -f qcow2 "${cmds[@]}" "$work/big.qcow2" >/dev/null
bench "check 64G sparse" qemu-img check -q "$work/big.qcow2" -- check "$work/big.qcow2"
