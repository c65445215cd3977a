#!/usr/bin/env bash
# Start-up of the quick verbs (docs/startup.md), map in both its outputs: jimg through its
# launcher, side by side with an empty Java program on the same JDK and with qemu-img, timed by
# hyperfine (Debian package).
# Target: each verb within 1.5x of the empty program's wall time.
#
# The images are the issue's: a 64 GiB sparse raw with 1 GiB of data scattered in 1 MiB pieces,
# and a 4 GiB raw half filled (1 MiB data, 1 MiB hole, ...). Per verb and image it prints the
# median wall time and the mean CPU time (user + system) of each program, jimg's ratios to the
# empty program, and the load average: on a shared machine only the ratios of programs timed
# together mean something, so the three are timed in alternating rounds.
#
#   RUNS=30 bench/startup.sh        runs per command (default 20, in rounds of 4)
#   bench/startup.sh --no-aot       also time jimg without its AOT cache (JIMG_NO_AOT=1)
#   BENCH_DIR=dir KEEP=1 ...        keep (and reuse) the images in dir
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
runs="${RUNS:-20}"
per_round=4
no_aot=false
[[ "${1:-}" == "--no-aot" ]] && no_aot=true
command -v hyperfine >/dev/null || { echo "startup.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
work="${BENCH_DIR:-$(mktemp -d /var/tmp/jimg-startup.XXXXXX)}"
mkdir -p "$work"
trap '[[ -z "${KEEP:-}" ]] && rm -rf "$work"' EXIT

java_home="$("$jimg" --java-home)"
"$jimg" --version >/dev/null   # build and record the AOT cache before timing

cat >"$work/Empty.java" <<'JAVA'
public class Empty { public static void main(String[] args) { } }
JAVA
"$java_home/bin/javac" -d "$work" "$work/Empty.java"
# An empty program as a Java user would start it: the JDK's default CDS archive, serial GC.
empty="$java_home/bin/java -XX:+UseSerialGC -cp $work Empty"

sparse="$work/sparse-64g.raw"
half="$work/half-4g.raw"
if [[ ! -f "$sparse" ]]; then
    qemu-img create -q -f raw "$sparse" 64G
    cmds=()
    RANDOM=42
    for ((i = 0; i < 1024; i++)); do
        cmds+=(-c "write -P $((i % 251 + 1)) $(( (RANDOM * 32768 + RANDOM) % 65536 ))M 1M")
    done
    qemu-io -f raw "${cmds[@]}" "$sparse" >/dev/null
fi
if [[ ! -f "$half" ]]; then
    qemu-img create -q -f raw "$half" 4G
    cmds=()
    for ((i = 0; i < 4096; i += 2)); do cmds+=(-c "write -P $((i % 251 + 1)) ${i}M 1M"); done
    qemu-io -f raw "${cmds[@]}" "$half" >/dev/null
fi

echo "jimg start-up: $runs runs per command in rounds of $per_round; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %22s %22s %13s  %s\n' "" "empty java wall/cpu" "jimg wall/cpu" "jimg/empty" "qemu-img wall/cpu"
for img in "$sparse" "$half"; do
    for verb in "info" "check" "map" "map --output=json" "measure -O raw"; do
        cmds=("$empty" "$jimg $verb $img" "qemu-img $verb $img")
        $no_aot && cmds+=("env JIMG_NO_AOT=1 $jimg $verb $img")
        for ((round = 0; round * per_round < runs; round++)); do
            hyperfine -N -w 1 -r "$per_round" -i --export-json "$work/round-$round.json" "${cmds[@]}" >/dev/null 2>&1
        done
        python3 - "$(basename "$img" .raw) $verb" "$work"/round-*.json <<'PY'
import json, statistics, sys
label, files = sys.argv[1], sys.argv[2:]
rounds = [json.load(open(f))["results"] for f in files]
def fig(i):
    wall = statistics.median(t for r in rounds for t in r[i]["times"])
    cpu = statistics.mean(r[i]["user"] + r[i]["system"] for r in rounds)
    return wall * 1000, cpu * 1000
(ew, ec), (jw, jc), (qw, qc) = fig(0), fig(1), fig(2)
line = f"{label:<30} {ew:8.1f} / {ec:6.1f} ms  {jw:8.1f} / {jc:6.1f} ms  {jw / ew:4.2f} / {jc / ec:4.2f}  {qw:5.1f} / {qc:5.1f} ms"
if len(rounds[0]) > 3:
    nw, nc = fig(3)
    line += f"   no AOT cache: {nw:6.1f} / {nc:6.1f} ms ({nw / ew:4.2f} / {nc / ec:4.2f})"
print(line)
PY
        rm -f "$work"/round-*.json
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
