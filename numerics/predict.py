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

__all__ = ["Prediction", "predict", "clean_prediction", "CleanPart"]


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
    prediction = predict_at_unit_scale(scenario, backend, lambda s: regime_for(s).predict(s, backend))
    extra = scenario.teacher.notes(scenario.spectrum)  # e.g. the target outside a kernel's kept spectrum
    return dataclasses.replace(prediction, notes=tuple(prediction.notes) + tuple(extra)) if extra else prediction
