#!/usr/bin/env python3
"""Check dcls_to_neurogen.py's delay mapping against a real DCLS `Dcls1d` layer.

Builds a small Dcls1d (PyPI package DCLS) the way Thvnvtos/SNN-delays uses it at inference: one
kernel per synapse, positions rounded to integers, the "max" kernel with SIG = 0 (what their
fine-tuning sets before round_pos), the input padded on the left by K - 1 zeros (and, as in most
of their configs, (K - 1) // 2 on the right; only the first T outputs are used). The weights are
small integers, so the conv output is each output neuron's input current per tick, up to the
kernel's 1 / (1 + 1e-7) normalisation (rounded away here).

Then exports weight and P as .npy, runs dcls_to_neurogen.py (--scale 1: weights stay the
integers), sets a no-leak, never-firing neuron (leak_shift = 0, threshold = v max), and runs
`neurogen simulate` on the first T ticks for every T = 1..ticks: final v(T) - v(T - 1) is the
input of tick T - 1, compared with torch's conv output per tick and neuron.

A control runs the same comparison with the mirrored mapping d = K // 2 + P, which must
disagree (so the check can fail).

Usage: dcls_check.py NEUROGEN [--ticks 24] [--seed 1]   (needs torch and DCLS)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from DCLS.construct.modules import Dcls1d

HERE = os.path.dirname(os.path.abspath(__file__))
IN, OUT, MAX_DELAY = 6, 4, 8


def torch_currents(w, p, x, k):
    """conv output (T, OUT) of a Dcls1d with weight w (OUT, IN, 1), positions p, input x (T, IN)."""
    layer = Dcls1d(IN, OUT, kernel_count=1, groups=1, dilated_kernel_size=k, bias=False,
                   version="max")
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w, dtype=torch.float32))
        layer.P.copy_(torch.tensor(p, dtype=torch.float32))
        layer.SIG.zero_()
        layer.P.round_()
        layer.clamp_parameters()
        xt = torch.tensor(x.T[None], dtype=torch.float32)  # (batch 1, IN, T)
        xt = F.pad(xt, (k - 1, (k - 1) // 2), "constant", 0)
        y = layer(xt)[0]  # (OUT, T + right padding)
    t = x.shape[0]
    return y[:, :t].T.numpy().astype(np.float64), layer.P.detach().numpy().copy()


def neurogen_currents(binary, cfg_dir, name, x):
    toml = os.path.join(cfg_dir, f"{name}.toml")
    text = open(toml).read()
    text = text.replace("[neuron]\n", "[neuron]\nleak_shift = 0\nv_bits = 24\n", 1)
    text = "\n".join("threshold = 8388607" if l.startswith("threshold =") else l
                     for l in text.split("\n"))
    open(toml, "w").write(text)
    vs = [np.zeros(OUT)]
    for t in range(1, x.shape[0] + 1):
        stim = os.path.join(cfg_dir, "s.json")
        with open(stim, "w") as f:
            json.dump({"ticks": [[int(j) for j in np.nonzero(x[s])[0]] for s in range(t)]}, f)
        res = os.path.join(cfg_dir, "r.json")
        run = subprocess.run([binary, "simulate", toml, "--stimulus", stim, "-o", res],
                             capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"dcls_check: neurogen simulate failed: {run.stderr.strip()}")
        r = json.load(open(res))
        assert not any(r["spikes"]), "a neuron fired: the threshold is not out of reach"
        vs.append(np.array(r["final"]["v"], dtype=np.float64))
    return np.diff(np.array(vs), axis=0)  # (T, OUT): input of each tick


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("neurogen")
    ap.add_argument("--ticks", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    k = MAX_DELAY if MAX_DELAY % 2 else MAX_DELAY + 1  # SNN-delays makes the kernel odd
    rng = np.random.default_rng(a.seed)
    w = rng.integers(-20, 21, size=(OUT, IN, 1)).astype(np.float64)
    p = rng.uniform(-(k // 2), k // 2, size=(1, OUT, IN, 1))  # as init_pos_a/b
    x = (rng.random((a.ticks, IN)) < 0.3).astype(np.int64)
    ref, pr = torch_currents(w, p, x, k)
    print(f"torch {torch.__version__}, DCLS Dcls1d(version='max', SIG=0), IN={IN} OUT={OUT} "
          f"K={k} T={a.ticks} seed={a.seed}, {int(x.sum())} input spikes")
    print("rounded P (out x in):", pr[0, :, :, 0].astype(int).tolist())
    print(f"torch output off integers by at most {np.max(np.abs(ref - np.round(ref))):.2e}")
    ref = np.round(ref)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "w.npy"), w)
        np.save(os.path.join(tmp, "p.npy"), pr)
        for label, mirror in (("d = K//2 - P (dcls_to_neurogen.py)", False),
                              ("control d = K//2 + P", True)):
            pp = -pr if mirror else pr
            np.save(os.path.join(tmp, "pp.npy"), pp)
            out = os.path.join(tmp, "mirror" if mirror else "conv")
            subprocess.run([sys.executable, os.path.join(HERE, "dcls_to_neurogen.py"),
                            "--weight", os.path.join(tmp, "w.npy"), "--positions",
                            os.path.join(tmp, "pp.npy"), "--kernel", str(k), "-o", out,
                            "--name", "c", "--scale", "1", "--weight-bits", "8"],
                           check=True, capture_output=True, text=True)
            if not mirror:
                rows = open(os.path.join(out, "c_delays.csv"))
                d = [[int(v) for v in line.split(",")] for line in rows]
                print("delays d[in][out]:", d)
            ours = neurogen_currents(a.neurogen, out, "c", x)
            bad = np.argwhere(ours != ref)
            agree = a.ticks * OUT - len(bad)
            print(f"{label}: {agree}/{a.ticks * OUT} (tick, neuron) inputs agree, "
                  f"max |diff| {int(np.max(np.abs(ours - ref)))}")
            if len(bad):
                t, i = bad[0]
                print(f"  first mismatch tick {t} neuron {i}: torch {ref[t, i]:g}, "
                      f"neurogen {ours[t, i]:g}")
            ok &= (len(bad) == 0) != mirror
    print("dcls_check:", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
