#!/usr/bin/env python3
"""Trains a 64 -> 32 -> 10 spiking network on the 8x8 digits in snnTorch and writes it as NIR,
with snnTorch's own export (`snntorch.export_nir.export_to_nir`), and the same network as Norse
writes it (`norse.torch.to_nir`). Run once, by hand, not in CI (CI reads the committed files):

    python3 -m venv ~/.cache/neurogen/torchvenv
    ~/.cache/neurogen/torchvenv/bin/pip install torch snntorch norse nir
    ~/.cache/neurogen/torchvenv/bin/python scripts/peers/nir_snntorch.py data/digits.csv.gz testdata/nir

(measured with torch 2.15.0, snntorch 1.0.0, norse 1.1.0, nir 1.0.8, nirtorch 2.6; CPU, about a
minute.) Writes into the output folder:

- `digits_snntorch.nir`: snnTorch's export of the trained network (Linear -> Leaky -> Linear ->
  Leaky; snnTorch writes each Leaky as a LIF with dt = 1e-4 s: tau = dt / (1 - beta), r = tau /
  dt, v_leak = 0, v_reset = 0).
- `digits_norse.nir`: the same network built from Norse's `LIFBoxCell` (v += dt tau_mem_inv
  (v_leak - v + i), reset to 0) with tau_mem_inv = (1 - beta) / dt and the weights times
  1 / (1 - beta), so it computes exactly what the snnTorch network computes; Norse writes
  `Affine` (zero bias) and `LIF` with tau = dt / tau_mem_inv (dt = 1e-3 s).
- `digits_test_spikes.csv.gz`: the input spike trains of the 597 test images (below).
- `digits_test10.stim.json`: the first 10 test images as one neurogen stimulus (for cosim).
- `digits_snntorch.ref.json`: the split, the encoding, snnTorch's float test accuracy, and per
  test image its label and the output layer's spike counts in snnTorch (and in Norse, which
  must be the same network).

Data and split: `data/digits.csv.gz` (64 pixels 0..16, then the label), the 1,200 / 597 split of
`neurogen learn digits` (seed 1: a Fisher-Yates shuffle of 0..1797 with SplitMix64 seeded with
1 ^ 0x5EED5B1170000001, golden/src/learn/digits.rs), first 1,200 for training.

Encoding (deterministic, so that the golden model sees exactly the same input): a pixel of value
p (0..16) spikes at tick t (0 <= t < T = 20) when floor((t + 1) p / 16) > floor(t p / 16), i.e.
p / 16 spikes per tick at regular intervals. Each test image is shown to a network at rest
(membranes 0) for T ticks; the class is the output neuron with the most spikes, the lowest index
among equals.

Network: snnTorch `Linear(64, 32, bias=False) -> Leaky -> Linear(32, 10, bias=False) -> Leaky`,
beta = 7/8 (a leak shift of 3 in neurogen's lif), threshold 1, `reset_mechanism="zero"` (NIR's
v_reset; snnTorch exports v_reset = 0 whatever the mechanism), `reset_delay=False`. Trained with
the fast-sigmoid surrogate gradient on the cross entropy of the output spike counts.
"""
import gzip
import json
import pathlib
import sys

import numpy as np
import torch

import nir
import snntorch as snn
from snntorch import surrogate
from snntorch.export_nir import export_to_nir
import norse.torch as norse

T = 20
BETA = 0.875
HIDDEN = 32
M64 = (1 << 64) - 1
SPLIT_STREAM = 0x5EED_5B11_7000_0001


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        return (self.next() * n) >> 64


def split(n, train, test, seed):
    idx = list(range(n))
    rng = SplitMix64(seed ^ SPLIT_STREAM)
    for k in range(n - 1, 0, -1):
        r = rng.below(k + 1)
        idx[k], idx[r] = idx[r], idx[k]
    return idx[:train], idx[train:train + test]


def encode(pixels):
    """pixels: (n, 64) ints 0..16 -> (T, n, 64) 0/1 spikes."""
    t = np.arange(T)[:, None, None]
    p = pixels[None, :, :]
    return (((t + 1) * p) // 16 > (t * p) // 16).astype(np.float32)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        sg = surrogate.fast_sigmoid(slope=10)
        self.fc1 = torch.nn.Linear(64, HIDDEN, bias=False)
        # per-neuron beta and threshold: snnTorch exports scalars as 0-d arrays, which fail the
        # nir package's type inference ("fc1.output: [[32]] -> lif1.input: []")
        self.lif1 = snn.Leaky(beta=torch.full((HIDDEN,), BETA), threshold=torch.ones(HIDDEN), spike_grad=sg, reset_mechanism="zero",
                              reset_delay=False, init_hidden=True)
        self.fc2 = torch.nn.Linear(HIDDEN, 10, bias=False)
        self.lif2 = snn.Leaky(beta=torch.full((10,), BETA), threshold=torch.ones(10), spike_grad=sg, reset_mechanism="zero",
                              reset_delay=False, init_hidden=True, output=True)

    def forward(self, x):
        spk2, _ = self.lif2(self.fc2(self.lif1(self.fc1(x))))
        return spk2

    def run(self, spikes):
        """spikes (T, n, 64) -> output spikes (T, n, 10) and hidden spike counts."""
        self.lif1.reset_hidden()
        self.lif2.reset_hidden()
        out, hid = [], 0
        for t in range(spikes.shape[0]):
            h = self.lif1(self.fc1(spikes[t]))
            hid = hid + h
            s, _ = self.lif2(self.fc2(h))
            out.append(s)
        return torch.stack(out), hid


def main(data, folder):
    folder = pathlib.Path(folder)
    torch.manual_seed(18)
    rows = np.loadtxt(gzip.open(data, "rt"), delimiter=",", dtype=np.int64)
    pixels, labels = rows[:, :64], rows[:, 64]
    tr, te = split(len(rows), 1200, 597, 1)
    x_tr = torch.tensor(encode(pixels[tr]))
    y_tr = torch.tensor(labels[tr])
    x_te = torch.tensor(encode(pixels[te]))
    y_te = labels[te]

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    for epoch in range(60):
        perm = torch.randperm(1200)
        for b in range(0, 1200, 50):
            i = perm[b:b + 50]
            out, _ = net.run(x_tr[:, i])
            loss = torch.nn.functional.cross_entropy(out.sum(0), y_tr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 10 == 9:
            with torch.no_grad():
                out, _ = net.run(x_tr)
                acc = (out.sum(0).argmax(1) == y_tr).float().mean().item()
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, train accuracy {acc:.4f}")

    with torch.no_grad():
        out, hid = net.run(x_te)
    counts = out.sum(0).numpy().astype(np.int64)
    hidden = hid.numpy().astype(np.int64)
    # argmax: the lowest index among equal counts (numpy's rule, and neurogen's)
    pred = counts.argmax(1)
    acc = float((pred == y_te).mean())
    print(f"snnTorch float test accuracy {acc:.4f} ({int((pred == y_te).sum())}/597)")

    g = export_to_nir(net.cpu(), torch.zeros(1, 64), model_name="digits", ignore_dims=[0])
    nir.write(folder / "digits_snntorch.nir", g)
    print("snnTorch NIR nodes:", {k: type(v).__name__ for k, v in g.nodes.items()}, g.edges)

    # The same network in Norse: LIFBoxCell v += dt*tau_mem_inv*(v_leak - v + i), so with
    # dt*tau_mem_inv = 1 - beta and weights / (1 - beta) it is v = beta v + W s.
    dt = 1e-3
    inv = (1 - BETA) / dt

    def lp(n):
        # per-neuron tensors: Norse writes scalars as 0-d datasets, which h5py refuses to
        # compress ("Scalar datasets don't support chunk/filter options")
        return norse.LIFBoxParameters(tau_mem_inv=torch.full((n,), inv), v_th=torch.ones(n),
                                      v_leak=torch.zeros(n), v_reset=torch.zeros(n))

    fc1 = torch.nn.Linear(64, HIDDEN, bias=False)
    fc2 = torch.nn.Linear(HIDDEN, 10, bias=False)
    with torch.no_grad():
        fc1.weight.copy_(net.fc1.weight / (1 - BETA))
        fc2.weight.copy_(net.fc2.weight / (1 - BETA))
    nnet = norse.SequentialState(fc1, norse.LIFBoxCell(lp(HIDDEN), dt=dt), fc2,
                                 norse.LIFBoxCell(lp(10), dt=dt))
    with torch.no_grad():
        state, ncounts = None, 0
        for t in range(T):
            z, state = nnet(x_te[t], state)
            ncounts = ncounts + z
    ncounts = ncounts.numpy().astype(np.int64)
    nacc = float((ncounts.argmax(1) == y_te).mean())
    same = int((ncounts == counts).all(axis=1).sum())
    print(f"Norse test accuracy {nacc:.4f}; images with the same output counts as snnTorch: {same}/597")
    # a sample without a batch dimension: with one, the Input is [1, 64] and fails the
    # nir package's type check against the Affine's [64]
    gn = norse.to_nir(nnet, torch.zeros(64), model_name="digits", dt=dt)
    nir.write(folder / "digits_norse.nir", gn)
    nir.read(folder / "digits_norse.nir")
    nir.read(folder / "digits_snntorch.nir")
    print("Norse NIR nodes:", {k: type(v).__name__ for k, v in gn.nodes.items()}, gn.edges)

    # input spike trains of the test images: one line per image, "index,label," then T words of
    # 16 hex digits, bit i of word t = pixel i spikes at tick t
    lines = []
    for n, k in enumerate(te):
        words = []
        for t in range(T):
            bits = 0
            for i in np.nonzero(x_te[t, n].numpy())[0]:
                bits |= 1 << int(i)
            words.append(f"{bits:016x}")
        lines.append(f"{k},{labels[k]}," + ",".join(words))
    with gzip.GzipFile(folder / "digits_test_spikes.csv.gz", "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode())

    # the first 10 test images as one neurogen stimulus (docs/formats.md) for cosim: each image's
    # T ticks, then 10 empty ticks (the network is not cleared in between)
    ticks = []
    for n in range(10):
        for t in range(T):
            ticks.append([int(i) for i in np.nonzero(x_te[t, n].numpy())[0]])
        ticks.extend([] for _ in range(10))
    (folder / "digits_test10.stim.json").write_text(json.dumps({"ticks": ticks}) + "\n")

    ref = {
        "source": "scripts/peers/nir_snntorch.py (torch 2.15.0, snntorch 1.0.0, norse 1.1.0, nir 1.0.8)",
        "ticks": T,
        "beta": BETA,
        "split": {"seed": 1, "train": 1200, "test": 597},
        "encoding": "pixel p spikes at tick t when floor((t+1)p/16) > floor(tp/16)",
        "snntorch_test_accuracy": acc,
        "norse_test_accuracy": nacc,
        "norse_same_counts": same,
        "samples": [
            {"index": int(k), "label": int(labels[k]), "counts": counts[n].tolist(),
             "hidden_spikes": int(hidden[n].sum())}
            for n, k in enumerate(te)
        ],
    }
    (folder / "digits_snntorch.ref.json").write_text(json.dumps(ref) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/digits.csv.gz",
         sys.argv[2] if len(sys.argv) > 2 else "testdata/nir")
