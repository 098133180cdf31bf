"""Monte Carlo of the definition (THEORY.md §1), and nothing else.

This module is the arbiter of every formula, so it shares no code with the theory or the
prediction layer: it draws the designs and noises, fits the generators and the downstream
ridge exactly as defined, and measures ``Σ_j λ_j (ŵ − w0)_j²``.

Per trial: ``ŵ_0 = w0``; for each generation ``k`` a fresh ``X_k`` (``T0_k × d``, rows
``N(0, Σ)``), ``Y_k = X_k ŵ_{k−1} + σ0_k ε`` and ``ŵ_k = X_k⁺ Y_k`` (OLS or minimum-norm
interpolation); then a fresh ``X`` (``T × d``), ``Y = X ŵ_n + σ ε`` and the ridge
``(XᵀX/T + λ)⁻¹XᵀY/T`` (``X⁺Y`` at ``λ = 0``).

Dispatch: a Gaussian-design scenario is compiled to its chain description
(:func:`~modelcollapse.numerics.chain.compile_chain`) and run by the generic simulator
(:mod:`~modelcollapse.numerics.simulate_description`, with any simulator hooks its axes set,
:mod:`~modelcollapse.numerics.simulate_hooks`); the kernel chain on real points keeps
:mod:`~modelcollapse.numerics.simulate_kernel`, non-Gaussian designs (and a reused design with
per-generation real fractions, which the description cannot express) keep the trial functions of
:mod:`~modelcollapse.numerics.simulate_designs` and :mod:`~modelcollapse.numerics.simulate_reused`. The
other trial functions (``_one_trial`` here, :mod:`~modelcollapse.numerics.simulate_conditional`,
:mod:`~modelcollapse.numerics.simulate_schemes`) are independent cross-checks of the generic simulator in
tests (tests/test_simulate_description.py) and the benchmark (benchmarks/bench_simulate_chain.py).

Reproducible: trial ``i`` draws from its own ``numpy.random.Generator`` seeded by the ``i``-th
child of ``SeedSequence(seed)``, so the result depends on ``(seed, trials)`` only, not on
``jobs``. BLAS runs single-threaded (multithreaded OpenBLAS is pathologically slow on these
small matrices); parallelism is across processes.
"""

from __future__ import annotations

import math
import multiprocessing
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.errors import NotCoveredError
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate_description import linear_chain, run_trials
from modelcollapse.numerics.simulate_designs import DESIGNS, explicit_trial
from modelcollapse.numerics.simulate_kernel import simulate_kernel_chain
from modelcollapse.numerics.simulate_reused import conditional_reused_trial, plain_reused_trial
from modelcollapse.numerics.simulate_schemes import SCHEMES
from modelcollapse.numerics.workers import worker_pool

__all__ = ["SimulationResult", "simulate", "simulate_chain", "simulate_description", "MAX_EIGENVALUE_SPREAD",
           "ESTIMATORS", "DEFAULT_ESTIMATOR"]

# "plain": one draw of every noise per trial (the definition, literally). "conditional": the
# label noises averaged out exactly given the designs (numerics/simulate_conditional.py); same
# expectation, much smaller variance.
ESTIMATORS = ("plain", "conditional")
DEFAULT_ESTIMATOR = "conditional"

# cond(XᵀX) ~ spread: beyond 1e14 the least-squares solves lose every digit in float64.
MAX_EIGENVALUE_SPREAD = 1e14


@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimate of the test error.

    Attributes
    ----------
    mean : float
        Average of the per-trial test errors.
    stderr : float
        Standard error of the mean, ``std(ddof=1)/sqrt(trials)``.
    trials, seed : int
    errors : ndarray
        The per-trial test errors (``plain``) or conditional test errors given the designs
        (``conditional``).
    estimator : str
        ``"plain"`` or ``"conditional"`` (see :data:`ESTIMATORS`).
    """

    mean: float
    stderr: float
    trials: int
    seed: int
    errors: np.ndarray
    estimator: str = "plain"

    def to_dict(self) -> dict:
        """``simulate --json``: ``mean``, ``stderr``, ``trials``, ``seed``, ``estimator`` (not the per-trial errors)."""
        return {"mean": self.mean, "stderr": self.stderr, "trials": self.trials, "seed": self.seed,
                "estimator": self.estimator}


def _min_norm_solve(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``X⁺Y`` (least squares if ``X`` is tall, minimum-norm interpolation if wide)."""
    return scipy.linalg.lstsq(X, Y, lapack_driver="gelsy", check_finite=False)[0]


def _ridge(X: np.ndarray, Y: np.ndarray, ridge: float) -> np.ndarray:
    """``(XᵀX/T + λ)⁻¹XᵀY/T``, through the smaller of the primal and dual systems."""
    T, d = X.shape
    if ridge == 0:
        return _min_norm_solve(X, Y)
    if T >= d:
        G = X.T @ X / T
        G.flat[:: d + 1] += ridge
        return scipy.linalg.solve(G, X.T @ Y / T, assume_a="pos", check_finite=False)
    K = X @ X.T / T
    K.flat[:: T + 1] += ridge
    return X.T @ scipy.linalg.solve(K, Y / T, assume_a="pos", check_finite=False)


def _one_trial(rng, sqrt_lam, w0, T0s, sigma0s, T, sigma, ridge) -> float:
    """The paper's chain, plain: the generic simulator's independent cross-check in tests (same draws)."""
    d = len(w0)
    w = w0
    for T0, s0 in zip(T0s, sigma0s):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        Y = X @ w + s0 * rng.standard_normal(T0)
        w = _min_norm_solve(X, Y)
    X = rng.standard_normal((T, d)) * sqrt_lam
    Y = X @ w + sigma * rng.standard_normal(T)
    diff = _ridge(X, Y, ridge) - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def _run_trials(args) -> np.ndarray:
    """The trial functions for what the generic simulator does not run: non-Gaussian designs, and a reused
    design with per-generation real fractions (which the chain description cannot express)."""
    seeds, sqrt_lam, w0, T0s, sigma0s, T, sigma, ridge, estimator, schemes, ridges0, design, df, reused = args
    if reused:  # one design for every generation (numerics/simulate_reused.py)
        trial = plain_reused_trial if estimator == "plain" else conditional_reused_trial
        _, fractions, down_fraction = schemes or (None, (0.0,) * len(T0s), 0.0)
        with threadpool_limits(limits=1):
            return np.array([trial(np.random.default_rng(s), sqrt_lam, w0, T0s[0], sigma0s, ridges0, fractions, T,
                                   sigma,
                                   ridge, down_fraction, design=design, df=df) for s in seeds])
    # explicit non-Gaussian designs, replace, no real rows (numerics/simulate_designs.py)
    with threadpool_limits(limits=1):
        return np.array([explicit_trial(np.random.default_rng(s), sqrt_lam, w0, T0s, sigma0s, ridges0, T, sigma,
                                        ridge,
                                        design=design, df=df, estimator=estimator) for s in seeds])


def _description(d: int, T0, sigma0, T, sigma, ridge, scheme, fractions, down_fraction, ridge0, design_matrix):
    """The chain description of :func:`simulate_chain`'s arguments (``None``: one it cannot express)."""
    n = len(T0)
    gen = {"n": n, "scheme": scheme, "design_matrix": design_matrix}
    if n:
        gen.update(T0=[int(t) for t in T0], sigma0=[float(s) for s in sigma0], real_fraction=list(fractions),
                   ridge=list(ridge0))
    scenario = Scenario.from_dict({"spectrum": {"kind": "isotropic", "d": d}, "teacher": {"kind": "isotropic"},
                                   "generators": gen, "downstream": {"T": int(T), "sigma": float(sigma),
                                                                     "ridge": float(ridge),
                                                                     "real_fraction": down_fraction}})
    try:
        return compile_chain(scenario)
    except NotCoveredError:  # a reused design with per-generation real fractions
        return None


def _fraction(key: str, f) -> float:
    if isinstance(f, bool) or not isinstance(f, (int, float, np.floating, np.integer)) or not 0 <= f <= 1:
        raise ValueError(f"{key}: expected a fraction in [0, 1], got {f!r}")
    return float(f)


def simulate_chain(
    eigenvalues,
    coefficients,
    *,
    T0: tuple[int, ...],
    sigma0: tuple[float, ...],
    T: int,
    sigma: float,
    ridge: float,
    trials: int = 200,
    seed: int = 0,
    jobs: int = 1,
    progress=None,
    estimator: str = DEFAULT_ESTIMATOR,
    scheme: str = "replace",
    real_fraction=(),
    downstream_real_fraction: float = 0.0,
    ridge0: tuple[float, ...] = (),
    design: str = "gaussian",
    df: float = 0.0,
    design_matrix: str = "fresh",
) -> SimulationResult:
    """Simulate the collapse chain from plain arrays (see the module docstring).

    Parameters
    ----------
    eigenvalues, coefficients : array_like
        ``λ_j`` (positive) and ``c_j = (w0)_j`` in the eigenbasis.
    T0, sigma0 : sequence
        Per-generation sample sizes and noise levels (empty: clean data, ``n = 0``).
    T, sigma, ridge :
        Downstream sample size, label noise and ridge ``λ >= 0``.
    trials : int
        Number of independent trials, ``>= 2``.
    seed : int
        Root seed, ``>= 0``.
    jobs : int
        Worker processes (``1``: in this process).
    progress : callable, optional
        Called with the number of trials finished after each batch.
    estimator : {"conditional", "plain"}
        ``"plain"`` draws every noise; ``"conditional"`` (default) averages the label noises out
        exactly given the designs. Both are unbiased for the same expectation.
    scheme : {"replace", "accumulate", "accumulate-subsample"}
        What generation ``k`` fits (:mod:`modelcollapse.numerics.simulate_schemes`).
    real_fraction : sequence of float
        Real fraction of each generation's block (empty: none); ``floor(f·T0_k + 1/2)`` real rows.
    downstream_real_fraction : float
        Real fraction of the downstream's ``T`` rows.
    ridge0 : sequence of float, optional
        Per-generation generator ridges ``λ0_k >= 0`` (empty: all 0, OLS / minimum-norm).
    design : {"gaussian", "rademacher", "student_t"}
        Law of the i.i.d. unit-variance coordinates ``z`` of the rows ``x = Σ^{1/2} z``.
    df : float
        Student-t degrees of freedom (``> 2``; only with ``design = "student_t"``).
    design_matrix : {"fresh", "reused"}
        ``"reused"``: one ``T0 × d`` design serves every generation (:mod:`modelcollapse.numerics.simulate_reused`;
        ``scheme = "replace"``, one ``T0``).
    """
    lam, w0 = _check_arrays(eigenvalues, coefficients, trials, seed, jobs, estimator)
    if len(T0) != len(sigma0):
        raise ValueError("T0 and sigma0 need one entry per generation")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme: expected one of {', '.join(SCHEMES)}, got {scheme!r}")
    fractions = tuple(_fraction("real_fraction", f) for f in real_fraction) or (0.0,) * len(T0)
    if len(fractions) != len(T0):
        raise ValueError("real_fraction needs one entry per generation")
    down_fraction = _fraction("downstream_real_fraction", downstream_real_fraction)
    default = scheme == "replace" and not any(fractions) and down_fraction == 0
    schemes = None if default else (scheme, fractions, down_fraction)
    ridge0 = tuple(float(r) for r in ridge0) if len(ridge0) else (0.0,) * len(T0)
    if len(ridge0) != len(T0) or not all(math.isfinite(r) and r >= 0 for r in ridge0):
        raise ValueError("ridge0: one finite ridge >= 0 per generation")
    if design not in DESIGNS:
        raise ValueError(f"design: expected one of {', '.join(DESIGNS)}, got {design!r}")
    if design == "student_t" and not (math.isfinite(df) and df > 2):
        raise ValueError(f"df: Student-t designs need df > 2 (unit variance), got {df!r}")
    if design_matrix not in ("fresh", "reused"):
        raise ValueError(f"design_matrix: expected one of fresh, reused, got {design_matrix!r}")
    reused = design_matrix == "reused" and len(T0) > 0
    if reused and (scheme != "replace" or len(set(T0)) > 1):
        raise ValueError("design_matrix: a reused design is simulated with scheme = 'replace' and one T0 only")
    if design != "gaussian" and schemes is not None and not reused:  # ridge generators with schemes: simulate_schemes
        raise ValueError("non-Gaussian designs are simulated with scheme = 'replace' and no real data only")
    if design == "gaussian":  # the generic simulator of the chain description
        chain = _description(len(lam), T0, sigma0, T, sigma, ridge, scheme, fractions, down_fraction, ridge0,
                             design_matrix)
        if chain is not None:
            return simulate_description(chain, lam, w0, trials=trials, seed=seed, jobs=jobs, progress=progress,
                                        estimator=estimator)
    sqrt_lam = np.sqrt(lam)
    children = np.random.SeedSequence(seed).spawn(trials)
    batch = max(1, min(64, math.ceil(trials / (4 * jobs))))
    tasks = [
        (children[i:i + batch], sqrt_lam, w0, tuple(T0), tuple(sigma0), T, float(sigma), float(ridge), estimator,
         schemes,
         ridge0, design, float(df), reused)
        for i in range(0, trials, batch)
    ]
    return _collect(_run_trials, tasks, trials, seed, jobs, progress, estimator)


def _collect(runner, tasks, trials: int, seed: int, jobs: int, progress, estimator: str) -> SimulationResult:
    """Run ``runner`` on every task (in this process or ``jobs`` workers, same numbers) and summarise."""
    parts = []
    if jobs == 1 or len(tasks) == 1:
        for task in tasks:
            parts.append(runner(task))
            if progress:
                progress(len(task[0]))
    else:
        # fork: works from scripts and notebooks without a __main__ guard; spawn elsewhere.
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with worker_pool(jobs, ctx) as pool:  # stopped at once on Ctrl-C or SIGTERM
            for task, part in zip(tasks, pool.map(runner, tasks)):
                parts.append(part)
                if progress:
                    progress(len(task[0]))
    errors = np.concatenate(parts)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, stderr = float(errors.mean()), float(errors.std(ddof=1) / math.sqrt(trials))
    if not (np.all(np.isfinite(errors)) and math.isfinite(mean) and math.isfinite(stderr)):
        raise ArithmeticError("simulation produced a non-finite test error or standard error (eigenvalues too spread "
                              "for float64?)")
    return SimulationResult(
        mean=mean,
        stderr=stderr,
        trials=trials,
        seed=seed,
        errors=errors,
        estimator=estimator,
    )


def _check_arrays(eigenvalues, coefficients, trials, seed, jobs, estimator):
    """``(λ, w0)`` as float arrays, after checking the arguments every simulation takes."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    w0 = np.asarray(coefficients, dtype=np.float64)
    if lam.ndim != 1 or w0.shape != lam.shape or not np.all(lam > 0) or not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues must be positive and finite, with one coefficient each")
    if lam.max() / lam.min() > MAX_EIGENVALUE_SPREAD:
        raise ValueError(
            f"eigenvalues: max/min above {MAX_EIGENVALUE_SPREAD:g}; the designs are too "
            "ill-conditioned for a float64 simulation to mean anything"
        )
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 2:
        raise ValueError(f"trials: expected an integer >= 2, got {trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected an integer >= 1, got {jobs!r}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator: expected one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    return lam, w0


def simulate_description(chain, eigenvalues, coefficients, *, trials: int = 200, seed: int = 0, jobs: int = 1,
                         progress=None, estimator: str = DEFAULT_ESTIMATOR) -> SimulationResult:
    """Monte Carlo of a compiled chain description with Gaussian designs (the generic simulator).

    ``chain`` is a :class:`~modelcollapse.numerics.chain.Chain` (``compile_chain(scenario)``), with
    any simulator hooks its axes set (:mod:`~modelcollapse.numerics.simulate_hooks`); ``eigenvalues``
    and ``coefficients`` as in :func:`simulate_chain`. ``estimator = "conditional"`` on a chain that is
    not linear in its labels (a filter, a nonlinear hook) runs the plain estimator, and the result's
    ``estimator`` says ``"plain"``. Trial ``i`` uses the ``i``-th child of ``SeedSequence(seed)``.
    """
    lam, w0 = _check_arrays(eigenvalues, coefficients, trials, seed, jobs, estimator)
    if len(lam) != chain.d:
        raise ValueError(f"chain: d = {chain.d} but {len(lam)} eigenvalues")
    if estimator == "conditional" and not linear_chain(chain):
        estimator = "plain"
    sqrt_lam = np.sqrt(lam)
    children = np.random.SeedSequence(seed).spawn(trials)
    batch = max(1, min(64, math.ceil(trials / (4 * jobs))))
    tasks = [(children[i:i + batch], chain, sqrt_lam, w0, estimator) for i in range(0, trials, batch)]
    return _collect(run_trials, tasks, trials, seed, jobs, progress, estimator)


def simulate(scenario, *, trials: int = 200, seed: int = 0, jobs: int = 1, progress=None,
             estimator: str = DEFAULT_ESTIMATOR) -> SimulationResult:
    """Monte Carlo of a :class:`~modelcollapse.numerics.scenario.Scenario` (finite ``d`` only).

    ``estimator`` is ``"conditional"`` (default) or ``"plain"``, see :func:`simulate_chain`. A
    kernel spectrum with ``design = "real"`` (its default) runs the kernel chain on the actual
    points (:mod:`modelcollapse.numerics.simulate_kernel`); every other design draws features
    ``Σ^{1/2} z`` of the spectrum (the Gaussian surrogate, or a non-Gaussian one).
    """
    spectrum, teacher = scenario.spectrum, scenario.teacher
    if not spectrum.is_finite:
        raise ValueError("spectrum.d: cannot simulate an infinite spectrum; use a finite d")
    gen, down = scenario.generators, scenario.downstream
    n = gen.n
    ridge0 = tuple(getattr(gen, "ridge", ())[:n]) if n else ()
    if getattr(spectrum, "design_name", "gaussian") == "real":
        if getattr(gen, "scheme", "replace") != "replace" or any(getattr(gen, "real_fraction", ()) or ()) \
                or getattr(down, "real_fraction", 0.0) or getattr(gen, "design_matrix", "fresh") != "fresh":
            raise ValueError("spectrum.design: the real kernel chain is simulated with scheme = 'replace', no real "
                             "fraction and a fresh design matrix only")
        dec = spectrum.decomposition()  # the data: points, kept eigenpairs; f* = √N U diag(√λ) c
        fstar = math.sqrt(spectrum.points) * dec.vectors @ (np.sqrt(dec.eigenvalues) * teacher.coefficients(spectrum))
        mean, stderr, errors = simulate_kernel_chain(
            spectrum.kernel_matrix(), fstar, T0=gen.T0[:n], sigma0=gen.sigma0[:n], ridge0=ridge0 or (0.0,) * n,
            T=down.T, sigma=down.sigma, ridge=down.ridge, trials=trials, seed=seed, estimator=estimator,
            progress=progress)
        return SimulationResult(mean=mean, stderr=stderr, trials=trials, seed=seed, errors=errors, estimator=estimator)
    try:
        chain = compile_chain(scenario)
    except NotCoveredError:  # a reused design with per-generation real fractions: the trial functions read the keys
        if getattr(gen, "design_matrix", "fresh") != "reused":
            raise
        chain = None
    design = getattr(spectrum, "design_name", "gaussian")
    if chain is not None and design == "gaussian":  # the generic simulator of the chain description
        return simulate_description(chain, spectrum.eigenvalues(), teacher.coefficients(spectrum), trials=trials,
                                    seed=seed, jobs=jobs, progress=progress, estimator=estimator)
    if chain is not None and chain.simulation_hooks():
        raise ValueError("spectrum.design: a chain with simulator hooks is simulated with Gaussian designs only")
    return simulate_chain(
        spectrum.eigenvalues(),
        teacher.coefficients(spectrum),
        T0=gen.T0[:n],
        sigma0=gen.sigma0[:n],
        T=down.T,
        sigma=down.sigma,
        ridge=down.ridge,
        trials=trials,
        seed=seed,
        jobs=jobs,
        progress=progress,
        estimator=estimator,
        scheme=getattr(gen, "scheme", "replace"),
        real_fraction=tuple(getattr(gen, "real_fraction", ()))[:n],
        downstream_real_fraction=getattr(down, "real_fraction", 0.0),
        ridge0=ridge0,
        design=getattr(spectrum, "design_name", "gaussian"),
        df=float(getattr(spectrum, "df", None) or 0.0),
        design_matrix=getattr(gen, "design_matrix", "fresh"),
    )
