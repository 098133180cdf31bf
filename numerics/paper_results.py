"""Numbers of the paper's derived statements (theory/paper_results.py; THEORY.md §3.12).

:func:`growing_bound_value` sums ``1 + Σ_{m≥2} 1/(m log²m)`` (a series whose tail decays like
``1/log N``: ``mpmath.nsum``-style acceleration is not trusted here, THEORY.md §5) as a direct head
plus the Euler–Maclaurin tail ``1/log N + f(N)/2 − f'(N)/12`` (remainder ``O(f'''(N))``, below 1e-15
at ``N = 10⁵``). :func:`growing_schedule` gives the integer sample sizes ``T_m`` of the schedule.

:func:`paper_f6_collapse` and :func:`paper_f8_chain_error` evaluate Proposition F.6 and Lemma F.8 as
the paper prints them (the registered ``paper_rho_overparam`` and ``paper_anisotropic_product_factor``)
for a scenario in their setting, with ``κ`` from the toolkit's solver: the report's ``paper`` section
sets them against simulation (measured 1.6% and 3.3% low at ``d = 150`` and ``d = 100``).
"""

from __future__ import annotations

import math

import numpy as np

from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory.errors import ScenarioError

__all__ = ["growing_bound_value", "growing_schedule", "null_predictor_generations", "paper_f6_collapse",
           "paper_f8_chain_error"]


def growing_bound_value(head: int = 100_000) -> float:
    """``1 + Σ_{m≥2} 1/(m log²m) = 3.1097…`` (head summed directly, tail by Euler–Maclaurin)."""
    m = np.arange(2, head, dtype=float)
    direct = float(np.sum(1.0 / (m * np.log(m) ** 2)))
    N = float(head)
    f = 1.0 / (N * math.log(N) ** 2)
    fprime = -(math.log(N) + 2) / (N**2 * math.log(N) ** 3)
    return 1.0 + direct + 1.0 / math.log(N) + f / 2 - fprime / 12


def growing_schedule(T0: int, n: int) -> list[int]:
    """``T_1 = T0``, ``T_m = round(m log²m · T0)`` for ``m = 2..n`` (the paper's growing generator data)."""
    if n < 1 or T0 < 1:
        raise ScenarioError("generators.n", f"expected n >= 1 and T0 >= 1, got n = {n}, T0 = {T0}")
    return [int(T0)] + [int(round(k * math.log(k) ** 2 * T0)) for k in range(2, n + 1)]


def null_predictor_generations(*, snr0: float, sigma: float, sigma0: float, T: int, T0: int, d: int) -> float:
    """``n*`` of ``null_predictor_generations`` (OLS generators and downstream, ``T, T0 >= d + 2``)."""
    if T < d + 2 or T0 < d + 2:
        raise ScenarioError("generators.T0" if T0 < d + 2 else "downstream.T",
                            f"the exact threshold needs T, T0 >= d + 2 (d = {d}), got T = {T}, T0 = {T0}")
    if not sigma0 > 0:
        raise ScenarioError("generators.sigma0", "the threshold needs sigma0 > 0 (without noise nothing collapses)")
    return float(formula("null_predictor_generations")(snr0, sigma, sigma0, T, T0, d))


def _finite_eigenvalues(scenario) -> np.ndarray:
    if not scenario.spectrum.is_finite:
        raise ScenarioError("spectrum.d", "the paper's F.6 and F.8 are traces over a finite spectrum (d = inf given)")
    return np.asarray(scenario.spectrum.eigenvalues(), dtype=float)


def _min_norm_generators(scenario, lam: np.ndarray) -> list[float]:
    """``κ_m = κ(0, T_m)`` of every generator; they must be minimum-norm (ridge 0) and over-parameterised."""
    gen = scenario.generators
    if any(r != 0 for r in gen.ridge[:scenario.n]) or gen.scheme != "replace" or gen.design_matrix != "fresh":
        raise ScenarioError("generators.ridge", "F.6 and F.8 are stated for fresh minimum-norm generators "
                            "(ridge = 0, scheme = \"replace\")")
    if any(t >= len(lam) for t in gen.T0[:scenario.n]):
        raise ScenarioError("generators.T0", f"F.6 and F.8 need over-parameterised generators, T0 < d = {len(lam)}")
    sums = SpectralSums(lam, None)
    return [float(solve_kappa(sums, 0.0, t).root) for t in gen.T0[:scenario.n]]


def _df2(lam: np.ndarray, kappa: float) -> float:
    return float(np.sum((lam / (lam + kappa)) ** 2))


def paper_f6_collapse(scenario) -> float:
    """``σ0² Σ_j ρ_j``: Theorem 4.3's collapse term with Proposition F.6's ``ρ``, one generator (``n = 1``).

    The paper derives ``ρ`` with one design for every generator (its assumption (17)); at ``n = 1``
    fresh and reused designs are the same chain. Downstream: ridge ``λ > 0`` on ``T`` samples.
    """
    lam = _finite_eigenvalues(scenario)
    if scenario.n != 1:
        raise ScenarioError("generators.n", f"Proposition F.6 is checked with one generator (n = 1), got {scenario.n}")
    if not scenario.ridge > 0:
        raise ScenarioError("downstream.ridge", "Proposition F.6 is stated for a downstream ridge lambda > 0")
    (k0,) = _min_norm_generators(scenario, lam)
    k = float(solve_kappa(SpectralSums(lam, None), scenario.ridge, scenario.T).root)
    T0 = scenario.generators.T0[0]
    rho = formula("paper_rho_overparam")(lam, k0, k, T0, scenario.T, _df2(lam, k0), _df2(lam, k))
    return float(scenario.generators.sigma0[0] ** 2 * np.sum(rho))


def paper_f8_chain_error(scenario) -> float:
    """``E‖Q w0 − w0‖²_Σ`` by Lemma F.8: ``Σ_j w_j (Π_m (A_m)_jj − 2 Π_m a_j^{(m)} + 1)``, ``w_j = λ_j c_j²``.

    Noiseless minimum-norm generators (``σ0 = 0``) and a noiseless OLS downstream with ``T > d``, which
    returns the last generator exactly, so this is the test error. ``(A_m)_jj`` is F.8's factor with the
    generator's own ``T_m`` and ``Σⁿ`` read as one factor ``Σ`` (docs/PAPER.md);
    ``a_j^{(m)} = λ_j/(λ_j + κ_m)`` (F.8's first formula).
    """
    lam = _finite_eigenvalues(scenario)
    if any(s0 != 0 for s0 in scenario.generators.sigma0[:scenario.n]) or scenario.sigma != 0:
        raise ScenarioError("generators.sigma0", "Lemma F.8 is checked on noiseless chains (sigma0 = sigma = 0)")
    if scenario.ridge != 0 or scenario.T <= len(lam):
        raise ScenarioError("downstream.ridge", "Lemma F.8 is checked with an OLS downstream, ridge = 0 and T > d")
    kappas = _min_norm_generators(scenario, lam)
    factor = formula("paper_anisotropic_product_factor")
    product, shrink = np.ones_like(lam), np.ones_like(lam)
    for t, k in zip(scenario.generators.T0[:scenario.n], kappas):
        product = product * factor(lam, k, t, _df2(lam, k))
        shrink = shrink * lam / (lam + k)
    w = np.asarray(scenario.teacher.weights(scenario.spectrum), dtype=float)
    return float(np.sum(w * (product - 2 * shrink + 1)))
