"""What values the parameters of salnest's models take.

Each model checks its own parameters when they are set (NEST's ``BadProperty``, naming the
parameter; the C++ models in ``set_status``, the NESTML models by their invariants); the PyNN
types check the same domains when they are constructed (``ValueError`` naming the parameter,
:func:`check`). This table states the domains once; ``tests/models/test_parameter_domains.py``
sets values in and out of every domain through PyNEST and PyNN and checks that each model
refuses exactly those outside.

Only the weight bounds take infinities (``Wmin = -inf``, ``Wmax = inf``: no bound); every other
number must be finite. Constraints between parameters (``Wmin <= weight <= Wmax``,
``tau_fast < tau_slow``, ``v_reset < theta``, a rectangular PSP's ``tau_syn`` on the time grid)
are the models' own to check.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Domain:
    """The values of one parameter.

    ``low``/``high`` bound it (``*_open``: the bound itself excluded); ``finite``: no infinity;
    ``values``: one of these; ``grid``: a multiple of NEST's resolution (durations in steps);
    ``text``: the words for documentation and messages.
    """

    text: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    finite: bool = True
    values: tuple = ()
    grid: bool = False

    def problem(self, value, resolution: float | None = None) -> str | None:
        """Why ``value`` is not in the domain (None if it is); ``resolution`` (ms) checks the grid."""
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            return f"must be a number, got {value!r}"
        if math.isnan(v):
            return "must not be NaN"
        if self.values:
            return None if v in self.values else f"must be {self.text}, got {v:g}"
        if self.finite and math.isinf(v):
            return f"must be finite ({self.text}), got {v:g}"
        if v < self.low or (self.low_open and v == self.low):
            if self.low == 0:
                return f"must be {'positive' if self.low_open else '>= 0'}, got {v:g}"
            return f"must be {self.text}, got {v:g}"
        if v > self.high or (self.high_open and v == self.high):
            return f"must be {self.text}, got {v:g}"
        if self.grid and resolution is not None and abs(round(v / resolution) * resolution - v) >= 1e-6:
            return f"must be a multiple of the resolution ({resolution:g} ms), got {v:g}"
        return None

    def accepts(self, value, resolution: float | None = None) -> bool:
        """Whether ``value`` lies in the domain (at NEST resolution ``resolution`` ms, if given)."""
        return self.problem(value, resolution) is None


REAL = Domain("any finite number")
NON_NEGATIVE = Domain("finite, >= 0", low=0.0)
POSITIVE = Domain("finite, > 0", low=0.0, low_open=True)
#: A duration in whole resolution steps (ms), as NEST's Time rounds it (to 1e-6 ms, the NESTML twins' tolerance).
STEPS = Domain("a positive multiple of the resolution (ms)", low=0.0, low_open=True, grid=True)
LOWER_BOUND = Domain("a number or -inf (no bound)", high=math.inf, high_open=True, finite=False)
UPPER_BOUND = Domain("a number or inf (no bound)", low=-math.inf, low_open=True, finite=False)
COUNT = Domain("a whole number >= 0", low=0.0)


def choices(*values: float, text: str | None = None) -> Domain:
    """One of ``values``."""
    return Domain(text or "one of " + ", ".join(f"{v:g}" for v in values), values=tuple(float(v) for v in values))


#: The SAL window's and the wake-sleep window's parameters, and the weight's, as every SAL synapse has them.
SAL_SYNAPSE = {
    "weight": Domain("finite, within [Wmin, Wmax]"), "eta_sal": NON_NEGATIVE,
    "sal_window": choices(0, 1, text="0 (exponential) or 1 (triangular)"), "tau_sal": POSITIVE,
    "a_causal": REAL, "a_anticausal": REAL, "sal_gain": REAL, "eta_ws": NON_NEGATIVE, "tau_ws": POSITIVE,
    "ws_phase": choices(1, -1, text="+1 (wake) or -1 (sleep)"), "ws_gain": REAL,
    "Wmin": LOWER_BOUND, "Wmax": UPPER_BOUND, "sal_sum": REAL, "ws_sum": REAL, "n_pairs": NON_NEGATIVE,
}

#: The sampling neuron's parameters (tau_syn: a multiple of the resolution for rectangular PSPs).
SAMPLING_NEURON = {"b": REAL, "tau_ref": STEPS, "tau_syn": POSITIVE,
                   "psp_shape": choices(0, 1, 2, text="0 (rectangular), 1 (exponential) or 2 (alpha)")}

#: The domains of every model by the name users call it (:data:`salnest.models.catalogue.MODELS`).
DOMAINS: dict[str, dict[str, Domain]] = {
    "sampling_neuron": {**SAMPLING_NEURON, "u": REAL, "z": choices(0, 1), "refr_steps_left": COUNT,
                        "spike_count": NON_NEGATIVE},
    "sampling_neuron_nestml": dict(SAMPLING_NEURON),
    "sal_synapse": {**SAL_SYNAPSE, "sal_pairing": choices(0, 1, text="0 (restricted) or 1 (all to all)")},
    "sal_synapse_hom": {**SAL_SYNAPSE, "sal_pairing": choices(0, 1, text="0 (restricted) or 1 (all to all)")},
    "sal_synapse_nestml": dict(SAL_SYNAPSE),
    "pyramidal_sal_synapse": dict(SAL_SYNAPSE),
    "stdwi_synapse": {"weight": REAL, "eta_stdwi": NON_NEGATIVE, "decay": NON_NEGATIVE,
                      "tau_fast": Domain("finite, > 0, < tau_slow", low=0.0, low_open=True),
                      "tau_slow": Domain("finite, > tau_fast", low=0.0, low_open=True),
                      "w_inferred": REAL, "x_fast": REAL, "x_slow": REAL},
    "rdd_neuron": {"g_L": NON_NEGATIVE, "g_D": NON_NEGATIVE,
                   "tau_L": Domain("finite, > 0, not tau_s", low=0.0, low_open=True),
                   "tau_s": Domain("finite, > 0, not tau_L", low=0.0, low_open=True),
                   "kernel_length": STEPS, "theta": Domain("finite, > v_reset"),
                   "v_reset": Domain("finite, < theta"), "t_ref": STEPS, "window": STEPS,
                   "init_window": NON_NEGATIVE, "u_window": NON_NEGATIVE, "eta_rdd": NON_NEGATIVE,
                   "v": REAL, "u": REAL},
    "sampling_network": {**{k: SAMPLING_NEURON[k] for k in ("tau_ref", "tau_syn", "psp_shape")},
                         **{k: SAL_SYNAPSE[k] for k in ("sal_window", "tau_sal", "a_causal", "a_anticausal", "eta_ws",
                                                        "tau_ws", "ws_phase", "Wmin", "Wmax")},
                         "sal_pairing": choices(0, 1, text="0 (restricted) or 1 (all to all)")},
    "pyramidal_neuron": {"b": REAL, "tau_ref": STEPS, "tau_syn": STEPS, "lambda_api": REAL, "lambda_nudge": REAL,
                         "u_target": REAL, "tau_avg": POSITIVE},
    "us_synapse": {"weight": REAL, "eta": NON_NEGATIVE, "tau_ref": POSITIVE},
}

#: Per element of the array parameters of ``sampling_network`` (one value per neuron or connection).
ARRAYS = {"sampling_network": {"b": REAL, "weights": REAL, "eta_sal": NON_NEGATIVE, "sal_gain": REAL, "ws_gain": REAL}}


def check(model: str, parameters: dict, also: dict[str, Domain] | None = None) -> None:
    """Raise ``ValueError`` naming the first of ``parameters`` (numbers or arrays of them) that lies
    outside its domain in :data:`DOMAINS` (or ``also``), for a PyNN type of ``model``.

    Durations on the time grid are checked without it (PyNN's resolution is not known yet; NEST
    refuses off-grid values when the cells are created). Random distributions and lazy arrays are
    NEST's to check when set.
    """
    domains = {**DOMAINS[model], **(also or {})}
    for name, value in parameters.items():
        domain = domains.get(name)
        if domain is None or callable(value) or value is None or isinstance(value, (str, bool)):
            continue
        if not isinstance(value, (numbers.Number, np.ndarray, list, tuple)):
            continue
        for item in np.asarray(value, dtype=object).ravel():
            problem = domain.problem(item)
            if problem:
                raise ValueError(f"{name} {problem}")
