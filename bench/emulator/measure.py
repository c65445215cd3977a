#!/usr/bin/env python3
"""Runs a guest under an emulator command and reports when a marker appeared on the console.

Usage: measure.py [--type TEXT --after MARKER] [--marker TEXT] -- command...

Prints one line: "wall=<seconds to exit or marker> cpu=<user+sys of the child> marker=<found?>".
With --marker the run is stopped (killed) once the marker appears; wall is the time to it. With
--after/--type, TEXT is typed on the console when MARKER appears (to stop U-Boot's autoboot).
"""
import os
import resource
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    marker = None
    after = None
    typed = None
    while args and args[0] != "--":
        if args[0] == "--marker":
            marker = args[1].encode()
        elif args[0] == "--after":
            after = args[1].encode()
        elif args[0] == "--type":
            typed = args[1].encode()
        else:
            sys.exit("unknown option " + args[0])
        args = args[2:]
    command = args[1:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = b""
    found = False
    wall = None
    fd = p.stdout.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
        if after is not None and typed is not None and after in seen:
            p.stdin.write(typed)
            p.stdin.flush()
            seen = seen.replace(after, b"")
            after = None
        if marker is not None and marker in seen:
            found = True
            wall = time.monotonic() - start
            p.kill()
            break
    p.wait()
    if wall is None:
        wall = time.monotonic() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (used.ru_utime - before.ru_utime) + (used.ru_stime - before.ru_stime)
    print("wall=%.3f cpu=%.3f marker=%s exit=%d" % (wall, cpu, "yes" if found else "no", p.returncode))


if __name__ == "__main__":
    main()
