"""Theoretical test error of a scenario (CONTRACT.md ``predict``; THEORY.md §3).

:func:`predict` picks the regime that covers the scenario (:mod:`modelcollapse.numerics.regimes`)
and evaluates it in float64 or at ``precision`` digits with mpmath; the :class:`Prediction` says
for each number whether it is exact (finite-sample Wishart identities) or a deterministic
equivalent (proportional asymptotics, ``O(1/d)`` off), and which regime produced it. Where no
formula holds (a regime refuses a well-posed scenario), the answer is the variance-reduced Monte
Carlo of the definition to a stated relative standard error (:mod:`modelcollapse.numerics.monte_carlo`,
provenance kind ``MONTE_CARLO``); ``order=1`` gives the first-order equivalent instead, with its
error measured against that Monte Carlo where the default answer would be one.
"""

from __future__ import annotations

import dataclasses
import math

from modelcollapse.numerics import monte_carlo as _monte_carlo
from modelcollapse.numerics.backend import backend_for
from modelcollapse.numerics.clean import clean_prediction, first_order_only
from modelcollapse.numerics.errors import DivergentError, FixedPointError, ModelCollapseError, NotCoveredError
from modelcollapse.numerics.monte_carlo import MC_SEED, check_rse, monte_carlo_prediction
from modelcollapse.numerics.prediction import CleanPart, Prediction
from modelcollapse.numerics.regimes import regime_for
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra.power_law import FLOAT64_TINY
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.numerics.unit_scale import predict_at_unit_scale
from modelcollapse.theory.errors import ScenarioError
from modelcollapse.theory.provenance import Provenance

__all__ = ["Prediction", "predict", "clean_prediction", "CleanPart", "ORDERS"]

ORDERS = (1, 2)  # 1: the first-order equivalent; 2 (default): with its 1/d correction where one exists


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
        if min(spectrum.values) < FLOAT64_TINY:
            lam += ", subnormal below 2.2e-308"
    elif getattr(spectrum, "beta", None) is not None:
        key, lam = "spectrum.beta", f"λ_j = j^(−{spectrum.beta:g}) for j up to d = {spectrum.d}"
    where = f" ({lam})" if lam else ""
    return ScenarioError(key, f"the spectrum{where} spans more than {backend.name} can compute with here "
                              f"({type(exc).__name__}); not covered: use a flatter spectrum, more samples or a ridge")


def _beta_at_fault(scenario: Scenario, exc: BaseException) -> ScenarioError | None:
    """A failed computation on a power law too steep for float64 at its sample sizes, refused naming ``spectrum.beta``.

    Any ``β > 1`` is accepted, and eigenvalues below float64's range (``j^(−β) < 2.2e-308``, stored as 0 or
    subnormal) are harmless where ``κ`` dominates them (``d = 200``, ``β = 1000`` with a ridge). The scales a
    computation may need reach ``λ_m``, ``m = min(d, largest T or T0)``: a ridgeless ``κ`` near ``λ_T``, a
    generator's corrected ``κ̂`` near ``λ_T0``, the lower edge of a sample spectrum. Where ``λ_m`` is below
    float64's range and the computation failed, the exponent is at fault, and no simulation can stand in (the
    simulator needs ``λ_1/λ_d <= 1e14``). ``None`` otherwise (the failure is reported as it is).
    """
    spectrum = scenario.spectrum
    beta = getattr(spectrum, "beta", None)
    if beta is None or not hasattr(spectrum, "underflow_index"):
        return None
    gen = scenario.generators
    m = min(spectrum.d, max([scenario.T, *gen.T0[:gen.n]]))
    if m < 2 or beta * math.log(m) <= -math.log(FLOAT64_TINY):
        return None
    j = spectrum.underflow_index()
    why = str(exc).split(" (residual")[0].rstrip(".") or type(exc).__name__
    return ScenarioError("spectrum.beta", (
        f"beta = {beta:g} on d = {spectrum.d}: lambda_j = j^(-beta) is below float64's range (2.2e-308) from "
        f"j = {j} on, and this scenario cannot be answered without them ({why}; no simulation holds such a "
        f"spread); beta <= {-math.log(FLOAT64_TINY) / math.log(m):.4g} keeps lambda_{m} in range "
        f"({m}: the largest sample size, at most d)"))


def predict(scenario: Scenario, precision: int | None = None, *, order: int | None = None,
            monte_carlo: bool = True, mc_rse: float | None = None, mc_seed: int = MC_SEED) -> Prediction:
    """Predicted test error of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    precision : int, optional
        Decimal digits for an mpmath evaluation; default float64.
    order : {1, 2}, optional
        ``1``: the first-order (proportional-limit) equivalent, without the ``1/d`` correction or its
        domain; where the default answer is a Monte Carlo one, the first order's error against it is
        measured (``parts["measured_relative_error"]``, ``parts["measured_stderr"]``, a note) and is the
        provenance's allowance. Default (``2``): the corrected equivalent where it holds.
    monte_carlo : bool
        Where no formula holds (a regime refuses the scenario with :class:`NotCoveredError`, the error
        itself being finite), answer with the conditional Monte Carlo (default True); False: raise.
    mc_rse : float, optional
        Target relative standard error of that Monte Carlo (default :data:`~.monte_carlo.DEFAULT_RSE`,
        0.2%; ``[1e-5, 0.5]``).
    mc_seed : int
        Its root seed (default a fixed constant: predictions are reproducible).

    Raises
    ------
    NotCoveredError
        The error is infinite (:class:`DivergentError`: ``λ = 0`` with ``|T − d| <= 1``, or
        ``|T0 − d| <= 1`` with noise), or no formula covers the scenario and the Monte Carlo cannot
        answer it (``d = inf``; the SE target beyond the trial cap, naming ``mc_rse``).
    FixedPointError
        The ``κ`` fixed point did not converge.
    ScenarioError
        ``precision``, ``order`` or ``mc_rse`` out of range, or the error exceeds float64 (naming the key
        whose scale caused it).
    """
    if order is not None and order not in ORDERS:
        from modelcollapse.numerics.errors import ScenarioError
        raise ScenarioError("order", f"expected 1 (first-order equivalent) or 2 (with its 1/d correction), "
                                     f"got {order!r}")
    mc_rse = check_rse(_monte_carlo.DEFAULT_RSE if mc_rse is None else mc_rse)
    backend = backend_for(precision)

    def formulas(s: Scenario) -> Prediction:
        return regime_for(s).predict(s, backend)

    def answer(s: Scenario) -> Prediction:
        if order == 1:
            with first_order_only():
                first = formulas(s)
            try:
                formulas(s)
                return first
            except DivergentError:
                raise
            except NotCoveredError as exc:
                if not monte_carlo or not s.spectrum.is_finite:
                    return first
                return _measured_first_order(first, monte_carlo_prediction(
                    s, rse=mc_rse, seed=mc_seed, reason=str(exc), kappa=first.kappa))
        try:
            return formulas(s)
        except DivergentError:
            raise
        except NotCoveredError as exc:
            if (fault := _beta_at_fault(s, exc)) is not None:  # nor can the Monte Carlo simulate such a spread
                raise fault from None
            if not monte_carlo:
                raise
            if not s.spectrum.is_finite:
                raise NotCoveredError(f"{exc} (the Monte Carlo fallback needs a finite d)") from None
            return monte_carlo_prediction(s, rse=mc_rse, seed=mc_seed, reason=str(exc), kappa=_kappa(s, backend))

    try:
        prediction = _with_design_accuracy(scenario, predict_at_unit_scale(scenario, backend, answer))
    except DivergentError:
        raise
    except (FixedPointError, NotCoveredError) as exc:  # eigenvalues below float64 a regime needed: the exponent's fault
        if (fault := _beta_at_fault(scenario, exc)) is not None:
            raise fault from None
        raise
    except (ZeroDivisionError, OverflowError) as exc:  # the last guard: never an internal error for a valid file
        raise (_beta_at_fault(scenario, exc) or _out_of_range(scenario, backend, exc)) from None
    except ArithmeticError as exc:  # the Monte Carlo fallback's non-finite simulated error (subnormal eigenvalues)
        if isinstance(exc, ModelCollapseError):
            raise
        raise (_beta_at_fault(scenario, exc) or _out_of_range(scenario, backend, exc)) from None
    except ValueError as exc:
        if "math domain error" not in str(exc) and "ill-conditioned" not in str(exc):  # (the Monte Carlo fallback's)
            raise
        raise (_beta_at_fault(scenario, exc) or _out_of_range(scenario, backend, exc)) from None
    extra = scenario.teacher.notes(scenario.spectrum)  # e.g. the target outside a kernel's kept spectrum
    extra = (*extra, *getattr(scenario.spectrum, "notes", tuple)())  # e.g. a nearly degenerate kernel
    return dataclasses.replace(prediction, notes=tuple(prediction.notes) + tuple(extra)) if extra else prediction


def _kappa(scenario: Scenario, backend) -> float | None:
    """The first-order ``κ`` of the downstream, ``None`` where it cannot be solved (never a stand-in 0: ``κ = 0``
    is a value, OLS's)."""
    from modelcollapse.numerics.fixed_point import solve_kappa
    try:
        sums = spectral_sums(scenario.spectrum, scenario.teacher, backend)
        return float(solve_kappa(sums, backend.scalar(scenario.ridge), scenario.T).kappa)
    except (NotCoveredError, FixedPointError):
        return None


def _measured_first_order(first: Prediction, mc: Prediction) -> Prediction:
    """The first-order prediction with its error against the Monte Carlo answer of the same scenario."""
    rel = (first.test_error - mc.test_error) / mc.test_error if mc.test_error else 0.0
    rse = mc.stderr / mc.test_error if mc.test_error else 0.0
    measured = (f"measured {rel:+.2%} against the Monte Carlo here (relative SE {rse:.2g}, "
                f"{mc.monte_carlo['trials']} trials)")
    allowance = min(0.99, abs(rel) + 4 * rse)  # the error measured here is this provenance's accuracy here
    provenance = {k: v if v.is_exact else Provenance(kind=v.kind, detail=f"{v.detail}; {measured}",
                                                     allowance=max(v.allowance, allowance))
                  for k, v in first.provenance.items()}
    note = (f"first-order equivalent outside the domain of its 1/d correction: {rel:+.2%} against the Monte Carlo "
            f"answer {mc.test_error:.6g} +/- {mc.stderr:.2g}")
    return dataclasses.replace(first, provenance=provenance, notes=(*first.notes, note),
                               parts={**first.parts, "measured_relative_error": rel, "measured_stderr": mc.stderr})


def _with_design_accuracy(scenario: Scenario, prediction: Prediction) -> Prediction:
    """A formula's provenances, with the measured gap of the Gaussian theory to the scenario's design (the
    simulator draws that design; universality is measured, not exact). Monte Carlo predictions drew it."""
    accuracy = getattr(scenario.spectrum, "design_accuracy", lambda s: None)(scenario)
    if accuracy is None or prediction.monte_carlo:
        return prediction
    allowance, sentence = accuracy  # the sentence is documentation (CONTRACT.md, THEORY.md 3.8): the detail stays
    provenance = {k: v if v.allowance >= allowance else Provenance(kind=v.kind, detail=v.detail, allowance=allowance)
                  for k, v in prediction.provenance.items()}
    return dataclasses.replace(prediction, provenance=provenance)
