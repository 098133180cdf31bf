"""Theoretical test error of a scenario (THEORY.md §3.1–§3.3).

``predict(scenario)`` evaluates the symbolic results of :mod:`modelcollapse.theory.collapse`
(through :mod:`modelcollapse.numerics.formulas`) at the scenario's numbers, in float64 or at
``precision`` digits with mpmath, and says for each number whether it is exact (finite-sample
Wishart identities) or a deterministic equivalent (proportional asymptotics, ``O(1/d)`` off).

Decomposition (exact, §3.2): ``E_test(n) = E_test(0) + Σ_k σ0_k²/(T0_k − d − 1) · E tr(AᵀΣAΣ⁻¹)``
for OLS generators with ``T0_k >= d + 2``; ``A = (Σ̂ + λ)⁻¹Σ̂`` the downstream smoother.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from modelcollapse.numerics.backend import Backend, backend_for
from modelcollapse.numerics.errors import NotCoveredError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums

__all__ = ["Prediction", "predict", "clean_prediction", "CleanPart"]

EXACT = "exact"
DETERMINISTIC_EQUIVALENT = "deterministic equivalent"


@dataclass(frozen=True)
class CleanPart:
    """The downstream ridge on clean data, and the collapse trace ``E tr(AᵀΣAΣ⁻¹)`` of its smoother."""

    bias: object
    variance: object
    trace: object  # E tr(AᵀΣAΣ⁻¹)
    kappa: object
    provenance: str
    iterations: int = 0
    residual: float = 0.0


@dataclass(frozen=True)
class Prediction:
    """Predicted test error of a scenario, with its parts and provenance.

    Attributes
    ----------
    test_error, clean_error, collapse, bias, variance, kappa : float
        As in CONTRACT.md (``collapse = test_error − clean_error``; ``bias`` and ``variance``
        are those of the clean part). Rounded to float64.
    provenance : dict
        ``"exact"`` or ``"deterministic equivalent"`` (or another stated approximation) for
        ``clean_error`` and ``collapse``.
    precision : str
        ``"float64"`` or ``"mpmath[D digits]"``.
    iterations, residual :
        How the ``κ`` fixed point converged.
    digits : dict
        With ``precision``: every number as a string with all its digits.
    parts : dict
        Further named parts where a result has them (e.g. over-parameterised generators:
        ``chain_error``, ``bias_increase``, ``variance_increase``), as floats.
    """

    test_error: float
    clean_error: float
    collapse: float
    bias: float
    variance: float
    kappa: float
    provenance: dict
    precision: str
    iterations: int
    residual: float
    digits: dict = field(default_factory=dict)
    notes: tuple = ()
    parts: dict = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return all(v == EXACT for v in self.provenance.values())

    def to_dict(self) -> dict:
        out = asdict(self)
        out["exact"] = self.exact
        out["notes"] = list(self.notes)
        if not self.digits:
            out.pop("digits")
        if not self.parts:
            out.pop("parts")
        return out

    def _repr_latex_(self) -> str:
        rows = [
            (r"E_{\mathrm{test}}", self.test_error),
            (r"E_{\mathrm{clean}}", self.clean_error),
            (r"n\sigma_0^2\rho", self.collapse),
            (r"B", self.bias),
            (r"V", self.variance),
            (r"\kappa", self.kappa),
        ]
        body = r" \\ ".join(f"{name} &= {value:.10g}" for name, value in rows)
        return rf"$\begin{{aligned}} {body} \end{{aligned}}$"


def _finite(name: str, value) -> None:
    if not np.all(np.isfinite(np.asarray(value, dtype=float))):
        raise NotCoveredError(f"{name} is not finite here ({value}); this regime is not covered")


def clean_prediction(scenario: Scenario, backend: Backend, *, sums=None) -> CleanPart:
    """Clean error of the downstream ridge and its collapse trace ``E tr(AᵀΣAΣ⁻¹)``.

    Exact when ``λ = 0`` and ``T >= d + 2`` (any ``Σ``), or ``λ = 0``, ``T <= d − 2`` and
    ``Σ = I``; deterministic equivalents otherwise.
    """
    sp_, T, lam, sigma = scenario.spectrum, scenario.T, scenario.ridge, scenario.sigma
    d = sp_.d
    b = backend
    if lam == 0 and sp_.is_finite and abs(T - d) <= 1:
        raise NotCoveredError(
            f"downstream.T: with ridge = 0 the test error is infinite for d-1 <= T <= d+1 (T = {T}, d = {d}); "
            "use T <= d-2, T >= d+2 or ridge > 0"
        )
    sig = b.scalar(sigma)
    if lam == 0 and sp_.is_finite and T >= d + 2:
        # OLS: unbiased, inverse-Wishart variance, A = I so the trace is d.
        variance = formula("ols_variance")(sig, T, d)
        return CleanPart(b.scalar(0), variance, b.scalar(d), b.scalar(0), EXACT)
    if lam == 0 and sp_.kind == "isotropic":
        norm = b.fsum(scenario.teacher.weights(sp_, b))
        bias = formula("ridgeless_isotropic_bias")(b.scalar(T), d) * norm  # b.scalar: 1 - T/d on ints is float64
        variance = formula("ridgeless_isotropic_variance")(sig, T, d)
        trace = b.scalar(formula("ridgeless_isotropic_trace")(T))
        kappa = b.scalar(d - T) / b.scalar(T)  # isotropic ridgeless κ = φ − 1
        return CleanPart(b.scalar(bias), variance, trace, kappa, EXACT)
    sums = sums if sums is not None else spectral_sums(sp_, scenario.teacher, b)
    sol = solve_kappa(sums, b.scalar(lam), T)
    k = sol.kappa
    df1, df2, s_b = sums.df(k, 1), sums.df(k, 2), sums.bias_sum(k)
    bias = formula("clean_bias")(k, s_b, df2, T)
    variance = formula("clean_variance")(sig, df2, T)
    provenance = DETERMINISTIC_EQUIVALENT
    if lam == 0:  # ridgeless, T < d: finite-size corrected variance (exact for Σ = I and for OLS)
        variance = formula("ridgeless_variance")(sig, df2, sums.df(k, 3), T)
        provenance = f"{DETERMINISTIC_EQUIVALENT} (ridgeless variance with finite-size correction)"
    trace = formula("collapse_trace")(df1, df2, T, sums.d) if sp_.is_finite else None
    return CleanPart(bias, variance, trace, k, provenance, sol.iterations, sol.residual)


def _ols_generator_factor(scenario: Scenario, b: Backend):
    """``Σ_k σ0_k²/(T0_k − d − 1)``, exact for OLS generators with ``T0_k >= d + 2``."""
    gen, d = scenario.generators, scenario.d
    f = formula("generator_factor")
    return sum((f(1, b.scalar(s0), t0, d) for t0, s0 in zip(gen.T0, gen.sigma0)), b.scalar(0))


def predict(scenario: Scenario, precision: int | None = None) -> Prediction:
    """Predicted test error of ``scenario`` (CONTRACT.md ``predict``).

    Parameters
    ----------
    scenario : Scenario
    precision : int, optional
        Decimal digits for an mpmath evaluation; default float64.

    Raises
    ------
    NotCoveredError
        The error is infinite (``λ = 0`` with ``|T − d| <= 1``, or ``|T0 − d| <= 1``) or the regime
        is not covered.
    FixedPointError
        The ``κ`` fixed point did not converge.
    """
    b = backend_for(precision)
    gen, d = scenario.generators, scenario.d
    notes = []
    if gen.n >= 1 and not scenario.spectrum.is_finite:
        raise NotCoveredError("spectrum.d: the collapse term (generators.n >= 1) needs a finite d with OLS generators; use n = 0 for d = 'inf'")
    if gen.n >= 1 and any(t0 < d + 2 for t0 in gen.T0):
        from modelcollapse.numerics.overparam import predict_overparameterised

        return predict_overparameterised(scenario, b)
    clean = clean_prediction(scenario, b)
    clean_error = clean.bias + clean.variance
    if gen.n >= 1:
        collapse = _ols_generator_factor(scenario, b) * clean.trace
        collapse_prov = EXACT if clean.provenance == EXACT else f"{DETERMINISTIC_EQUIVALENT} (exact T0-d-1 prefactor)"
    else:
        collapse = b.scalar(0)
        collapse_prov = EXACT
    total = clean_error + collapse
    values = {
        "test_error": total,
        "clean_error": clean_error,
        "collapse": collapse,
        "bias": clean.bias,
        "variance": clean.variance,
        "kappa": clean.kappa,
    }
    floats = {}
    for name, v in values.items():
        _finite(name, float(v))
        floats[name] = float(v)
    return Prediction(
        **floats,
        provenance={"clean_error": clean.provenance, "collapse": collapse_prov},
        precision=b.name,
        iterations=clean.iterations,
        residual=clean.residual,
        digits={k: b.digits(v) for k, v in values.items()} if b.is_mp else {},
        notes=tuple(notes),
    )
