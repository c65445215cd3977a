#!/bin/bash
# Disk throughput inside the guest, per bus: the test guest's init runs its "bench" test (O_DIRECT,
# sequential and random 4 KiB writes and reads over a region of the raw device, timed with the
# guest's CLOCK_MONOTONIC) on virtio-mmio, virtio-blk-pci, AHCI and USB storage (xHCI), here and on qemu-system-riscv64
# (TCG) with the same kernel, initramfs and image format, in one run; prints MB/s (10^6 bytes/s)
# and IOPS for both and the ratio ours / QEMU (above 1 = faster here).
#
# Usage: bench/devices/bench.sh [--no-build]
# Environment: FORMAT=raw|qcow2 (image format, default raw; qcow2 images are made by qemu-img),
#   REGION=16M (bytes each phase covers), BS=4096 (request size), RUNS=1 (runs per bus and
#   machine; the best run counts), BUSES="virtio-mmio virtio-pci ahci usb" (which buses to measure).
# Needs: qemu-system-riscv64, opensbi, qemu-utils, python3, and the test guest (testdata/guest/build.sh
# builds or finds it). Guest time runs with host time on both machines (no -icount), so AHCI's
# link-up wait costs about 0.4 s of wall time each boot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}   # Java 25, for Maven too
java=$JAVA_HOME/bin/java
FORMAT=${FORMAT:-raw}
REGION=${REGION:-16M}
BS=${BS:-4096}
RUNS=${RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ "${1:-}" != "--no-build" ]]; then
  (cd "$root" && mvn -q -o -pl emulator,img-formats -am compile)
fi
(cd "$root" && mvn -q -o -pl img-formats dependency:build-classpath -Dmdep.outputFile="$work/deps.txt" >/dev/null)
cp="$root/emulator/target/classes:$root/block-layer/target/classes:$root/img-formats/target/classes:$(cat "$work/deps.txt")"
ours=("$java" --enable-native-access=ALL-UNNAMED -cp "$cp" "$here/RunGuest.java")
qemu=(qemu-system-riscv64)
firmware=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
guest=$(bash "$root/testdata/guest/build.sh" | tail -1)

image="$work/disk.$FORMAT"
qemu-img create -q -f "$FORMAT" "$image" 256M

declare -A devices=(
  [virtio-mmio]="-device virtio-blk-device,drive=disk0"
  [virtio-pci]="-device virtio-blk-pci,drive=disk0"
  [ahci]="-device ahci,id=ahci0 -device ide-hd,drive=disk0,bus=ahci0.0"
  [usb]="-device qemu-xhci,id=xhci0 -device usb-storage,drive=disk0,bus=xhci0.0"
)
declare -A node=([virtio-mmio]=/dev/vda [virtio-pci]=/dev/vda [ahci]=/dev/sda [usb]=/dev/sda)
phases=(seqwrite seqread randwrite randread)

# run MACHINE BUS: prints "phase mbps iops" lines of the best of $RUNS runs (by total MB/s).
run() {
  local who=$1 bus=$2 best="" best_total=-1
  for ((i = 0; i < RUNS; i++)); do
    local cmd
    if [[ $who == ours ]]; then cmd=("${ours[@]}"); else cmd=("${qemu[@]}"); fi
    # shellcheck disable=SC2206
    local dev=(${devices[$bus]})
    local out
    out=$("${cmd[@]}" -M virt -m 256M -nographic -no-reboot -bios "$firmware" \
      -kernel "$guest/Image" -initrd "$guest/initramfs.cpio" \
      -append "console=ttyS0 panic=-1 usb_storage.delay_use=0 jimg.test=bench jimg.dev=${node[$bus]} jimg.region=$REGION jimg.bs=$BS" \
      -drive "if=none,id=disk0,format=$FORMAT,file=$image" "${dev[@]}" </dev/null 2>&1 | tr -d '\r')
    if ! grep -q "JIMG-RESULT: OK" <<<"$out"; then
      echo "$who on $bus: the guest did not report OK:" >&2
      tail -20 <<<"$out" >&2
      exit 1
    fi
    local lines="" total=0
    for p in "${phases[@]}"; do
      local mbps iops
      mbps=$(sed -n "s/.*bench\.$p\.mbps=\([0-9.]*\).*/\1/p" <<<"$out")
      iops=$(sed -n "s/.*bench\.$p\.iops=\([0-9.]*\).*/\1/p" <<<"$out")
      lines+="$p $mbps $iops"$'\n'
      total=$(python3 -c "print($total + $mbps)")
    done
    if python3 -c "import sys; sys.exit(0 if $total > $best_total else 1)"; then
      best="$lines"
      best_total=$total
    fi
  done
  printf '%s' "$best"
}

echo "format $FORMAT, region $REGION, $BS-byte requests, best of $RUNS; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-10s %12s %9s %12s %9s %8s\n' bus phase "ours MB/s" IOPS "qemu MB/s" IOPS ratio
for bus in ${BUSES:-virtio-mmio virtio-pci ahci usb}; do
  mapfile -t o < <(run ours "$bus")
  mapfile -t q < <(run qemu "$bus")
  for i in "${!phases[@]}"; do
    read -r p om oi <<<"${o[$i]}"
    read -r _ qm qi <<<"${q[$i]}"
    printf '%-12s %-10s %12s %9s %12s %9s %7sx\n' "$bus" "$p" "$om" "$oi" "$qm" "$qi" \
      "$(python3 -c "print('%.2f' % ($om / max($qm, 1e-9)))")"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
