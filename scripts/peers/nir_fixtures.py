#!/usr/bin/env python3
"""Writes the NIR fixtures of testdata/nir/ with the `nir` Python package (PyPI nir 1.0.8).

Run once, by hand, not in CI (CI reads the committed files without Python):

    python3 -m venv ~/.cache/neurogen/nirvenv
    ~/.cache/neurogen/nirvenv/bin/pip install nir==1.0.8
    ~/.cache/neurogen/nirvenv/bin/python scripts/peers/nir_fixtures.py testdata/nir

The `nir` package writes HDF5 through h5py with gzip-compressed arrays. It does not simulate, so
this script also writes a float reference: the NIR equations discretised with forward Euler at
the dt given in each fixture's JSON (docs/nir.md, "Float reference"), run on a fixed stimulus.
`neurogen import nir --check` runs the same equations in Rust; tests/nir_cli.rs compares both.
"""
import json
import pathlib
import sys

import numpy as np

import nir

rng = np.random.default_rng(18)


def stimulus(inputs, ticks, p):
    """Bernoulli input spikes: ticks x inputs, 0/1."""
    return (rng.random((ticks, inputs)) < p).astype(np.int64)


def sim(graph_layers, stim, dt):
    """Forward Euler of a chain of (weight, bias, neuron) with NIR's equations.

    Each layer: I = W s + b (W in NIR's [out, in] orientation); then
      LIF:     v += dt/tau * (v_leak - v + r*I)
      IF:      v += dt * r * I
      CubaLIF: i_syn += dt/tau_syn * (-i_syn + w_in*I); v += dt/tau_mem * (v_leak - v + r*i_syn)
    spike where v > v_threshold, then v = v_reset. Layers see the previous layer's spikes of the
    same step."""
    states = []
    for (_, _, kind, p) in graph_layers:
        n = p["v_threshold"].shape[0]
        states.append({"v": np.zeros(n), "i": np.zeros(n)})
    out = [[] for _ in graph_layers]
    for t in range(stim.shape[0]):
        s = stim[t].astype(np.float64)
        for k, (w, b, kind, p) in enumerate(graph_layers):
            cur = w @ s + b
            st = states[k]
            if kind == "LIF":
                st["v"] = st["v"] + dt / p["tau"] * (p["v_leak"] - st["v"] + p["r"] * cur)
            elif kind == "IF":
                st["v"] = st["v"] + dt * p["r"] * cur
            else:
                st["i"] = st["i"] + dt / p["tau_syn"] * (-st["i"] + p["w_in"] * cur)
                st["v"] = st["v"] + dt / p["tau_mem"] * (p["v_leak"] - st["v"] + p["r"] * st["i"])
            z = st["v"] > p["v_threshold"]
            st["v"] = np.where(z, p["v_reset"], st["v"])
            out[k].append([int(i) for i in np.nonzero(z)[0]])
            s = z.astype(np.float64)
    return out


def lif(n, tau, vth, r=None):
    tau = np.full(n, tau)
    return nir.LIF(tau=tau, r=tau / 1e-3 if r is None else np.full(n, r), v_leak=np.zeros(n),
                   v_threshold=np.full(n, vth), v_reset=np.zeros(n))


def write(folder, name, nodes, edges, layers, dt, inputs, ticks, p):
    g = nir.NIRGraph(nodes=nodes, edges=edges)
    nir.write(folder / f"{name}.nir", g)
    stim = stimulus(inputs, ticks, p)
    spikes = sim(layers, stim, dt)
    ref = {
        "source": "scripts/peers/nir_fixtures.py (nir 1.0.8, numpy forward Euler)",
        "dt": dt,
        "stimulus": [[int(i) for i in np.nonzero(row)[0]] for row in stim],
        "layers": [{"spikes": s, "count": sum(len(x) for x in s)} for s in spikes],
    }
    (folder / f"{name}.ref.json").write_text(json.dumps(ref) + "\n")
    # the same stimulus as a neurogen stimulus file (docs/formats.md)
    (folder / f"{name}.stim.json").write_text(json.dumps({"ticks": ref["stimulus"]}) + "\n")
    print(name, [l["count"] for l in ref["layers"]])


def main(folder):
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dt = 1e-3

    # 1. Input(16) -> Affine(16->12) -> LIF -> Linear(12->4) -> LIF -> Output, tau = 8 dt.
    w1 = rng.normal(0.35, 0.4, (12, 16))
    b1 = np.zeros(12)
    w2 = rng.normal(0.5, 0.5, (4, 12))
    l1 = lif(12, 8e-3, 1.0, r=1.0)
    l2 = lif(4, 8e-3, 1.0, r=1.0)
    nodes = {"input": nir.Input(input_type={"input": np.array([16])}),
             "fc1": nir.Affine(weight=w1, bias=b1), "lif1": l1,
             "fc2": nir.Linear(weight=w2), "lif2": l2,
             "output": nir.Output(output_type={"output": np.array([4])})}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    lay = [(w1, b1, "LIF", vars(l1)), (w2, np.zeros(4), "LIF", vars(l2))]
    write(folder, "lif_chain", nodes, edges, lay, dt, 16, 200, 0.3)

    # 2. Input(3x4) -> Flatten -> Linear(12->8) -> Scale -> CubaLIF -> Output.
    w = rng.normal(0.3, 0.3, (8, 12))
    sc = np.full(8, 2.0)
    n = 8
    cuba = nir.CubaLIF(tau_syn=np.full(n, 4e-3), tau_mem=np.full(n, 16e-3), r=np.ones(n),
                       v_leak=np.zeros(n), v_threshold=np.full(n, 0.8), v_reset=np.zeros(n),
                       w_in=np.ones(n))
    nodes = {"input": nir.Input(input_type={"input": np.array([3, 4])}),
             "flat": nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([3, 4])}),
             "fc": nir.Linear(weight=w), "gain": nir.Scale(scale=sc), "cuba": cuba,
             "output": nir.Output(output_type={"output": np.array([8])})}
    edges = [("input", "flat"), ("flat", "fc"), ("fc", "gain"), ("gain", "cuba"), ("cuba", "output")]
    lay = [(w * sc[:, None], np.zeros(8), "CubaLIF", vars(cuba))]
    write(folder, "cuba_chain", nodes, edges, lay, dt, 12, 200, 0.3)

    # 3. Input(10) -> Affine(10->6) -> IF -> Output, inside a nested subgraph.
    w = rng.normal(0.2, 0.3, (6, 10))
    b = np.zeros(6)
    iff = nir.IF(r=np.full(6, 1000.0), v_threshold=np.full(6, 1.5), v_reset=np.zeros(6))
    inner = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([10])}),
               "fc": nir.Affine(weight=w, bias=b), "if": iff,
               "output": nir.Output(output_type={"output": np.array([6])})},
        edges=[("input", "fc"), ("fc", "if"), ("if", "output")])
    nodes = {"input": nir.Input(input_type={"input": np.array([10])}), "block": inner,
             "output": nir.Output(output_type={"output": np.array([6])})}
    edges = [("input", "block"), ("block", "output")]
    write(folder, "if_nested", nodes, edges, [(w, b, "IF", vars(iff))], dt, 10, 200, 0.3)

    # 4. Delays: Input(6) -> Delay(6) -> Affine(6->4) -> Delay(4) -> LIF -> Output. Neuron i
    # takes input i (and neuron 0 also input 4) with a weight that fires it alone (dt/tau * w =
    # 1.25 > v_threshold 1), so an input spike at tick t fires its neuron at tick t + d: input
    # delays 0, 1, 2, 0, 3, 0 ticks, output delays 0, 0.4, 2.2, 1 ticks (rounded 0, 0, 2, 1).
    # No float reference file: tests/nir_cli.rs and src/nir/tests.rs check the spike ticks.
    w = np.zeros((4, 6))
    for i in range(4):
        w[i, i] = 10.0
    w[0, 4] = 10.0
    nodes = {"input": nir.Input(input_type={"input": np.array([6])}),
             "din": nir.Delay(delay=np.array([0.0, 1.0, 2.0, 0.0, 3.0, 0.0]) * dt),
             "fc": nir.Affine(weight=w, bias=np.zeros(4)),
             "dout": nir.Delay(delay=np.array([0.0, 0.4, 2.2, 1.0]) * dt),
             "lif": lif(4, 8e-3, 1.0, r=1.0),
             "output": nir.Output(output_type={"output": np.array([4])})}
    edges = [("input", "din"), ("din", "fc"), ("fc", "dout"), ("dout", "lif"), ("lif", "output")]
    nir.write(folder / "delay_chain.nir", nir.NIRGraph(nodes=nodes, edges=edges))

    # Unsupported primitive: a Conv1d between Input and a LIF.
    conv = nir.Conv1d(input_shape=8, weight=np.ones((2, 1, 3)), stride=1, padding=0, dilation=1,
                      groups=1, bias=np.zeros(2))
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([1, 8])}),
                            "conv": conv, "lif": lif(12, 8e-3, 1.0),
                            "output": nir.Output(output_type={"output": np.array([12])})},
                     edges=[("input", "conv"), ("conv", "lif"), ("lif", "output")],
                     type_check=False)
    nir.write(folder / "bad_conv.nir", g)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "testdata/nir")
