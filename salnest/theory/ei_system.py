"""The E-I system of Dale's law (paper Fig. 10): weights, effective weights, exact rates.

Two excitatory neurons e1, e2 are coupled directly (W_e1_e2, W_e2_e1, the weights SAL
learns) and through an inhibitory partner each: e1 -> i1 -> e2 and e2 -> i2 -> e1. Weights are
named ``post_pre`` as in the paper's reference code (``eisystem.py`` of unibe-cns/sal-code):
``e2_e1`` is the weight onto e2 from e1. In salnest's pair notation ``W12 = W_e1_e2`` (onto
neuron 1 from neuron 2) and ``W21 = W_e2_e1``.

The **effective weight** of a pathway, as the reference defines it, adds to the direct weight
the inhibitory detour, linearised around the presynaptic excitatory neuron's rate
``r = sigma(b_E)`` (its ``P(z = 1)`` without input):

    W_eff_e2_e1 = W_e2_e1 + W_e2_i1 sigma(W_i1_e1 r + b_i1) / r,   r = sigma(b_e1),

and the same for ``e1_e2`` through i2. Dale's law holds when the E weights stay >= 0 and the I
weights <= 0; the effective weights may take either sign.
"""

from __future__ import annotations

import numpy as np

from salnest.theory.boltzmann import sigmoid
from salnest.theory.network_chain import state_probability

#: Neuron order inside one system.
NEURONS = ("e1", "e2", "i1", "i2")

#: Connections ``post_pre`` and their (post, pre) indices in :data:`NEURONS`.
CONNECTIONS = {"e2_e1": (1, 0), "e1_e2": (0, 1), "i1_e1": (2, 0), "i2_e2": (3, 1), "e2_i1": (1, 2),
               "e1_i2": (0, 3)}

#: The learned, excitatory-to-excitatory connections, in the order (W12, W21).
EE_CONNECTIONS = ("e1_e2", "e2_e1")


def draw_system(seed: int, w_ie: tuple[float, float], w_ei: tuple[float, float], b_i: tuple[float, float],
                b_e: float) -> tuple[dict[str, float], dict[str, float]]:
    """One draw of the E-I weights and inhibitory biases, as the reference's notebook draws them.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng`` (the paper: 97).
    w_ie, w_ei, b_i
        (mean, standard deviation) of the E -> I weights, the I -> E weights and the inhibitory
        biases (model units).
    b_e
        Bias of both excitatory neurons.

    Returns
    -------
    weights, biases
        Dicts by ``post_pre`` connection (the E-E ones 0) and by neuron. The draws come in the
        reference's order, i1_e1, i2_e2, e2_i1, e1_i2, b_i1, b_i2, so seed 97 gives the paper's
        system.
    """
    rng = np.random.default_rng(seed)
    weights = {"e2_e1": 0.0, "e1_e2": 0.0}
    for name, (mean, sd) in (("i1_e1", w_ie), ("i2_e2", w_ie), ("e2_i1", w_ei), ("e1_i2", w_ei)):
        weights[name] = float(rng.normal(mean, sd))
    biases = {"e1": float(b_e), "e2": float(b_e)}
    for name in ("i1", "i2"):
        biases[name] = float(rng.normal(*b_i))
    return weights, biases


def weight_matrix(weights: dict[str, float]) -> np.ndarray:
    """(4, 4) array ``W[post, pre]`` in the order of :data:`NEURONS` (absent connections 0)."""
    W = np.zeros((len(NEURONS), len(NEURONS)))
    for name, value in weights.items():
        W[CONNECTIONS[name]] = value
    return W


def bias_vector(biases: dict[str, float]) -> np.ndarray:
    """(4,) biases in the order of :data:`NEURONS`."""
    return np.array([biases[n] for n in NEURONS], float)


def pathway_weights(weights: dict[str, float], biases: dict[str, float]) -> tuple[float, float]:
    """The inhibitory detours' contributions ``(c12, c21)`` to the effective weights:
    ``W_eff_e1_e2 = W_e1_e2 + c12``, ``W_eff_e2_e1 = W_e2_e1 + c21`` (module docstring)."""
    def detour(w_ei, w_ie, b_inh, b_pre):
        r = sigmoid(b_pre)
        return float(w_ei * sigmoid(w_ie * r + b_inh) / r)

    c12 = detour(weights["e1_i2"], weights["i2_e2"], biases["i2"], biases["e2"])
    c21 = detour(weights["e2_i1"], weights["i1_e1"], biases["i1"], biases["e1"])
    return c12, c21


def effective_weights(w12, w21, weights: dict[str, float], biases: dict[str, float]) -> tuple:
    """``(W_eff_e1_e2, W_eff_e2_e1)`` for direct weights ``w12 = W_e1_e2``, ``w21 = W_e2_e1``
    (scalars or arrays) and the system's E-I weights and biases."""
    c12, c21 = pathway_weights(weights, biases)
    return np.asarray(w12) + c12, np.asarray(w21) + c21


def exact_rate(weights: dict[str, float], biases: dict[str, float], neuron: str, tau_ref: int) -> float:
    """Exact ``P(z = 1)`` of ``neuron`` (its spikes per ``tau_ref``) in the E-I system with
    rectangular PSPs, ``tau_syn = tau_ref`` and one-step delays (the chain of
    :mod:`salnest.theory.network_chain`)."""
    return state_probability(weight_matrix(weights), bias_vector(biases), tau_ref, NEURONS.index(neuron))
