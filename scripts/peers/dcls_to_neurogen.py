#!/usr/bin/env python3
"""Convert one trained DCLS delay layer (Thvnvtos/SNN-delays: a `Dcls1d` with kernel_count = 1)
into neurogen's weight and delay CSV files plus a config that loads them.

Inputs are NumPy `.npy` files exported from the PyTorch tensors (see scripts/peers/README.md):

  weight: shape (out, in) or (out, in, 1)          -- Dcls1d.weight
  P:      shape (out, in), (out, in, 1) or (1, out, in, 1), already rounded by the model's
          round_pos() (non-integers are rounded here, half to even, as torch.round does)

and the layer's kernel size K (the config's `max_delay`, odd). DCLS puts the weight of a synapse
at kernel index P + K // 2, PyTorch's conv1d is a cross-correlation, and SNN-delays pads K - 1
zeros on the left of time, so the output at time t reads the input at t - (K - 1 - index): the
synapse's delay is d = K // 2 - P ticks, in 0..K-1 (one tick = one time step of the DCLS
model). neurogen's W[j][i] is row j = input, column i = neuron: the transpose of PyTorch's
(out, in).

Weights are scaled by S = (2^(bits-1) - 1) / max|w| (or --scale) and rounded to signed integers
of --weight-bits bits; the threshold is round(S * --v-threshold) (SNN-delays' LIF threshold,
1.0 by default). Leak, batch norm and the other layers are not converted: this writes the
synapses of one layer.

Usage:
  dcls_to_neurogen.py --weight w.npy --positions p.npy --kernel 25 -o out/ [--name dcls]
      [--weight-bits 8] [--scale S] [--v-threshold 1.0] [--lanes 1]
Writes out/NAME_weights.csv, out/NAME_delays.csv and out/NAME.toml, and prints one line of
JSON: the shapes, the scale and the delay histogram's range.
"""

import argparse
import json
import os
import sys

import numpy as np


def fail(msg):
    sys.exit(f"dcls_to_neurogen: {msg}")


def as_matrix(a, name):
    """(out, in) from the shapes DCLS tensors come in."""
    a = np.asarray(a)
    if a.ndim == 4 and a.shape[0] == 1 and a.shape[3] == 1:
        a = a[0, :, :, 0]
    elif a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim != 2:
        fail(f"{name}: shape {a.shape} is not (out, in), (out, in, 1) or (1, out, in, 1) "
             "(kernel_count must be 1)")
    return a


def convert(weight, positions, kernel, bits=8, scale=None, v_threshold=1.0):
    """Return (W[in][out] ints, d[in][out] ints, scale, threshold)."""
    w = as_matrix(weight, "weight").astype(np.float64)
    p = as_matrix(positions, "positions").astype(np.float64)
    if w.shape != p.shape:
        fail(f"weight {w.shape} and positions {p.shape} differ in shape")
    if kernel < 1 or kernel % 2 == 0:
        fail(f"--kernel {kernel}: the DCLS kernel size (max_delay) is a positive odd number")
    if not np.all(np.isfinite(w)) or not np.all(np.isfinite(p)):
        fail("weight or positions hold NaN or infinity")
    half = kernel // 2
    pr = np.round(p)
    out_of_range = np.argwhere((pr < -half) | (pr > half))
    if len(out_of_range):
        o, i = out_of_range[0]
        fail(f"positions[{o}][{i}] = {p[o, i]} is outside -{half}..={half} (kernel {kernel})")
    d = (half - pr).astype(np.int64)
    top = (1 << (bits - 1)) - 1
    if scale is None:
        m = np.max(np.abs(w))
        scale = top / m if m > 0 else 1.0
    q = np.clip(np.round(w * scale), -top - 1, top).astype(np.int64)
    threshold = int(round(scale * v_threshold))
    return q.T, d.T, scale, threshold


def write_csv(path, m):
    with open(path, "w") as f:
        for row in m:
            f.write(", ".join(str(int(v)) for v in row) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weight", required=True, help="Dcls1d.weight as .npy")
    ap.add_argument("--positions", required=True, help="Dcls1d.P (rounded) as .npy")
    ap.add_argument("--kernel", type=int, required=True, help="the DCLS max_delay (kernel size)")
    ap.add_argument("-o", "--output", required=True, help="output folder")
    ap.add_argument("--name", default="dcls")
    ap.add_argument("--weight-bits", type=int, default=8)
    ap.add_argument("--scale", type=float, default=None)
    ap.add_argument("--v-threshold", type=float, default=1.0)
    ap.add_argument("--lanes", type=int, default=1)
    a = ap.parse_args(argv)
    if not 2 <= a.weight_bits <= 16:
        fail(f"--weight-bits {a.weight_bits}: allowed 2..=16")
    if a.kernel > 256:
        fail(f"--kernel {a.kernel}: neurogen's synapse.max_delay is at most 256")
    w, d, scale, threshold = convert(np.load(a.weight), np.load(a.positions), a.kernel,
                                     a.weight_bits, a.scale, a.v_threshold)
    rows, neurons = w.shape
    if neurons % a.lanes:
        fail(f"--lanes {a.lanes} does not divide {neurons} neurons")
    os.makedirs(a.output, exist_ok=True)
    wf, df = f"{a.name}_weights.csv", f"{a.name}_delays.csv"
    write_csv(os.path.join(a.output, wf), w)
    write_csv(os.path.join(a.output, df), d)
    toml = (f'name = "{a.name}"\n[array]\ninputs = {rows}\nneurons = {neurons}\n'
            f"lanes = {a.lanes}\n[neuron]\nthreshold = {threshold}\n"
            f"[synapse]\nweight_bits = {a.weight_bits}\nsigned = true\n"
            f'init = "file"\ninit_file = "{wf}"\nmax_delay = {a.kernel}\n'
            f'delay_file = "{df}"\n[stdp]\nenabled = false\n')
    with open(os.path.join(a.output, f"{a.name}.toml"), "w") as f:
        f.write(toml)
    print(json.dumps({"inputs": rows, "neurons": neurons, "max_delay": a.kernel,
                      "scale": scale, "threshold": threshold,
                      "delay_min": int(d.min()), "delay_max": int(d.max()),
                      "files": [f"{a.name}.toml", wf, df]}))


if __name__ == "__main__":
    main()
