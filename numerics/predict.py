"""Theoretical test error of a scenario (CONTRACT.md ``predict``; THEORY.md §3).

:func:`predict` picks the regime that covers the scenario (:mod:`modelcollapse.numerics.regimes`)
and evaluates it in float64 or at ``precision`` digits with mpmath; the :class:`Prediction` says
for each number whether it is exact (finite-sample Wishart identities) or a deterministic
equivalent (proportional asymptotics, ``O(1/d)`` off), and which regime produced it.
"""

from __future__ import annotations

import dataclasses

from modelcollapse.numerics.backend import backend_for
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.prediction import CleanPart, Prediction
from modelcollapse.numerics.regimes import regime_for
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.unit_scale import predict_at_unit_scale
from modelcollapse.theory.errors import ScenarioError

__all__ = ["Prediction", "predict", "clean_prediction", "CleanPart"]


def _out_of_range(scenario: Scenario, backend, exc: BaseException) -> ScenarioError:
    """A computation that left the number range at these numbers, refused naming the spectrum's key.

    Reached only where a spectrum spans more than the arithmetic holds (eigenvalues from 1e-300 to
    1e300, a power law's ``λ_d = d^(−β)`` below 1e-308 with a handful of samples): the key at fault
    is the spectrum's scale, ``spectrum.values`` or ``spectrum.beta``.
    """
    spectrum = scenario.spectrum
    key, lam = "spectrum", None  # the spectrum's scale key: its explicit values or its exponent
    if getattr(spectrum, "values", None):
        key, lam = "spectrum.values", f"eigenvalues from {min(spectrum.values):.3g} to {max(spectrum.values):.3g}"
    elif getattr(spectrum, "beta", None) is not None:
        key, lam = "spectrum.beta", f"λ_j = j^(−{spectrum.beta:g}) for j up to d = {spectrum.d}"
    where = f" ({lam})" if lam else ""
    return ScenarioError(key, f"the spectrum{where} spans more than {backend.name} can compute with here "
                              f"({type(exc).__name__}); not covered: use a flatter spectrum, more samples or a ridge")


def predict(scenario: Scenario, precision: int | None = None) -> Prediction:
    """Predicted test error of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    precision : int, optional
        Decimal digits for an mpmath evaluation; default float64.

    Raises
    ------
    NotCoveredError
        The error is infinite (``λ = 0`` with ``|T − d| <= 1``, or ``|T0 − d| <= 1`` with noise) or
        no regime covers the scenario.
    FixedPointError
        The ``κ`` fixed point did not converge.
    ScenarioError
        ``precision`` out of range, or the error exceeds float64 (naming the key whose scale caused it).
    """
    backend = backend_for(precision)
    try:
        prediction = predict_at_unit_scale(scenario, backend, lambda s: regime_for(s).predict(s, backend))
    except (ZeroDivisionError, OverflowError) as exc:  # the last guard: never an internal error for a valid file
        raise _out_of_range(scenario, backend, exc) from None
    except ValueError as exc:
        if "math domain error" not in str(exc):
            raise
        raise _out_of_range(scenario, backend, exc) from None
    extra = scenario.teacher.notes(scenario.spectrum)  # e.g. the target outside a kernel's kept spectrum
    return dataclasses.replace(prediction, notes=tuple(prediction.notes) + tuple(extra)) if extra else prediction
