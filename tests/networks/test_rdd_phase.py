"""The RDD phase of the deep-network study: it infers every FC layer's feedback, keeps its fits
across kernels, and stays silent while frozen beside a SAL phase."""

import re
import subprocess
import sys

import numpy as np
from checkout import REPO

from salnest.networks.kernel import kernel
from salnest.networks.rdd_phase import build_rdd_phase
from salnest.networks.weight_inference import forward_scale


def test_script_infers_the_feedback_of_both_layers(salnest_module):
    """[40, 20, 10], 20 s: measured 87-95 degrees -> 39-48 for seeds 1 and 2; a fall of 25
    degrees on each layer is far outside what a random B (about 90 +- 10) would show."""
    out = subprocess.run([sys.executable, str(REPO / "pynn_networks" / "rdd_phase.py"), "--seed", "2"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    lines = [x for x in out.splitlines() if x.startswith("layer")]
    assert len(lines) == 2, out  # one line per weight matrix of [40, 20, 10]
    for l, line in enumerate(lines):
        match = re.fullmatch(rf"layer {l}: angle\(B, W\^T\) (\d+\.\d) -> (\d+\.\d) degrees after 20 s", line)
        assert match, line
        start, end = float(match[1]), float(match[2])
        assert 70 < start < 110 and end < start - 25, line  # a random B starts near 90 degrees


def _driven_phase(sim, sizes, replicas, seconds, seed):
    from salnest.stimulus.trains import subset_trains

    rng = np.random.default_rng(seed)
    W = [rng.uniform(-1, 1, (replicas, sizes[l + 1], sizes[l])) for l in range(len(sizes) - 1)]
    phase = build_rdd_phase(sim, sizes, replicas)
    phase.set_forward([forward_scale(w, 0.2) for w in W])
    for second in range(seconds):
        phase.second([np.hstack([subset_trains(np.random.default_rng([seed, k, l, second]), n, 1000, 100, 0.2, 0.2,
                                               poisson=True) for k in range(replicas)])
                      for l, n in enumerate(sizes[:-1])])
    return phase


def test_fits_carried_to_a_new_kernel_continue_the_estimates(salnest_module):
    sizes = [20, 10]
    with kernel(3, 1) as sim:
        beta, fits = _driven_phase(sim, sizes, 2, 5, seed=5).estimates()
    assert fits[0].shape == (2, 20, 10, 4) and np.any(fits[0] != 0)
    with kernel(4, 1) as sim:
        phase = build_rdd_phase(sim, sizes, 2)
        phase.set_fits(fits)
        beta_again, fits_again = phase.estimates()
    np.testing.assert_array_equal(fits_again[0], fits[0])
    np.testing.assert_array_equal(beta_again[0], beta[0])


def test_a_frozen_sal_phase_stays_silent_while_rdd_runs(salnest_module):
    import nest

    from salnest.networks.sal_phase import build_sal_phase

    with kernel(6, 1) as sim:
        sal = build_sal_phase(sim, [6, 4], 2, 10, index=False)
        rdd = build_rdd_phase(sim, [6, 4], 1, index=False)
        for phase in (sal, rdd):
            phase.index()
        sal.set_state([np.ones((4, 6))], [np.ones((6, 4))], [np.zeros(6), np.zeros(4)])
        sal.nodes().set(frozen=True)
        recorder = nest.Create("spike_recorder")
        nest.Connect(sal.nodes() + rdd.nodes(), recorder)
        rdd.set_forward([forward_scale(np.random.default_rng(1).uniform(-1, 1, (1, 4, 6)), 0.2)])
        from salnest.stimulus.trains import subset_trains

        rdd.second([subset_trains(np.random.default_rng(2), 6, 1000, 100, 0.5, 0.2, poisson=True)])
        senders = set(recorder.events["senders"].tolist())
    assert senders and senders <= set(rdd.nodes().tolist())  # RDD neurons fire; no SAL neuron does
