"""The teacher-student task of the microcircuits (paper Fig. 6): a teacher, students, and their patterns.

A teacher is a circuit of :mod:`salnest.networks.microcircuit` with fixed forward weights and
``B = W^T``; the target of an input pattern is its mean output potential. The students are
replicas of the same circuit under several conditions (``fa``, ``bp``, ``sal``), each seed from its
own initial weights: replica ``seed * n_conditions + condition``, the conditions of a seed starting
from the same weights. Everything random is drawn here from explicit seeds, so a study is the same
whatever else runs; :mod:`salnest.experiments.microcircuit` trains the students.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Study:
    """Everything fixed before training: replicas, initial weights, patterns, teacher."""

    sizes: list[int]
    conditions: list[str]
    n_seeds: int
    W0: list[np.ndarray]         # per layer (replica, post, pre); replica = seed * n_conditions + condition
    B0: list[np.ndarray]         # per hidden layer (replica, post, pre)
    biases: list[np.ndarray]     # per layer (replica, neuron)
    teacher_W: list[np.ndarray]  # per layer (post, pre)
    train_inputs: np.ndarray     # (pattern, n_in)
    val_inputs: np.ndarray

    @property
    def n_replicas(self) -> int:
        return self.n_seeds * len(self.conditions)

    def condition_of(self, name: str) -> np.ndarray:
        """Boolean per replica: is it in condition ``name``?"""
        return np.tile(np.array(self.conditions) == name, self.n_seeds)


def teacher_weights(sizes: list[int], weights: float | None = None, weight_range: tuple[float, float] | None = None,
                    weight_seed: int = 1) -> list[np.ndarray]:
    """The teacher's forward weights per layer (post, pre): all ``weights``, or U(``weight_range``) drawn
    from ``weight_seed``."""
    shapes = [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    if weights is not None:
        return [np.full(s, weights) for s in shapes]
    rng = np.random.default_rng(weight_seed)
    return [rng.uniform(*weight_range, s) for s in shapes]


def draw_study(sizes: list[int], conditions: list[str], n_seeds: int, init_range: tuple[float, float],
               student_bias: float, teacher_W: list[np.ndarray], train_inputs: np.ndarray, val_inputs: np.ndarray,
               seed: int) -> Study:
    """The students' initial W and B ~ U(``init_range``), seed k from the stream ``(seed, k)`` (so seed k
    starts the same whatever ``n_seeds`` is), repeated for every condition; every bias ``student_bias``."""
    shapes = [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    n_cond = len(conditions)
    W0 = [np.empty((n_seeds, *s)) for s in shapes]
    B0 = [np.empty((n_seeds, shapes[l + 1][1], shapes[l + 1][0])) for l in range(len(sizes) - 2)]
    for k in range(n_seeds):
        rng = np.random.default_rng([seed, k])
        for w in W0 + B0:
            w[k] = rng.uniform(*init_range, w.shape[1:])

    def per_replica(x):  # conditions of a seed start from the same weights
        return np.repeat(x, n_cond, axis=0)

    biases = [np.full((n_seeds * n_cond, n), student_bias) for n in sizes]
    return Study(sizes, list(conditions), n_seeds, [per_replica(w) for w in W0], [per_replica(b) for b in B0],
                 biases, teacher_W, train_inputs, val_inputs)


def teacher_targets(study: Study, teacher_bias: float, steps: int, settle: int,
                    circuits: Callable) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's mean output potential for every training and validation input, one replica each,
    measured over ``steps`` steps after ``settle``; ``circuits(W, B, biases)`` builds the replicas
    (a :class:`salnest.networks.microcircuit.Circuits`)."""
    patterns = np.vstack([study.train_inputs, study.val_inputs])
    n = len(patterns)
    W = [np.repeat(w[None], n, axis=0) for w in study.teacher_W]
    B = [W[l + 1].transpose(0, 2, 1).copy() for l in range(len(study.sizes) - 2)]
    biases = [np.full((n, s), teacher_bias) for s in study.sizes]
    with circuits(W, B, biases) as built:
        mean_u = built.pattern(patterns, steps + settle, settle)
    return mean_u[: len(study.train_inputs)], mean_u[len(study.train_inputs):]


def pattern_order(seed: int, seed_index: int, epoch: int, n_patterns: int, learning: int,
                  symmetrisation: int) -> tuple[np.ndarray, np.ndarray]:
    """Training-input indices of one epoch's ``learning`` and ``symmetrisation`` patterns for one student
    seed, drawn from the stream ``(seed, seed_index, epoch)``."""
    rng = np.random.default_rng([seed, seed_index, epoch])
    return rng.integers(n_patterns, size=learning), rng.integers(n_patterns, size=symmetrisation)
