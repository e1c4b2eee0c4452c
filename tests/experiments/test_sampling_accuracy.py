"""The sampling-accuracy kind measures a bias of the discrete-time neuron above its noise floor."""

import numpy as np
import pytest
import tomllib

from salnest.experiments.sampling_accuracy import draw_network
from salnest.networks.sampling_network import BUILDERS
from salnest.resources import find_protocol
from salnest.study.driver import run
from salnest.study.protocol import load_protocol


def test_networks_are_symmetric_and_fixed_by_the_seed():
    W, b = draw_network(11, 6, 1.5, (-1.2, 0.8))
    np.testing.assert_array_equal(W, W.T)
    assert np.all(np.diag(W) == 0) and np.abs(W).max() <= 1.5 and np.all((b >= -1.2) & (b <= 0.8))
    np.testing.assert_array_equal(draw_network(11, 6, 1.5, (-1.2, 0.8))[0], W)
    assert not np.array_equal(draw_network(12, 6, 1.5, (-1.2, 0.8))[0], W)


@pytest.mark.parametrize("model", sorted(BUILDERS))
def test_smoke_protocol_shows_a_bias_that_falls_with_tau_ref(salnest_module, tmp_path, model):
    """4 neurons, W ~ U(+-1.5), 4 replicas x 1e5 steps (measured: D_KL 0.0037 at tau_ref = 5 with a
    noise floor of 6e-5; 0.0007 at tau_ref = 20, floor 1.7e-4). The bias falls about as
    tau_ref^-1.8, i.e. 12x from 5 to 20 steps, so D_KL(5) above 10x its floor and above 2x
    D_KL(20) leave room for the spread of the floor estimate. The same for both forms of the
    networks (a population of neurons, one node per network)."""
    raw = tomllib.loads(find_protocol("sampling_accuracy_smoke").read_text())
    raw["networks"]["model"] = model
    protocol = load_protocol(raw)
    ds = run(protocol, tmp_path / "acc.nc")
    d = ds.dkl.sel(size=4, weight_scale=1.5)
    floor = ds.noise_floor.sel(size=4, weight_scale=1.5)
    assert float(d.sel(tau_ref=5)) > 10 * float(floor.sel(tau_ref=5))
    assert float(d.sel(tau_ref=5)) > 2 * float(d.sel(tau_ref=20))
    assert np.all(floor > 0)
