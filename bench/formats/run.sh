#!/usr/bin/env bash
# VDI and VMDK conversions, jimg against qemu-img in the same run on the same corpus:
#   raw -> vdi, raw -> vmdk (monolithicSparse), raw -> vmdk (streamOptimized, with and without -c),
#   vdi -> raw, vmdk (streamOptimized) -> raw.
# Corpus: a ${SIZE_MIB:-1024} MiB raw disk in 1 MiB pieces cycling through random data (incompressible),
# text-like data (compressible), a hole and a pattern, like a used guest disk. The VDI and stream
# sources for the reverse direction are written by qemu-img. Each conversion runs $RUNS times per
# tool, alternating; prints median seconds, the ratio jimg/qemu-img (below 1.0 = jimg faster) and
# the size of each output. vdi -> qcow2 waits for the qcow2 driver.
# A second table times the drivers alone (DriverThroughput.java: copy or read inside one JVM, after
# start-up, without the convert engine) against the same qemu-img medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../../jimg"
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-bench-formats.XXXXXX)}"
RUNS="${RUNS:-3}"
SIZE_MIB="${SIZE_MIB:-1024}"
trap '[[ -z "${KEEP:-}" ]] && rm -rf "$work"' EXIT

"$jimg" --version >/dev/null   # build before timing

src="$work/corpus.raw"
if [[ ! -f "$src" ]]; then
    python3 - "$src" "$SIZE_MIB" <<'PY'
import random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = b"the quick brown fox jumps over the lazy dog 0123456789 lorem ipsum dolor sit amet\n"
text = (words * (2 * 1048576 // len(words) + 1))
with open(path, "wb") as f:
    f.truncate(mib << 20)
    for i in range(mib):
        kind = i % 4
        f.seek(i << 20)
        if kind == 0:
            f.write(rnd.randbytes(1 << 20))
        elif kind == 1:
            start = rnd.randrange(len(words))
            f.write(text[start:start + (1 << 20)])
        elif kind == 3:
            f.write(bytes([i % 251 + 1]) * (1 << 20))
PY
fi
qemu-img convert -f raw -O vdi "$src" "$work/qemu-src.vdi"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$src" "$work/qemu-src-stream.vmdk"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN {print b - a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
size_of() { du -k --apparent-size "$1"* | awk '{s += $1} END {print int(s / 1024)}'; }

declare -A qemu_median
# bench NAME INPUT OUTPUT-EXT QEMU-ARGS... -- JIMG-ARGS...
bench() {
    local name="$1" in="$2" ext="$3"; shift 3
    local qargs=() jargs=()
    while [[ "$1" != "--" ]]; do qargs+=("$1"); shift; done
    shift
    jargs=("$@")
    local tq=() tj=()
    for ((r = 0; r < RUNS; r++)); do
        rm -f "$work"/out-q* "$work"/out-j*
        tq+=("$(seconds qemu-img convert "${qargs[@]}" "$in" "$work/out-q.$ext")")
        tj+=("$(seconds "$jimg" convert "${jargs[@]}" "$in" "$work/out-j.$ext")")
    done
    qemu-img compare -q "$work/out-q.$ext" "$work/out-j.$ext"
    local mq mj
    mq=$(printf '%s\n' "${tq[@]}" | median)
    mj=$(printf '%s\n' "${tj[@]}" | median)
    qemu_median["$name"]="$mq"
    printf '%-26s qemu-img %7.2fs  jimg %7.2fs  ratio %s  output qemu-img %5d MiB, jimg %5d MiB\n' \
        "$name" "$mq" "$mj" "$(ratio "$mj" "$mq")" "$(size_of "$work/out-q.$ext")" \
        "$(size_of "$work/out-j.$ext")"
}

echo "corpus: $SIZE_MIB MiB raw, $RUNS runs, $(nproc) cores"
# The baseline: what the convert engine itself costs, with no VDI or VMDK driver involved.
bench "raw -> raw (baseline)" "$src" raw -O raw -- -O raw
bench "raw -> vdi" "$src" vdi -O vdi -- -O vdi
bench "raw -> vmdk sparse" "$src" vmdk -O vmdk -- -O vmdk
bench "raw -> vmdk stream" "$src" vmdk -O vmdk -o subformat=streamOptimized -- -O vmdk -o subformat=streamOptimized
bench "raw -> vmdk stream -c" "$src" vmdk -c -O vmdk -o subformat=streamOptimized \
    -- -c -O vmdk -o subformat=streamOptimized
bench "vdi -> raw" "$work/qemu-src.vdi" raw -O raw -- -O raw
bench "vmdk stream -> raw" "$work/qemu-src-stream.vmdk" raw -O raw -- -O raw

# drivers NAME DriverThroughput-ARGS...: the median of $RUNS in-process runs against qemu-img's median.
drivers() {
    local name="$1"; shift
    local t=()
    for ((r = 0; r < RUNS; r++)); do
        rm -f "$work"/out-d*
        t+=("$("$java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/DriverThroughput.java" "$@" | tail -1)")
    done
    local md mq="${qemu_median[$name]}"
    md=$(printf '%s\n' "${t[@]}" | median)
    printf '%-26s qemu-img %7.2fs  driver %7.2fs  ratio %.2f\n' "$name" "$mq" "$md" "$(ratio "$md" "$mq")"
}
java="$("$jimg" --java-home)/bin/java"
jar="$here/../../cli/target/jimg.jar"
echo "drivers alone (in-process, no convert engine, JVM start-up excluded):"
drivers "raw -> vdi" write "$src" "$work/out-d.vdi" vdi
drivers "raw -> vmdk sparse" write "$src" "$work/out-d.vmdk" vmdk
drivers "raw -> vmdk stream -c" write "$src" "$work/out-d.vmdk" vmdk subformat=streamOptimized
drivers "vdi -> raw" read "$work/qemu-src.vdi"
drivers "vmdk stream -> raw" read "$work/qemu-src-stream.vmdk"
