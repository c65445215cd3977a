#!/usr/bin/env bash
# Builds the RISC-V Linux test guest (kernel Image + initramfs.cpio) from
# Debian packages and prints the cache directory that holds both.
#
#   testdata/guest/build.sh            -> prints e.g. ~/.cache/jimg/guest/3f0c.../
#
# Everything that determines the output is hashed into the cache key, so a
# second run answers from the cache at once (a fraction of a second). Kernel and
# initramfs are cached separately (editing init only rebuilds the initramfs);
# the printed directory pairs one of each. See README.md beside this file.
#
# Environment: JIMG_CACHE (default ~/.cache/jimg) is the cache root.
set -euo pipefail

readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${JIMG_CACHE:-$HOME/.cache/jimg}/guest"
[[ $CACHE == /* ]] || CACHE="$PWD/$CACHE"
readonly CACHE
readonly KERNEL_SOURCE_PACKAGE=linux-source-6.1
readonly KERNEL_SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
readonly CROSS_PACKAGE=gcc-riscv64-linux-gnu
readonly CROSS_COMPILE=riscv64-linux-gnu-
# What the kernel build and init's build run besides the two packages above:
# host compiler for kconfig and gen_init_cpio, flex/bison for kconfig's
# parser, bc for the timeconst header, xz to unpack the source.
readonly BUILD_PACKAGES=(make gcc libc6-dev bc flex bison xz-utils)
# What the initramfs build uses of the kernel source: enough for "make headers",
# plus nolibc and gen_init_cpio. Unpacking only these saves writing and
# deleting over a gigabyte when only init changed.
readonly INITRAMFS_SOURCE_PARTS=(Makefile Kbuild Kconfig scripts include arch/riscv tools/include/nolibc usr)
# Hex digits of SHA-256 kept in cache keys: ample against accidental collisions.
readonly KEY_LENGTH=24

log() { printf 'guest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs the Debian packages among "$@" that are not installed yet.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null \
      || die "missing packages ${missing[*]}: run apt-get install ${missing[*]} as root"
    sudo=(sudo -n)
  fi
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

# ---------------------------------------------------------------- kernel --
# The kernel's cache key hashes these functions' text (declare -f), so a
# change to the recipe rebuilds the kernel and nothing else does.

kernel_make() {
  make -C "$SOURCE" O="$1" ARCH=riscv CROSS_COMPILE="$CROSS_COMPILE" \
    KBUILD_BUILD_USER=jimg KBUILD_BUILD_HOST=jimg KBUILD_BUILD_VERSION=1 \
    KBUILD_BUILD_TIMESTAMP='1970-01-01 00:00:00 UTC' -s "${@:2}"
}

# Fails unless every option the fragment sets ended up so in the final
# .config: tinyconfig silently drops options whose dependencies are off.
check_kernel_config() {
  local fragment="$1" config="$2" line name bad=0
  while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]]; then
      grep -qxF "$line" "$config" || { log "config: wanted $line, got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$config" || echo absent)"; bad=1; }
    elif [[ $line =~ ^#\ (CONFIG_[A-Z0-9_]+)\ is\ not\ set$ ]]; then
      name="${BASH_REMATCH[1]}"
      ! grep -qE "^${name}=" "$config" || { log "config: wanted $name off, got: $(grep -E "^${name}=" "$config")"; bad=1; }
    fi
  done <"$fragment"
  ((bad == 0)) || die "kernel configuration lacks options of $fragment (missing dependencies?)"
}

build_kernel() {
  local out="$1" obj="$SCRATCH/kernel-obj"
  log "configuring kernel (tinyconfig + kernel.config)"
  kernel_make "$obj" tinyconfig >/dev/null
  "$SOURCE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$HERE/kernel.config" >/dev/null
  kernel_make "$obj" olddefconfig >/dev/null
  check_kernel_config "$HERE/kernel.config" "$obj/.config"
  log "building kernel Image with make -j$(nproc)"
  kernel_make "$obj" -j"$(nproc)" Image
  cp "$obj/arch/riscv/boot/Image" "$out/Image"
  cp "$obj/.config" "$out/config"
}

# ------------------------------------------------------------- initramfs --

# Static PID 1 against the kernel tree's nolibc and exported UAPI headers.
build_init() {
  local out="$1" obj="$SCRATCH/headers-obj"
  log "building init"
  kernel_make "$obj" -j"$(nproc)" headers
  "${CROSS_COMPILE}gcc" -Os -static -nostdlib -ffreestanding -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-ident -Wall -Wextra -Werror \
    -I "$SOURCE/tools/include/nolibc" -I "$obj/usr/include" \
    -o "$out" "$HERE"/init/*.c -lgcc
  "${CROSS_COMPILE}strip" "$out"
}

# An uncompressed newc archive; gen_init_cpio needs no root for device nodes.
build_initramfs() {
  local out="$1" tools="$SCRATCH/initramfs"
  mkdir -p "$tools"
  build_init "$tools/init"
  touch -d @0 "$tools/init"
  gcc -O2 -o "$tools/gen_init_cpio" "$SOURCE/usr/gen_init_cpio.c"
  cat >"$tools/list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /mnt 0755 0 0
file /init $tools/init 0755 0 0
EOF
  "$tools/gen_init_cpio" -t 0 "$tools/list" >"$out/initramfs.cpio"
  cp "$tools/init" "$out/init"
}

# ------------------------------------------------------------------ cache --

# Runs "$2 <dir>" to fill cache entry $1 unless it exists; an interrupted
# build leaves only $1.tmp behind, which the next build discards. Further
# arguments name the parts of the source archive the recipe needs (none: all).
fill_entry() {
  local entry="$CACHE/$1" recipe="$2"
  shift 2
  [[ -d $entry ]] && return 0
  rm -rf "$entry.tmp"
  mkdir -p "$entry.tmp"
  unpack_source "$@"
  "$recipe" "$entry.tmp"
  mv "$entry.tmp" "$entry"
}

complete() { [[ -f $1/Image && -f $1/initramfs.cpio ]]; }

# Unpacks the named parts of the kernel source (all if none are named) once.
unpack_source() {
  [[ -n ${SOURCE:-} ]] && return 0
  local top
  top="$(basename "$KERNEL_SOURCE_TARBALL" .tar.xz)"
  log "unpacking $KERNEL_SOURCE_TARBALL${*:+ ($*)}"
  tar -xf "$KERNEL_SOURCE_TARBALL" -C "$SCRATCH" "${@/#/$top/}"
  SOURCE="$SCRATCH/$top"
  [[ -f $SOURCE/Makefile ]] || die "unexpected layout of $KERNEL_SOURCE_TARBALL"
}

# Prints "<installed versions>" of the two packages that are the build's inputs,
# installing them first if needed.
input_versions() {
  local query=(dpkg-query -W -f='${db:Status-Abbrev}|${Package}=${Version}\n'
    "$KERNEL_SOURCE_PACKAGE" "$CROSS_PACKAGE")
  local listing line installed=0
  listing="$("${query[@]}" 2>/dev/null || true)"
  while IFS= read -r line; do [[ $line == 'ii '* ]] && installed=$((installed + 1)); done <<<"$listing"
  if ((installed != 2)); then
    ensure_packages "$KERNEL_SOURCE_PACKAGE" "$CROSS_PACKAGE"
    listing="$("${query[@]}")"
  fi
  while IFS= read -r line; do echo "${line#*|}"; done <<<"$listing"
}

main() {
  # The fast path runs only builtins and three programs: a cache hit must be instant.
  local versions sums kernel_inputs initramfs_inputs kernel_key initramfs_key key line
  versions="$(input_versions)"
  sums="$(cd "$HERE" && sha256sum kernel.config init/*)"
  kernel_inputs="$versions"$'\n'"$(declare -p CROSS_COMPILE
    declare -f kernel_make check_kernel_config build_kernel)"
  initramfs_inputs="$versions"$'\n'"$(declare -p CROSS_COMPILE
    declare -f kernel_make build_init build_initramfs)"
  while IFS= read -r line; do
    if [[ $line == *' kernel.config' ]]; then
      kernel_inputs+=$'\n'"$line"
    else
      initramfs_inputs+=$'\n'"$line"
    fi
  done <<<"$sums"
  { read -r kernel_key _; read -r initramfs_key _; read -r key _; } < <(sha256sum \
    <(printf '%s' "$kernel_inputs") <(printf '%s' "$initramfs_inputs") \
    <(printf '%s\n%s' "$kernel_inputs" "$initramfs_inputs"))
  kernel_key="kernel-${kernel_key:0:$KEY_LENGTH}"
  initramfs_key="initramfs-${initramfs_key:0:$KEY_LENGTH}"
  key="${key:0:$KEY_LENGTH}"

  if complete "$CACHE/$key"; then
    echo "$CACHE/$key"
    return 0
  fi

  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9 # one builder at a time; the others then find the finished entries
  if ! complete "$CACHE/$key"; then
    ensure_packages "${BUILD_PACKAGES[@]}"
    rm -rf "$CACHE"/scratch.* "$CACHE"/*.tmp # left by killed builds: we hold the lock
    SCRATCH="$(mktemp -d "$CACHE/scratch.XXXXXX")"
    trap 'rm -rf "$SCRATCH"' EXIT
    cd "$SCRATCH" # kconfig's merge_config.sh leaves temporary files in the working directory
    local start=$SECONDS file
    fill_entry "$kernel_key" build_kernel
    fill_entry "$initramfs_key" build_initramfs "${INITRAMFS_SOURCE_PARTS[@]}"
    rm -rf "$CACHE/$key" "$CACHE/$key.tmp"
    mkdir "$CACHE/$key.tmp"
    for file in "$kernel_key/Image" "$initramfs_key/initramfs.cpio"; do
      ln "$CACHE/$file" "$CACHE/$key.tmp/" 2>/dev/null || cp "$CACHE/$file" "$CACHE/$key.tmp/"
    done
    printf '%s\n%s\n%s\n' "$versions" "$kernel_key" "$initramfs_key" >"$CACHE/$key.tmp/inputs"
    mv "$CACHE/$key.tmp" "$CACHE/$key"
    log "built in $((SECONDS - start)) s"
  fi
  echo "$CACHE/$key"
}

main "$@"; exit # on one line: bash must not read on in a file edited meanwhile
