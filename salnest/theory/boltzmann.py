"""Exact Boltzmann distributions of binary networks and their comparison with samples."""

from __future__ import annotations

import numpy as np


def all_states(n: int) -> np.ndarray:
    """All 2**n binary states as rows, state k = binary digits of k (neuron 0 most significant)."""
    k = np.arange(2**n)
    return ((k[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)


def state_index(z: np.ndarray) -> np.ndarray:
    """Index into :func:`all_states` of each row of a (T, n) binary array."""
    z = np.asarray(z, dtype=np.int64)
    n = z.shape[1]
    return z @ (1 << np.arange(n - 1, -1, -1))


def boltzmann_distribution(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """p(z) proportional to exp(b^T z + z^T W z / 2) over :func:`all_states`.

    Parameters
    ----------
    W
        Symmetric (n, n) weights with zero diagonal, in model units.
    b
        (n,) biases.

    Returns
    -------
    numpy.ndarray
        (2^n,) probabilities, in the order of :func:`all_states`.
    """
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    if W.shape != (b.size, b.size):
        raise ValueError(f"W has shape {W.shape}, expected {(b.size, b.size)}")
    if not np.allclose(W, W.T):
        raise ValueError("the Boltzmann distribution needs a symmetric W")
    z = all_states(b.size).astype(float)
    energy = z @ b + 0.5 * np.einsum("si,ij,sj->s", z, W, z)
    p = np.exp(energy - energy.max())
    return p / p.sum()


def empirical_distribution(z: np.ndarray) -> np.ndarray:
    """Relative frequency of every state in a (T, n) binary array."""
    z = np.asarray(z)
    counts = np.bincount(state_index(z), minlength=2 ** z.shape[1])
    return counts / counts.sum()


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """D_KL(p || q) in nats; infinite where q = 0 < p."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    mask = p > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(p[mask] * (np.log(p[mask]) - np.log(q[mask]))))


def product_of_marginals(p: np.ndarray, n: int) -> np.ndarray:
    """The distribution with the same single-neuron marginals as ``p`` and no correlations."""
    states = all_states(n)
    marginals = states.T @ p  # P(z_i = 1)
    return np.prod(np.where(states == 1, marginals, 1.0 - marginals), axis=1)


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
