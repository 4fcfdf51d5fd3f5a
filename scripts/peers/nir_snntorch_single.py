#!/usr/bin/env python3
"""The one-layer variant of nir_snntorch.py (same data, split, encoding, neuron and training):
snnTorch `Linear(64, 10, bias=False) -> Leaky`, written as `digits1_snntorch.nir` with its
reference counts `digits1_snntorch.ref.json` (the test spike trains are nir_snntorch.py's
`digits_test_spikes.csv.gz`). One layer has a board top, so this is the network that goes from
snnTorch to an iCEBreaker (UP5K) bitstream (docs/nir.md). Run once, by hand:

    ~/.cache/neurogen/torchvenv/bin/python scripts/peers/nir_snntorch_single.py data/digits.csv.gz testdata/nir
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

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from nir_snntorch import BETA, T, encode, split  # noqa: E402


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, 10, bias=False)
        self.lif1 = snn.Leaky(beta=torch.full((10,), BETA), threshold=torch.ones(10),
                              spike_grad=surrogate.fast_sigmoid(slope=10),
                              reset_mechanism="zero", reset_delay=False, init_hidden=True,
                              output=True)

    def forward(self, x):
        spk, _ = self.lif1(self.fc1(x))
        return spk

    def run(self, spikes):
        self.lif1.reset_hidden()
        return torch.stack([self.lif1(self.fc1(spikes[t]))[0] for t in range(spikes.shape[0])])


def main(data, folder):
    folder = pathlib.Path(folder)
    torch.manual_seed(18)
    rows = np.loadtxt(gzip.open(data, "rt"), delimiter=",", dtype=np.int64)
    pixels, labels = rows[:, :64], rows[:, 64]
    tr, te = split(len(rows), 1200, 597, 1)
    x_tr, y_tr = torch.tensor(encode(pixels[tr])), torch.tensor(labels[tr])
    x_te, y_te = torch.tensor(encode(pixels[te])), labels[te]
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    for epoch in range(60):
        perm = torch.randperm(1200)
        for b in range(0, 1200, 50):
            i = perm[b:b + 50]
            loss = torch.nn.functional.cross_entropy(net.run(x_tr[:, i]).sum(0), y_tr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 10 == 9:
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}")
    with torch.no_grad():
        counts = net.run(x_te).sum(0).numpy().astype(np.int64)
    pred = counts.argmax(1)
    acc = float((pred == y_te).mean())
    print(f"snnTorch float test accuracy {acc:.4f} ({int((pred == y_te).sum())}/597)")
    g = export_to_nir(net, torch.zeros(1, 64), model_name="digits1", ignore_dims=[0])
    nir.write(folder / "digits1_snntorch.nir", g)
    nir.read(folder / "digits1_snntorch.nir")
    ref = {
        "source": "scripts/peers/nir_snntorch_single.py (torch 2.15.0, snntorch 1.0.0, nir 1.0.8)",
        "ticks": T,
        "beta": BETA,
        "split": {"seed": 1, "train": 1200, "test": 597},
        "snntorch_test_accuracy": acc,
        "samples": [{"index": int(k), "label": int(labels[k]), "counts": counts[n].tolist()}
                    for n, k in enumerate(te)],
    }
    (folder / "digits1_snntorch.ref.json").write_text(json.dumps(ref) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/digits.csv.gz",
         sys.argv[2] if len(sys.argv) > 2 else "testdata/nir")
