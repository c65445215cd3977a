# Shared helpers of the benchmark scripts (sourced).

# median of numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# "min-max" of numbers on stdin: how far a median can be trusted
spread() { sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f\n", lo, hi}'; }

# wall seconds of a command, output discarded
seconds() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f\n", e - s}'
}

# "WALL CPU" seconds of a command, output discarded; CPU is user + system time of the command
# and its children, the figure that other load on the machine disturbs least
timed() {
    local TIMEFORMAT='%3R %3U %3S' t
    t=$({ time "$@" >/dev/null 2>&3; } 3>&2 2>&1)
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' <<<"$t"
}

# bytes the file system allocated to a file
allocated() { local b s; read -r b s < <(stat --format='%b %B' "$1"); echo $((b * s)); }

# ratio a/b with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }

# The 1-, 5- and 15-minute load averages: other work on the machine skews every figure.
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Dirty + Writeback of /proc/meminfo, in KiB
dirty_kib() { awk '/^(Dirty|Writeback):/ {s += $2} END {print s}' /proc/meminfo; }

# Waits until the page cache holds (almost) no dirty or in-flight pages, so that a timed run does
# not pay for the writeback of what the run before it wrote. `sync` alone is not enough: pages
# dirtied by another process after it returns, and the writeback of deleted files, still land in
# the next run. Gives up after SETTLE_TIMEOUT seconds (default 60), saying so.
settle() {
    local limit=${SETTLE_KIB:-4096} waited=0
    sync
    while (($(dirty_kib) > limit)); do
        if ((waited >= ${SETTLE_TIMEOUT:-60} * 10)); then
            echo "settle: still $(dirty_kib) KiB dirty after ${SETTLE_TIMEOUT:-60}s, timing anyway" >&2
            return 0
        fi
        sync
        sleep 0.1
        waited=$((waited + 1))
    done
}

# compare NAME RUNS OUT_Q OUT_J -- qemu command -- jimg command
#   runs both commands once untimed (page cache, launcher build), then RUNS times alternating,
#   the order swapped every round;
#   before each run it deletes that run's output and waits for writeback to drain (settle).
#   Prints wall-time medians with min-max, CPU-time medians, the ratio of the wall medians and that
#   of the fastest runs;
#   the last run's outputs are left in place.
compare() {
    local name=$1 runs=$2 outq=$3 outj=$4
    shift 4
    [[ $1 == -- ]] && shift
    local q=() j=()
    while [[ $1 != -- ]]; do q+=("$1"); shift; done
    shift
    rm -f "$outq"; "${q[@]}" >/dev/null
    rm -f "$outj"; "$@" >/dev/null
    local tq=() tj=() cq=() cj=() t
    for ((r = 0; r < runs; r++)); do
        # Which of two runs in a row pays this machine's erratic cost of fresh page-cache pages
        # depends on the order (docs/performance.md), so the order alternates: q j, j q, q j...
        if ((r % 2 == 0)); then
            rm -f "$outq"; settle
            read -r -a t < <(timed "${q[@]}"); tq+=("${t[0]}"); cq+=("${t[1]}")
        fi
        rm -f "$outj"; settle
        read -r -a t < <(timed "$@"); tj+=("${t[0]}"); cj+=("${t[1]}")
        if ((r % 2 == 1)); then
            rm -f "$outq"; settle
            read -r -a t < <(timed "${q[@]}"); tq+=("${t[0]}"); cq+=("${t[1]}")
        fi
    done
    local mq mj
    mq=$(printf '%s\n' "${tq[@]}" | median)
    mj=$(printf '%s\n' "${tj[@]}" | median)
    # The ratio of the fastest runs too: on a machine whose page faults cost now little and now
    # much (docs/performance.md), the best run of each is the nearest to its own cost.
    local bq bj
    bq=$(printf '%s\n' "${tq[@]}" | sort -n | head -1)
    bj=$(printf '%s\n' "${tj[@]}" | sort -n | head -1)
    printf '%-28s qemu-img %6.2fs (%s, cpu %.2fs)  jimg %6.2fs (%s, cpu %.2fs)  jimg/qemu-img %s (best %s)\n' \
        "$name" "$mq" "$(printf '%s\n' "${tq[@]}" | spread)" "$(printf '%s\n' "${cq[@]}" | median)" \
        "$mj" "$(printf '%s\n' "${tj[@]}" | spread)" "$(printf '%s\n' "${cj[@]}" | median)" \
        "$(ratio "$mj" "$mq")" "$(ratio "$bj" "$bq")"
}
