#!/usr/bin/env bash
# Start-up of the quick verbs: jimg against qemu-img and against an empty Java 25 program, side by
# side with hyperfine (Debian package). Target: jimg within 1.5x of the empty program.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jimg="$here/../jimg"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
java_home="$("$jimg" --java-home)"
"$jimg" --version >/dev/null   # build and record the AOT cache before timing

cat > "$work/Empty.java" <<'JAVA'
public class Empty { public static void main(String[] args) { } }
JAVA
"$java_home/bin/javac" -d "$work" "$work/Empty.java"
img="$work/disk.raw"
qemu-img create -q -f raw "$img" 64G
qemu-io -f raw -c "write -P 7 1G 1M" "$img" >/dev/null

for verb in "info" "check" "map" "measure -O raw"; do
    hyperfine -N -w 3 -r "${RUNS:-20}" -i --export-json "$work/r.json" \
        "$java_home/bin/java -XX:+UseSerialGC -cp $work Empty" \
        "$jimg $verb $img" "qemu-img $verb $img" >/dev/null
    python3 - "$work/r.json" "$verb" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
empty, jimg, qemu = (x["mean"] * 1000 for x in r)
print(f"{sys.argv[2]:<14} empty java {empty:6.1f} ms  jimg {jimg:6.1f} ms ({jimg / empty:4.2f}x empty)  qemu-img {qemu:5.1f} ms")
PY
done
