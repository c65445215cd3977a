#!/usr/bin/env bash
# Start-up of the quick verbs (docs/startup.md): jimg through its launcher, side by side with an
# empty Java program on the same JDK and with qemu-img, timed by hyperfine (Debian package).
# Target: each verb within 1.5x of the empty program's wall time.
#
# Prints, per verb, the median wall time and the mean CPU time (user + system) of each, jimg's
# ratios to the empty program, and the load average before and after: on a shared machine only
# the ratios of programs timed together mean something.
#
#   RUNS=30 bench/startup.sh        runs per command (default 20)
#   bench/startup.sh --no-aot       also time jimg without its AOT cache (JIMG_NO_AOT=1)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
runs="${RUNS:-20}"
no_aot=false
[[ "${1:-}" == "--no-aot" ]] && no_aot=true
command -v hyperfine >/dev/null || { echo "startup.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

java_home="$("$jimg" --java-home)"
"$jimg" --version >/dev/null   # build and record the AOT cache before timing

cat >"$work/Empty.java" <<'JAVA'
public class Empty { public static void main(String[] args) { } }
JAVA
"$java_home/bin/javac" -d "$work" "$work/Empty.java"
# An empty program as a Java user would start it: the JDK's default CDS archive, serial GC.
empty="$java_home/bin/java -XX:+UseSerialGC -cp $work Empty"

img="$work/disk.raw"   # 64 GiB sparse with scattered data, as in the issue
qemu-img create -q -f raw "$img" 64G
for gib in 1 7 20 33 50 63; do
    qemu-io -f raw -c "write -P 7 ${gib}G 1M" "$img" >/dev/null
done

echo "jimg start-up, $runs runs each; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-15s %23s %23s %14s   %s\n' "" "empty java (wall/cpu)" "jimg (wall/cpu)" "jimg/empty" "qemu-img (wall/cpu)"
for verb in "info" "check" "map" "measure -O raw"; do
    cmds=("$empty" "$jimg $verb $img" "qemu-img $verb $img")
    $no_aot && cmds+=("env JIMG_NO_AOT=1 $jimg $verb $img")
    hyperfine -N -w 3 -r "$runs" -i --export-json "$work/r.json" "${cmds[@]}" >/dev/null 2>&1
    python3 - "$work/r.json" "$verb" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
def fig(x):
    return x["median"] * 1000, (x["user"] + x["system"]) * 1000
(ew, ec), (jw, jc), (qw, qc) = fig(r[0]), fig(r[1]), fig(r[2])
line = (f"{sys.argv[2]:<15} {ew:9.1f} / {ec:6.1f} ms  {jw:9.1f} / {jc:6.1f} ms  "
        f"{jw / ew:5.2f} / {jc / ec:4.2f}   {qw:6.1f} / {qc:5.1f} ms")
if len(r) > 3:
    nw, nc = fig(r[3])
    line += f"   without AOT cache: {nw:6.1f} / {nc:6.1f} ms ({nw / ew:4.2f}x wall)"
print(line)
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
