#!/usr/bin/env bash
# Fuzzing the format drivers with Jazzer (see docs/hardening.md).
#
#   bench/fuzz.sh seeds                  rebuild the seed corpus testdata/fuzz/<format>/seeds/
#                                        (small valid images of every subformat, by qemu-img and jimg)
#   bench/fuzz.sh run SECONDS [FORMAT…]  fuzz each format's target for SECONDS (all formats if none
#                                        named); inputs that fail are moved to
#                                        testdata/fuzz/<format>/crashes/, where every later test run
#                                        replays them; executions are appended to
#                                        bench/fuzz-results.tsv
#
# The regular test run replays the corpus without fuzzing; this script is for campaigns. The
# machine is shared: campaigns run one format at a time on one core.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/testdata/fuzz"
formats_all=(raw qcow2 vdi vmdk vpc vhdx ova gzip xz zstd)

seeds() {
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    local jimg="$root/jimg"
    "$jimg" --version >/dev/null
    for f in "${formats_all[@]}"; do
        rm -rf "${corpus:?}/$f/seeds"
        mkdir -p "$corpus/$f/seeds"
    done
    q() { qemu-img "$@" >/dev/null; }
    io() { local fmt="$1" img="$2"; shift 2; local c=(); for x in "$@"; do c+=(-c "$x"); done
           qemu-io -f "$fmt" "${c[@]}" "$img" >/dev/null; }
    seed() { cp "$2" "$corpus/$1/seeds/$3"; }

    # raw: an empty sector, an MBR-like sector, a few sectors of data.
    head -c 512 /dev/zero > "$work/zero.raw"; seed raw "$work/zero.raw" empty-sector.raw
    q create -f raw "$work/r.raw" 8k; io raw "$work/r.raw" "write -P 0x55 510 2" "write -P 7 1k 3k"
    seed raw "$work/r.raw" data.raw

    # qcow2: small clusters keep the inputs small; every subformat qemu-img and jimg write.
    local n=0
    for o in "cluster_size=512" "cluster_size=512,compat=0.10" "cluster_size=512,lazy_refcounts=on" \
             "cluster_size=512,refcount_bits=1" "cluster_size=512,refcount_bits=64" \
             "cluster_size=16k,extended_l2=on" "cluster_size=4k,compression_type=zstd" \
             "cluster_size=512,preallocation=metadata"; do
        n=$((n + 1))
        q create -f qcow2 -o "$o" "$work/q.qcow2" 64k
        io qcow2 "$work/q.qcow2" "write -P 1 0 1k" "write -z 8k 4k" "discard 1k 512"
        # Preallocated clusters cannot take compressed data: qemu-io refuses, the seed goes without.
        io qcow2 "$work/q.qcow2" "write -c -P 3 48k 16k" 2>/dev/null || true
        seed qcow2 "$work/q.qcow2" "qemu-$n.qcow2"
        "$jimg" create -q -f qcow2 -o "$o" "$work/j.qcow2" 64k
        io qcow2 "$work/j.qcow2" "write -P 2 512 2k"
        seed qcow2 "$work/j.qcow2" "jimg-$n.qcow2"
    done
    q create -f qcow2 -o cluster_size=512 "$work/s.qcow2" 32k
    io qcow2 "$work/s.qcow2" "write -P 9 0 1k"
    q snapshot -c snap1 "$work/s.qcow2"
    io qcow2 "$work/s.qcow2" "write -P 10 0 512"
    seed qcow2 "$work/s.qcow2" qemu-snapshot.qcow2
    q create -f qcow2 -o cluster_size=512 -b base.raw -F raw -u "$work/b.qcow2" 32k
    seed qcow2 "$work/b.qcow2" qemu-backing-ref.qcow2
    q bitmap --add "$work/s.qcow2" bitmap0 2>/dev/null && seed qcow2 "$work/s.qcow2" qemu-bitmap.qcow2

    # vdi: dynamic empty and with one block, static (blocks are 1 MiB, the minimum).
    q create -f vdi "$work/v.vdi" 2M; seed vdi "$work/v.vdi" qemu-dynamic-empty.vdi
    io vdi "$work/v.vdi" "write -P 4 1M 4k"; seed vdi "$work/v.vdi" qemu-dynamic.vdi
    q create -f vdi -o static=on "$work/s.vdi" 1M; seed vdi "$work/s.vdi" qemu-static.vdi
    "$jimg" create -q -f vdi "$work/j.vdi" 3M; seed vdi "$work/j.vdi" jimg-dynamic-empty.vdi

    # vmdk: the single-file subformats (extents in other files are refused on jimfs anyway).
    for sub in monolithicSparse streamOptimized; do
        q create -f vmdk -o subformat=$sub "$work/m.vmdk" 1M
        [[ $sub == streamOptimized ]] || io vmdk "$work/m.vmdk" "write -P 5 64k 4k"
        seed vmdk "$work/m.vmdk" "qemu-$sub.vmdk"
        "$jimg" create -q -f vmdk -o subformat=$sub "$work/j.vmdk" 1M
        seed vmdk "$work/j.vmdk" "jimg-$sub.vmdk"
    done
    q convert -f raw -O vmdk -o subformat=streamOptimized "$work/r.raw" "$work/so.vmdk"
    seed vmdk "$work/so.vmdk" qemu-streamOptimized-data.vmdk
    q create -f vmdk -o subformat=monolithicFlat "$work/f.vmdk" 64k
    seed vmdk "$work/f.vmdk" qemu-monolithicFlat-descriptor.vmdk

    # vpc: fixed, dynamic empty (both creators), dynamic with a block.
    q create -f vpc -o subformat=fixed "$work/f.vhd" 64k; seed vpc "$work/f.vhd" qemu-fixed.vhd
    q create -f vpc "$work/d.vhd" 4M; seed vpc "$work/d.vhd" qemu-dynamic-empty.vhd
    io vpc "$work/d.vhd" "write -P 6 2M 4k"; seed vpc "$work/d.vhd" qemu-dynamic.vhd
    "$jimg" create -q -f vpc "$work/j.vhd" 4M; seed vpc "$work/j.vhd" jimg-dynamic-empty.vhd

    # vhdx: the smallest layouts (1 MiB log and blocks); dynamic, with data, fixed-size small.
    q create -f vhdx -o log_size=1M,block_size=1M "$work/x.vhdx" 2M; seed vhdx "$work/x.vhdx" qemu-dynamic-empty.vhdx
    io vhdx "$work/x.vhdx" "write -P 8 1M 4k"; seed vhdx "$work/x.vhdx" qemu-dynamic.vhdx
    "$jimg" create -q -f vhdx -o log_size=1M,block_size=1M "$work/j.vhdx" 2M; seed vhdx "$work/j.vhdx" jimg-dynamic-empty.vhdx

    # Containers: an OVA holding a raw disk; the codecs around a raw and a qcow2 image.
    cat > "$work/disk.ovf" <<'OVF'
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="file1" ovf:href="disk.raw"/></References>
  <DiskSection><Info>Virtual disks</Info>
    <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="8192"/></DiskSection>
</Envelope>
OVF
    cp "$work/r.raw" "$work/disk.raw"
    tar -C "$work" --format=ustar -cf "$work/a.ova" disk.ovf disk.raw; seed ova "$work/a.ova" raw-disk.ova
    cp "$corpus/qcow2/seeds/qemu-1.qcow2" "$work/c.qcow2"
    for codec in gzip xz zstd; do
        local ext; ext="$(case $codec in gzip) echo gz;; xz) echo xz;; zstd) echo zst;; esac)"
        "$codec" -q -c "$work/r.raw" > "$work/r.raw.$ext"; seed $codec "$work/r.raw.$ext" "raw.$ext"
        "$codec" -q -c "$work/c.qcow2" > "$work/c.qcow2.$ext"; seed $codec "$work/c.qcow2.$ext" "qcow2.$ext"
    done
    du -sh "$corpus"/*/seeds
}

run() {
    local seconds="$1"; shift
    local formats=("$@")
    ((${#formats[@]})) || formats=("${formats_all[@]}")
    export JAVA_HOME="$("$root/jimg" --java-home)"
    local results="$root/bench/fuzz-results.tsv"
    [[ -f "$results" ]] || printf 'date\tformat\tseconds\texecutions\tfindings\n' > "$results"
    for f in "${formats[@]}"; do
        local log; log="$(mktemp)"
        # One JVM per format: Jazzer fuzzes one @FuzzTest per run. Inputs may grow to the largest
        # seed (a VHDX cannot be smaller than its 1 MiB-aligned regions).
        local max_len
        max_len="$(find "$corpus/$f" -type f -printf '%s\n' | sort -n | tail -1)"
        max_len=$(( ${max_len:-0} > 65536 ? max_len : 65536 ))
        (cd "$root" && JAZZER_FUZZ=1 mvn -B -q -ntp -pl img-formats -am test \
            -Dsurefire.failIfNoSpecifiedTests=false -Dtest="FormatFuzzTest#$f" \
            -Djazzer.max_duration="${seconds}s" -Djazzer.internal.arg.0=-max_len=$max_len \
            -Djunit.jupiter.execution.timeout.mode=disabled -DtrimStackTrace=true >"$log" 2>&1) || true
        local execs; execs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)"
        [[ -n "$execs" ]] || execs="$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')"
        local found=0
        mkdir -p "$corpus/$f/crashes"
        while IFS= read -r -d '' c; do
            mv "$c" "$corpus/$f/crashes/"; found=$((found + 1))
        done < <(find "$root/img-formats" "$root" -maxdepth 1 -name 'crash-*' -print0 -o -name 'timeout-*' -print0 \
                 -o -name 'slow-unit-*' -print0 2>/dev/null)
        rmdir "$corpus/$f/crashes" 2>/dev/null || true
        printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$f" "$seconds" "${execs:-0}" "$found" | tee -a "$results"
        if ((found)); then
            echo "fuzz.sh: $f: $found new input(s) in testdata/fuzz/$f/crashes; log: $log" >&2
        else
            echo "fuzz.sh: log: $log" >&2
        fi
    done
}

case "${1:-}" in
    seeds) seeds ;;
    run) shift; [[ $# -ge 1 ]] || { echo "usage: $0 run SECONDS [FORMAT…]" >&2; exit 2; }; run "$@" ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
