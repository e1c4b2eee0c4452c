"""The exact stationary distribution of a small network of discrete-time sampling neurons.

A network of ``sampling_neuron`` with rectangular PSPs, ``tau_syn = tau_ref`` and one-step
delays is a Markov chain over the neurons' refractory counters (docs/models.md, sections 2
and 7): a neuron with ``r > 0`` steps left is refractory (``z = 1``) and counts down; a free
neuron fires with ``sigma(b_i + sum_j W_ij z_j - ln n_ref)``, ``z`` being the states of the
previous step, and then has ``n_ref`` steps left, the spike step included. Its stationary
distribution, marginalised onto ``z``, is what a long simulation samples: not the Boltzmann
distribution (section 7 measures the difference), but this one, exactly. The chain has
``(n_ref + 1)^n`` states; it is meant for n <= 4 and n_ref <= 20.
"""

from __future__ import annotations

import itertools

import numpy as np

from salnest.theory.boltzmann import sigmoid


def network_state_distribution(W: np.ndarray, b: np.ndarray, n_ref: int, tol: float = 1e-14,
                               max_iter: int = 200_000) -> np.ndarray:
    """Stationary distribution over the 2^n binary states of the discrete-time network.

    Parameters
    ----------
    W
        (n, n) weights ``W[post, pre]`` in model units (any signs, need not be symmetric); the
        diagonal must be 0.
    b
        (n,) biases.
    n_ref
        Refractory period = PSP duration, in steps (>= 1).
    tol
        Power iteration stops when no probability changes by more than this in one step.
    max_iter
        At most this many power-iteration steps.

    Returns
    -------
    numpy.ndarray
        (2^n,) probabilities in the order of :func:`salnest.theory.boltzmann.all_states`.
    """
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    n = b.size
    if W.shape != (n, n) or np.any(np.diag(W) != 0):
        raise ValueError(f"W must be ({n}, {n}) with a zero diagonal, got shape {W.shape}")
    if int(n_ref) != n_ref or n_ref < 1:
        raise ValueError(f"n_ref must be a positive integer number of steps, got {n_ref}")
    if (n_ref + 1) ** n > 2_000_000:
        raise ValueError(f"{(n_ref + 1) ** n} chain states for n = {n}, n_ref = {n_ref}: too many")
    from scipy import sparse

    counters = np.array(list(itertools.product(range(n_ref + 1), repeat=n)))  # steps left after a step
    radix = (n_ref + 1) ** np.arange(n - 1, -1, -1)
    z = (counters > 0).astype(float)
    p_fire = sigmoid(b + z @ W.T - np.log(n_ref))             # (S, n), for the free neurons
    after = np.maximum(counters - 1, 0)                         # the refractory count down
    free = after == 0
    rows, cols, probs = [], [], []
    for fires in itertools.product((False, True), repeat=n):    # which free neurons fire
        fires = np.array(fires)
        possible = np.all(free | ~fires, axis=1)
        prob = np.prod(np.where(free, np.where(fires, p_fire, 1.0 - p_fire), 1.0), axis=1)
        target = np.where(fires, n_ref, after) @ radix
        keep = possible & (prob > 0)
        rows.append(np.nonzero(keep)[0])
        cols.append(target[keep])
        probs.append(prob[keep])
    size = len(counters)
    P = sparse.csr_matrix((np.concatenate(probs), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size))
    PT = P.T.tocsr()
    pi = np.full(size, 1.0 / size)
    for _ in range(max_iter):
        new = PT @ pi
        if np.abs(new - pi).max() < tol:
            pi = new
            break
        pi = new
    else:
        raise RuntimeError(f"the chain did not converge to {tol} in {max_iter} steps")
    index = z.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1))
    p = np.bincount(index, weights=pi, minlength=2 ** n)
    return p / p.sum()


def state_probability(W: np.ndarray, b: np.ndarray, n_ref: int, neuron: int, tol: float = 1e-14) -> float:
    """Exact ``P(z = 1)`` of one neuron of the network of :func:`network_state_distribution`.

    Only the neurons with a path of nonzero weights to ``neuron`` can change its statistics, so
    the chain is solved on that sub-network: a feed-forward 4-neuron system with
    ``n_ref = 25`` has 17,576 states instead of 456,976.
    """
    W = np.asarray(W, dtype=float)
    upstream = {int(neuron)}
    frontier = [int(neuron)]
    while frontier:
        post = frontier.pop()
        for pre in np.nonzero(W[post])[0]:
            if int(pre) not in upstream:
                upstream.add(int(pre))
                frontier.append(int(pre))
    keep = sorted(upstream)
    p = network_state_distribution(W[np.ix_(keep, keep)], np.asarray(b, float)[keep], n_ref, tol=tol)
    position = keep.index(int(neuron))
    n = len(keep)
    on = (np.arange(2 ** n) >> (n - 1 - position)) & 1  # the order of boltzmann.all_states
    return float(p[on == 1].sum())
