#!/usr/bin/env bash
# raw -> raw convert, jimg against qemu-img in the same run (issue: foundation benchmark).
#  1. a 4 GiB raw image about half filled with data (1 MiB written, 1 MiB hole, ...)
#  2. a 64 GiB sparse raw image with 1 GiB of data scattered in 1 MiB pieces
# Each conversion runs $RUNS times per tool, alternating, each run after the page cache's dirty
# pages drained (lib.sh settle); prints median and min-max times, the ratio jimg/qemu-img (below
# 1.0 = jimg faster), the allocated size of each output and the load average.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-bench.XXXXXX)}"
RUNS="${RUNS:-7}"
trap '[[ -z "${KEEP:-}" ]] && rm -rf "$work"' EXIT

"$jimg" --version >/dev/null   # build before timing

half="$work/half-4g.raw"
sparse="$work/sparse-64g.raw"
if [[ ! -f "$half" ]]; then
    qemu-img create -q -f raw "$half" 4G
    cmds=()
    for ((i = 0; i < 4096; i += 2)); do cmds+=(-c "write -P $((i % 251 + 1)) ${i}M 1M"); done
    qemu-io -f raw "${cmds[@]}" "$half" >/dev/null
fi
if [[ ! -f "$sparse" ]]; then
    qemu-img create -q -f raw "$sparse" 64G
    cmds=()
    RANDOM=42
    for ((i = 0; i < 1024; i++)); do
        off=$(( (RANDOM * 32768 + RANDOM) % 65536 ))
        cmds+=(-c "write -P $((i % 251 + 1)) ${off}M 1M")
    done
    qemu-io -f raw "${cmds[@]}" "$sparse" >/dev/null
fi

source "$here/lib.sh"

echo "$RUNS alternating runs per tool after one untimed each, writeback drained before each; load $(load)"
for src in "$half" "$sparse"; do
    compare "$(basename "$src")" "$RUNS" "$work/out-q.raw" "$work/out-j.raw" -- \
        qemu-img convert -O raw "$src" "$work/out-q.raw" -- "$jimg" convert -O raw "$src" "$work/out-j.raw"
    qemu-img compare -q "$work/out-q.raw" "$work/out-j.raw"
    printf '%-28s allocated qemu-img %d MiB, jimg %d MiB\n' "" \
        $(( $(allocated "$work/out-q.raw") >> 20 )) $(( $(allocated "$work/out-j.raw") >> 20 ))
done
echo "load after: $(load)"
