#!/usr/bin/env bash
# raw -> raw convert, jimg against qemu-img in the same run (issue: foundation benchmark).
#  1. a 4 GiB raw image about half filled with data (1 MiB written, 1 MiB hole, ...)
#  2. a 64 GiB sparse raw image with 1 GiB of data scattered in 1 MiB pieces
# Each conversion runs $RUNS times per tool, alternating; prints median times, the ratio
# jimg/qemu-img (below 1.0 = jimg faster) and the allocated size of each output.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-bench.XXXXXX)}"
RUNS="${RUNS:-3}"
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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
allocated() { local b s; read -r b s < <(stat --format='%b %B' "$1"); echo $(( b * s )); }

for src in "$half" "$sparse"; do
    name="$(basename "$src")"
    tj=(); tq=()
    for ((r = 0; r < RUNS; r++)); do
        rm -f "$work/out-q.raw" "$work/out-j.raw"
        tq+=("$(seconds qemu-img convert -O raw "$src" "$work/out-q.raw")")
        tj+=("$(seconds "$jimg" convert -O raw "$src" "$work/out-j.raw")")
    done
    mq=$(printf '%s\n' "${tq[@]}" | median)
    mj=$(printf '%s\n' "${tj[@]}" | median)
    qemu-img compare -q "$work/out-q.raw" "$work/out-j.raw"
    printf '%-16s qemu-img %7.2fs  jimg %7.2fs  ratio %.2f  allocated qemu-img %d MiB, jimg %d MiB\n' \
        "$name" "$mq" "$mj" "$(echo "$mj / $mq" | bc -l)" \
        $(( $(allocated "$work/out-q.raw") >> 20 )) $(( $(allocated "$work/out-j.raw") >> 20 ))
done
