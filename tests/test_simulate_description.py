"""The generic simulator of a chain description (numerics/simulate_description.py) and its hooks.

* Exact: with the same random generator, a trial of the generic simulator gives the number of the
  trial function it replaces (same draws in the same order) on replace, accumulate, subsample, real
  fractions on both sides, ridge generators, reused designs and ``T0 < d`` — to 1e-10.
* The conditional estimator: the same numbers as the old conditional trial functions where the draws
  can be the same (the Bartlett-sampled paper chain; explicit designs below ``d``), and within 4·SE
  of them and of the plain estimator on many scenarios (slow), hooks included.
* Hooks: a throw-away axis plugged into ``AXES`` at runtime changes the simulation through a hook,
  without editing the simulator, and by the amount the definition says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelcollapse.numerics import axes as axes_module
from modelcollapse.numerics import simulate as simmod
from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate, simulate_description
from modelcollapse.numerics.simulate_conditional import conditional_trial as old_conditional_trial
from modelcollapse.numerics.simulate_description import Layout, conditional_trial, plain_trial
from modelcollapse.numerics.simulate_designs import explicit_trial
from modelcollapse.numerics.simulate_hooks import RidgeFit
from modelcollapse.numerics.simulate_reused import conditional_reused_trial, plain_reused_trial
from modelcollapse.numerics.simulate_schemes import conditional_scheme_trial, plain_scheme_trial


def _scenario(gen: dict, down: dict, d: int = 20, spectrum: dict | None = None) -> Scenario:
    spectrum = spectrum or {"kind": "power_law", "d": d, "beta": 1.5}
    teacher = {"kind": "source", "r": 0.5} if spectrum["kind"] == "power_law" else {"kind": "isotropic"}
    return Scenario.from_dict({"spectrum": spectrum, "teacher": teacher, "generators": gen, "downstream": down})


def _old_plain_trial(rng, s: Scenario) -> float:
    """The trial function ``simulate`` used for ``s`` before the generic simulator (independent code)."""
    g, sq = s.generators, np.sqrt(s.spectrum.eigenvalues())
    w0 = s.teacher.coefficients(s.spectrum)
    down_f = s.downstream.real_fraction
    if g.design_matrix == "reused":
        return plain_reused_trial(rng, sq, w0, g.T0[0], g.sigma0, g.ridge, g.real_fraction, s.T, s.sigma, s.ridge,
                                  down_f)
    if g.scheme == "replace" and not g.has_real_data and not down_f:
        if g.has_ridge:
            return explicit_trial(rng, sq, w0, g.T0, g.sigma0, g.ridge, s.T, s.sigma, s.ridge, estimator="plain")
        return simmod._one_trial(rng, sq, w0, g.T0, g.sigma0, s.T, s.sigma, s.ridge)
    return plain_scheme_trial(rng, sq, w0, g.scheme, g.T0, g.sigma0, g.real_fraction, s.T, s.sigma, s.ridge, down_f,
                              g.ridge)


EXACT_CASES = {
    "paper_chain": ({"n": 3, "T0": 30, "sigma0": 1.0}, {"T": 40, "sigma": 0.5, "ridge": 0.0}),
    "schedule_T0_below_d": ({"n": 3, "T0": [30, 12, 25], "sigma0": [1.0, 0.3, 0.0]},
                            {"T": 40, "sigma": 0.5, "ridge": 0.1}),
    "subsample_real_both": ({"n": 3, "T0": 30, "sigma0": 1.0, "scheme": "accumulate-subsample", "real_fraction": 0.2},
                            {"T": 40, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.5}),
    "accumulate_ridge_gens_wide": ({"n": 3, "T0": 12, "sigma0": 1.0, "scheme": "accumulate",
                                    "real_fraction": [0.2, 0.5, 0.0], "ridge": [0.1, 0.0, 0.2]},
                                   {"T": 15, "sigma": 0.5, "ridge": 0.3, "real_fraction": 0.5}),
    "reused_ridge_real": ({"n": 3, "T0": 12, "sigma0": 1.0, "design_matrix": "reused", "real_fraction": 0.25,
                           "ridge": [0.1, 0.0, 0.2]}, {"T": 15, "sigma": 0.5, "ridge": 0.3, "real_fraction": 0.5}),
    "replace_ridge_gens_T_below_d": ({"n": 3, "T0": 30, "sigma0": 1.0, "ridge": [0.1, 0.0, 0.2]},
                                     {"T": 15, "sigma": 0.5, "ridge": 0.0}),
    "replace_real_fraction": ({"n": 2, "T0": 40, "sigma0": 0.7, "real_fraction": 0.5},
                              {"T": 30, "sigma": 0.2, "ridge": 0.05}),
}


@pytest.mark.parametrize("name", sorted(EXACT_CASES))
def test_a_trial_is_the_old_trial_with_the_same_draws(name):
    s = _scenario(*EXACT_CASES[name])
    layout = Layout(compile_chain(s))
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    for seed in range(3):
        new = plain_trial(np.random.default_rng(seed), layout, sq, w0)
        old = _old_plain_trial(np.random.default_rng(seed), s)
        assert new == pytest.approx(old, rel=1e-10, abs=0), (name, seed)


def _old_conditional_trial(rng, s: Scenario) -> float:
    """The conditional trial function ``simulate`` used for ``s`` before the generic simulator."""
    g, sq = s.generators, np.sqrt(s.spectrum.eigenvalues())
    w0 = s.teacher.coefficients(s.spectrum)
    down_f = s.downstream.real_fraction
    if g.design_matrix == "reused":
        return conditional_reused_trial(rng, sq, w0, g.T0[0], g.sigma0, g.ridge, g.real_fraction, s.T, s.sigma,
                                        s.ridge, down_f)
    if g.scheme == "replace" and not g.has_real_data and not down_f:
        if g.has_ridge:
            return explicit_trial(rng, sq, w0, g.T0, g.sigma0, g.ridge, s.T, s.sigma, s.ridge)
        return old_conditional_trial(rng, sq, w0, g.T0, g.sigma0, s.T, s.sigma, s.ridge)
    return conditional_scheme_trial(rng, sq, w0, g.scheme, g.T0, g.sigma0, g.real_fraction, s.T, s.sigma, s.ridge,
                                    down_f, g.ridge)


# Bartlett-sampled blocks (T0, T >= d) match conditional_trial's draws; explicit ones (< d rows) the others'
CONDITIONAL_EXACT = {
    "paper_chain": EXACT_CASES["paper_chain"],
    "paper_chain_ridge": ({"n": 3, "T0": [30, 25, 40], "sigma0": [1.0, 0.0, 0.5]},
                          {"T": 40, "sigma": 0.5, "ridge": 0.1}),
    "subsample_real_wide": ({"n": 3, "T0": 15, "sigma0": 1.0, "scheme": "accumulate-subsample",
                             "real_fraction": 0.2}, {"T": 15, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.5}),
    "accumulate_ridge_gens_wide": EXACT_CASES["accumulate_ridge_gens_wide"],
    "reused_ridge_real": EXACT_CASES["reused_ridge_real"],
}


@pytest.mark.parametrize("name", sorted(CONDITIONAL_EXACT))
def test_a_conditional_trial_is_the_old_one_with_the_same_draws(name):
    s = _scenario(*CONDITIONAL_EXACT[name])
    layout = Layout(compile_chain(s))
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    for seed in range(3):
        new = conditional_trial(np.random.default_rng(seed), layout, sq, w0)
        old = _old_conditional_trial(np.random.default_rng(seed), s)
        assert new == pytest.approx(old, rel=1e-10, abs=0), (name, seed)


# scenarios whose draws differ from the old functions' (Bartlett against explicit rows, or transposed
# draws): compared in distribution, the old conditional estimator being the independent reference
STATISTICAL = {
    "replace_T0_below_d": ({"n": 3, "T0": [30, 12, 25], "sigma0": [1.0, 0.3, 0.5]},
                           {"T": 15, "sigma": 0.5, "ridge": 0.1}),
    "accumulate": ({"n": 3, "T0": 30, "sigma0": 1.0, "scheme": "accumulate"}, {"T": 45, "sigma": 0.5, "ridge": 0.05}),
    "accumulate_T0_below_d_ridge_gens": ({"n": 3, "T0": [12, 30, 30], "sigma0": 1.0, "scheme": "accumulate",
                                          "ridge": 0.2}, {"T": 30, "sigma": 0.5, "ridge": 0.0}),
    "subsample": ({"n": 3, "T0": 30, "sigma0": 1.0, "scheme": "accumulate-subsample"},
                  {"T": 40, "sigma": 0.5, "ridge": 0.0}),
    "mixing_both_sides": ({"n": 4, "T0": 30, "sigma0": 1.0, "real_fraction": 0.3},
                          {"T": 60, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.8}),
    "real_fraction_T0_below_d": ({"n": 3, "T0": 12, "sigma0": 1.0, "real_fraction": 0.5},
                                 {"T": 40, "sigma": 0.5, "ridge": 0.05, "real_fraction": 0.2}),
    "ridge_generators": ({"n": 3, "T0": 30, "sigma0": 1.0, "ridge": [0.1, 0.3, 0.0]},
                         {"T": 30, "sigma": 0.5, "ridge": 0.1}),
    "reused_T0_above_d": ({"n": 3, "T0": 30, "sigma0": 1.0, "design_matrix": "reused", "ridge": 0.1},
                          {"T": 40, "sigma": 0.5, "ridge": 0.0}),
}


def _mean_se(values):
    v = np.asarray(values)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STATISTICAL))
def test_the_generic_estimators_agree_with_the_old_conditional_one(name):
    """Generic conditional and generic plain each within 4·SE of the old conditional trial functions."""
    s = _scenario(*STATISTICAL[name])
    layout = Layout(compile_chain(s))
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    seeds = np.random.SeedSequence(5).spawn(3000)
    old = _mean_se([_old_conditional_trial(np.random.default_rng(c), s) for c in seeds[:600]])
    new = _mean_se([conditional_trial(np.random.default_rng(c), layout, sq, w0) for c in seeds[600:1200]])
    plain = _mean_se([plain_trial(np.random.default_rng(c), layout, sq, w0) for c in seeds[1200:]])
    for got in (new, plain):
        assert abs(got[0] - old[0]) <= 4 * math.hypot(got[1], old[1]), (name, got, old)


# ---- a throw-away axis with a hook, plugged in at runtime --------------------------------------------------


class _ZeroFirst:
    """post hook: coordinate 0 of ``ŵ`` (the top eigendirection) set to 0 — linear."""

    linear = True

    def __call__(self, w):
        w = np.array(w, dtype=float)
        w[0] = 0.0
        return w


def _zero_first_everywhere(chain):
    for k in range(chain.n_fits):
        chain = chain.replace_fit(k, post=_ZeroFirst())
    return chain


class _ZeroFirstAxis:
    name = "zero_first"
    keys = ()

    def validate(self, scenario) -> None:
        return None

    def describe(self, scenario, draft) -> None:
        draft.refinements.append(_zero_first_everywhere)


@pytest.fixture
def zero_first_axis(monkeypatch):
    monkeypatch.setattr(axes_module, "AXES", axes_module.AXES + (_ZeroFirstAxis(),))


NOISELESS = {"spectrum": {"kind": "power_law", "d": 10, "beta": 1.5}}


def test_a_runtime_axis_changes_the_simulation_through_its_hook(zero_first_axis):
    """Noiseless OLS everywhere: without the hook every fit recovers w0 (error 0); with it, ``ŵ = w0 − c_0 e_0``.

    So the test error is exactly ``λ_0 c_0²`` — a number the hook must produce, from the simulator as it is.
    """
    s = _scenario({"n": 3, "T0": 25, "sigma0": 0.0}, {"T": 30, "sigma": 0.0, "ridge": 0.0}, **NOISELESS)
    chain = compile_chain(s)
    assert chain.simulation_hooks() == ("post",)
    lam, c = s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum)
    got = simulate(s, trials=4, seed=1, estimator="plain")
    assert got.estimator == "plain"
    assert np.allclose(got.errors, lam[0] * c[0] ** 2, rtol=1e-9)
    assert lam[0] * c[0] ** 2 > 0.1


def test_without_the_axis_the_same_chain_has_no_hooks_and_error_zero():
    s = _scenario({"n": 3, "T0": 25, "sigma0": 0.0}, {"T": 30, "sigma": 0.0, "ridge": 0.0}, **NOISELESS)
    assert compile_chain(s).simulation_hooks() == ()
    assert simulate(s, trials=4, seed=1, estimator="plain").mean < 1e-20


def test_hooked_chains_are_reproducible_across_jobs(zero_first_axis):
    s = _scenario({"n": 2, "T0": 25, "sigma0": 1.0}, {"T": 30, "sigma": 0.5, "ridge": 0.0}, **NOISELESS)
    a = simulate(s, trials=12, seed=3, estimator="plain", jobs=1)
    b = simulate(s, trials=12, seed=3, estimator="plain", jobs=2)
    assert np.array_equal(a.errors, b.errors)


def test_the_engine_refuses_a_hook_it_does_not_model(zero_first_axis):
    from modelcollapse.numerics.chain_engine import solve_chain
    from modelcollapse.numerics.errors import NotCoveredError

    s = _scenario({"n": 2, "T0": 25, "sigma0": 1.0}, {"T": 30, "sigma": 0.5, "ridge": 0.0}, **NOISELESS)
    lam, c = s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum)
    with pytest.raises(NotCoveredError, match="post"):
        solve_chain(compile_chain(s), lam, lam * c**2)


# ---- each hook against the plain definition -------------------------------------------------------------


def _hooked(chain, *, fit=None, types=None, **changes):
    if fit is not None:
        return chain.replace_fit(fit, **changes)
    return chain.replace_types(types, **changes)


def _sim(chain, s, **kw):
    return simulate_description(chain, s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum), trials=5,
                                seed=4, estimator="plain", **kw).errors


BASE = ({"n": 2, "T0": 30, "sigma0": 1.0, "real_fraction": 0.4}, {"T": 25, "sigma": 0.5, "ridge": 0.1,
                                                                   "real_fraction": 0.4})


class _IdentityLinear:
    """Features ``x`` itself, drawing nothing: a fit on them is the fit on ``x`` (linear: ``lift``)."""

    def draw(self, rng, sqrt_lam):
        return self

    def transform(self, X):
        return X

    def lift(self, a):
        return a


class _IdentityNonlinear:
    """The same features seen as a nonlinear map: labels by ``predict``, error by ``error``."""

    linear = False

    def draw(self, rng, sqrt_lam):
        return self

    def transform(self, X):
        return X

    def predict(self, X, a):
        return X @ a

    def error(self, a, sqrt_lam, w0):
        return float(np.sum((sqrt_lam * (a - w0)) ** 2))


@pytest.mark.parametrize("features", [_IdentityLinear(), _IdentityNonlinear()], ids=["linear", "nonlinear"])
def test_features_that_are_x_itself_change_nothing(features):
    s = _scenario(*BASE)
    chain = compile_chain(s)
    base = _sim(chain, s)
    for k in range(chain.n_fits):
        chain = chain.replace_fit(k, features=features)
    assert np.allclose(_sim(chain, s), base, rtol=1e-12)


def test_equal_weights_change_nothing_and_weights_are_weighted_least_squares():
    s = _scenario(*BASE)
    chain = compile_chain(s)
    base = _sim(chain, s)
    K = chain.n_fits
    same = chain.replace_types(lambda t: True, fit_weights=(3.0,) * K)
    assert np.allclose(_sim(same, s), base, rtol=1e-10)
    assert not np.allclose(_sim(chain.replace_types(lambda t: t.source != -1, fit_weights=(0.2,) * K), s), base)
    rng = np.random.default_rng(0)
    X, Y, w = rng.standard_normal((12, 4)), rng.standard_normal(12), rng.uniform(0.1, 2.0, 12)
    for ridge in (0.0, 0.3):
        W = np.diag(w)
        expected = np.linalg.solve(X.T @ W @ X / w.sum() + ridge * np.eye(4), X.T @ W @ Y / w.sum())
        assert RidgeFit(ridge).fit(X, Y, w, None) == pytest.approx(expected, rel=1e-10)
        assert RidgeFit(ridge).operator(X, w) @ Y == pytest.approx(expected, rel=1e-10)


def test_an_estimator_hook_replaces_the_fit():
    """The downstream's estimator set to ``RidgeFit(0.1)`` is the chain whose downstream ridge is 0.1."""
    gen, down = BASE
    s = _scenario(gen, dict(down, ridge=0.0))
    hooked = compile_chain(s).replace_fit(2, estimator=RidgeFit(0.1))
    assert hooked.simulation_hooks() == ("estimator",)
    assert np.allclose(_sim(hooked, s), _sim(compile_chain(_scenario(*BASE)), s), rtol=1e-10)


class _KeepAll:
    def __call__(self, X, Y):
        return np.ones(len(Y), dtype=bool)


class _KeepNone:
    refill = True

    def __call__(self, X, Y):
        return np.zeros(len(Y), dtype=bool)


class _Recorder:
    """Keeps the rows with a residual ``|y − xᵀw0| <= 1`` and records the labels it saw."""

    refill = True

    def __init__(self, w0):
        self.w0, self.residuals = w0, []

    def __call__(self, X, Y):
        r = Y - X @ self.w0
        self.residuals.append(r)
        return np.abs(r) <= 1.0


def test_a_filter_sees_noisy_labels_and_keeps_what_it_accepts():
    s = _scenario(*BASE)
    chain = compile_chain(s)
    base = _sim(chain, s)
    real = lambda t: t.block == 0 and t.source == -1  # noqa: E731
    assert np.allclose(_sim(chain.replace_types(real, accept=_KeepAll()), s), base, rtol=1e-12)
    with pytest.raises(ArithmeticError, match="accept"):
        _sim(chain.replace_types(real, accept=_KeepNone()), s)
    w0 = s.teacher.coefficients(s.spectrum)
    recorder = _Recorder(w0)
    from modelcollapse.numerics.simulate_description import Layout, plain_trial

    layout = Layout(chain.replace_types(real, accept=recorder))
    plain_trial(np.random.default_rng(0), layout, np.sqrt(s.spectrum.eigenvalues()), w0)
    seen = np.concatenate(recorder.residuals)
    assert len(seen) >= 12 and 0.6 < np.std(seen) < 1.5  # the labels carry their noise σ0 = 1


def test_a_filtered_chain_runs_the_plain_estimator_and_says_so():
    s = _scenario(*BASE)
    chain = compile_chain(s).replace_types(lambda t: t.block == 0, accept=_KeepAll())
    got = simulate_description(chain, s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum), trials=3,
                               estimator="conditional")
    assert got.estimator == "plain" and math.isfinite(got.mean)


# ---- hooks under the conditional estimator ----------------------------------------------------------------


class _Projection:
    """Features ``S x``, ``S`` i.i.d. N(0, 1/d) (``m × d``), drawn per trial: a linear feature map."""

    def __init__(self, m):
        self.m = m

    def draw(self, rng, sqrt_lam):
        return _ProjectionMap(rng.standard_normal((self.m, len(sqrt_lam))) / math.sqrt(len(sqrt_lam)))


class _ProjectionMap:
    def __init__(self, S):
        self.S = S

    def transform(self, X):
        return X @ self.S.T

    def lift(self, a):  # ‖Sᵀa − w0‖²_Σ is the error on the input distribution
        return self.S.T @ a


class _KeepTop:
    linear = True

    def __init__(self, k):
        self.k = k

    def __call__(self, w):
        w = np.array(w, dtype=float)
        w[self.k:] = 0.0
        return w


def _hooked_chains():
    s = _scenario({"n": 3, "T0": 30, "sigma0": 1.0, "real_fraction": 0.3, "scheme": "accumulate"},
                  {"T": 40, "sigma": 0.5, "ridge": 0.05, "real_fraction": 0.5})
    c = compile_chain(s)
    K = c.n_fits
    return s, {
        "post": c.replace_fit(0, post=_KeepTop(5)).replace_fit(1, post=_KeepTop(8)),
        "weights": c.replace_types(lambda t: t.source == -1, fit_weights=(2.0,) * K),
        "projection": c.replace_fit(1, features=_Projection(12)).replace_fit(3, features=_Projection(15)),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", ["post", "weights", "projection"])
def test_the_conditional_estimator_with_hooks_agrees_with_the_plain_one(name):
    s, chains = _hooked_chains()
    layout = Layout(chains[name])
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    seeds = np.random.SeedSequence(6).spawn(2400)
    cond = _mean_se([conditional_trial(np.random.default_rng(c), layout, sq, w0) for c in seeds[:800]])
    plain = _mean_se([plain_trial(np.random.default_rng(c), layout, sq, w0) for c in seeds[800:]])
    assert abs(cond[0] - plain[0]) <= 4 * math.hypot(cond[1], plain[1]), (name, cond, plain)
    base = _mean_se([conditional_trial(np.random.default_rng(c), Layout(compile_chain(s)), sq, w0)
                     for c in seeds[:800]])
    assert abs(cond[0] - base[0]) > 4 * math.hypot(cond[1], base[1]), (name, cond, base)  # the hook matters


def test_a_conditional_trial_with_projection_features_runs_the_operator_path():
    s, chains = _hooked_chains()
    layout = Layout(chains["projection"])
    assert layout.gram_form == [True, False, True, False]
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    assert conditional_trial(np.random.default_rng(0), layout, sq, w0) > 0
