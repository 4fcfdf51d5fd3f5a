#!/usr/bin/env bash
# Runs the self-checking testbench {{TB}} of the {{WHAT}} `{{TOP}}` under Icarus Verilog or Verilator.
# {{HEADER}}
# Filled in by `neurogen testbench` from testbenches/templates/run.sh; do not edit, re-export.
#
#   ./run.sh icarus    [build|run|all] [+seed=S] {{BP_ARGS}} [+verbose] [+vcd]
#   ./run.sh verilator [build|run|all] [+seed=S] {{BP_ARGS}} [+verbose] [+vcd]
#
# `build` compiles (iverilog -g2005; verilator --binary) into build/SIM/, `run` runs the compiled
# testbench, `all` (the default) does both. Plusargs go to the testbench: +bp=P is the probability
# in 1/1000 of a gap before each input beat {{OUT_BP}} (default {{BP}}),
# +seed=S seeds the generator that draws them (default {{SEED}}). +vcd writes tb.vcd (for
# Verilator, build with TRACE=1 in the environment). VERILATOR_JOBS sets the C++ build parallelism
# (default: all cores).
#
# Exit status: 0 when the testbench printed exactly one PASS line, no FAIL line, and the
# simulator exited with status 0; 1 otherwise (a FAIL line, a simulator that died, a build error).
# The simulators differ here: vvp exits 0 after $finish and 1 after $fatal; a Verilator binary exits
# 0 after $finish and aborts (status 134) after $fatal. This script does not trust either alone.
set -u -o pipefail
cd "$(dirname "$0")"

sim=${1:-}
shift || true
step=all
case "${1:-}" in
    build | run | all) step=$1; shift ;;
esac
ulimit -c 0 2>/dev/null || true

die() {
    echo "run.sh: $*" >&2
    exit 1
}

build_icarus() {
    command -v iverilog >/dev/null 2>&1 || die "iverilog not found (Debian: apt-get install iverilog)"
    mkdir -p build/icarus
    iverilog -g2005 -Wall -Wno-timescale -s {{TB}} -o build/icarus/tb.vvp -c files.f ||
        die "icarus: iverilog failed"
}

run_icarus() {
    [ -f build/icarus/tb.vvp ] || die "icarus: not built (./run.sh icarus build)"
    vvp -n build/icarus/tb.vvp "$@"
}

build_verilator() {
    command -v verilator >/dev/null 2>&1 || die "verilator not found (Debian: apt-get install verilator)"
    local trace=()
    if [ "${TRACE:-0}" = 1 ]; then trace=(--trace); fi
    mkdir -p build/verilator
    verilator --binary -j "${VERILATOR_JOBS:-0}" "${trace[@]}" --top-module {{TB}} \
        --Mdir build/verilator -o tb -f files.f >build/verilator/build.log 2>&1 || {
        cat build/verilator/build.log >&2
        die "verilator: build failed (log: build/verilator/build.log)"
    }
}

run_verilator() {
    [ -x build/verilator/tb ] || die "verilator: not built (./run.sh verilator build)"
    build/verilator/tb "$@"
}

case "$sim" in
    icarus | verilator) ;;
    *) die "usage: ./run.sh icarus|verilator [build|run|all] [+plusargs...]" ;;
esac

if [ "$step" = build ] || [ "$step" = all ]; then
    "build_$sim"
fi
if [ "$step" = build ]; then
    exit 0
fi

log=build/$sim/run.log
mkdir -p "build/$sim"
"run_$sim" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passes=$(grep -c '^PASS' "$log")
fails=$(grep -c '^FAIL' "$log")
if [ "$status" -eq 0 ] && [ "$passes" -eq 1 ] && [ "$fails" -eq 0 ]; then
    echo "run.sh: $sim: simulator exit status 0, PASS" >&2
    exit 0
fi
echo "run.sh: $sim: simulator exit status $status, $passes PASS and $fails FAIL lines: FAIL" >&2
exit 1
