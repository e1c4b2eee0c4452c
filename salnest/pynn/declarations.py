"""What the PyNN types of every backend share: their parameters checked, and named values turned
into the models' codes, before any simulation (``ValueError`` naming the parameter)."""

from __future__ import annotations

from salnest.models import PSP_SHAPES, SAL_WINDOWS
from salnest.models.parameters import POSITIVE, check


def sampling_neuron_parameters(parameters: dict) -> dict:
    """``SamplingNeuron``'s parameters, checked; ``psp_shape`` may be a name (``"alpha"``) or its code."""
    shape = parameters.get("psp_shape", 0)
    if isinstance(shape, str):
        if shape not in PSP_SHAPES:
            raise ValueError(f"unknown PSP shape {shape!r}; choose one of {sorted(PSP_SHAPES)}")
        parameters["psp_shape"] = PSP_SHAPES[shape]
    check("sampling_neuron", parameters)
    return parameters


def sal_synapse_parameters(window: str | None, parameters: dict) -> dict:
    """``SALSynapse``'s parameters, checked; ``window`` (``"exponential"``, ``"triangular"``) sets
    ``sal_window``; fixed bounds must satisfy ``Wmin <= Wmax``."""
    if window is not None:
        if window not in SAL_WINDOWS:
            raise ValueError(f"unknown SAL window shape {window!r}; choose one of {sorted(SAL_WINDOWS)}")
        parameters["sal_window"] = SAL_WINDOWS[window]
    check("sal_synapse", parameters, also={"delay": POSITIVE})
    bounds = [parameters.get(name) for name in ("Wmin", "Wmax")]
    if all(isinstance(b, (int, float)) for b in bounds) and bounds[0] > bounds[1]:
        raise ValueError(f"Wmin must be <= Wmax, got {bounds[0]} and {bounds[1]}")
    return parameters
