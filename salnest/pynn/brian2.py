"""PyNN cell and synapse types of salnest's models for Brian2 (``pyNN.brian2`` backend).

The same names, parameters, units and defaults as on NEST (:mod:`salnest.pynn.nest`), written as
Brian2 equations in the pattern of PyNN's own Brian2 models (``eqs``, ``translations``,
``post_synaptic_variables``, ``brian2_model``). Usage is that of the NEST types, with
``import pyNN.brian2 as sim``::

    import pyNN.brian2 as sim
    from salnest.pynn import SamplingNeuron, SALSynapse

    sim.setup(timestep=1.0, min_delay=1.0, rng_seed=12)
    pop = sim.Population(2, SamplingNeuron(b=0.0, tau_ref=10.0, tau_syn=10.0))
    prj = sim.Projection(pop, pop, sim.AllToAllConnector(), SALSynapse(weight=0.5, delay=1.0))

What is the same as on NEST, and why it can be:

- :class:`SamplingNeuron` runs NEST's discrete-time rule step by step: the input that arrived
  in a step enters the PSP in the next one, then ``u = b + PSP``, and a free neuron fires with
  probability ``sigma(u - ln n_ref)`` (``n_ref = tau_ref / dt`` steps), after which it is
  refractory (``z = 1``) for ``n_ref`` steps. Rectangular PSPs are kept in a shift register of
  ``tau_syn / dt`` steps (at most :data:`MAX_RECTANGULAR_STEPS`), exponential and alpha PSPs
  as the NEST model's recursions.
- Weights onto a :class:`SamplingNeuron` are in model units, as on NEST: PyNN's Brian2 backend
  gives current-based cells weights in nA, and the neuron reads 1 nA as one unit of ``u``.
- :class:`SALSynapse` pairs spikes by their firing times with the rule of the C++
  ``sal_synapse`` (restricted nearest neighbour or all to all, both windows, bounds, the sums),
  on any PyNN cell type of the backend.
- Projections onto a :class:`SamplingNeuron` keep NEST's delays, whatever their synapse type
  (:func:`salnest.compat.pynn_brian2.nest_timing`): in NEST a spike sent with the minimal delay
  of one step acts in the next step, while Brian2 delivers it at the end of the step it is due
  in, one step later; Brian2 gets ``delay - dt``, and ``Projection.get`` returns the delay you
  set. Spike times then agree with NEST's: a neuron driven by a ``SpikeSourceArray`` spike at
  ``t`` with a one-step delay fires at ``t + dt`` on both. Recorded ``u`` and ``z`` are labelled
  one step later than on NEST (PyNN's Brian2 recorder samples at the end of a step and labels
  the sample with the next step's time): read states from spikes
  (:func:`salnest.analysis.sampling.states_from_spikes`) to compare the two. Onto PyNN's
  standard cells, delays are ``pyNN.brian2``'s, as for PyNN's own synapse types.
- Random numbers come from Brian2's generator: ``sim.setup(rng_seed=N)`` seeds it
  (:func:`salnest.compat.pynn_brian2.seed_at_setup`), so a run is reproducible, though not the
  same draws as NEST's.
"""

from __future__ import annotations

import brian2
from pyNN.brian2 import simulator
from pyNN.brian2.cells import BaseNeuronGroup
from pyNN.standardmodels import StandardCellType, StandardSynapseType, build_translations

from salnest.compat import pynn_brian2 as brian2_compat
from salnest.models import PSP_SHAPES
from salnest.models.defaults import nestml_defaults
from salnest.pynn.declarations import sal_synapse_parameters, sampling_neuron_parameters

#: Longest rectangular PSP in steps: each step of it is one state variable of the neuron.
MAX_RECTANGULAR_STEPS = 200

#: Brian2's "minus infinity" for spike times: finite, so that a window times a zero factor stays 0.
NEVER = -1e9  # s, far before any run


def _steps(duration_ms, dt_ms: float) -> int:
    return int(round(float(duration_ms) / dt_ms))


class SamplingNeuronGroup(BaseNeuronGroup):
    """The Brian2 ``NeuronGroup`` of :class:`SamplingNeuron`: the NEST model's update, once per step."""

    def __init__(self, n, equations, **parameters):
        dt = simulator.state.dt  # ms
        tau_syn, tau_ref = parameters["tau_syn"] / brian2.ms, parameters["tau_ref"] / brian2.ms
        shapes = parameters["psp_shape"]
        for name, values, on_grid in (("tau_ref", tau_ref, tau_ref == tau_ref),
                                      ("tau_syn", tau_syn, shapes == PSP_SHAPES["rectangular"])):
            for value in values[on_grid]:
                if abs(_steps(value, dt) * dt - value) > 1e-6:  # ms, as NEST's check of the grid
                    raise ValueError(f"{name} must be a positive multiple of the resolution ({dt:g} ms), got {value:g}")
        rectangular = tau_syn[shapes == PSP_SHAPES["rectangular"]]
        n_slots = max([_steps(t, dt) for t in rectangular], default=0)
        if n_slots > MAX_RECTANGULAR_STEPS:
            raise ValueError(f"SamplingNeuron on Brian2 keeps rectangular PSPs of at most {MAX_RECTANGULAR_STEPS} "
                             f"steps; tau_syn = {n_slots * dt:g} ms is {n_slots} steps (use an exponential PSP, "
                             "or NEST)")
        slots = "".join(f"slot_{k} : 1\n" for k in range(n_slots))
        equations = brian2.Equations(equations + slots)
        super().__init__(n, equations, threshold="refr < 0.5 and rand() < 1 / (1 + exp(log_n_ref - u))",
                         reset="refr = n_ref\nz = 1\nspike_count += 1", refractory=False,
                         method="euler", **parameters)
        shift = "".join(f"slot_{k} = slot_{k - 1}\n" for k in range(n_slots - 1, 0, -1))
        expiring = " + ".join(f"int(n_syn == {k + 1}) * slot_{k}" for k in range(n_slots)) or "0"
        rectangular_update = (f"expiring = {expiring}\n{shift}slot_0 = x\n" if n_slots else "expiring = 0\n")
        self.run_regularly(
            "x = incoming / nA\n"
            "incoming = 0 * nA\n"
            + rectangular_update +
            "decay = exp(-dt / tau_syn)\n"
            "gain = tau_ref * dt / (tau_syn * tau_syn) * decay\n"
            "rise = psp_rise\n"
            "psp_rise = int(psp_shape == 2) * (decay * rise + gain * x)\n"
            "psp = int(psp_shape == 0) * (psp + (x - expiring))"
            " + int(psp_shape == 1) * (psp * decay + x)"
            " + int(psp_shape == 2) * (decay * (psp + rise) + gain * x)\n"
            "u = b + psp\n"
            "refr = refr - int(refr > 0.5)\n"
            "z = int(refr > 0.5)\n",
            when="groups", name=f"{self.name}_step")


class SamplingNeuron(StandardCellType):
    """Stochastic neuron of neural sampling on Brian2 (the NEST model ``sampling_neuron``).

    Parameters: ``b`` (bias), ``tau_ref`` (ms, a positive multiple of the time step), ``tau_syn``
    (ms; the PSP's duration, a multiple of the time step, if rectangular, else its time
    constant), ``psp_shape`` (``"rectangular"``, ``"exponential"`` or ``"alpha"``, or their codes
    0, 1 and 2). Recordables: ``u``, ``z``, ``spikes``.
    """

    default_parameters = {k: nestml_defaults("sampling_neuron")[k] for k in ("b", "tau_ref", "tau_syn", "psp_shape")}
    default_initial_values = {"u": 0.0, "z": 0.0}
    recordable = ["u", "z", "spikes"]
    units = {"u": "dimensionless", "z": "dimensionless", "spikes": "ms"}
    receptor_types = ["excitatory", "inhibitory"]
    conductance_based = False
    injectable = False
    translations = build_translations(("b", "b"), ("tau_ref", "tau_ref", brian2.ms), ("tau_syn", "tau_syn", brian2.ms),
                                      ("psp_shape", "psp_shape"))
    # dimensionless; PyNN's Brian2 recorder calls the reverse transforms
    state_variable_translations = build_translations(
        *[(name, name, lambda name=name, **p: p[name], lambda name=name, **p: p[name]) for name in ("u", "z")])
    # one input for signed weights, as on NEST; the step's spikes sum here (in nA: model units)
    post_synaptic_variables = {"excitatory": "incoming", "inhibitory": "incoming"}
    brian2_model = SamplingNeuronGroup
    #: NEST's delays on every projection onto this type (salnest.compat.pynn_brian2.nest_timing)
    nest_timing = True
    eqs = """
        b : 1 (constant)
        tau_ref : second (constant)
        tau_syn : second (constant)
        psp_shape : integer (constant)
        n_ref = floor(tau_ref / dt + 0.5) : 1 (constant over dt)
        n_syn = floor(tau_syn / dt + 0.5) : 1 (constant over dt)
        log_n_ref = log(n_ref) : 1 (constant over dt)
        u : 1
        z : 1
        refr : 1
        psp : 1
        psp_rise : 1
        spike_count : 1
        incoming : amp
        """

    def __init__(self, **parameters):
        super().__init__(**sampling_neuron_parameters(parameters))


#: The C++ ``sal_synapse``'s ``pre_spike`` at the firing time ``tp``; both pairings, selected per
#: connection by ``sal_pairing`` (Brian2's abstract code has no branches, hence the 0/1 factors).
_SAL_PRE = """
tp = t - delay
d = post_last - tp
pair_r = int(sal_pairing == 0) * int(post_last > pre_last) * int(post_last < tp)
k_tri = int(d > -tau_sal) * (1 + d / tau_sal)
k_r = sal_gain * a_anticausal * (int(sal_window == 0) * exp(d / tau_sal) + int(sal_window == 1) * k_tri)
k_ws = pair_r * ws_gain * ws_phase * int(d > -tau_ws) * (1 + d / tau_ws)
pair_a = int(sal_pairing == 1) * int(post_trace > 0) * int(post_last < tp)
k_sal = pair_r * k_r + pair_a * sal_gain * a_anticausal * post_trace * exp(d / tau_sal)
paired = pair_r + pair_a
sal_sum += k_sal
ws_sum += k_ws
n_pairs += paired
weight = int(paired > 0) * clip(weight + eta_sal * k_sal + eta_ws * k_ws, Wmin, Wmax) + int(paired == 0) * weight
pre_trace = int(sal_pairing == 1) * (pre_trace * exp(-(tp - pre_last) / tau_sal) + 1)
pre_before = pre_last
pre_last = tp
%(syn_var)s += weight
"""

#: The C++ ``sal_synapse``'s ``post_spike`` at the firing time ``t``.
_SAL_POST = """
partner = int(pre_last < t) * pre_last + int(pre_last >= t) * pre_before
d = t - partner
pair_r = int(sal_pairing == 0) * int(partner > post_last) * int(partner < t)
k_tri = int(d < tau_sal) * (1 - d / tau_sal)
k_r = sal_gain * a_causal * (int(sal_window == 0) * exp(-d / tau_sal) + int(sal_window == 1) * k_tri)
k_ws = pair_r * ws_gain * ws_phase * int(d < tau_ws) * (1 - d / tau_ws)
after_last = int(t > pre_last) * pre_trace * exp(-(t - pre_last) / tau_sal)
before = after_last + int(t <= pre_last) * (pre_trace - 1) * exp((pre_last - t) / tau_sal)
pair_a = int(sal_pairing == 1) * int(before > 0)
k_sal = pair_r * k_r + pair_a * sal_gain * a_causal * before
paired = pair_r + pair_a
sal_sum += k_sal
ws_sum += k_ws
n_pairs += paired
weight = int(paired > 0) * clip(weight + eta_sal * k_sal + eta_ws * k_ws, Wmin, Wmax) + int(paired == 0) * weight
post_trace = int(sal_pairing == 1) * (post_trace * exp(-(t - post_last) / tau_sal) + 1)
post_last = t
"""


_SAL_PARAMETERS = ("eta_sal", "sal_window", "tau_sal", "a_causal", "a_anticausal", "sal_gain", "eta_ws", "tau_ws",
                   "ws_phase", "ws_gain", "Wmin", "Wmax", "sal_pairing")


class SALSynapse(StandardSynapseType):
    """Spike-based alignment learning synapse on Brian2 (the NEST model ``sal_synapse``).

    ``window`` is ``"exponential"`` or ``"triangular"``. ``eta_sal = eta_ws = 0`` only
    accumulates the window sums (``sal_sum``, ``ws_sum``, ``n_pairs``) for batch updates. The
    wake-sleep window acts only if ``eta_ws > 0``. ``eta_sal``, ``eta_ws``, ``Wmin`` and ``Wmax`` are
    in the units of the weight. Any PyNN cell type of the backend may be the target.
    """

    parameters = _SAL_PARAMETERS
    weight_unit_parameters = ("weight", "eta_sal", "eta_ws", "Wmin", "Wmax")
    #: per-connection state, read and set (to 0, to reset the sums) with Projection.get and set
    state_variables = ("sal_sum", "ws_sum", "n_pairs")
    # sal_pairing exists in the C++ model only, not in its NESTML twin
    default_parameters = {**{k: v for k, v in nestml_defaults("sal_synapse").items() if k in _SAL_PARAMETERS},
                          "sal_pairing": 0, "weight": 0.0, "delay": None, "sal_sum": 0.0, "ws_sum": 0.0,
                          "n_pairs": 0.0}
    eqs = """
        weight : %(weight_units)s
        eta_sal : %(weight_units)s
        eta_ws : %(weight_units)s
        Wmin : %(weight_units)s
        Wmax : %(weight_units)s
        sal_window : integer
        sal_pairing : integer
        tau_sal : second
        a_causal : 1
        a_anticausal : 1
        sal_gain : 1
        tau_ws : second
        ws_phase : 1
        ws_gain : 1
        sal_sum : 1
        ws_sum : 1
        n_pairs : 1
        pre_last : second
        pre_before : second
        post_last : second
        pre_trace : 1
        post_trace : 1
        """
    pre = _SAL_PRE
    post = _SAL_POST
    initial_conditions = {"pre_last": NEVER * brian2.second, "pre_before": NEVER * brian2.second,
                          "post_last": NEVER * brian2.second, "pre_trace": 0.0, "post_trace": 0.0}

    def __init__(self, window: str | None = None, **parameters):
        super().__init__(**sal_synapse_parameters(window, parameters))
        self.translations = self._translations(brian2.nA)

    def _translations(self, weight_units):
        scaled = [(name, name, weight_units) for name in self.weight_unit_parameters]
        times = [("tau_sal", "tau_sal", brian2.ms), ("tau_ws", "tau_ws", brian2.ms)]
        plain = [(name, name) for name in self.parameters + self.state_variables
                 if name not in self.weight_unit_parameters and name not in ("tau_sal", "tau_ws")]
        return build_translations(*scaled, *times, *plain, ("delay", "delay", brian2.ms))

    def _get_minimum_delay(self):
        return simulator.state.min_delay if simulator.state.min_delay != "auto" else simulator.state.dt

    def _set_target_type(self, weight_units):
        self.translations = self._translations(weight_units)


brian2_compat.apply()
