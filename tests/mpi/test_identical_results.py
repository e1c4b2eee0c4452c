"""Same seed, same number of virtual processes, same result: 1 rank x 2 threads against 2 ranks x 1 thread.

NEST gives every virtual process its own random stream and places neurons on virtual
processes by id, whatever the split into ranks and threads; salnest gathers weights, node
values and spikes across ranks in a fixed global order. So the comparisons below are exact
(``assert_array_equal``), with no statistical tolerance. Each also checks that the run did
something (weights moved, spikes occurred), so that two empty results cannot agree.
"""

import numpy as np
import pytest
from mpi_launch import run, run_ok
from mpi_protocols import wake_sleep

from salnest.study.results import read_dataset

pytestmark = pytest.mark.mpi

SPLITS = {"1x2": (1, 2), "2x1": (2, 1)}  # ranks x threads, both 2 virtual processes

# the paper's demo pair (protocols/demo.toml)
PAIR_NETWORK = """
[network]
w12 = 1.5
w21 = 0.5
b = [-0.5, -0.2]
tau_ref = 25
"""

PAIR_TRAJECTORY = """
[experiment]
kind = "pair_trajectory"
seed = 3
""" + PAIR_NETWORK + """
[plasticity]
eta_sal = 0.01
[run]
steps = 20_000
record_interval = 2_000
replicates = 4
"""

PAIR_STDD = """
[experiment]
kind = "pair_stdd"
seed = 4
""" + PAIR_NETWORK + """
[run]
steps = 20_000
replicates = 4
"""

EI_DRIFT = """
[experiment]
kind = "ei_drift_field"
seed = 7
[grid]
w_e1_e2 = [0.0, 2.0, 1.0]
w_e2_e1 = [0.0, 2.0, 1.0]
seeds_per_point = 2
steps = 20_000
[learning]
starts = [[0.0, 2.0]]
steps = 20_000
record_interval = 5_000
"""

EI_RATES = """
[experiment]
kind = "ei_rates"
seed = 8
[rates]
w_e2_e1 = [0.0, 2.0, 1.0]
steps = 20_000
replicates = 2
"""

WAKE_SLEEP = {model: wake_sleep(seed=5, epochs=20, checkpoint_every=10, epoch_length=300, validation_every=10,
                                model=model) for model in ("sampling_neuron", "sampling_network")}

MICROCIRCUIT = """
[experiment]
kind = "microcircuit"
seed = 6
checkpoint_every = 1
[network]
sizes = [2, 3, 1]
tau_avg = 200.0
[teacher]
weight_range = [-1.0, 1.0]
target_steps = 5000
[student]
n_seeds = 2
[patterns]
training = [[-2.0, 1.0], [1.0, 2.0]]
validation = [[0.5, -1.0]]
[learning]
conditions = ["fa", "bp", "sal"]
[schedule]
epochs = 2
learning_patterns = 2
symmetrisation_patterns = 1
pattern_length = 1000
settle_steps = 100
"""

WEIGHT_INFERENCE = """
[experiment]
kind = "weight_inference"
seed = 7
checkpoint_every = 2
[layer]
n_in = 8
n_out = 6
n_seeds = 2
[schedule]
seconds = 3
[sal]
network_steps_per_second = 2000
[rdd]
rescale_every = 1
drive_fraction = 0.5
forward_scale = 1.5
"""

SAL_ALIGNMENT = """
[experiment]
kind = "sal_alignment"
seed = 8
checkpoint_every = 2
[network]
sizes = [8, 6, 4]
[study]
rates = [0.05, 0.1]
n_seeds = 2
[schedule]
epochs = 3
epoch_steps = 1000
"""


def _run_protocol(tmp_path, text: str, split: str):
    ranks, threads = SPLITS[split]
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(text)
    out = tmp_path / f"{split}.nc"
    proc = run_ok(["-m", "salnest.cli", "run", protocol, "--threads", threads, "--output", out, "--no-plot"], ranks)
    # rank 0 alone reports (and writes)
    assert proc.stdout.count(f"-> {out}") == 1, proc.stdout
    ds = read_dataset(out)
    assert ds.attrs["nest_mpi_ranks"] == ranks and ds.attrs["nest_threads"] == threads
    assert ds.attrs["nest_virtual_processes"] == 2
    return ds


def _both(tmp_path, text: str):
    return [_run_protocol(tmp_path, text, split) for split in SPLITS]


@pytest.mark.parametrize("model", sorted(WAKE_SLEEP))
def test_pair_trajectory(tmp_path, model):
    one, two = _both(tmp_path, PAIR_TRAJECTORY.replace("[network]", f'[network]\nmodel = "{model}"'))
    np.testing.assert_array_equal(one.weight.values, two.weight.values)
    assert np.all(one.weight.isel(time=-1).values != one.weight.isel(time=0).values)  # SAL moved every weight


@pytest.mark.parametrize("model", sorted(WAKE_SLEEP))
def test_pair_stdd_spikes(tmp_path, model):
    """Both forms: 4 PyNN pairs, or 4 two-neuron sampling_network nodes, over 2 virtual processes."""
    one, two = _both(tmp_path, PAIR_STDD.replace("[network]", f'[network]\nmodel = "{model}"'))
    # the distribution of spike-time differences is built from the gathered spike trains
    np.testing.assert_array_equal(one.pair_counts.values, two.pair_counts.values)
    np.testing.assert_array_equal(one.update_per_pair_measured.values, two.update_per_pair_measured.values)
    assert one.pair_counts.sum() > 100


def test_ei_drift_field(tmp_path):
    """Window sums of the E-E synapses of E-I systems, one kernel per grid row, and a learning run."""
    one, two = _both(tmp_path, EI_DRIFT)
    for name in ("drift_measured", "trajectory", "fixed_point_offset"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert np.all(one.drift_measured.values != 0)
    assert one.trajectory.values[-1, 0, 0] > one.trajectory.values[0, 0, 0]


def test_ei_rates_spikes(tmp_path):
    """Rates from the gathered spike trains of E-I and direct systems."""
    one, two = _both(tmp_path, EI_RATES)
    np.testing.assert_array_equal(one.rate_measured.values, two.rate_measured.values)
    assert np.all(one.rate_measured.values > 0.2)


@pytest.mark.parametrize("model", sorted(WAKE_SLEEP))
def test_wake_sleep(tmp_path, model):
    """Both forms of the networks: 4 PyNN sub-networks of neurons spread over the virtual processes,
    or 4 sampling_network nodes, 2 on each."""
    one, two = _both(tmp_path, WAKE_SLEEP[model])
    for name in ("W", "b", "asymmetry", "dkl", "p_sampled"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert np.all(one.p_sampled.sum("state") > 0.99)  # validations saw spikes of every network
    sal = one.asymmetry.sel(condition="sal")
    assert np.all(sal.isel(epoch=-1) < sal.isel(epoch=0))


def test_microcircuit(tmp_path):
    """Teacher targets, validation outputs, losses and all weights, after the teacher's and the
    validation's kernels ran in the same process (where NEST's compressed spike exchange
    misrouted spikes on 2 ranks, see test_spike_exchange.py)."""
    one, two = _both(tmp_path, MICROCIRCUIT)
    for name in ("train_target", "val_target", "val_output", "loss", "W0", "W1", "B0"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert not np.array_equal(one.W0.isel(epoch=-1).values, one.W0.isel(epoch=0).values)


def test_weight_inference(tmp_path):
    """SAL (NEST's streams), RDD's estimator (node vectors gathered across ranks) and STDWI
    (synapse state and recorded spikes gathered): the same B for every method and seed."""
    one, two = _both(tmp_path, WEIGHT_INFERENCE)
    for name in ("B", "rdd_fits", "angle"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    for method in one.method.values:
        B = one.B.sel({"method": method}).values
        assert not np.array_equal(B[:, -1], B[:, 0]), method


def test_sal_alignment(tmp_path):
    one, two = _both(tmp_path, SAL_ALIGNMENT)
    for name in ("B0", "B1", "angle"):
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert bool((one.angle.isel(epoch=-1) != one.angle.isel(epoch=0)).all())


def test_weight_inference_script():
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/weight_inference.py", "--neurons", 8, "--seconds", 2, "--threads", threads],
                      ranks)
        found = [line for line in proc.stdout.splitlines() if "angle(B, W^T)" in line]
        assert len(found) == 3, proc.stdout
        lines[split] = found
    assert lines["1x2"] == lines["2x1"]


def test_sal_phase_script():
    """The deep network's SAL phase: spikes gathered from every rank into the sums of every B."""
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/sal_phase.py", "--sizes", 8, 6, 4, "--copies", 2, "--phases", 2,
                       "--threads", threads], ranks)
        found = [line for line in proc.stdout.splitlines() if "angle(B, W^T)" in line]
        assert len(found) == 2, proc.stdout
        lines[split] = found
    assert lines["1x2"] == lines["2x1"]


def test_rdd_phase_script():
    """The deep network's RDD phase: forward weights written and estimates gathered across ranks."""
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/rdd_phase.py", "--sizes", 12, 8, 4, "--seconds", 3, "--threads", threads], ranks)
        found = [line for line in proc.stdout.splitlines() if "angle(B, W^T)" in line]
        assert len(found) == 2, proc.stdout
        lines[split] = found
    assert lines["1x2"] == lines["2x1"]
    start, end = lines["1x2"][0].split("T) ")[1].split(" degrees")[0].split(" -> ")
    assert float(end) < float(start)  # the estimates moved B toward W^T


def test_reciprocal_pair_script(tmp_path):
    """The demo script alone (python / mpirun), not through salnest run."""
    results = {}
    for split, (ranks, threads) in SPLITS.items():
        out = tmp_path / f"{split}.nc"
        proc = run_ok(["pynn_networks/reciprocal_pair.py", "--steps", 20_000, "--record-interval", 2000, "--threads", threads,
                       "--out", out], ranks)
        assert proc.stdout.count("results:") == 1, proc.stdout
        results[split] = read_dataset(out).weight.values
    np.testing.assert_array_equal(results["1x2"], results["2x1"])
    assert not np.array_equal(results["1x2"][:, -1], results["1x2"][:, 0])


def test_ei_system_script():
    """pynn_networks/ei_system.py alone: the printed drifts, from the synapses on all ranks."""
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/ei_system.py", "--steps", 20_000, "--threads", threads], ranks)
        found = [line for line in proc.stdout.splitlines() if "SAL drift per step" in line]
        assert len(found) == 3, proc.stdout
        lines[split] = found
    assert lines["1x2"] == lines["2x1"]


def test_microcircuit_script():
    """Frozen weights, one input: the printed output potentials, from all ranks' recordings."""
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/microcircuit.py", "--sizes", 2, 4, 2, "--steps", 20_000,
                       "--threads", threads], ranks)
        found = [line for line in proc.stdout.splitlines() if "mean output potential" in line]
        assert len(found) == 1, proc.stdout
        lines[split] = found[0]
    assert lines["1x2"] == lines["2x1"]


def test_one_neuron_output_layer_on_two_ranks():
    """Rank 1 owns no output neuron (and so no target of the projections onto it): the script
    still runs there, without hanging, and prints what one rank with 2 threads prints."""
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/microcircuit.py", "--sizes", 2, 5, 1, "--steps", 20_000, "--threads", threads],
                      ranks)
        found = [line for line in proc.stdout.splitlines() if "mean output potential" in line]
        assert len(found) == 1, proc.stdout
        lines[split] = found[0]
    assert lines["1x2"] == lines["2x1"]


PYNN_READBACK_ONTO_ONE_CELL = """
import pyNN.nest as sim
import salnest.pynn.nest
from salnest.parallel import abort_on_error
sim.setup(timestep=1.0, min_delay=1.0)
abort_on_error()
pre, post = sim.Population(4, sim.IF_curr_exp()), sim.Population(1, sim.IF_curr_exp(), label="single")
sim.Projection(pre, post, sim.AllToAllConnector(), sim.STDPMechanism(
    timing_dependence=sim.SpikePairRule(), weight_dependence=sim.AdditiveWeightDependence(), weight=0.1))
sim.run(10.0)
"""


def test_projection_that_pyNN_reads_back_onto_an_empty_rank_is_refused(tmp_path):
    """NEST's stdp_synapse has common parameters: PyNN must read its connections back, a collective
    call that the rank without the cell of 'single' would not make. Refused with a message, no hang."""
    script = tmp_path / "readback.py"
    script.write_text(PYNN_READBACK_ONTO_ONE_CELL)
    proc = run([script], ranks=2, timeout=180)
    assert proc.returncode != 0
    assert "population 'single' has 1 cell(s), none on rank(s) [" in proc.stderr
    assert "] of 2: PyNN reads connections of 'stdp_synapse" in proc.stderr


@pytest.mark.parametrize("model", sorted(WAKE_SLEEP))
def test_sampling_network_script(model):
    lines = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok(["pynn_networks/sampling_network.py", "--neurons", 4, "--steps", 100_000,
                       "--threads", threads, "--model", model], ranks)
        found = [line for line in proc.stdout.splitlines() if "D_KL" in line]
        assert len(found) == 1, proc.stdout  # printed by rank 0 only
        lines[split] = found[0]
    assert lines["1x2"] == lines["2x1"]  # the D_KL to 5 digits, from all spikes gathered


FAILING_ON_RANK_1 = """
import pyNN.nest as sim
import salnest.pynn.nest
from salnest.parallel import abort_on_error, allgather, rank
sim.setup(timestep=1.0, min_delay=1.0)
abort_on_error()
if rank() == 1:
    raise RuntimeError("only rank 1 fails")
allgather(0)  # without abort_on_error rank 0 would wait here forever
"""


def test_exception_on_one_rank_ends_the_job(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(FAILING_ON_RANK_1)
    proc = run([script], ranks=2, timeout=180)  # a hang fails the test through the timeout
    assert proc.returncode != 0
    assert "rank 1 of 2 failed" in proc.stderr and "only rank 1 fails" in proc.stderr


def test_invalid_protocol_stops_every_rank_before_simulating(tmp_path):
    protocol = tmp_path / "bad.toml"
    protocol.write_text(PAIR_TRAJECTORY.replace("tau_ref = 25", "tau_ref = -1"))
    proc = run(["-m", "salnest.cli", "run", protocol, "--output", tmp_path / "x.nc"], ranks=2, timeout=180)
    assert proc.returncode != 0
    assert "tau_ref" in proc.stderr and not (tmp_path / "x.nc").exists()


BUILTIN_PAIRS = """
import json, sys
import nest
import salnest
from salnest.parallel import Synapses, abort_on_error, rank
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": int(sys.argv[1]), "rng_seed": 4})
salnest.install()
abort_on_error()
neurons = nest.Create("iaf_psc_alpha", 8)  # pair m: neurons 2m and 2m+1
nest.Connect(nest.Create("poisson_generator", params={"rate": 1300.0}), neurons, syn_spec={"weight": 50.0})
sal = {"synapse_model": "sal_synapse", "delay": 0.1, "tau_sal": 5.0, "eta_sal": 5.0}
for m in range(4):
    nest.Connect(neurons[2 * m + 1], neurons[2 * m], syn_spec=dict(sal, weight=300.0))
    nest.Connect(neurons[2 * m], neurons[2 * m + 1], syn_spec=dict(sal, weight=50.0))
nest.Simulate(5000.0)
synapses = Synapses(nest.GetConnections(synapse_model="sal_synapse"))
weight, pairs = synapses.get("weight"), synapses.get("n_pairs")
if rank() == 0:
    print(json.dumps({"weight": weight.tolist(), "n_pairs": pairs.tolist()}))
"""


def test_builtin_neuron_pairs_with_the_cpp_synapse(tmp_path):
    """Reciprocal iaf_psc_alpha pairs with sal_synapse, Poisson-driven: identical weights and pair
    counts on 2 ranks x 1 thread and 1 rank x 2 threads (NEST draws each target's Poisson input
    from its virtual process's stream)."""
    import json

    script = tmp_path / "pairs.py"
    script.write_text(BUILTIN_PAIRS)
    results = {}
    for split, (ranks, threads) in SPLITS.items():
        proc = run_ok([script, threads], ranks)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        assert len(lines) == 1, proc.stdout  # rank 0 alone prints
        results[split] = json.loads(lines[0])
    assert results["1x2"] == results["2x1"]
    assert min(results["1x2"]["n_pairs"]) > 50
    assert not set(results["1x2"]["weight"]) & {300.0, 50.0}  # SAL moved every weight
