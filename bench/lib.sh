# Shared helpers of the benchmark scripts (sourced).

# median of numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wall seconds of a command, output discarded
seconds() {
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f\n", e - s}'
}

# bytes the file system allocated to a file
allocated() { local b s; read -r b s < <(stat --format='%b %B' "$1"); echo $((b * s)); }

# ratio a/b with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }

# compare NAME RUNS OUT_Q OUT_J -- qemu command -- jimg command
#   runs both commands RUNS times, alternating, deleting the outputs and syncing before each
#   run (so one run's writeback is not timed in the next); prints medians and the ratio.
compare() {
    local name=$1 runs=$2 outq=$3 outj=$4
    shift 4
    [[ $1 == -- ]] && shift
    local q=() j=()
    while [[ $1 != -- ]]; do q+=("$1"); shift; done
    shift
    local tq=() tj=()
    for ((r = 0; r < runs; r++)); do
        rm -f "$outq"; sync
        tq+=("$(seconds "${q[@]}")")
        rm -f "$outj"; sync
        tj+=("$(seconds "$@")")
    done
    local mq mj
    mq=$(printf '%s\n' "${tq[@]}" | median)
    mj=$(printf '%s\n' "${tj[@]}" | median)
    printf '%-28s qemu-img %7.2fs  jimg %7.2fs  jimg/qemu-img %s\n' "$name" "$mq" "$mj" "$(ratio "$mj" "$mq")"
}
