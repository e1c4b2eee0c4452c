"""SAL's all-to-all window sums of whole layers, from their spikes.

``sal_synapse`` with ``sal_pairing = 1`` in accumulate mode sums the exponential SAL window over
every pair of a presynaptic and a postsynaptic spike; a protocol then reads ``sal_sum`` per
connection, which PyNEST does at about 20 us per connection (a deep network's B has 10^5 to
10^6). The same sums follow from the two layers' spike trains by two matrix products per chunk
of steps, with exponential traces carried from chunk to chunk:

    sal_sum[i, j] = a_causal     sum_t z_post[t, i] x_pre[t, j]     (pre spikes strictly before t)
                  + a_anticausal sum_t y_post[t, i] z_pre[t, j]     (post spikes strictly before t)

with ``x[t] = sum_{s < t} z[s] exp(-(t - s) / tau)``. :class:`AllToAllSums` keeps them for
every (post, pre) pair of two layers; it equals the synapse (exact with a delay of one step,
firing times on the step grid) to rounding (``tests/analysis/test_sal_sums.py``).
"""

from __future__ import annotations

import numpy as np


class AllToAllSums:
    """Running all-to-all SAL window sums of the connections pre -> post between two layers.

    Parameters
    ----------
    n_pre, n_post
        Neurons of the presynaptic and postsynaptic layer.
    tau
        Window time constant, in steps.
    a_causal, a_anticausal
        Window amplitudes for ``t_post > t_pre`` and ``t_post < t_pre``.

    batch
        Leading dimensions of independent copies of the two layers (their pairs never mix), for
        example ``(copies,)``; ``sums`` then has shape ``(*batch, n_post, n_pre)``.
    """

    def __init__(self, n_pre: int, n_post: int, tau: float, a_causal: float = -1.0, a_anticausal: float = 1.0,
                 batch: tuple[int, ...] = ()):
        self.decay = np.exp(-1.0 / tau)
        self.a_causal, self.a_anticausal = a_causal, a_anticausal
        self.sums = np.zeros((*batch, n_post, n_pre))
        # traces after the last step added
        self._x_pre, self._x_post = np.zeros((*batch, n_pre)), np.zeros((*batch, n_post))

    def _traces(self, z: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x[..., t, :] for the steps of ``z`` (..., steps, n): spikes strictly before t, from ``start``."""
        x = np.empty(z.shape)
        current = start
        for t in range(z.shape[-2]):
            current = current * self.decay
            x[..., t, :] = current
            current = current + z[..., t, :]
        return x, current

    def add(self, z_pre: np.ndarray, z_post: np.ndarray) -> None:
        """Add the pairs of the next steps: spike counts of shapes ``(*batch, steps, n_pre)`` and
        ``(*batch, steps, n_post)``."""
        z_pre, z_post = np.asarray(z_pre, dtype=float), np.asarray(z_post, dtype=float)
        x_pre, self._x_pre = self._traces(z_pre, self._x_pre)
        y_post, self._x_post = self._traces(z_post, self._x_post)
        self.sums += self.a_causal * _spike_products(z_post, x_pre) + self.a_anticausal * _spike_products(z_pre, y_post,
                                                                                                     transpose=True)

    def reset(self) -> None:
        """Sums back to 0; the traces (spikes already seen) stay."""
        self.sums[:] = 0.0


def _spike_products(z: np.ndarray, x: np.ndarray, transpose: bool = False) -> np.ndarray:
    """``sum_t z[..., t, i] x[..., t, j]`` as (..., i, j), or as (..., j, i) with ``transpose``,
    for spike counts ``z`` (..., steps, n_z) and traces ``x`` (..., steps, n_x).

    Sums the rows of ``x`` at the spikes of ``z`` only: spikes are sparse, and a dense matrix product
    hands the work to a multi-threaded BLAS, whose threads on a core shared with NEST's (or with
    other jobs) made it 100x slower than this (docs/performance.md, "Weight inference"). The spikes
    are a sparse matrix (copy and unit, copy and step), one row per (copy, unit) with its steps in
    order, times the traces: SciPy's single-threaded product adds the rows of each unit one by one in
    time order, without holding a row per spike (``np.add.reduceat`` over gathered rows, used before,
    added them in pairs: the sums differ by rounding)."""
    from scipy import sparse

    batch, (steps, n_z), n_x = z.shape[:-2], z.shape[-2:], x.shape[-1]
    copies = int(np.prod(batch))
    z, x = z.reshape(copies, steps, n_z), x.reshape(copies * steps, n_x)
    b, t, i = np.nonzero(z)
    if len(b):
        key = b * n_z + i
        order = np.argsort(key, kind="stable")  # by (copy, unit), in time within each
        b, t, i = b[order], t[order], i[order]
        indptr = np.zeros(copies * n_z + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=copies * n_z), out=indptr[1:])
        spikes = sparse.csr_matrix((z[b, t, i].astype(float), b * steps + t, indptr),
                                   shape=(copies * n_z, copies * steps))
        out = np.asarray(spikes @ x)
    else:
        out = np.zeros((copies * n_z, n_x))
    out = out.reshape(*batch, n_z, n_x)
    return np.swapaxes(out, -1, -2) if transpose else out
