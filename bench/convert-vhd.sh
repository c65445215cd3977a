#!/usr/bin/env bash
# VHD (vpc) and VHDX conversions, jimg against qemu-img in the same run, on one corpus:
# a 2 GiB raw image about half filled with data (1 MiB written, 1 MiB hole, ...).
#   raw -> vpc, raw -> vhdx (jimg writes), vpc -> raw, vhdx -> raw (jimg reads, from qemu-img's images)
# and, jimg only (qemu-img cannot read them), the raw image compressed with gzip, xz and zstd -> raw.
# Each conversion runs $RUNS times per tool, alternating; prints median times and the ratio
# jimg/qemu-img (below 1.0 = jimg faster).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-bench.XXXXXX)}"
RUNS="${RUNS:-3}"
trap '[[ -z "${KEEP:-}" ]] && rm -rf "$work"' EXIT

"$jimg" --version >/dev/null   # build before timing

src="$work/half-2g.raw"
if [[ ! -f "$src" ]]; then
    qemu-img create -q -f raw "$src" 2G
    cmds=()
    for ((i = 0; i < 2048; i += 2)); do cmds+=(-c "write -P $((i % 251 + 1)) ${i}M 1M"); done
    qemu-io -f raw "${cmds[@]}" "$src" >/dev/null
    qemu-img convert -f raw -O vpc "$src" "$work/q.vhd"
    qemu-img convert -f raw -O vhdx "$src" "$work/q.vhdx"
    gzip -1 -k -c "$src" >"$src.gz"
    xz -1 -T1 -k -c "$src" >"$src.xz"
    if command -v zstd >/dev/null; then zstd -q -3 -k -c "$src" >"$src.zst"; fi
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

both() {  # label, input, output format, output suffix
    local label="$1" in="$2" fmt="$3" ext="$4" tj=() tq=()
    for ((r = 0; r < RUNS; r++)); do
        rm -f "$work/out-q.$ext" "$work/out-j.$ext"
        tq+=("$(seconds qemu-img convert -O "$fmt" "$in" "$work/out-q.$ext")")
        tj+=("$(seconds "$jimg" convert -O "$fmt" "$in" "$work/out-j.$ext")")
    done
    local mq mj
    mq=$(printf '%s\n' "${tq[@]}" | median)
    mj=$(printf '%s\n' "${tj[@]}" | median)
    qemu-img compare -q "$work/out-q.$ext" "$work/out-j.$ext"
    printf '%-14s qemu-img %7.2fs  jimg %7.2fs  ratio %.2f\n' "$label" "$mq" "$mj" "$(echo "$mj / $mq" | bc -l)"
}

jimg_only() {  # label, input
    local label="$1" in="$2" t=()
    for ((r = 0; r < RUNS; r++)); do
        rm -f "$work/out-j.raw"
        t+=("$(seconds "$jimg" convert -O raw "$in" "$work/out-j.raw")")
    done
    qemu-img compare -q -f raw -F raw "$src" "$work/out-j.raw"
    printf '%-14s jimg %7.2fs\n' "$label" "$(printf '%s\n' "${t[@]}" | median)"
}

both "raw->vpc" "$src" vpc vhd
both "raw->vhdx" "$src" vhdx vhdx
both "vpc->raw" "$work/q.vhd" raw raw
both "vhdx->raw" "$work/q.vhdx" raw raw
jimg_only "raw.gz->raw" "$src.gz"
jimg_only "raw.xz->raw" "$src.xz"
if [[ -f "$src.zst" ]]; then jimg_only "raw.zst->raw" "$src.zst"; fi
