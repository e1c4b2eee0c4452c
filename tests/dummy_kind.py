"""A dummy experiment kind for the registry and driver tests: spike counts of independent
sampling neurons, one kernel per segment. It lives in the tests only; importing this module
registers it, with no edit anywhere in salnest."""

import contextlib

import numpy as np
import xarray as xr

from salnest.study.driver import EpochRun
from salnest.study.figures import pyplot, save
from salnest.study.protocol import Field, ProtocolError, at_least
from salnest.study.registry import ExperimentKind, register


class SpikeCounts(EpochRun):
    """Independent sampling neurons; every epoch counts their spikes in a fresh slice of time."""

    def __init__(self, protocol):
        self.p = protocol
        self.epochs = protocol["schedule"]["epochs"]

    def start(self):
        self.counts = np.full((self.epochs + 1, self.p["network"]["n_neurons"]), np.nan)
        self.counts[0] = 0.0

    def restore(self, checkpoint):
        self.counts = checkpoint.counts.values.copy()

    @contextlib.contextmanager
    def open_segment(self, first_epoch, seed):
        from salnest.networks.kernel import kernel
        from salnest.pynn.nest import SamplingNeuron

        net = self.p["network"]
        with kernel(seed, self.p["experiment"]["threads"]) as sim:
            yield sim, sim.Population(net["n_neurons"], SamplingNeuron(b=net["b"], tau_ref=10.0, tau_syn=10.0))

    def run_epoch(self, kernel, epoch):
        from salnest.parallel import node_values

        sim, population = kernel
        nodes = population.node_collection
        nodes.set(spike_count=0.0)
        sim.run(float(self.p["schedule"]["steps"]))
        self.counts[epoch] = node_values(nodes, "spike_count")

    def dataset(self, completed):
        return xr.Dataset({"counts": (("epoch", "neuron"), self.counts)}, coords={"epoch": np.arange(self.epochs + 1)})


def _check(protocol):
    if protocol["schedule"]["steps"] < 10 * protocol["network"]["n_neurons"]:
        raise ProtocolError(f"{protocol['experiment']['source']}: schedule.steps must be at least 10 per neuron")


def _plot(ds, path):
    fig, ax = pyplot().subplots()
    ax.plot(ds.epoch, ds.counts.sum("neuron"))
    return save(fig, path)


def _summary(ds):
    return f"spike counts: {int(np.nansum(ds.counts.values))} spikes in {int(ds.attrs['completed_epochs'])} epochs"


register(ExperimentKind(
    name="spike_counts_test", description="a dummy kind of the registry test: spike counts per epoch",
    schema={"network": {"n_neurons": Field(int, 3, at_least(1), doc="independent sampling neurons"),
                        "b": Field(float, 0.0, doc="their bias")},
            "schedule": {"epochs": Field(int, 4, at_least(1), doc="epochs"),
                         "steps": Field(int, 200, at_least(1), doc="steps per epoch")}},
    epochs=SpikeCounts, check=_check, plot=_plot, summary=_summary, experiment={"checkpoint_every": 2},
))
