"""Predictions where no formula holds: the variance-reduced Monte Carlo of the definition, to a stated SE.

Some valid scenarios lie outside every formula's domain (ridgeless fits on a handful of samples of a
steep spectrum, ``T = 5, d = 20, β = 5``: the ``1/d`` expansion is refused there, THEORY.md §3.9).
:func:`monte_carlo_prediction` answers them with the conditional (Rao–Blackwellised) estimator of the
simulator (:mod:`modelcollapse.numerics.simulate_conditional`), run until the relative standard error
of the test error is at most ``rse`` (default :data:`DEFAULT_RSE` = 0.2%):

1. a pilot of :data:`PILOT_TRIALS` trials (``simulate(seed=seed)``) measures the relative spread ``s``
   of the per-trial errors;
2. chunks ``c = 1, 2, …`` (``simulate(seed=seed + c)``) add the ``⌈1.1 (s/rse)²⌉`` trials still missing
   by the spread measured so far, until the SE is at most the target (heavy tails: the spread grows
   as trials accumulate);
3. the total is capped at :data:`MAX_TRIALS`, and at :data:`MAX_SECONDS` of one core by a fixed cost
   estimate per trial (:data:`TRIAL_OVERHEAD` per fit plus ``d²(d + T + Σ T0)`` multiply-adds at
   :data:`FLOPS`; a fixed estimate, so the cap does not depend on the machine); a target that needs
   more is refused naming the formula's key and ``mc_rse`` (``--mc-rse``) with the trials it would take.

The clean error (``n = 0``) is run the same way to the same relative SE, and the bias (``n = 0, σ = 0``,
seeds ``seed + 64 + c``) to an SE of ``rse`` times the clean error; variance = clean − bias, its SE
from both.
``collapse = test_error − clean_error``, its SE from the two independent runs. Everything depends
on ``(scenario, rse, seed)`` only: the default seed :data:`MC_SEED` is a fixed constant, distinct
from the seeds users pass to ``simulate``/``verify`` (so ``verify`` does not compare a Monte Carlo
prediction with itself), and jobs are never used (one process: the same numbers everywhere).

The simulator stays independent of the theory (ARCHITECTURE.md): this module calls it, as the
command line does; nothing of it is shared with the formulas.
"""

from __future__ import annotations

import math
import os

import numpy as np

from modelcollapse.numerics.limits import check_simulation_memory, check_simulation_spread
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.theory.errors import NotCoveredError, ScenarioError
from modelcollapse.theory.provenance import monte_carlo

__all__ = ["monte_carlo_prediction", "DEFAULT_RSE", "STANDARD_RSE", "MC_SEED", "MAX_TRIALS", "MAX_SECONDS",
           "PILOT_TRIALS", "MONTE_CARLO", "check_rse"]

STANDARD_RSE = 0.002  # the contract's default relative SE
DEFAULT_RSE = STANDARD_RSE  # what predict uses when none is given (tests lower it for speed)
MC_SEED = 0x5EED_C0DE_1D  # fixed, below 2^53 (exact in float64 tables), unlike the seeds users type
PILOT_TRIALS = 400
MAX_JOBS = 4
MAX_TRIALS = 2_000_000
MAX_SECONDS = 120.0  # the estimated single-core time of all trials (TRIAL_OVERHEAD + multiply-adds / FLOPS each)
TRIAL_OVERHEAD = 5e-5  # seconds of a trial's Python overhead per fit (measured: d = 20, T = 5 ridgeless, ~60 µs)
FLOPS = 1e9  # multiply-adds per second of the small dense solves
MONTE_CARLO = monte_carlo("Monte Carlo (conditional estimator of the definition; no formula holds here)")
_NAMES = ("test_error", "clean_error", "collapse", "bias", "variance")


def check_rse(rse) -> float:
    """``rse`` as a float in ``[1e-5, 0.5]``, else :class:`ScenarioError` naming ``mc_rse``."""
    if isinstance(rse, bool) or not isinstance(rse, (int, float)) or not 1e-5 <= rse <= 0.5:
        raise ScenarioError("mc_rse", f"expected a relative standard error in [1e-05, 0.5], got {rse!r}")
    return float(rse)


def _trial_cost(scenario: Scenario) -> float:
    """Estimated seconds of one trial on one core (a fixed estimate: the cap must not depend on the machine)."""
    d, gen = scenario.d, scenario.generators
    return TRIAL_OVERHEAD * (gen.n + 1) + float(d) * d * (d + scenario.T + sum(gen.T0[:gen.n])) / FLOPS


def _cap(scenario: Scenario) -> int:
    return max(PILOT_TRIALS, min(MAX_TRIALS, int(MAX_SECONDS / _trial_cost(scenario))))


def _trials_for(scenario: Scenario, rse: float, spread: float, *, cap: int, what: str) -> int:
    """Trials for a relative SE of ``rse`` at a per-trial relative spread ``spread``, within the caps."""
    need = max(PILOT_TRIALS, math.ceil(1.1 * (spread / rse) ** 2))
    if need > cap:
        raise NotCoveredError(
            f"mc_rse: the Monte Carlo fallback would need ~{need} trials for a "
            f"relative SE of {rse:g} of the {what} (per-trial spread {spread:.3g}); the cap is {cap} trials here "
            f"(at most {MAX_TRIALS}, and about {MAX_SECONDS:.0f} s of one core); use a larger --mc-rse (e.g. "
            f"{min(0.5, 1.05 * spread / math.sqrt(cap)):.2g})")
    return need


def _jobs() -> int:
    """Worker processes: the simulator's numbers depend on ``(seed, trials)`` only, never on this."""
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


def _run(scenario: Scenario, trials: int, seed: int) -> np.ndarray:
    jobs = _jobs() if trials >= 4 * PILOT_TRIALS else 1
    return simulate(scenario, trials=trials, seed=seed, estimator="conditional", jobs=jobs).errors


def _se(errors: np.ndarray) -> float:
    return float(errors.std(ddof=1) / math.sqrt(len(errors)))


def _sequential(scenario: Scenario, rse: float, seed: int, *, what: str, scale: float | None = None
                ) -> tuple[np.ndarray, list]:
    """Per-trial conditional errors, in chunks, until the SE of their mean is at most ``rse·scale``
    (``scale``: default the mean itself, i.e. a relative SE); returns them and the chunk sizes.

    Chunk ``c`` is ``simulate(..., seed=seed + c)``; its size is what the spread measured so far says is
    still missing (at least :data:`PILOT_TRIALS`). Deterministic: each decision depends on the draws only.
    """
    cap = _cap(scenario)
    parts = [_run(scenario, PILOT_TRIALS, seed)]
    total = PILOT_TRIALS
    for chunk in range(1, 64):
        errors = np.concatenate(parts)
        mean = float(errors.mean())
        ref = mean if scale is None else scale
        if ref <= 0 or _se(errors) <= rse * ref:
            return errors, [len(q) for q in parts]
        need = _trials_for(scenario, rse, float(errors.std(ddof=1)) / ref, cap=cap, what=what)
        # at most 4x the trials so far: a heavy tail shows in the spread before the whole budget is spent
        size = max(PILOT_TRIALS, min(need - total, cap - total, 4 * total))
        if size <= 0 or total >= cap:
            break
        parts.append(_run(scenario, size, seed + chunk))
        total += size
    errors = np.concatenate(parts)
    raise NotCoveredError(f"mc_rse: the Monte Carlo fallback reached a relative SE of "
                          f"{_se(errors) / errors.mean():.3g} "
                          f"for the {what} with {len(errors)} trials (the cap), above the target {rse:g}; "
                          "use a larger --mc-rse")


def monte_carlo_prediction(scenario: Scenario, *, rse: float = DEFAULT_RSE, seed: int = MC_SEED, reason: str = "",
                           kappa: float | None = None) -> Prediction:
    """The test error of ``scenario`` by the conditional Monte Carlo, to a relative SE of ``rse``.

    Parameters
    ----------
    scenario : Scenario
        A finite-``d`` scenario the simulator covers.
    rse : float
        Target relative standard error of ``test_error`` (``[1e-5, 0.5]``; default 0.2%).
    seed : int
        Root seed (default :data:`MC_SEED`); the result depends on ``(scenario, rse, seed)`` only.
    reason : str
        Why no formula holds (kept in ``monte_carlo["reason"]`` and the notes).
    kappa : float or None
        The first-order ``κ`` of the downstream, reported as ``Prediction.kappa`` (``None``: not available,
        ``null`` in JSON, ``n/a`` in tables; never a stand-in 0).

    Returns
    -------
    Prediction
        Regime ``"monte_carlo"``, provenance :data:`MONTE_CARLO` for every number,
        ``monte_carlo = {stderr: {...}, trials, seed, estimator, rse_target, reason}``.

    Raises
    ------
    NotCoveredError
        ``d = inf``, or the target needs more trials than the caps (naming ``mc_rse``).
    ScenarioError
        A simulation too large for memory (naming its key), or ``rse`` out of range.

    Examples
    --------
    >>> from modelcollapse.numerics.scenario import Scenario
    >>> s = Scenario.from_dict({"spectrum": {"kind": "power_law", "d": 20, "beta": 5.0},
    ...                         "teacher": {"kind": "source", "r": 0.5},
    ...                         "generators": {"n": 0, "T0": 100, "sigma0": 1.0},
    ...                         "downstream": {"T": 5, "sigma": 0.5, "ridge": 0.0}})
    >>> p = monte_carlo_prediction(s, rse=0.05)
    >>> p.provenance["clean_error"].kind.value, p.monte_carlo["stderr"]["test_error"] <= 0.05 * p.test_error
    ('Monte Carlo', True)
    """
    rse = check_rse(rse)
    if not scenario.spectrum.is_finite:
        raise NotCoveredError(f"spectrum.d: {reason + '; ' if reason else ''}the Monte Carlo fallback needs a finite d")
    gen = scenario.generators
    check_simulation_memory(d=scenario.d, T0=gen.T0[:gen.n], T=scenario.T, estimator="conditional", jobs=1)
    try:
        check_simulation_spread(scenario.spectrum)
    except ScenarioError as exc:  # the formula's refusal first, then why no simulation can stand in
        raise ScenarioError(exc.key, f"{reason + '; ' if reason else ''}{str(exc)[len(exc.key) + 2:]}") from None
    try:
        errors = _sequential(scenario, rse, seed, what="test error")[0]
    except NotCoveredError as exc:  # the formula's refusal first: it names the key at fault
        raise NotCoveredError(f"{reason}; {exc}" if reason else str(exc)) from None
    trials = len(errors)
    achieved = _se(errors) / float(errors.mean()) if errors.mean() > 0 else 0.0
    clean_scenario = scenario.replace(n=0) if scenario.n else scenario
    clean = _sequential(clean_scenario, rse, seed, what="clean error")[0] if scenario.n else errors
    # the bias (σ = 0) from other seeds, to an SE of rse times the clean error (a small bias is heavy-tailed:
    # its own relative SE would cost millions of trials and say nothing more about the error)
    bias = _sequential(clean_scenario.replace(sigma=0.0), rse, seed + 64, what="bias",
                       scale=float(clean.mean()))[0] if scenario.sigma else clean
    values = {"test_error": float(errors.mean()), "clean_error": float(clean.mean()), "bias": float(bias.mean())}
    values["variance"] = max(0.0, values["clean_error"] - values["bias"])
    values["collapse"] = values["test_error"] - values["clean_error"] if scenario.n else 0.0
    stderr = {"test_error": _se(errors), "clean_error": _se(clean), "bias": _se(bias),
              "variance": math.hypot(_se(clean), _se(bias)) if scenario.sigma else 0.0,
              "collapse": math.hypot(_se(errors), _se(clean)) if scenario.n else 0.0}
    note = (f"Monte Carlo: no formula holds here ({reason}); conditional estimator, {trials} trials, seed {seed}, "
            f"relative SE {achieved:.2g} (target {rse:g})") if reason else \
        f"Monte Carlo: conditional estimator, {trials} trials, seed {seed}, relative SE {achieved:.2g} (target {rse:g})"
    return Prediction(
        **{k: values[k] for k in _NAMES}, kappa=None if kappa is None else float(kappa),
        provenance={"clean_error": MONTE_CARLO, "collapse": MONTE_CARLO},
        precision="float64", iterations=0, residual=0.0, notes=(note,), regime="monte_carlo",
        monte_carlo={"stderr": {k: stderr[k] for k in _NAMES}, "trials": trials, "seed": seed,
                     "estimator": "conditional", "rse_target": rse, "reason": reason},
    )
