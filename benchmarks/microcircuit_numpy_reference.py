"""Per-time-step NumPy loop of the spiking dendritic cortical microcircuit (paper Fig. 6).

Baseline of ``benchmarks/microcircuit_throughput.py``: the same discrete-time
model that salnest simulates in NEST, written like the paper's pure-Python
reference implementation -- a Python ``for`` loop over time steps, NumPy
arrays per layer, vectorised over the neurons within a step and nothing else
(no Numba, no batching over time or over runs).

The dynamics mirror ``nestml_models/pyramidal_neuron.nestml`` (all neuron
roles), ``us_synapse.nestml`` (forward weights) and ``sal_synapse.nestml``
(feedback weights in the ``sal`` condition); time is in steps, resolution 1:

- every neuron: ``u = b + v_bas + lambda_api v_api + lambda_nudge (u_target - avg_vb)``
  with the role's lambdas (hidden: lambda_api; output: lambda_nudge; input and
  interneurons: neither). Input neurons get no input (``b`` = input
  potential); interneuron i has output neuron i's bias. Running averages
  ``avg_u``, ``avg_vb`` (of ``v_bas + b``) are exponential with time constant
  ``tau_avg``. A non-refractory neuron fires with probability
  ``sigmoid(u - ln tau_ref)`` and is then refractory for ``tau_ref`` steps,
  the spike step included (``z = 1`` while refractory).
- PSPs are rectangular, height 1, from one step after the spike for
  ``tau_syn = tau_ref`` steps, so ``PSP_j(t) = z_j(t - 1)``.
- ``v_bas(hidden) = W_hid PSP(input)``, ``v_api(hidden) = B PSP(output) + W_PI PSP(inter)``,
  ``v_bas(inter) = W_IP PSP(hidden)``, ``v_bas(output) = W_out PSP(hidden)``;
  the self-predicting state ``W_IP = W_out``, ``W_PI = -B`` is imposed every
  step, and in the ``bp`` condition ``B = W_out^T`` too.
- forward plasticity (Urbanczik-Senn) at each presynaptic spike arrival:
  ``dW[post, pre] = eta (phi(avg_u[post]) - phi(avg_vb[post]))``,
  ``phi(x) = sigmoid(x - ln tau_ref)``, with the averages as they stand after
  the step the presynaptic neuron fired in (NEST delivers the spike, and runs
  the synapse, at the end of that step).
- SAL on ``B[hidden, output]`` (``sal`` condition): exponential window
  ``K(dt) = -exp(-dt/tau_sal)`` for ``dt > 0``, ``+exp(dt/tau_sal)`` for
  ``dt < 0``, ``dt = t_hidden - t_output`` between firing times, restricted
  nearest-neighbour pairing, applied online when the later spike of a pair fires.

Two simplifications relative to NEST, neither of which changes the cost of a
step: a PSP takes the presynaptic weight of the current step (NEST keeps the
weight at arrival for the whole PSP; the two differ only while a weight
changes), and a SAL pair changes ``B`` when it completes (NEST when the output
neuron next transmits a spike).

Run on its own, it prints seconds per time step of the 1-1-1 network for each
condition::

    python benchmarks/microcircuit_numpy_reference.py
"""

from __future__ import annotations

import time

import numpy as np

CONDITIONS = ("fa", "bp", "sal")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class NumpyMicrocircuit:
    """One ``[n_in, n_hidden, n_out]`` microcircuit, simulated one time step per :meth:`step`.

    The neuron state is held in vectors over all neurons, ordered input,
    hidden, interneurons, output (``self.inp``, ``self.hid``, ``self.inter``,
    ``self.out`` are the slices), so the parts of the update shared by all
    roles run once per step. Weights are ``W[post, pre]`` and are updated in
    place: ``W_hid`` (n_hidden x n_in), ``W_out`` (n_out x n_hidden),
    ``B`` (n_hidden x n_out), ``W_IP`` (n_out x n_hidden), ``W_PI``
    (n_hidden x n_out).

    ``biases`` is ``[input potentials, hidden biases, output biases]``, each a
    scalar or one value per neuron. Change the input pattern through
    ``self.b[self.inp]`` and the target through ``self.u_target``.
    """

    def __init__(self, sizes, W_hid, W_out, B, biases, condition="sal", seed=1, *,
                 u_target=0.0, tau_ref=10, tau_avg=2000.0, lambda_api=0.02, lambda_nudge=0.6,
                 eta_hidden=0.2, eta_out=0.003, eta_sal=0.001, tau_sal=10.0, forward_plasticity=True):
        n_in, n_hid, n_out = sizes
        if condition not in CONDITIONS:
            raise ValueError(f"unknown condition {condition!r}; known {list(CONDITIONS)}")
        self.condition = condition
        self.forward_plasticity = forward_plasticity
        self.inp = slice(0, n_in)
        self.hid = slice(n_in, n_in + n_hid)
        self.inter = slice(n_in + n_hid, n_in + n_hid + n_out)
        self.out = slice(n_in + n_hid + n_out, n_in + n_hid + 2 * n_out)
        n = n_in + n_hid + 2 * n_out

        self.W_hid = np.array(W_hid, float).reshape(n_hid, n_in)
        self.W_out = np.array(W_out, float).reshape(n_out, n_hid)
        self.B = np.array(B, float).reshape(n_hid, n_out)
        self.W_IP = self.W_out.copy()
        self.W_PI = -self.B

        # per-neuron parameters, as each NEST neuron has its own
        self.b = np.empty(n)
        self.b[self.inp], self.b[self.hid], self.b[self.out] = biases
        self.b[self.inter] = self.b[self.out]
        self.lambda_api = np.zeros(n)
        self.lambda_api[self.hid] = lambda_api
        self.lambda_nudge = np.zeros(n)
        self.lambda_nudge[self.out] = lambda_nudge
        self.u_target = np.zeros(n_out)
        self.u_target[:] = u_target
        self.eta = np.zeros(n)       # forward learning rate of the synapses onto each neuron
        self.eta[self.hid] = eta_hidden
        self.eta[self.out] = eta_out
        self.eta_sal, self.tau_sal = eta_sal, tau_sal
        self.tau_ref = tau_ref
        self.log_tau_ref = np.log(tau_ref)
        self.avg_decay = np.exp(-1.0 / tau_avg)

        self.t = 0
        self.u = np.zeros(n)
        self.v_bas = np.zeros(n)
        self.v_api = np.zeros(n)
        self.nudge = np.zeros(n)
        self.avg_u = np.zeros(n)
        self.avg_vb = np.zeros(n)
        self.refr = np.zeros(n, dtype=np.int64)   # refractory steps left
        self.z = np.zeros(n)                      # 1 while refractory; the PSP one step later
        self.fired = np.zeros(n, dtype=bool)      # spikes of the last step, arriving in this one
        self.t_last = np.full(n, -np.inf)         # firing time of each neuron's latest spike
        self.rng = np.random.default_rng(seed)

    def step(self):
        """Advance one time step: spike arrival and plasticity, potentials, averages, firing."""
        hid, inter, out = self.hid, self.inter, self.out
        psp = self.z   # z of the previous step
        arriving = self.fired

        if self.forward_plasticity:
            pre_in = np.flatnonzero(arriving[self.inp])
            pre_hid = np.flatnonzero(arriving[hid])
            if pre_in.size or pre_hid.size:
                d = self.eta * (_sigmoid(self.avg_u - self.log_tau_ref) - _sigmoid(self.avg_vb - self.log_tau_ref))
                if pre_in.size:
                    self.W_hid[:, pre_in] += d[hid, None]
                if pre_hid.size:
                    self.W_out[:, pre_hid] += d[out, None]
        self.W_IP[...] = self.W_out
        if self.condition == "bp":
            self.B[...] = self.W_out.T
        np.negative(self.B, out=self.W_PI)

        np.dot(self.W_hid, psp[self.inp], out=self.v_bas[hid])
        np.dot(self.W_IP, psp[hid], out=self.v_bas[inter])
        np.dot(self.W_out, psp[hid], out=self.v_bas[out])
        self.v_api[hid] = self.B @ psp[out] + self.W_PI @ psp[inter]
        np.subtract(self.u_target, self.avg_vb[out], out=self.nudge[out])
        vb = self.b + self.v_bas
        self.u = vb + self.lambda_api * self.v_api + self.lambda_nudge * self.nudge

        self.avg_u = self.avg_decay * self.avg_u + (1.0 - self.avg_decay) * self.u
        self.avg_vb = self.avg_decay * self.avg_vb + (1.0 - self.avg_decay) * vb

        np.maximum(self.refr - 1, 0, out=self.refr)
        fired = (self.refr == 0) & (self.rng.random(self.u.size) < _sigmoid(self.u - self.log_tau_ref))
        self.refr[fired] = self.tau_ref
        self.z = (self.refr > 0).astype(float)
        if self.condition == "sal":
            self._sal(fired[hid], fired[out])
        self.t_last[fired] = self.t
        self.fired = fired
        self.t += 1

    def _sal(self, fired_hid, fired_out):
        """Pair this step's spikes with the partner's latest earlier spike (restricted nearest neighbour).

        ``t_last`` still holds every neuron's spike before this step, i.e. both
        the partner's latest earlier spike and the neuron's own previous one.
        """
        t_hid, t_out = self.t_last[self.hid], self.t_last[self.out]
        for k in np.flatnonzero(fired_hid):      # hidden (post) after output (pre): dt > 0, depression
            pair = t_out > t_hid[k]
            self.B[k, pair] -= self.eta_sal * np.exp(-(self.t - t_out[pair]) / self.tau_sal)
        for m in np.flatnonzero(fired_out):      # output (pre) after hidden (post): dt < 0, potentiation
            pair = t_hid > t_out[m]
            self.B[pair, m] += self.eta_sal * np.exp((t_hid[pair] - self.t) / self.tau_sal)

    def run(self, n_steps):
        """Run ``n_steps`` steps; return the output neurons' ``u`` per step, shape (n_steps, n_out)."""
        u_out = np.empty((n_steps, self.out.stop - self.out.start))
        for i in range(n_steps):
            self.step()
            u_out[i] = self.u[self.out]
        return u_out


def time_per_step(n_steps=20000, condition="sal"):
    """Wall-clock seconds per time step of the 1-1-1 circuit (W, B ~ U(-3, 3), biases -1, input 1.0)."""
    rng = np.random.default_rng(1)
    W_hid, W_out, B = rng.uniform(-3.0, 3.0, 3)
    net = NumpyMicrocircuit([1, 1, 1], W_hid, W_out, B, biases=[1.0, -1.0, -1.0], condition=condition, seed=1)
    start = time.perf_counter()
    net.run(n_steps)
    return (time.perf_counter() - start) / n_steps


if __name__ == "__main__":
    for cond in CONDITIONS:
        print(f"{cond}: {time_per_step(20000, cond) * 1e6:.1f} us per time step")
