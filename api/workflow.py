"""Predict, simulate, verify and sweep a scenario from Python: what the command line does, as functions.

Each takes a scenario as a :class:`~modelcollapse.numerics.scenario.Scenario`, a mapping of its
four tables, a path to a TOML file or a built-in name (:func:`modelcollapse.load`), checks its
options with the command line's ranges, and raises the same typed errors the command line prints
(every one a :class:`~modelcollapse.theory.errors.ModelCollapseError`). The numbers are the
command line's for the same options: ``verify`` here and ``modelcollapse verify`` run one function.
"""

from __future__ import annotations

import numbers
from pathlib import Path

from modelcollapse.derivations.commands.common import MAX_JOBS, MAX_SEED, MAX_TRIALS
from modelcollapse.derivations.scenario_files import load
from modelcollapse.derivations.simulation import Simulation, run_simulation
from modelcollapse.derivations.verify import Verification, verify_scenario
from modelcollapse.numerics import predict as _predict
from modelcollapse.numerics.powerlaw_fit import PowerLawFit, fit_scenario
from modelcollapse.numerics.powerlaw_fit import powerlaw_fit as fit_eigenvalues
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import DEFAULT_ESTIMATOR, ESTIMATORS
from modelcollapse.theory.errors import ScenarioError

__all__ = ["predict", "simulate", "verify", "sweep", "powerlaw_fit"]

DEFAULT_TRIALS = 400  # as `modelcollapse simulate` and `verify`


def _integer(option: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ScenarioError(option, f"expected an integer in [{low}, {high}], got {value!r}")
    return int(value)


def _precision(value) -> int | None:
    return None if value is None else _integer("precision", value, 15, 10_000)


def _estimator(value: str) -> str:
    if value not in ESTIMATORS:
        raise ScenarioError("estimator", f"expected one of {', '.join(ESTIMATORS)}, got {value!r}")
    return value


def predict(scenario, precision: int | None = None) -> Prediction:
    """The predicted test error of ``scenario`` (``modelcollapse predict``).

    Parameters
    ----------
    scenario : Scenario, mapping, path or built-in name
    precision : int, optional
        Digits of an mpmath evaluation (15 to 10 000); ``None``: float64.

    Returns
    -------
    Prediction
        ``test_error``, ``clean_error``, ``collapse``, ``bias``, ``variance``, ``kappa``, each with
        its typed provenance; prints as a table.

    Raises
    ------
    ScenarioError, NotCoveredError, FixedPointError

    Examples
    --------
    >>> import modelcollapse as mc
    >>> p = mc.predict("isotropic_ols")        # exact: sigma^2 d/(T-d-1) + n sigma0^2 d/(T0-d-1)
    >>> print(f"{p.test_error:.6f}", p.exact)
    2.093662 True
    >>> mc.predict("powerlaw_ridge", precision=30).digits["kappa"][:10]
    '0.00115988'
    """
    return _predict.predict(load(scenario), _precision(precision))


def simulate(scenario, *, trials: int = DEFAULT_TRIALS, seed: int = 0, jobs: int = 1,
             estimator: str = DEFAULT_ESTIMATOR) -> Simulation:
    """Monte Carlo of the definition (``modelcollapse simulate``): the mean test error and its standard error.

    Parameters
    ----------
    scenario : Scenario, mapping, path or built-in name
    trials : int
        2 to 1 000 000 (default 400).
    seed : int
        0 to 2^63 − 1; the result depends only on ``(seed, trials, estimator)``.
    jobs : int
        Worker processes (the numbers do not depend on it).
    estimator : {"conditional", "plain"}
        ``conditional`` averages the label noises out exactly given the designs (smaller SE).

    Examples
    --------
    >>> import modelcollapse as mc
    >>> r = mc.simulate("isotropic_ols", trials=20, seed=1)
    >>> r.trials, r.estimator
    (20, 'conditional')
    >>> abs(r.mean - mc.predict("isotropic_ols").test_error) < 4 * r.stderr
    True
    """
    return run_simulation(load(scenario), trials=_integer("trials", trials, 2, MAX_TRIALS),
                          seed=_integer("seed", seed, 0, MAX_SEED), jobs=_integer("jobs", jobs, 1, MAX_JOBS),
                          estimator=_estimator(estimator))


def verify(scenario, *, trials: int = DEFAULT_TRIALS, seed: int = 0, jobs: int = 1,
           estimator: str = DEFAULT_ESTIMATOR, precision: int | None = None,
           allowance: float | None = None) -> Verification:
    """Theory beside simulation (``modelcollapse verify``): passes when ``|theory − mean| <= 4 SE + allowance·theory``.

    Parameters are those of :func:`simulate` and :func:`predict`; ``allowance`` (in ``[0, 1)``)
    replaces the default relative allowance of the prediction's provenance (0 exact, 1% with the
    ``1/d`` correction, 3% first order).

    Returns
    -------
    Verification
        ``passed``, ``theory``, ``mean``, ``stderr``, ``z``, ``tolerance``, the ``prediction`` and the
        ``simulation``; ``bool(v)`` is ``v.passed``.

    Examples
    --------
    >>> import modelcollapse as mc
    >>> v = mc.verify("isotropic_ols", trials=20)
    >>> v.passed, v.allowance
    (True, 0.0)
    """
    if allowance is not None and not (isinstance(allowance, numbers.Real) and 0 <= allowance < 1):
        raise ScenarioError("allowance", f"expected a relative allowance in [0, 1), got {allowance!r}")
    return verify_scenario(load(scenario), trials=_integer("trials", trials, 2, MAX_TRIALS),
                           seed=_integer("seed", seed, 0, MAX_SEED), jobs=_integer("jobs", jobs, 1, MAX_JOBS),
                           estimator=_estimator(estimator), precision=_precision(precision),
                           allowance=None if allowance is None else float(allowance))


def sweep(scenario, grids=None, **options):
    """A scenario over a grid of its dotted keys, one tidy row per point (``modelcollapse sweep``).

    ``scenario`` as in :func:`predict`; ``grids`` and ``options`` as
    :func:`modelcollapse.derivations.sweep.sweep` (``simulate``, ``trials``, ``seed``, ``jobs``,
    ``store``, ``precision``, ``estimator``, ``simulate_every``, ``client``). Returns a
    ``pandas.DataFrame`` (pandas, and Dask when ``client`` is given, are imported here).

    Examples
    --------
    >>> import modelcollapse as mc
    >>> df = mc.sweep("isotropic_ols", {"generators.n": [0, 2, 4]})
    >>> [round(e, 4) for e in df["test_error"]]
    [0.0836, 1.0886, 2.0937]
    """
    from modelcollapse.derivations.sweep import sweep as run  # pandas: only when a sweep is asked for

    return run(load(scenario), grids=grids, **options)


def powerlaw_fit(source, weights=None, *, window: tuple[int, int] | None = None) -> PowerLawFit:
    """Fit a power law ``λ_j ≈ A j^(−β)`` (and the source exponent ``r``) to a spectrum (CLI ``powerlaw-fit``).

    Parameters
    ----------
    source : Scenario, mapping, path, built-in name, or array_like
        A scenario (its finite spectrum and teacher's energies), or the eigenvalues themselves.
    weights : array_like, optional
        With eigenvalues: the teacher's energies ``w_j = λ_j c_j²`` (gives ``r``).
    window : (int, int), optional
        1-based inclusive index window of the fit.

    Returns
    -------
    PowerLawFit
        See :func:`modelcollapse.numerics.powerlaw_fit.powerlaw_fit`.

    Examples
    --------
    >>> import modelcollapse as mc
    >>> fit = mc.powerlaw_fit("powerlaw_ridge")          # lambda_j = j^-2, source teacher r = 0.5
    >>> round(fit.beta, 3), round(fit.r, 3)
    (2.0, 0.5)
    """
    if isinstance(source, (str, Path, dict, Scenario)):
        if weights is not None:
            raise ScenarioError("weights", "only with a list of eigenvalues; a scenario's teacher gives its own")
        return fit_scenario(load(source), window=window)
    return fit_eigenvalues(source, weights, window=window)
