"""A feedforward layer n_in -> n_out with fixed forward weights W whose feedback weights B
(shaped like W^T) a local rule infers from spikes (paper Fig. 7), one network per rule:

- :func:`build_sal_layers`: sampling neurons, ``u = W PSP(lower) + b`` above and
  ``u = B PSP(upper) + b`` below, driven by the network's own noise; copies of each layer share B
  and it is updated from their mean SAL window sums after every second, summed from the recorded
  spikes (on NEST, all-to-all pairs) or by SAL synapses on B (restricted pairs, Brian2);
- :func:`build_rdd_layers`: Guerguiev et al.'s LIF neurons (``rdd_neuron``), a Poisson drive to
  a random 20 % of the lower layer, forward weights scaled to ``0.2 n_in W / std(W)``; the causal
  effect of each lower neuron's spikes on every unit above is estimated from its windows and the
  recorded spikes above (:mod:`salnest.analysis.rdd_estimator`), or inside the neurons;
- :func:`build_stdwi_layers`: the STDWI authors' leaky integrators (``rdd_neuron`` with
  ``g_L = g_D = 0.05`` per ms, no refractoriness) at 0.25 ms, a Bernoulli stimulus to a random
  20 % of the inputs, forward weights ``75 W`` on ``stdwi_synapse`` connections, which infer them.

Independent layers ("replicas", one per seed) share a kernel (:mod:`salnest.networks.blocks`);
weights are arrays ``W[replica, n_out, n_in]``, ``B[replica, n_in, n_out]``. Stimuli are given
as spike counts per step (:mod:`salnest.stimulus.trains`), so a run depends on its stimulus streams,
not on the MPI layout. Run on its own (also under ``mpirun``), this script infers the weights of
one random 20 -> 20 layer with each rule and prints the angle between B and W^T::

    python pynn_networks/weight_inference.py --seconds 5
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from salnest.models import SAL_PAIRINGS
from salnest.networks.blocks import BlockConnections, connect_blocks, connection_rows, spike_blocks

#: The STDWI authors' leaky integrator (``lif_dynamics``: tau 20 ms, coupling ratio 1, no
#: refractoriness) as ``rdd_neuron`` parameters at their 0.25 ms step; the kernel covers
#: their 280-step filter, whose first value is 0.
STDWI_LIF = {"g_L": 0.05, "g_D": 0.05, "tau_L": 10.0, "tau_s": 3.0, "kernel_length": 279 * 0.25, "theta": 1.0,
             "v_reset": -1.0, "t_ref": 0.25}
#: Steps of the STDWI layers' connections: their filter reads the input one step after it arrives.
STDWI_DELAY_STEPS = 2


def he_uniform(rng: np.random.Generator, n_post: int, n_pre: int) -> np.ndarray:
    """Weights (n_post, n_pre) ~ U(-sqrt(3 / n_pre), sqrt(3 / n_pre)), the reference's draw of
    W and B (Kaiming He, uniform)."""
    bound = np.sqrt(3.0 / n_pre)
    return rng.uniform(-bound, bound, (n_post, n_pre))


class CountGenerators:
    """One ``spike_generator`` per unit of a population, fed with counts per step."""

    def __init__(self, sim, targets, weight: float, delay_steps: int):
        import nest

        self.h = sim.get_time_step()
        self.nodes = nest.Create("spike_generator", targets.size)
        nest.Connect(self.nodes, targets.node_collection, "one_to_one",
                     syn_spec={"weight": weight, "delay": delay_steps * self.h, "receptor_type": 1})

    def feed(self, counts: np.ndarray) -> None:
        """Spikes ``counts[k, unit]`` as if fired in the ``k``-th step from now.

        Now is NEST's time, not PyNN's: PyNN's first ``run`` simulates one step more than asked
        (to flush its recorders), so a kernel's first stimulus is followed by one step without one.
        """
        import nest

        first_step = int(round(nest.biological_time / self.h))
        for unit, node in enumerate(self.nodes):
            k = np.nonzero(counts[:, unit])[0]
            if not len(k):
                continue  # the old spike times are all past
            node.set(spike_times=((first_step + k + 1) * self.h).tolist(),
                     spike_multiplicities=counts[k, unit].astype(int).tolist())


@dataclass
class SALLayers:
    """Copies of sampling-neuron layers per replica; :meth:`second` runs and updates B.

    The window sums come from the layers' recorded spikes (``sums``, on NEST with all-to-all
    pairs) or else from the SAL synapses on B (``feedback`` holds ``sal_synapse`` connections)."""

    sim: object
    lower: object
    upper: object
    feedback: BlockConnections
    copies: int
    tau_ref: int
    recorder: object = None
    sums: object = None  # salnest.analysis.sal_sums.AllToAllSums over every block, or None

    def window_sums(self, steps: int) -> np.ndarray:
        """Simulate ``steps`` steps; return the SAL window sums of every B connection that these steps
        added, (replica * copies, n_in, n_out).

        From spikes, every pair of spikes fired up to now counts now; a synapse counts a pair
        when the presynaptic spike after it arrives, so the two assign a pair at the end of a
        second to different seconds (and a synapse never counts the last pairs of a kernel)."""
        if self.sums is None:
            self.sim.run(float(steps))
            sal_sum = self.feedback.get("sal_sum")
            self.feedback.set(sal_sum=0.0)
            return sal_sum
        import nest

        from salnest.parallel import recorder_events

        h = self.sim.get_time_step()
        # NEST's time, not PyNN's: PyNN's first run simulates one step more, whose spikes count too
        t0 = int(round(nest.biological_time / h))
        self.sim.run(float(steps))
        n_steps = int(round(nest.biological_time / h)) - t0
        ev = recorder_events(self.recorder)
        self.recorder.n_events = 0
        blocks = self.sums.sums.shape[0]
        n_in, n_out = self.sums.sums.shape[1:]
        spikes = [spike_blocks(ev, population, n, blocks, t0, n_steps, h)
                  for population, n in ((self.upper, n_out), (self.lower, n_in))]
        self.sums.reset()
        self.sums.add(*spikes)
        return self.sums.sums

    def second(self, steps: int, B: np.ndarray, eta_sal: float) -> np.ndarray:
        """Simulate ``steps`` steps with feedback weights ``B[replica]`` in every copy; return
        ``B + eta_sal * mean over copies of sal_sum / (2 tau_ref)`` (the reference's
        normalisation of its 2 tau_ref-step window), which the synapses then carry."""
        sal_sum = self.window_sums(steps)
        n_rep = B.shape[0]
        new = B + eta_sal * sal_sum.reshape(n_rep, self.copies, *B.shape[1:]).mean(axis=1) / (2 * self.tau_ref)
        self.feedback.set(weight=np.repeat(new, self.copies, axis=0))
        return new


def build_sal_layers(sim, W: np.ndarray, B: np.ndarray, b_in: np.ndarray, b_out: np.ndarray, copies: int,
                     tau_ref: int, pairing: str = "all_to_all", from_spikes: bool | None = None) -> SALLayers:
    """Sampling-neuron layers with SAL window sums on B (exponential window, ``tau_sal = tau_ref``).

    Parameters
    ----------
    sim
        ``pyNN.nest`` or ``pyNN.brian2`` after ``setup()`` at one step per ms.
    W, B
        Forward (replica, n_out, n_in) and start of the feedback weights (replica, n_in, n_out),
        model units.
    b_in, b_out
        Biases (replica, n_in) and (replica, n_out).
    copies
        Copies of each replica's layers that share its B (the reference's batch).
    tau_ref
        Refractory period = PSP length = SAL window time constant, steps.
    pairing
        ``"all_to_all"`` (every spike pair, as the reference's trace-based rule) or
        ``"restricted"`` (nearest neighbour). Between neurons of different rates restricted pairs
        drift even without any coupling (docs/models.md, section 3), which in a layer makes the
        rows of B of the fastest lower neurons grow together; all-to-all pairs do not.
    from_spikes
        Sum the window from the recorded spikes (:class:`salnest.analysis.sal_sums.AllToAllSums`),
        with W and B on static connections made by NEST in blocks, instead of reading the
        ``sal_sum`` of every ``sal_synapse`` on B. None (default): on NEST with all-to-all pairs,
        where PyNEST's read of a connection (about 20 us) and PyNN's connection lists made most
        of a run's time; restricted pairs and Brian2 need the synapses.
    """
    from salnest.networks.kernel import types

    if pairing not in SAL_PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}; choose one of {sorted(SAL_PAIRINGS)}")
    on_nest = sim.__name__ == "pyNN.nest"
    if from_spikes is None:
        from_spikes = on_nest and pairing == "all_to_all"
    if from_spikes and not (on_nest and pairing == "all_to_all"):
        raise ValueError("SAL sums from spikes need NEST and all-to-all pairs")

    SALSynapse, SamplingNeuron = types(sim).SALSynapse, types(sim).SamplingNeuron
    n_rep, n_out, n_in = W.shape
    blocks = n_rep * copies
    h = sim.get_time_step()
    lower = sim.Population(blocks * n_in, SamplingNeuron(b=np.repeat(b_in, copies, axis=0).ravel(),
                                                         tau_ref=tau_ref * h, tau_syn=tau_ref * h))
    upper = sim.Population(blocks * n_out, SamplingNeuron(b=np.repeat(b_out, copies, axis=0).ravel(),
                                                          tau_ref=tau_ref * h, tau_syn=tau_ref * h))
    if from_spikes:
        import nest

        from salnest.analysis.sal_sums import AllToAllSums

        for pre, post, weights in ((lower, upper, W), (upper, lower, B)):
            connect_blocks(pre, post, weights.shape[2], weights.shape[1], blocks, delay=h,
                           weight=np.repeat(weights, copies, axis=0))
        recorder = nest.Create("spike_recorder")
        nest.Connect(upper.node_collection + lower.node_collection, recorder)
        # indexed once every connection (the recorder's are static too) is made; W is never written again
        feedback = BlockConnections.between(upper, lower, n_out, n_in, blocks)
        return SALLayers(sim, lower, upper, feedback, copies, tau_ref, recorder,
                         AllToAllSums(n_out, n_in, tau_ref, batch=(blocks,)))
    sim.Projection(lower, upper, sim.FromListConnector(connection_rows(np.repeat(W, copies, axis=0), delay=h),
                                                       column_names=["weight", "delay"]), sim.StaticSynapse())
    feedback = sim.Projection(upper, lower,
                              sim.FromListConnector(connection_rows(np.repeat(B, copies, axis=0), delay=h),
                                                    column_names=["weight", "delay"]),
                              SALSynapse(eta_sal=0.0, window="exponential", tau_sal=tau_ref * h))
    connections = BlockConnections.of(feedback, n_out, n_in, blocks)
    connections.set(sal_pairing=SAL_PAIRINGS[pairing])  # on NEST a parameter of the C++ synapse, not of PyNN's type
    return SALLayers(sim, lower, upper, connections, copies, tau_ref)


@dataclass
class RDDLayers:
    """RDD layers per replica; :meth:`second` runs one stimulus and returns the estimator.

    With ``estimator`` (a :class:`salnest.analysis.rdd_estimator.RDDEstimator`) the lower neurons
    keep a record of their windows, ``recorder`` records the upper spikes and the estimator runs
    outside the neurons after each stimulus; without it the neurons estimate themselves from
    feedback connections (``rdd_neuron``'s ``beta``, ``rdd_fits``). Both give the same fits.
    """

    sim: object
    lower: object
    upper: object
    drive: CountGenerators
    n_out: int
    estimator: object = None
    recorder: object = None

    def second(self, drive_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Simulate ``len(drive_counts)`` steps with driving spike counts (steps, replica * n_in);
        return ``beta`` (replica * n_in, n_out) and ``rdd_fits`` (replica * n_in, n_out, 4)."""
        self.drive.feed(drive_counts)
        self.run(len(drive_counts))
        return self.estimates()

    def run(self, steps: int) -> None:
        """Simulate ``steps`` steps with the drive already fed, and take them into the estimator."""
        run_rdd_layers(self.sim, steps, [self])

    def estimate(self, start: int, stop: int) -> None:
        """Give the estimator NEST's steps ``start ... stop - 1``: the upper spikes and windows in them."""
        from salnest.parallel import node_lists, recorder_events

        h = self.sim.get_time_step()
        spikes = recorder_events(self.recorder)
        self.recorder.n_events = 0
        nodes = self.lower.node_collection
        windows = [np.asarray(w, dtype=float).reshape(-1, 3) - (start, 0, 0) for w in node_lists(nodes, "windows")]
        nodes.set(windows=[])
        fired = np.round(spikes["times"] / h).astype(np.int64) - 1 - start  # a spike at t ends the step t - h
        self.estimator.update(stop - start, spikes["senders"] - self.upper.first_id, fired, windows)

    def estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """``beta`` (replica * n_in, n_out) and ``rdd_fits`` (replica * n_in, n_out, 4) now."""
        if self.estimator is not None:
            return self.estimator.beta, self.estimator.fits.copy()
        from salnest.parallel import node_values

        nodes = self.lower.node_collection
        beta = node_values(nodes, "beta").reshape(len(nodes), self.n_out)
        fits = node_values(nodes, "rdd_fits").reshape(len(nodes), self.n_out, 4)
        return beta, fits

    def set_fits(self, fits: np.ndarray) -> None:
        """Resume the estimates from ``fits`` (replica * n_in, n_out, 4)."""
        from salnest.parallel import set_node_values

        fits = np.asarray(fits, dtype=float)
        if self.estimator is not None:
            self.estimator.set_fits(fits.reshape(self.estimator.fits.shape))
        else:
            set_node_values(self.lower.node_collection, rdd_fits=fits.reshape(len(self.lower), -1))


def kernel_step() -> int:
    """NEST's time in steps (PyNN's time lags it by one minimum delay once the kernel has run)."""
    import nest

    return int(round(nest.biological_time / nest.resolution))


def run_rdd_layers(sim, steps: int, layers: list[RDDLayers]) -> None:
    """Simulate ``steps`` steps of the kernel of ``layers`` (their drive already fed) and give each
    layer's estimator those steps (``estimator="neuron"``: the neurons estimate while they run)."""
    start = kernel_step()
    sim.run(float(steps) * sim.get_time_step())
    stop = kernel_step()
    for layer in layers:
        if layer.estimator is not None:
            layer.estimate(start, stop)


def build_rdd_layers(sim, W: np.ndarray, fits: np.ndarray | None = None, drive_weight: float = 4.0,
                     estimator: str = "layer", **neuron) -> RDDLayers:
    """RDD layers: lower ``rdd_neuron``s with a driving input, each estimating the causal effect of
    its spikes on every unit above, upper ones driven by the lower layer through ``W`` (scale it
    beforehand).

    Parameters
    ----------
    sim
        ``pyNN.nest`` after ``setup()`` at 1 ms (the authors' Euler step).
    W
        Forward weights (replica, n_out, n_in) as the upper neurons' drive weights.
    fits
        Estimator state to resume from, (replica * n_in, n_out, 4); None starts at 0.
    drive_weight
        Weight of a driving spike (the authors' alpha).
    estimator
        ``"layer"``: the estimator runs outside the neurons on the recorded upper spikes and the
        lower neurons' windows (:mod:`salnest.analysis.rdd_estimator`), one filter per upper unit;
        ``"neuron"``: each lower neuron estimates itself from feedback connections from every
        unit above (NEST delivers every upper spike to every lower neuron). Same fits, bit for bit;
        ``"layer"`` is the faster the wider the layers.
    neuron
        ``rdd_neuron`` parameters of both layers (the model's defaults are the authors').

    The forward weights are given to NEST's ``Connect``
    (:func:`salnest.networks.rdd_phase.build_rdd_phase` passes zeros and writes them later). Forward
    and feedback connections have one step of delay: the authors' upper layer sees the lower one's
    spikes in the same step, the lower one the upper's one step later, so every loop here is one
    step longer than theirs.
    """
    import nest

    from salnest.analysis.rdd_estimator import RDDEstimator, rdd_kernel
    from salnest.parallel import set_node_values
    from salnest.pynn.nest import RDDNeuron

    if estimator not in ("layer", "neuron"):
        raise ValueError(f"estimator must be 'layer' or 'neuron', not {estimator!r}")
    n_rep, n_out, n_in = W.shape
    h = sim.get_time_step()
    lower = sim.Population(n_rep * n_in, RDDNeuron(**neuron))
    upper = sim.Population(n_rep * n_out, RDDNeuron(**neuron))
    connect_blocks(lower, upper, n_in, n_out, n_rep, delay=h, weight=np.asarray(W, dtype=float),
                   receptor_type=RDDNeuron().get_receptor_type("drive"))
    drive = CountGenerators(sim, lower, drive_weight, 1)
    if estimator == "neuron":
        connect_blocks(upper, lower, n_out, n_in, n_rep, delay=h, weight=1.0,
                       receptor_type=RDDNeuron().get_receptor_type("feedback"))
        ids = np.asarray(upper.node_collection.tolist()).reshape(n_rep, n_out)
        # lower neuron r * n_in + i hears the units of replica r, in order
        set_node_values(lower.node_collection, feedback_sources=np.repeat(ids, n_in, axis=0))
        layers = RDDLayers(sim, lower, upper, drive, n_out)
    else:
        lower.node_collection.set(record_windows=True)
        recorder = nest.Create("spike_recorder")
        nest.Connect(upper.node_collection, recorder)
        p = dict(RDDNeuron.default_parameters, **neuron)
        kappa = rdd_kernel(p["tau_L"], p["tau_s"], p["kernel_length"], h)
        layers = RDDLayers(sim, lower, upper, drive, n_out, RDDEstimator(
            n_rep, n_in, n_out, kappa, int(round(p["window"] / h)), p["theta"], p["eta_rdd"], delay=1), recorder)
    if fits is not None:
        layers.set_fits(fits)
    return layers


def forward_scale(W: np.ndarray, scale: float) -> np.ndarray:
    """The reference's forward weights of an RDD layer, ``scale * n_in * W / std(W)`` per replica;
    ``W`` (replica, n_out, n_in)."""
    return scale * W.shape[2] * W / W.std(axis=(1, 2), keepdims=True)


def rdd_feedback(beta: np.ndarray, B: np.ndarray, B0_std: np.ndarray) -> np.ndarray:
    """The authors' rescale of the feedback weights: ``B = beta std(B_0) / std(beta)`` where
    ``beta != 0`` (std over those entries), per replica; elsewhere B stays.

    ``beta``, ``B``: (replica, n_in, n_out); ``B0_std``: (replica,)."""
    B = np.array(B, dtype=float, copy=True)
    for r in range(len(B)):
        estimated = beta[r] != 0
        if estimated.any():
            B[r][estimated] = beta[r][estimated] * B0_std[r] / np.std(beta[r][estimated])
    return B


@dataclass
class STDWILayers:
    """STDWI layers per replica; :meth:`second` runs one stimulus and returns the estimates."""

    sim: object
    inputs: object
    outputs: object
    forward: BlockConnections
    stimulus: CountGenerators
    recorder: object
    synapse: dict

    def second(self, stimulus_counts: np.ndarray) -> np.ndarray:
        """Simulate ``len(stimulus_counts)`` steps with stimulus spikes (steps, replica * n_in);
        return the inferred B (replica, n_in, n_out) with every postsynaptic spike applied."""
        self.stimulus.feed(stimulus_counts)
        self.sim.run(float(len(stimulus_counts)) * self.sim.get_time_step())
        return self.estimates()

    def estimates(self) -> np.ndarray:
        """The inferred B (replica, n_in, n_out): the synapses' ``w_inferred`` completed by the
        postsynaptic spikes after their last presynaptic one (:func:`salnest.theory.stdwi.stdwi_pending`)."""
        from salnest.parallel import recorder_events
        from salnest.theory.stdwi import stdwi_pending

        state = self.forward.get_many(["w_inferred", "x_fast", "x_slow", "t_last_pre"])
        ev = recorder_events(self.recorder)
        n_rep, n_out, n_in = self.forward.shape
        first = self.outputs.first_id
        times = [ev["times"][ev["senders"] == first + k] for k in range(n_rep * n_out)]
        flat = {k: v.reshape(n_rep * n_out, n_in) for k, v in state.items()}
        w = stdwi_pending(flat["w_inferred"], flat["x_fast"], flat["x_slow"], flat["t_last_pre"], times,
                          **self.synapse)
        return w.reshape(n_rep, n_out, n_in).transpose(0, 2, 1)


def build_stdwi_layers(sim, W: np.ndarray, B: np.ndarray, stimulus_weight: float = 10.0, eta: float = 0.02,
                       decay: float = 0.1, tau_fast: float = 10.0, tau_slow: float = 200.0) -> STDWILayers:
    """STDWI layers: stimulus -> input leaky integrators -> output ones through ``stdwi_synapse``.

    Parameters
    ----------
    sim
        ``pyNN.nest`` after ``setup()`` at the authors' 0.25 ms.
    W
        Forward weights (replica, n_out, n_in) in the authors' units (their 75 W); the kernel
        normalisation of ``rdd_neuron`` (per step) is undone here.
    B
        Start of the estimates (replica, n_in, n_out).
    stimulus_weight
        The authors' weight of a stimulus spike onto its input neuron.
    eta, decay, tau_fast, tau_slow
        STDWI's learning rate and decay (per postsynaptic spike) and trace time constants (ms).
    """
    import nest

    from salnest.pynn.nest import RDDNeuron, STDWISynapse

    n_rep, n_out, n_in = W.shape
    h = sim.get_time_step()
    lif = {**STDWI_LIF, "t_ref": h}
    rest = {"v": 0.0, "u": 0.0}  # the authors start at rest
    inputs = sim.Population(n_rep * n_in, RDDNeuron(**lif), initial_values=rest)
    outputs = sim.Population(n_rep * n_out, RDDNeuron(**lif), initial_values=rest)
    synapse = {"eta": eta, "decay": decay, "tau_fast": tau_fast, "tau_slow": tau_slow}
    prj = sim.Projection(inputs, outputs,
                         sim.FromListConnector(connection_rows(W / h, delay=STDWI_DELAY_STEPS * h),
                                               column_names=["weight", "delay"]),
                         STDWISynapse(eta_stdwi=eta, decay=decay, tau_fast=tau_fast, tau_slow=tau_slow),
                         receptor_type="drive")
    forward = BlockConnections.of(prj, n_in, n_out, n_rep)
    forward.set(w_inferred=np.asarray(B).transpose(0, 2, 1))
    recorder = nest.Create("spike_recorder")
    nest.Connect(outputs.node_collection, recorder)
    stimulus = CountGenerators(sim, inputs, stimulus_weight / h, STDWI_DELAY_STEPS)
    return STDWILayers(sim, inputs, outputs, forward, stimulus, recorder, synapse)


def main(argv=None):
    from salnest.analysis.alignment import feedback_angle
    from salnest.networks.kernel import add_simulator_argument, kernel, one_thread_on_brian2
    from salnest.parallel import abort_on_error, is_root

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=20, help="n_in = n_out")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="NEST threads per MPI rank")
    add_simulator_argument(parser)
    args = parser.parse_args(argv)
    one_thread_on_brian2(parser, args)
    if args.neurons < 5 or args.seconds < 1 or args.threads < 1:
        parser.error("need --neurons >= 5, --seconds >= 1 and --threads >= 1")
    n = args.neurons
    rng = np.random.default_rng(args.seed)
    W, B0 = he_uniform(rng, n, n)[None], he_uniform(rng, n, n)[None]
    report = {}
    with kernel(args.seed, args.threads, simulator=args.simulator) as sim:
        abort_on_error()
        b = rng.uniform(-n ** -0.5, n ** -0.5, (2, 1, n))
        sal, B = build_sal_layers(sim, W, B0, b[0], b[1], copies=8, tau_ref=10), B0
        for _ in range(args.seconds):
            B = sal.second(1250, B, eta_sal=0.05)
        report["SAL"] = B
    if args.simulator != "nest":
        print("RDD and STDWI run on NEST only: their layers are fed through NEST's spike_generator and use "
              "rdd_neuron and stdwi_synapse, C++ NEST models")
    else:
        report.update(_rdd_and_stdwi(args, rng, W, B0))
    if is_root():
        start = float(feedback_angle(B0, W)[0])
        for method, B in report.items():
            print(f"{method:>5}: angle(B, W^T) {start:.1f} -> {float(feedback_angle(B, W)[0]):.1f} degrees "
                  f"after {args.seconds} s")


def _rdd_and_stdwi(args, rng, W, B0) -> dict[str, np.ndarray]:
    """The script's RDD and STDWI layers (NEST only), after its SAL layers drew from ``rng``."""
    from salnest.networks.kernel import kernel
    from salnest.stimulus.trains import subset_trains

    n, report = args.neurons, {}
    with kernel(args.seed, args.threads) as sim:
        rdd = build_rdd_layers(sim, 0.2 * n * W / W.std())
        for s in range(args.seconds):
            beta, _ = rdd.second(subset_trains(rng, n, 1000, 100, 0.2, 0.2, poisson=True))
        report["RDD"] = rdd_feedback(beta.reshape(1, n, n), B0, np.array([B0.std()]))
    with kernel(args.seed, args.threads, time_step=0.25) as sim:
        stdwi = build_stdwi_layers(sim, 75 * W, B0)
        for s in range(args.seconds):
            B = stdwi.second(subset_trains(rng, n, 4000, 400, 0.2, 0.05))
        report["STDWI"] = B
    return report


if __name__ == "__main__":
    main()
