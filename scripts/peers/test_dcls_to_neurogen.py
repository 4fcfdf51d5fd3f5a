#!/usr/bin/env python3
"""Check dcls_to_neurogen.py on a tiny made-up layer (2 inputs, 3 neurons, kernel 5), and, given
a neurogen binary, that the written config runs with each spike arriving d ticks later.

  python3 scripts/peers/test_dcls_to_neurogen.py [path/to/neurogen]
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dcls_to_neurogen as conv  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    # PyTorch layout: weight (out=3, in=2, 1), P (1, out, in, 1); kernel 5, positions -2..2
    w = np.array([[0.5, -1.0], [0.25, 0.0], [1.0, 0.75]]).reshape(3, 2, 1)
    p = np.array([[2.0, -2.0], [0.4, 1.0], [-1.0, 0.0]]).reshape(1, 3, 2, 1)
    np.save(os.path.join(tmp, "w.npy"), w)
    np.save(os.path.join(tmp, "p.npy"), p)
    out = os.path.join(tmp, "out")
    conv.main(["--weight", os.path.join(tmp, "w.npy"), "--positions", os.path.join(tmp, "p.npy"),
               "--kernel", "5", "-o", out, "--name", "t", "--v-threshold", "0.5"])
    rows = lambda f: [[int(x) for x in l.split(",")] for l in open(os.path.join(out, f))]
    # W[j][i] = round(w[i][j] * 127 / 1.0); d[j][i] = 2 - round(P[i][j])
    assert rows("t_weights.csv") == [[64, 32, 127], [-127, 0, 95]], rows("t_weights.csv")
    assert rows("t_delays.csv") == [[0, 2, 3], [4, 1, 2]], rows("t_delays.csv")
    toml = open(os.path.join(out, "t.toml")).read()
    assert "max_delay = 5" in toml and "threshold = 64" in toml, toml
    # a position outside -2..=2 is refused, naming it
    bad = p.copy()
    bad[0, 1, 0, 0] = 3.0
    np.save(os.path.join(tmp, "bad.npy"), bad)
    r = subprocess.run([sys.executable, os.path.join(HERE, "dcls_to_neurogen.py"), "--weight",
                        os.path.join(tmp, "w.npy"), "--positions", os.path.join(tmp, "bad.npy"),
                        "--kernel", "5", "-o", out], capture_output=True, text=True)
    assert r.returncode != 0 and "positions[1][0] = 3.0" in r.stderr, r.stderr
    if len(sys.argv) > 1:
        # input 0 at tick 0: neurons 0 (w 64 >= 64, d 0) fires at 0; 1 (w 32) never alone;
        # 2 (w 127, d 3) at 3
        stim = os.path.join(tmp, "s.json")
        with open(stim, "w") as f:
            json.dump({"ticks": [[0], [], [], [], [], []]}, f)
        res = os.path.join(tmp, "r.json")
        subprocess.run([sys.argv[1], "simulate", os.path.join(out, "t.toml"), "--stimulus", stim,
                        "-o", res], check=True, capture_output=True)
        spikes = json.load(open(res))["spikes"]
        assert spikes == [[0], [], [], [2], [], []], spikes
    print("dcls_to_neurogen: ok")
