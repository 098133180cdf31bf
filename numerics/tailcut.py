"""Predictions with tail-cutting generators (``[generators] keep_top = k``; :mod:`modelcollapse.theory.tailcut`).

Two paths, both for the replace scheme on fresh designs, finite ``d``, no real rows:

* **OLS generators** (every ``T0_m >= d + 2``, no generator ridge): the exact reduction
  ``E_test = E_clean(P_k w0) + Σ_{j>k} λ_j c_j² + G · E tr(AᵀΣAΣ⁻¹P_k)``, ``G = Σ_m σ0_m²/(T0_m − d − 1)``.
  ``E_clean(P_k w0)`` is the toolkit's clean part (with its ``1/d`` correction) for the truncated
  teacher. The truncated trace is ``k`` for an OLS downstream and ``k/d`` times the clean trace for
  ``Σ ∝ I`` (rotation invariance: ``E AᵀΣAΣ⁻¹ ∝ I``), both as exact as the clean part; otherwise the
  clean (corrected) trace times the ratio of the first-order truncated and full traces
  (``tailcut_trace``). ``keep_top = d`` gives the uncut prediction to rounding.
* **Ridge or minimum-norm generators**: a first-order deterministic equivalent through the diagonal
  second moments. Only ``m_j = E w̃_j`` and ``s_j = E w̃_j²`` of the downstream's teacher enter the
  downstream's error (``E AᵀMA`` is diagonal for diagonal ``M`` and ``E A`` is diagonal: sign flips of
  the Gaussian design), and a fit maps them as ``m ↦ g ⊙ m``, ``s ↦ g² ⊙ s + u (vᵀs) + η`` with
  ``g_j = λ_j/(λ_j + κ0)``, ``u_j = κ0² λ_j/((λ_j + κ0)²(T0 − df_2))``, ``v_j = λ_j/(λ_j + κ0)²`` and the
  noise ``η_j = σ0² λ_j/((λ_j + κ0)²(T0 − df_2))`` (times ``|T0 − d|/(|T0 − d| − 1)`` for ridgeless fits,
  exact for one OLS fit); the cut zeroes ``j > k``. The downstream's error is
  ``Σ_j a_j s_j − 2 Σ_j λ_j c_j h_j m_j + ‖w0‖²_Σ + V`` (``h_j = λ_j/(λ_j + κ)``,
  ``a_j = λ_j(h_j² + (1 − h_j)² df_2/(T − df_2))``). The collapse is this error minus the same formula
  without generators, on top of the toolkit's clean part (first-order errors of the downstream cancel).

Measured accuracy against simulation: tests/test_tailcut_simulation.py (d = 60–200).
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.prediction import Prediction, assemble
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT, equivalent

__all__ = ["tail_energy", "predict_tailcut", "ols_generator_factor", "diagonal_chain_error", "TAILCUT_OLS",
           "TAILCUT_CHAIN", "KEY"]

KEY = "generators.keep_top"
TAILCUT_OLS = equivalent("exact reduction (OLS generators, T0 >= d + 2); downstream on the kept directions by "
                         "deterministic equivalents (clean part with its 1/d correction)", allowance=0.03)
TAILCUT_CHAIN = equivalent("deterministic equivalent (diagonal second moments of a replace chain of ridge / "
                           "minimum-norm generators with the cut; first order in 1/d)", allowance=0.03)


def tail_energy(weights: np.ndarray, keep_top: int, backend: Backend = FLOAT64):
    """``Σ_{j>k} λ_j c_j²`` from the teacher's weights ``w_j = λ_j c_j²`` (eigenvalues in decreasing order)."""
    tail = weights[keep_top:]
    return backend.fsum(tail) if len(tail) else backend.scalar(0)


def ols_generator_factor(scenario, backend: Backend):
    """``G = Σ_m σ0_m²/(T0_m − d − 1)`` (exact inverse-Wishart mean)."""
    f = formula("generator_factor")
    d = scenario.d
    return backend.fsum(backend.array([f(1, backend.scalar(s0), t0, d)
                                       for t0, s0 in zip(scenario.generators.T0, scenario.generators.sigma0)]))


def _check(scenario, keep_top: int) -> None:
    sp_, gen = scenario.spectrum, scenario.generators
    if not sp_.is_finite:
        raise NotCoveredError(f"spectrum.d: {KEY} with generators.n >= 1 is predicted for a finite d (the generators "
                              "are fits in d dimensions); d = 'inf' scaling laws: modelcollapse derive tailcut_rate")
    if gen.scheme != "replace" or getattr(gen, "design_matrix", "fresh") != "fresh":
        raise NotCoveredError(f"{KEY}: a cut is predicted for generators.scheme = 'replace' with fresh designs "
                              f"(got scheme = {gen.scheme!r}); use 'modelcollapse simulate' for this combination")
    if gen.has_real_data or scenario.downstream.synthetic_rows < scenario.T:
        raise NotCoveredError(f"{KEY}: a cut with real rows (generators.real_fraction or downstream.real_fraction "
                              "> 0) is not predicted; use 'modelcollapse simulate' for this combination")
    if not 1 <= keep_top <= sp_.d:
        raise NotCoveredError(f"{KEY}: expected an integer in [1, d = {sp_.d}], got {keep_top!r}")


def _ols_generators(scenario) -> bool:
    gen = scenario.generators
    return not gen.has_ridge and all(t0 >= scenario.d + 2 for t0 in gen.T0)


def predict_tailcut(scenario, keep_top: int, backend: Backend = FLOAT64, *, regime: str = "tail_cut",
                    uncut: Prediction | None = None) -> Prediction:
    """The prediction of ``scenario`` whose generators keep their top ``keep_top`` eigendirections.

    Examples
    --------
    >>> from modelcollapse.numerics.scenario import Scenario
    >>> s = Scenario(spectrum={"kind": "power_law", "beta": 1.5, "d": 50}, teacher={"kind": "source", "r": 0.5},
    ...              generators={"n": 2, "T0": 100, "sigma0": 0.5}, downstream={"T": 100, "sigma": 0.5, "ridge": 0.0})
    >>> p = predict_tailcut(s, 10)
    >>> p.exact, round(p.test_error, 6) == round(0.25 * 50 / 49 + 2 * 0.25 * 10 / 49 + p.parts["tail"], 6)
    (True, True)

    ``uncut``: the toolkit's prediction of the same scenario without the cut (ridge / minimum-norm generators: the
    cut's first-order effect is added to it, so its finite-size corrections carry over and ``keep_top = d`` returns
    it unchanged); ``None``: the first-order chain on top of the clean part.

    Raises
    ------
    NotCoveredError
        ``d = inf``, another scheme or a reused design, real rows (each naming its key).
    """
    _check(scenario, keep_top)
    b = backend
    sp_ = scenario.spectrum
    lam = sp_.eigenvalues(b)
    weights = scenario.teacher.weights(sp_, b)
    tail = tail_energy(weights, keep_top, b)
    clean = clean_prediction(scenario, b)
    if _ols_generators(scenario):
        return _predict_ols(scenario, keep_top, b, lam, weights, tail, clean, regime)
    return _predict_chain(scenario, keep_top, b, lam, weights, tail, clean, regime, uncut)


def _head_weights(weights, keep_top, b):
    head = np.array(weights, copy=True)
    head[keep_top:] = b.scalar(0)
    return head


def _predict_ols(scenario, keep_top, b, lam, weights, tail, clean, regime) -> Prediction:
    sp_, d, T, ridge = scenario.spectrum, scenario.d, scenario.T, scenario.ridge
    head = _head_weights(weights, keep_top, b)
    ols_down = ridge == 0 and T >= d + 2
    if ols_down:
        bias_k, trace_k = b.scalar(0), b.scalar(keep_top)
    elif sp_.is_isotropic:  # Σ = cI: the bias is proportional to ‖w‖², and E AᵀΣAΣ⁻¹ = (trace/d) I
        norm = b.fsum(weights)
        bias_k = clean.bias * b.fsum(head) / norm if norm > 0 else b.scalar(0)
        trace_k = clean.trace * b.scalar(keep_top) / b.scalar(d)
    else:
        truncated = clean_prediction(scenario, b, sums=SpectralSums(eigenvalues=lam, weights=head, backend=b))
        bias_k = truncated.bias
        trace_k = clean.trace * _trace_ratio(lam, keep_top, clean.kappa, T, b)
    G = ols_generator_factor(scenario, b)
    test = bias_k + clean.variance + tail + G * trace_k
    collapse = test - clean.error()
    provenance = EXACT if clean.provenance.is_exact else TAILCUT_OLS
    parts = {"tail": tail, "truncated_bias": bias_k, "truncated_trace": trace_k}
    notes = [f"{KEY} = {keep_top}: the generators pass on P_k w (top {keep_top} of d = {d} eigendirections of Sigma); "
             f"tail energy {float(tail):.6g}"]
    return assemble(clean=clean, collapse=collapse, collapse_provenance=provenance, backend=b, regime=regime,
                    parts=parts, notes=notes)


def _trace_ratio(lam, keep_top, kappa, T, b):
    """First-order ``tr_k / tr_d`` (registered ``tailcut_trace``) at the downstream's ``κ``."""
    u = lam / (lam + kappa)
    f = formula("tailcut_trace")
    df1, df2 = b.fsum(u), b.fsum(u * u)
    head = u[:keep_top]
    tr_k = f(keep_top, b.fsum(head), b.fsum(head * head), df2, T)
    tr_d = f(len(lam), df1, df2, df2, T)
    return tr_k / tr_d


def _fit_response(lam, ridge, rows, d, b):
    """``(g, u, v, noise per σ²)`` of one fit (module docstring), from its effective ridge ``κ``."""
    sums = SpectralSums(eigenvalues=lam, weights=None, backend=b)
    kappa = solve_kappa(sums, b.scalar(ridge), rows).kappa
    if ridge == 0 and abs(rows - d) <= 1:
        raise NotCoveredError(f"generators.T0: a ridgeless fit on {rows} rows, within 1 of d = {d}, has an infinite "
                              "error")
    if kappa == 0:  # OLS, T >= d + 2: A = I exactly
        ones = b.array(np.ones(len(lam)))
        return ones, b.zeros(len(lam)), b.zeros(len(lam)), (1 / lam) / b.scalar(rows - d - 1)
    den = lam + kappa
    df2 = b.fsum((lam / den) ** 2)
    excess = b.scalar(rows) - df2
    g = lam / den
    v = lam / den**2
    u = kappa**2 * v / excess
    gain = b.scalar(abs(rows - d)) / b.scalar(abs(rows - d) - 1) if ridge == 0 else b.scalar(1)
    return g, u, v, gain * v / excess


def diagonal_chain_error(lam, weights, coefficients, fits, keep_top: int, *, T: int, sigma: float, ridge: float,
                         backend: Backend = FLOAT64):
    """First-order ``E‖ŵ − w0‖²_Σ`` of a replace chain with the cut (module docstring), and ``κ`` of the downstream.

    ``fits``: ``(ridge0, T0, sigma0)`` per generation; ``coefficients``: ``c_j`` (signs do not matter).
    """
    b = backend
    d = len(lam)
    m = b.array(coefficients)
    s = m * m
    for ridge0, t0, s0 in fits:
        g, u, v, noise = _fit_response(lam, ridge0, t0, d, b)
        m = g * m
        s = g * g * s + u * b.fsum(v * s) + b.scalar(s0) ** 2 * noise
        m[keep_top:] = b.scalar(0)
        s[keep_top:] = b.scalar(0)
    sums = SpectralSums(eigenvalues=lam, weights=None, backend=b)
    kappa = solve_kappa(sums, b.scalar(ridge), T).kappa
    h = lam / (lam + kappa)
    df2 = b.fsum(h * h)
    excess = b.scalar(T) - df2
    a = lam * (h * h + (1 - h) ** 2 * df2 / excess)
    variance = b.scalar(sigma) ** 2 * df2 / excess
    c = b.array(coefficients)
    return b.fsum(a * s) - 2 * b.fsum(lam * c * h * m) + b.fsum(weights) + variance


def _predict_chain(scenario, keep_top, b, lam, weights, tail, clean, regime, uncut) -> Prediction:
    gen, d = scenario.generators, scenario.d
    if scenario.ridge == 0 and abs(scenario.T - d) <= 1:
        raise NotCoveredError(f"downstream.T: a ridgeless downstream on T = {scenario.T}, within 1 of d = {d}, has an "
                              "infinite error")
    coefficients = b.sqrt(weights / lam)
    fits = list(zip(gen.ridge[: gen.n], gen.T0, gen.sigma0))
    kw = {"T": scenario.T, "sigma": scenario.sigma, "ridge": scenario.ridge, "backend": b}
    chained = diagonal_chain_error(lam, weights, coefficients, fits, keep_top, **kw)
    parts = {"tail": tail, "chain_first_order": chained}
    provenance = TAILCUT_CHAIN
    if uncut is not None:  # the cut's first-order effect on top of the uncut prediction (its corrections kept)
        whole = diagonal_chain_error(lam, weights, coefficients, fits, d, **kw)
        collapse = b.scalar(uncut.digits.get("test_error", uncut.test_error)) + (chained - whole) - clean.error()
        allowance = max(TAILCUT_CHAIN.allowance, uncut.allowance)
        provenance = equivalent(f"{TAILCUT_CHAIN.detail}, added to the uncut prediction ({uncut.regime})",
                                allowance=allowance)
    else:
        collapse = chained - diagonal_chain_error(lam, weights, coefficients, [], d, **kw)
    notes = [f"{KEY} = {keep_top}: ridge / minimum-norm generators, first-order diagonal moments "
             f"(tail energy {float(tail):.6g})"]
    return assemble(clean=clean, collapse=collapse, collapse_provenance=provenance, backend=b, regime=regime,
                    parts=parts, notes=notes)


def powerlaw_truncated_error(*, beta: float, r: float, keep_top, T, ridge, sigma: float = 0.0) -> dict:
    """Parts of the error on ``λ_j = j^(−β)``, ``d = ∞``, with a perfect generator cut at ``keep_top`` (float64).

    The source teacher ``λ_j c_j² = j^(−1−2βr)/ζ(1+2βr)`` cut to ``j <= k``; the downstream ridge by its
    deterministic equivalent (infinite-spectrum sums): ``bias = κ² S_B^(k)/(1 − df_2/T)``,
    ``variance = σ² df_2/(T − df_2)``, ``tail = ζ(1+2βr, k+1)/ζ(1+2βr)`` (exact), ``error`` their sum.
    What the scaling exponents of :mod:`modelcollapse.theory.tailcut` are checked against.
    """
    import math

    import scipy.special

    from modelcollapse.numerics.infinite import PowerLawSums

    sums = PowerLawSums(beta=beta, d=math.inf)
    k = int(keep_top)
    kappa = float(solve_kappa(sums, float(ridge), int(T)).kappa)
    df2 = float(sums.df(kappa, 2))
    s = 1 + 2 * beta * r
    zeta = float(scipy.special.zeta(s))
    j = np.arange(1, k + 1, dtype=float)
    lam = j ** (-beta)
    weights = j ** (-s) / zeta
    bias = float(np.sum(weights * (kappa / (lam + kappa)) ** 2)) / (1 - df2 / T)
    variance = sigma**2 * df2 / (T - df2)
    tail = float(scipy.special.zeta(s, k + 1)) / zeta
    return {"bias": bias, "variance": variance, "tail": tail, "error": bias + variance + tail, "kappa": kappa}
