#!/usr/bin/env python3
"""Record Intel Lava 0.10's bit-accurate CUBA LIF on a few small networks, as fixtures for
golden/tests/lava.rs (docs/background.md, "The Lava fixtures").

Each network is a spike source (`lava.proc.io.source.RingBuffer`) -> `Dense` -> `LIF`, run with
`Loihi2SimCfg(select_tag="fixed_pt")` (so `PyDenseModelBitAcc` and `PyLifModelBitAcc`). Monitors
record, at every Lava time step, what the source emitted and the LIF's spikes, u and v. For each
network the script writes, under OUT/<name>/:

- config.toml, weights.csv: the same network as a neurogen config (`model = "cuba"`, the raw
  weights with `synapse.lava_weight_bits = 8`, so neurogen applies Dense's preprocessing);
- stimulus.json: neurogen's stimulus: tick 0 empty, tick t (t >= 1) = the inputs the source
  emitted at Lava time step t (Lava's Dense delivers at step t+1 what it receives at step t);
- lava_expected.json: per Lava time step s = 1..=T, the source's emission (`input`) and the
  LIF's spikes, u and v after that step (entry t - 1 of each list is step t).

Usage (Python 3.10, lava-nc 0.10.0 in a virtual environment; CI does not run this):
    python -m venv VENV && VENV/bin/pip install lava-nc==0.10.0
    VENV/bin/python scripts/peers/lava_cuba.py testdata/lava
"""

import json
import os
import sys

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIF
from lava.proc.monitor.process import Monitor

LAVA_VERSION = "0.10.0"


def networks():
    """The fixture networks: name, inputs, neurons, weights (inputs x neurons, our W[j][i]),
    weight_exp, du, dv, vth, bias_mant, bias_exp, input spike probability, ticks, seed."""
    rng = np.random.default_rng(16)
    nets = []
    # Mixed-sign 8-bit weights (Dense drops the LSB), per-neuron bias, du = 0 (still decays by
    # 1/4096: Lava's du + 1), dv = 4095.
    nets.append(dict(name="mixed_du0_dv4095", inputs=6, neurons=5,
                     w=rng.integers(-128, 128, size=(6, 5)), weight_exp=3,
                     du=0, dv=4095, vth=40, bias_mant=[68, -34, 0, 182, -4096],
                     bias_exp=[0, 1, 3, 2, 0], p=0.3, ticks=50))
    # du = 4095 (u holds only this tick's input), dv = 0 (no voltage decay), weight_exp = 0.
    nets.append(dict(name="mixed_du4095_dv0", inputs=6, neurons=5,
                     w=rng.integers(-128, 128, size=(6, 5)), weight_exp=0,
                     du=4095, dv=0, vth=3, bias_mant=[5, -7, 11, 0, 1],
                     bias_exp=[0, 2, 1, 7, 4], p=0.4, ticks=50))
    # Odd decays, weight_exp = 7, 7-bit truncation off (8 bits) but mixed: many decays round.
    nets.append(dict(name="mixed_odd_decays_exp7", inputs=6, neurons=5,
                     w=rng.integers(-128, 128, size=(6, 5)), weight_exp=7,
                     du=1365, dv=2047, vth=5000, bias_mant=[4095, -1, 333, -777, 3],
                     bias_exp=[7, 0, 5, 3, 1], p=0.35, ticks=50))
    # Stress, excitatory: weights up to 255 at weight_exp 7, slow decays: u wraps past 2^23,
    # v saturates at 2^23 - 1 (and spikes: vth << 6 lies below it).
    nets.append(dict(name="stress_excitatory_wrap", inputs=6, neurons=5,
                     w=rng.integers(150, 256, size=(6, 5)), weight_exp=7,
                     du=1, dv=0, vth=131071, bias_mant=[0, 4095, -4096, 1, 100],
                     bias_exp=[0, 7, 7, 0, 2], p=0.7, ticks=50))
    # Stress, inhibitory: u wraps below -2^23, v saturates at -(2^23 - 1).
    nets.append(dict(name="stress_inhibitory_wrap", inputs=6, neurons=5,
                     w=-rng.integers(150, 256, size=(6, 5)), weight_exp=7,
                     du=3, dv=1, vth=0, bias_mant=[0, -4096, 4095, -1, 7],
                     bias_exp=[0, 7, 7, 0, 3], p=0.7, ticks=50))
    # The wrap's boundaries: du = 4095 makes u exactly this tick's `a_in << 6`; with weight_exp 7
    # an input sum of +-1024 puts u exactly at 2^23 (kept: the compare is strict) or -2^23
    # (wrapped to +2^23). Mixed weights are even after Dense (254 * 4 + 8 = 1024, -256 * 4).
    nets.append(dict(name="wrap_boundary", inputs=6, neurons=5,
                     w=np.array([[254, -256, 254, 254, -256],
                                 [254, -256, 254, 254, -256],
                                 [254, -256, 254, 254, -256],
                                 [254, -256, 254, 254, -256],
                                 [8, 0, 8, 10, -2],
                                 [0, 0, -2, 0, 2]]), weight_exp=7,
                     du=4095, dv=4095, vth=131071, bias_mant=[0, 0, -1, 0, 0],
                     bias_exp=[0, 0, 0, 0, 0], p=0.6, ticks=50))
    for n in nets:
        n["spikes_in"] = (rng.random((n["inputs"], n["ticks"])) < n["p"]).astype(np.int32)
    # every third tick of wrap_boundary: inputs 0..=4 together (the exact sums above)
    nets[-1]["spikes_in"][:5, ::3] = 1
    nets[-1]["spikes_in"][5, ::6] = 0
    return nets


def run_lava(n):
    """Run one network for n["ticks"] Lava time steps; returns per step (rows) the source's
    emission, the LIF's spikes, u and v."""
    steps = n["ticks"]
    src = RingBuffer(data=n["spikes_in"])
    dense = Dense(weights=np.asarray(n["w"]).T.astype(np.int32), weight_exp=n["weight_exp"],
                  num_weight_bits=8)
    lif = LIF(shape=(n["neurons"],), du=n["du"], dv=n["dv"], vth=n["vth"],
              bias_mant=np.array(n["bias_mant"]), bias_exp=np.array(n["bias_exp"]))
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    monitors = []
    for target in (src.s_out, lif.s_out, lif.u, lif.v):
        m = Monitor()
        m.probe(target, steps)
        monitors.append(m)
    lif.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
    data = [m.get_data() for m in monitors]
    lif.stop()
    emitted = np.asarray(data[0][src.name]["s_out"]).astype(np.int64)
    spikes = np.asarray(data[1][lif.name]["s_out"]).astype(np.int64)
    u = np.asarray(data[2][lif.name]["u"]).astype(np.int64)
    v = np.asarray(data[3][lif.name]["v"]).astype(np.int64)
    for a in (emitted, spikes, u, v):
        assert a.shape[0] == steps, a.shape
    return emitted, spikes, u, v


def write(out, n, emitted, spikes, u, v):
    d = os.path.join(out, n["name"])
    os.makedirs(d, exist_ok=True)
    w = np.asarray(n["w"])
    signed = bool((w < 0).any())
    with open(os.path.join(d, "weights.csv"), "w") as f:
        for row in w:
            f.write(", ".join(str(int(x)) for x in row) + "\n")
    lst = lambda xs: "[" + ", ".join(str(int(x)) for x in xs) + "]"  # noqa: E731
    cfg = f"""# Recorded with Intel Lava {LAVA_VERSION} by scripts/peers/lava_cuba.py (do not edit).
[array]
inputs = {n["inputs"]}
neurons = {n["neurons"]}
[neuron]
model = "cuba"
du = {n["du"]}
dv = {n["dv"]}
vth = {n["vth"]}
bias_mant = {lst(n["bias_mant"])}
bias_exp = {lst(n["bias_exp"])}
[synapse]
weight_bits = 9
signed = {"true" if signed else "false"}
w_min = {-256 if signed else 0}
w_max = 255
init = "file"
init_file = "weights.csv"
lava_weight_bits = 8
weight_exp = {n["weight_exp"]}
[stdp]
enabled = false
"""
    with open(os.path.join(d, "config.toml"), "w") as f:
        f.write(cfg)
    steps = n["ticks"]
    # Our tick 0 has no input (nothing reaches Lava's LIF at step 1); our tick t >= 1 gets what
    # the source emitted at step t (row t - 1), which Lava's LIF integrates at step t + 1.
    ticks = [[]] + [[int(j) for j in np.nonzero(emitted[t - 1])[0]] for t in range(1, steps)]
    with open(os.path.join(d, "stimulus.json"), "w") as f:
        f.write('{"ticks": [\n' + ",\n".join("  " + lst(t) for t in ticks) + "\n]}\n")
    exp = {
        "lava_version": LAVA_VERSION,
        "models": "PyDenseModelBitAcc -> PyLifModelBitAcc (Loihi2SimCfg select_tag fixed_pt)",
        "alignment": "input[s] = the source's emission at Lava time step s + 1; spikes/u/v[t] = "
                     "Lava's LIF after time step t + 1 = neurogen's tick t",
        "input": [[int(j) for j in np.nonzero(emitted[s])[0]] for s in range(steps)],
        "spikes": [[int(i) for i in np.nonzero(spikes[t])[0]] for t in range(steps)],
        "u": [[int(x) for x in u[t]] for t in range(steps)],
        "v": [[int(x) for x in v[t]] for t in range(steps)],
    }
    with open(os.path.join(d, "lava_expected.json"), "w") as f:
        f.write("{\n")
        f.write(f'"lava_version": {json.dumps(exp["lava_version"])},\n')
        f.write(f'"models": {json.dumps(exp["models"])},\n')
        f.write(f'"alignment": {json.dumps(exp["alignment"])},\n')
        for k, last in (("input", False), ("spikes", False), ("u", False), ("v", True)):
            f.write(f'"{k}": [\n' + ",\n".join("  " + json.dumps(r) for r in exp[k]))
            f.write("\n]" + ("\n" if last else ",\n"))
        f.write("}\n")
    return u, v, spikes


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "testdata/lava"
    for n in networks():
        emitted, spikes, u, v = run_lava(n)
        assert (emitted == n["spikes_in"].T).all(), "source emission differs from its data"
        write(out, n, emitted, spikes, u, v)
        print(f'{n["name"]}: {int(spikes.sum())} spikes, u in [{u.min()}, {u.max()}], '
              f'v in [{v.min()}, {v.max()}]')


if __name__ == "__main__":
    main()
