#!/usr/bin/env python3
"""neurogen's Brian2 peer: the network of `neurogen bench golden`, simulated by Brian2.

The network: 256 independent Poisson inputs at 20 Hz, all-to-all plastic synapses onto 64
leaky integrate-and-fire neurons with a conductance input, pair-based STDP with exponential
traces (potentiation on a postsynaptic spike, depression slightly stronger on a presynaptic
spike), weights clipped to [0, GMAX], dt = 1 ms. It is Brian2's textbook STDP network (after
Song, Miller and Abbott, 2000) scaled to the size of the golden model's benchmark.

Usage:
    python brian2_stdp.py [TARGET] [SECONDS]

TARGET is a Brian2 code-generation target: cpp_standalone (the default and the fair peer: the
whole run is compiled C++), cython or numpy. SECONDS of simulated time (default 10). The
environment variable GMAX (default 0.025) sets the weight bound; at 0.025 the outputs fire at
about 21 Hz.

Output: one JSON line on stdout. `neurogen bench golden --peer brian2` reads these keys:
target, sim_s, wall_run_s (the simulation loop alone, without code generation or compiling),
out_rate_hz, pre_SOP_per_s (input spikes x 64 targets per wall second) and total_SOP_per_s
(the same plus output spikes x 256 potentiation updates).
"""

import json
import os
import sys
import tempfile
import time

N_INPUTS = 256
N_OUTPUTS = 64
INPUT_RATE_HZ = 20.0


def parse_args(argv):
    target = argv[1] if len(argv) > 1 else "cpp_standalone"
    if target not in ("cpp_standalone", "cython", "numpy"):
        sys.exit(f"unknown target {target!r}: use cpp_standalone, cython or numpy")
    try:
        seconds = float(argv[2]) if len(argv) > 2 else 10.0
    except ValueError:
        sys.exit(f"SECONDS must be a number, got {argv[2]!r}")
    if not 0.0 < seconds <= 3600.0:
        sys.exit(f"SECONDS must be in (0, 3600], got {seconds}")
    try:
        gmax = float(os.environ.get("GMAX", "0.025"))
    except ValueError:
        sys.exit("GMAX must be a number")
    return target, seconds, gmax


def build(b2, gmax):
    """The network's objects and its two spike monitors."""
    ms, mV, Hz = b2.ms, b2.mV, b2.Hz
    # neuron: membrane time constant 10 ms, excitatory conductance decaying with 5 ms
    params = dict(
        tau_m=10 * ms, tau_e=5 * ms, E_exc=0 * mV, E_leak=-74 * mV,
        v_thresh=-54 * mV, v_reset=-60 * mV,
        # STDP: both traces decay with 20 ms; depression 5 % stronger than potentiation
        tau_pre=20 * ms, tau_post=20 * ms,
        a_pre=0.01 * gmax, a_post=-0.01 * gmax * 1.05, w_max=gmax,
    )
    neuron_eqs = """
        dv/dt = (g_e * (E_exc - v) + E_leak - v) / tau_m : volt
        dg_e/dt = -g_e / tau_e : 1
    """
    inputs = b2.PoissonGroup(N_INPUTS, rates=INPUT_RATE_HZ * Hz)
    outputs = b2.NeuronGroup(
        N_OUTPUTS, neuron_eqs, threshold="v > v_thresh", reset="v = v_reset",
        method="euler", namespace=params,
    )
    outputs.v = params["v_reset"]
    synapse_eqs = """
        w : 1
        dtrace_pre/dt = -trace_pre / tau_pre : 1 (event-driven)
        dtrace_post/dt = -trace_post / tau_post : 1 (event-driven)
    """
    on_pre = """
        g_e_post += w
        trace_pre += a_pre
        w = clip(w + trace_post, 0, w_max)
    """
    on_post = """
        trace_post += a_post
        w = clip(w + trace_pre, 0, w_max)
    """
    syn = b2.Synapses(inputs, outputs, synapse_eqs, on_pre=on_pre, on_post=on_post,
                      namespace=params)
    syn.connect()  # all to all: 256 x 64 synapses
    syn.w = "rand() * w_max"
    in_mon = b2.SpikeMonitor(inputs, record=False)
    out_mon = b2.SpikeMonitor(outputs, record=False)
    net = b2.Network(inputs, outputs, syn, in_mon, out_mon)
    return net, syn, in_mon, out_mon


def main(argv):
    target, seconds, gmax = parse_args(argv)
    try:
        import brian2 as b2
    except ImportError as e:
        sys.exit(f"cannot import brian2 ({e}); see scripts/peers/README.md")

    workdir = None
    if target == "cpp_standalone":
        workdir = tempfile.mkdtemp(prefix="neurogen-brian2-", dir=os.getcwd())
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.defaultclock.dt = 1 * b2.ms
    b2.seed(42)

    net, syn, in_mon, out_mon = build(b2, gmax)
    out = dict(target=target, n_inputs=N_INPUTS, n_outputs=N_OUTPUTS,
               n_synapses=N_INPUTS * N_OUTPUTS, dt_ms=1.0, sim_s=seconds, gmax=gmax)

    if target == "cpp_standalone":
        t0 = time.perf_counter()
        net.run(seconds * b2.second)
        b2.device.build(directory=workdir, compile=True, run=True, debug=False)
        out["wall_with_compile_s"] = time.perf_counter() - t0
        # the time of the simulation loop alone, measured by the generated program
        out["wall_run_s"] = float(b2.device._last_run_time)
        in_spikes, out_spikes = int(in_mon.num_spikes), int(out_mon.num_spikes)
    else:
        # a short first run pays for code generation (and the Cython compile)
        t0 = time.perf_counter()
        net.run(100 * b2.ms)
        out["warmup_wall_s"] = time.perf_counter() - t0
        in0, out0 = int(in_mon.num_spikes), int(out_mon.num_spikes)
        t0 = time.perf_counter()
        net.run(seconds * b2.second)
        out["wall_run_s"] = time.perf_counter() - t0
        in_spikes = int(in_mon.num_spikes) - in0
        out_spikes = int(out_mon.num_spikes) - out0

    pre_events = in_spikes * N_OUTPUTS  # every input spike reaches all outputs
    post_events = out_spikes * N_INPUTS  # every output spike potentiates its whole column
    wall = out["wall_run_s"]
    out.update(
        input_spikes=in_spikes,
        output_spikes=out_spikes,
        out_rate_hz=out_spikes / N_OUTPUTS / seconds,
        pre_syn_events=pre_events,
        post_syn_events=post_events,
        total_syn_events=pre_events + post_events,
        mean_w_over_gmax=float((syn.w[:] / gmax).mean()),
        pre_SOP_per_s=pre_events / wall,
        total_SOP_per_s=(pre_events + post_events) / wall,
        realtime_factor=seconds / wall,
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
