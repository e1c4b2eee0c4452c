"""Workarounds for PyNN 0.13's Brian2 backend (``pyNN.brian2``) with salnest's types.

``tests/compat/test_pynn_brian2.py`` shows each defect on the pinned versions (marker ``brian2``).
"""

from __future__ import annotations

import numpy as np

from salnest.compat import workaround

PYNN = ("PyNN", "0.13.0")


@workaround("pynn-brian2-rng-seed", *PYNN,
            symptom="pyNN.brian2's setup() ignores rng_seed: Brian2 draws from an unseeded generator and "
                    "no two runs of a stochastic network are alike",
            upstream="tests/compat/test_pynn_brian2.py::test_pynn_brian2_ignores_rng_seed")
def seed_at_setup() -> None:
    """Make ``sim.setup(rng_seed=N)`` seed Brian2's random numbers (``brian2.seed(N)``), as PyNN's
    NEST backend seeds NEST's."""
    import brian2
    import pyNN.brian2
    from pyNN.brian2 import control

    setup = control.setup
    if getattr(setup, "seeds_brian2", False):
        return

    def seeded_setup(*args, **extra_params):
        rank = setup(*args, **extra_params)
        if extra_params.get("rng_seed") is not None:
            brian2.seed(int(extra_params["rng_seed"]))
        return rank

    seeded_setup.seeds_brian2 = True
    seeded_setup.__doc__ = setup.__doc__
    control.setup = pyNN.brian2.setup = seeded_setup


def _view_indices(population, parent_indices):
    """Indices within ``population`` (a view or not) of its parent's cells ``parent_indices``."""
    if not hasattr(population, "parent"):
        return np.asarray(parent_indices, dtype=int)
    return np.asarray(population.id_to_index(population.parent.all_cells[parent_indices]), dtype=int).reshape(-1)


def _native_values(projection, name) -> np.ndarray:
    from pyNN.parameters import ParameterSpace

    value = getattr(projection._brian2_synapses[0][0], name)[:]
    if name not in projection.synapse_type.get_schema():  # a state variable (sal_sum, ...): dimensionless
        return np.asarray(value, dtype=float).reshape(-1)
    parameters = projection.synapse_type.reverse_translate(ParameterSpace({name: value}, shape=value.shape))
    parameters.evaluate(simplify=False)
    values = np.asarray(parameters[name], dtype=float).reshape(-1)
    if name == "delay" and _nest_timed(projection):
        values = values + projection._simulator.state.dt  # see nest_timing
    return values


def _nest_timed(projection) -> bool:
    """Whether ``projection`` ends on a cell type with NEST's delays (salnest's ``SamplingNeuron``)."""
    return bool(getattr(getattr(projection.post, "celltype", None), "nest_timing", False))


@workaround("pynn-brian2-view-indices", *PYNN,
            symptom="Projection.get and Projection.set on pyNN.brian2 with a PopulationView as source or "
                    "target: IndexError (format='array', set) or ValueError (format='list'), because the "
                    "indices of the view's parent are used as the view's",
            upstream="tests/compat/test_pynn_brian2.py::test_pynn_brian2_indexes_views_by_parent_index")
def view_indices() -> None:
    """Read and set connection attributes of projections between views by the views' own indices."""
    from pyNN.brian2.projections import Projection

    def as_arrays(self, attribute_names, multiple_synapses="sum"):
        if multiple_synapses != "sum":
            raise NotImplementedError(f"multiple_synapses={multiple_synapses!r}")
        syn = self._brian2_synapses[0][0]
        i, j = _view_indices(self.pre, syn.i[:]), _view_indices(self.post, syn.j[:])
        unconnected = np.full((self.pre.size, self.post.size), True)
        unconnected[i, j] = False
        values = []
        for name in attribute_names:
            array = np.zeros((self.pre.size, self.post.size))
            np.add.at(array, (i, j), _native_values(self, name))
            array[unconnected] = np.nan
            values.append(array)
        return values

    def as_list(self, attribute_names):
        syn = self._brian2_synapses[0][0]
        columns = []
        for name in attribute_names:
            if name == "presynaptic_index":
                columns.append(_view_indices(self.pre, syn.i[:]))
            elif name == "postsynaptic_index":
                columns.append(_view_indices(self.post, syn.j[:]))
            else:
                columns.append(_native_values(self, name))
        return list(zip(*columns))

    def set_attributes(self, connection_parameters):
        syn = self._brian2_synapses[0][0]
        connection_parameters.evaluate()
        i, j = _view_indices(self.pre, syn.i[:]), _view_indices(self.post, syn.j[:])
        for name, value in connection_parameters.items():
            setattr(syn, name, value[i, j])

    Projection._get_attributes_as_arrays = as_arrays
    Projection._get_attributes_as_list = as_list
    Projection._set_attributes = set_attributes


@workaround("pynn-brian2-nest-timing", *PYNN,
            symptom="a spike sent with PyNN's minimal delay acts one step later on pyNN.brian2 than on "
                    "pyNN.nest; a SamplingNeuron, whose discrete-time rule is NEST's, would see its input "
                    "one step late and sample another distribution",
            upstream="tests/compat/test_pynn_brian2.py::test_brian2_delivers_one_step_later_than_nest")
def nest_timing() -> None:
    """Give projections onto cell types with ``nest_timing`` (salnest's ``SamplingNeuron``) NEST's
    delays on Brian2: Brian2 gets ``delay - dt`` (its delay 0 acts in the next step, as NEST's
    one-step delay), and ``Projection.get`` returns the delay as set."""
    from brian2 import ms
    from pyNN.brian2.projections import Projection

    connect, set_attributes = Projection._convergent_connect, Projection._set_attributes

    def convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                           **connection_parameters):
        if _nest_timed(self) and "delay" in connection_parameters:
            connection_parameters["delay"] = connection_parameters["delay"] - self._simulator.state.dt * ms
        return connect(self, presynaptic_indices, postsynaptic_index, location_selector, **connection_parameters)

    def set_native_attributes(self, connection_parameters):
        if _nest_timed(self) and "delay" in connection_parameters.keys():
            connection_parameters["delay"] = connection_parameters["delay"] - self._simulator.state.dt * ms
        return set_attributes(self, connection_parameters)

    Projection._convergent_connect = convergent_connect
    Projection._set_attributes = set_native_attributes


@workaround("pynn-brian2-spike-source-clock", *PYNN,
            symptom="a SpikeSourceArray on pyNN.brian2 runs on Brian2's default clock (0.1 ms) instead of "
                    "the simulation's time step: its spikes reach their targets within another step's "
                    "schedule, Brian2 warns of a dt mismatch, and at 1-ms steps the source costs ten "
                    "updates per step",
            upstream="tests/compat/test_pynn_brian2.py::test_spike_source_array_runs_on_the_default_clock")
def spike_sources_on_the_network_clock() -> None:
    """Create ``SpikeSourceArray``'s Brian2 group on the simulation's clock, as PyNN does for
    ``SpikeSourcePoisson``."""
    import importlib

    import brian2
    from pyNN.brian2 import simulator

    cells = importlib.import_module("pyNN.brian2.cells")  # pyNN.brian2.cells is also a name in pyNN.brian2

    def __init__(self, n, equations, spike_time_sequences=None):
        assert spike_time_sequences.size == n
        self._check_spike_times(spike_time_sequences)
        indices, times = self._convert_sequences_to_arrays(spike_time_sequences)
        brian2.SpikeGeneratorGroup.__init__(self, n, indices=indices, times=times,
                                            clock=simulator.state.network.clock)

    cells.SpikeGeneratorGroup.__init__ = __init__


def apply() -> None:
    """Install every ``pyNN.brian2`` workaround (idempotent)."""
    seed_at_setup()
    view_indices()
    nest_timing()
    spike_sources_on_the_network_clock()
