#!/usr/bin/env python3
"""Round trip of a NIR file through neurogen, checked with the `nir` package (run once, by hand):

    neurogen import nir testdata/nir/digits_snntorch.nir -o imported --dt 1e-4
    neurogen export nir --config imported/net.toml -o roundtrip.nir --dt 1e-4
    ~/.cache/neurogen/nirvenv/bin/python scripts/peers/nir_roundtrip.py testdata/nir/digits_snntorch.nir roundtrip.nir 1e-4

Both files are read with `nir.read` (its type check included). The chains must have the same
node types (Affine and Linear alike), shapes and edges (names aside). The weights are compared
as what they do per tick: neuron i's input from j in units of its threshold, `W[i, j] * g_i /
v_threshold_i` with the input gain `g = dt / tau * r` (LIF; `dt * r` for IF), which is what the
importer quantises (docs/nir.md). The largest difference is printed relative to the largest
weight of the layer and must be at most half a quantisation step (one step is 1 / v_threshold
of the exported file, in integer units), up to float32 rounding;
the time constants (dt / tau) must agree within the leak shift's rounding, printed.
"""
import sys

import numpy as np

import nir


def chain(g):
    """The nodes in edge order from the Input, as (type, node)."""
    nxt = {s: t for s, t in g.edges}
    start = [k for k, v in g.nodes.items() if isinstance(v, nir.Input)][0]
    out, k = [], start
    while k in nxt:
        k = nxt[k]
        out.append(g.nodes[k])
    return out


def kind(n):
    t = type(n).__name__
    return "Affine|Linear" if t in ("Affine", "Linear") else t


def main(a, b, dt):
    ga, gb = nir.read(a), nir.read(b)
    ca, cb = chain(ga), chain(gb)
    ta, tb = [kind(n) for n in ca], [kind(n) for n in cb]
    print("original:", ta)
    print("exported:", tb)
    assert ta == tb, "different graphs"
    ok = True
    w = None
    for na, nb in zip(ca, cb):
        if hasattr(na, "weight"):
            w = (np.asarray(na.weight, dtype=np.float64), np.asarray(nb.weight, dtype=np.float64))
            assert w[0].shape == w[1].shape, (w[0].shape, w[1].shape)
            continue
        if isinstance(na, nir.Output):
            continue
        def eff(n, wt):
            g = dt / np.asarray(n.tau) * np.asarray(n.r) if isinstance(n, nir.LIF) else dt * np.asarray(n.r)
            return wt * (g / np.asarray(n.v_threshold))[:, None]
        ea, eb = eff(na, w[0]), eff(nb, w[1])
        scale = np.abs(ea).max()
        diff = np.abs(ea - eb).max() / scale
        # the exported file is in integer units of v: eb * v_threshold are the integer weights
        wint = eb * np.asarray(nb.v_threshold)[:, None]
        assert np.abs(wint - np.round(wint)).max() < 1e-6, "exported weights are not integers"
        # half an integer step relative to the largest original weight (1 step = 1 / v_threshold)
        step = 0.5 / (np.asarray(nb.v_threshold).max() * scale)
        print(f"{type(na).__name__} {ea.shape}: integer weights {int(wint.min())}..{int(wint.max())}, largest |weight difference| / largest |weight| = {diff:.2e} (half a step: {step:.2e})")
        ok &= diff <= step * (1 + 1e-6)
        if isinstance(na, nir.LIF):
            print(f"  dt/tau: original {np.unique(dt / np.asarray(na.tau))}, exported {np.unique(dt / np.asarray(nb.tau))}")
    print("SAME graph and weights up to quantisation" if ok else "DIFFERENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
