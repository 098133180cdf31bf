"""Axis ``model_size``: ``downstream.features`` (``m``) and ``downstream.feature_map`` (THEORY.md §3.13).

Without ``features`` (the default) the downstream fits on ``x`` itself. With ``features = m`` it fits ridge
``downstream.ridge`` (OLS / minimum-norm at 0) on ``m`` random features of ``x``, drawn afresh in every trial:

* ``"projection"`` (default): ``z = S x``, ``S ∈ ℝ^{m×d}`` i.i.d. ``N(0, 1/d)``; the model in ``x`` is ``Sᵀa``;
* ``"relu"``, ``"erf"``: ``z = σ(F x/√d)``, ``F`` i.i.d. ``N(0, 1)`` (random features, Strong Model Collapse
  App. D.3); the test error ``E(aᵀz − xᵀw0)²`` on fresh real inputs.

Only the downstream has features (the generators stay linear fits on ``x``); its rows mix real and synthetic
labels as ``downstream.real_fraction`` says. Predicted (regime ``model_size``): fresh designs with OLS
generators on the replace or accumulate scheme (every ``T0_k >= d + 2``: a centred chain, ``Cov Δ ∝ Σ⁻¹``),
or no generators; finite ``d``. Refused, naming the key: ridge or over-parameterised generators,
real rows in the generators, a reused design, accumulate-subsample (the chain is then not centred or its
error not derived with features) — the Monte Carlo fallback of ``predict`` answers those.

Bad input (exit 2): ``features`` not an integer ``>= 1``; ``features · T`` or ``features · d`` (the feature
matrix and the map a trial holds), or ``features²`` for ReLU / erf (the kernel of the exact test error), above
:data:`MAX_FEATURE_FLOATS`; an unknown ``feature_map``, or a ``feature_map`` without ``features``.
"""

from __future__ import annotations

import numbers

from modelcollapse.numerics.axes.keys import Key, choice
from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.theory.errors import ScenarioError

__all__ = ["AXIS", "FEATURE_MAPS", "MAX_FEATURE_FLOATS", "features_of"]

FEATURE_MAPS = ("projection", "relu", "erf")
# a trial holds T × m features, an m × d map and (ReLU / erf) an m × m kernel: at most 2e7 float64 = 160 MB each
MAX_FEATURE_FLOATS = 20_000_000


def _features(key, value, down):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ScenarioError(key, f"expected an integer number of random features >= 1, got {value!r}")
    T = getattr(down, "T", None)
    if isinstance(T, int) and int(value) * T > MAX_FEATURE_FLOATS:
        raise ScenarioError(key, f"features * T must be <= {MAX_FEATURE_FLOATS:.0e} floats (memory limit), got "
                                 f"{value} with T = {T}")
    return int(value)


def _feature_map(key, value, down):
    choice(key, value, FEATURE_MAPS, "feature map")
    m = getattr(down, "features", None)
    if value != "projection" and m is None:
        raise ScenarioError(key, f"{value!r} needs downstream.features = m (an integer >= 1)")
    if value != "projection" and m * m > MAX_FEATURE_FLOATS:  # the m × m kernel of the exact test error
        raise ScenarioError("downstream.features", f"{value!r} features need features^2 <= {MAX_FEATURE_FLOATS:.0e} "
                                                   f"floats (memory limit), got {m}")
    return value


def features_of(scenario):
    """``(m, feature_map)`` of the downstream, or ``None`` when it fits on ``x`` itself."""
    down = scenario.downstream
    m = getattr(down, "features", None)
    return None if m is None else (m, getattr(down, "feature_map", "projection"))


class ModelSize:
    name = "model_size"
    keys = (
        Key(table="downstream", name="features", default=None, check=_features,
            doc="number m of random features the downstream fits on (an integer >= 1; absent: x itself)"),
        Key(table="downstream", name="feature_map", default="projection", check=_feature_map,
            doc="'projection' (S x, S iid N(0, 1/d)), 'relu' or 'erf' (sigma(F x/sqrt(d)), F iid N(0, 1))"),
    )

    def validate(self, scenario) -> None:
        spec = features_of(scenario)
        if spec is None:
            return
        m, _ = spec
        d = scenario.spectrum.d
        if not scenario.spectrum.is_finite:
            raise ScenarioError("downstream.features", "random features need a finite spectrum.d")
        if m * int(d) > MAX_FEATURE_FLOATS:
            raise ScenarioError("downstream.features", f"features * d must be <= "
                                                       f"{MAX_FEATURE_FLOATS:.0e} floats (memory limit), got {m} "
                                                       f"with d = {d}")

    def admits(self, regime, scenario) -> bool:
        """With features set only the ``model_size`` regime knows the model (regimes/__init__.py, ``_admitted``)."""
        return features_of(scenario) is None or regime.name == "model_size"

    def describe(self, scenario, draft: ChainDraft) -> None:
        spec = features_of(scenario)
        if spec is None:
            return
        from modelcollapse.numerics.simulate_features import feature_hook  # the simulator's hook objects

        hook = feature_hook(*spec)
        draft.refinements.append(lambda chain: chain.replace_fit(chain.n_fits - 1, features=hook))


AXIS = ModelSize()
