#!/bin/bash
# Emulator benchmark: guest MIPS on three bare-metal workloads, and wall time to the U-Boot prompt
# and to Linux's init, on this emulator and on qemu-system-riscv64 (TCG), with the ratios.
#
# Usage: bench/emulator/bench.sh   (BOOT_RUNS=5: boots per machine; the median counts)
#
# Steady-state MIPS come from running each program at two sizes (see below); end-to-end MIPS and
# the boot times include start-up.
# Needs: qemu-system-riscv64, binutils-riscv64-linux-gnu, opensbi, u-boot-qemu, python3, and the
# test guest (testdata/guest/build.sh builds or finds it). Times are wall-clock seconds from
# process start (start-up included) and the CPU seconds the process used; on a busy machine the
# CPU figures are the steadier ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/bench/lib.sh"   # median
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$root/jimg" --version >/dev/null   # builds the jar and its AOT cache before anything is timed
# What users run: the launcher, with jimg's JVM options and AOT cache (it builds on first use).
ours=("$root/jimg" run)
qemu=(qemu-system-riscv64)
firmware=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin

# Each program is built twice, the second doing twice the work: the difference of the two run times
# is the steady-state speed, free of start-up (JVM start and JIT warm-up here, TCG set-up there).
declare -A knob=([intloop]=ITERATIONS [memcpy]=COPIES [fploop]=ITERATIONS)
declare -A base=([intloop]=100000000 [memcpy]=400 [fploop]=20000000)
# Instructions per unit of the knob (loop bodies; set-up is negligible).
declare -A per=([intloop]=6 [memcpy]=$((6 * 131072 + 2)) [fploop]=7)
for p in intloop memcpy fploop; do
  for scale in 1 2; do
    riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d -nostdlib -c -I "$here/programs" \
      -D"${knob[$p]}=$((scale * ${base[$p]}))" -o "$work/$p$scale.o" "$here/programs/$p.S"
    riscv64-linux-gnu-ld -T "$here/programs/link.ld" -o "$work/$p$scale.elf" "$work/$p$scale.o"
  done
done

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
calc() { python3 -c "print('%.${2:-2}f' % ($1))"; }
run_program() { "$here/measure.py" -- "$@" -M virt -m 128M -nographic -bios none -kernel "$elf" </dev/null; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  (2 minutes of runs; figures are unreliable on a busy host)"
printf '%-14s %24s %24s %9s\n' "" "ours: steady / end-to-end" "qemu: steady / end-to-end" "ratio"
for p in intloop memcpy fploop; do
  n=$((${per[$p]} * ${base[$p]}))
  declare -A wall=()
  for who in ours qemu; do
    for scale in 1 2; do
      elf="$work/$p$scale.elf"
      if [[ $who == ours ]]; then r=$(run_program "${ours[@]}"); else r=$(run_program "${qemu[@]}"); fi
      wall[$who$scale]=$(echo "$r" | field wall)
    done
  done
  os=$(calc "$n / 1e6 / max(1e-3, ${wall[ours2]} - ${wall[ours1]})" 0)
  oe=$(calc "2 * $n / 1e6 / ${wall[ours2]}" 0)
  qs=$(calc "$n / 1e6 / max(1e-3, ${wall[qemu2]} - ${wall[qemu1]})" 0)
  qe=$(calc "2 * $n / 1e6 / ${wall[qemu2]}" 0)
  printf '%-14s %10s / %6s MIPS %10s / %6s MIPS %8sx\n' "$p" "$os" "$oe" "$qs" "$qe" "$(calc "$qs / $os")"
done

# Boots BOOT_RUNS times on each machine, alternating, and prints the median wall and CPU times.
boot() {
  local what=$1; shift
  local o q ow=() oc=() qw=() qc=()
  for ((r = 0; r < ${BOOT_RUNS:-5}; r++)); do
    o=$("$here/measure.py" "$@" -- "${ours[@]}" "${common[@]}" </dev/null)
    q=$("$here/measure.py" "$@" -- "${qemu[@]}" "${common[@]}" </dev/null)
    ow+=("$(echo "$o" | field wall)"); oc+=("$(echo "$o" | field cpu)")
    qw+=("$(echo "$q" | field wall)"); qc+=("$(echo "$q" | field cpu)")
  done
  local mow moc mqw mqc
  mow=$(printf '%s\n' "${ow[@]}" | median); moc=$(printf '%s\n' "${oc[@]}" | median)
  mqw=$(printf '%s\n' "${qw[@]}" | median); mqc=$(printf '%s\n' "${qc[@]}" | median)
  printf '%-14s %9ss (cpu %6ss) %9ss (cpu %6ss) %8sx\n' "$what" "$mow" "$moc" "$mqw" "$mqc" "$(calc "$mow / $mqw")"
}

echo
printf '%-14s %24s %24s %9s\n' "wall time to" "ours" "qemu" "ratio"
common=(-M virt -m 256M -nographic -bios "$firmware" -kernel "$uboot")
boot "U-Boot prompt" --after "Hit any key" --type " " --marker "=> "

guest=$(bash "$root/testdata/guest/build.sh" | tail -1)
common=(-M virt -m 256M -nographic -no-reboot -bios "$firmware" -kernel "$guest/Image" -initrd "$guest/initramfs.cpio"
  -append "console=ttyS0 panic=-1 jimg.test=hello")
boot "Linux init" --marker "JIMG-BOOT"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
