"""modelcollapse: symbolic and numeric theory of model collapse in high-dimensional regression.

The curated, stable Python interface (docs/CONTRACT.md, "Python API"): everything a notebook
needs is here, ``import modelcollapse as mc``.

>>> import modelcollapse as mc
>>> s = mc.load("isotropic_ols")
>>> p = mc.predict(s)
>>> round(p.test_error, 6)       # sigma^2 d/(T-d-1) + n sigma0^2 d/(T0-d-1), exact
2.093662
>>> p.exact
True

Scenarios: :class:`Scenario`, :func:`load` (a file or a built-in name), :func:`builtin_scenarios`.
Numbers: :func:`predict`, :func:`simulate`, :func:`verify`, :func:`sweep`, :func:`powerlaw_fit`.
Formulas: :func:`result` (a registered result as a SymPy expression), :func:`results`,
:func:`derive` (a derivation, step by step), :func:`scaling_law` (the exponents, numeric or
symbolic). Errors: :class:`ModelCollapseError` and its subclasses.

Importing this package is light (no SymPy, NumPy, pandas, Dask, matplotlib or scikit-learn): each
name is imported from its module the first time it is used. The deep paths
(``modelcollapse.numerics.predict.predict`` ...) keep working; these names are the same objects.
"""

from __future__ import annotations

import importlib

__all__ = [
    "__version__",
    # scenarios
    "Scenario", "load", "builtin_scenarios",
    # numbers
    "predict", "simulate", "verify", "sweep", "powerlaw_fit",
    "Prediction", "Simulation", "Verification", "PowerLawFit",
    # formulas
    "result", "results", "derive", "scaling_law", "Result", "ScalingLaw",
    # errors
    "ModelCollapseError", "ScenarioError", "NotCoveredError", "FixedPointError", "UnknownResultError",
    "UnknownScenarioError", "SimulationError",
]

# public name -> the module that defines it (imported on first use: module __getattr__, PEP 562)
_HOME = {
    "Scenario": "modelcollapse.numerics.scenario",
    "load": "modelcollapse.derivations.scenario_files",
    "builtin_scenarios": "modelcollapse.derivations.scenario_files",
    "UnknownScenarioError": "modelcollapse.derivations.scenario_files",
    "predict": "modelcollapse.workflow",
    "simulate": "modelcollapse.workflow",
    "verify": "modelcollapse.workflow",
    "sweep": "modelcollapse.workflow",
    "powerlaw_fit": "modelcollapse.workflow",
    "Prediction": "modelcollapse.numerics.prediction",
    "PowerLawFit": "modelcollapse.numerics.powerlaw_fit",
    "Simulation": "modelcollapse.derivations.simulation",
    "SimulationError": "modelcollapse.derivations.simulation",
    "Verification": "modelcollapse.derivations.verify",
    "result": "modelcollapse.symbolic",
    "results": "modelcollapse.symbolic",
    "derive": "modelcollapse.symbolic",
    "Result": "modelcollapse.symbolic",
    "scaling_law": "modelcollapse.symbolic",
    "ScalingLaw": "modelcollapse.symbolic",
    "ModelCollapseError": "modelcollapse.theory.errors",
    "ScenarioError": "modelcollapse.theory.errors",
    "NotCoveredError": "modelcollapse.theory.errors",
    "FixedPointError": "modelcollapse.theory.errors",
    "UnknownResultError": "modelcollapse.theory.errors",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modelcollapse")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
        return "0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        value = _version()
    elif name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module 'modelcollapse' has no attribute {name!r}")
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
