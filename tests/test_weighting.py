"""Weighted real and synthetic data (issue 23 item 2, THEORY.md §3.13): theory, numerics, simulator, agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import tomllib

from modelcollapse.derivations import cli
from modelcollapse.numerics.axes.weighting import optimal_weight_of
from modelcollapse.numerics.backend import FLOAT64, backend_for
from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.regimes import regime_for
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.numerics.simulate_weighting import (
    conditional_chain_error,
    conditional_weighted_trial,
    plain_weighted_trial,
    row_weights,
    weighted_fit_map,
)
from modelcollapse.numerics.weighting import (
    block_coefficients,
    golden_weight,
    optimal_weight,
    pooling_weight,
    solve_q,
    stationary_error,
    weighted_chain,
)
from modelcollapse.theory import get_result
from modelcollapse.theory import weighting as W
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.symbols import d as d_sym
from modelcollapse.theory.symbols import sigma

# -- the symbolic results -----------------------------------------------------------------------------


def test_optimal_weight_is_the_root_of_the_quadratic_and_the_minimiser_of_the_mean_variance():
    w, k = W.real_weight, W.ratio_k
    ws = W.weighted_optimal_weight()
    assert sp.simplify((w**2 + k * w - k).subs(w, ws)) == 0
    assert sp.nsimplify(W.weighted_golden_weight()) == (sp.sqrt(5) - 1) / 2
    V = W.weighted_mean_stationary().subs({W.n_real: k * W.n_syn})
    rng = np.random.default_rng(0)
    for kv in rng.uniform(0.05, 20, size=5):
        f = sp.lambdify(w, V.subs({k: kv, W.n_syn: 7, sigma: 1}), "numpy")
        grid = np.linspace(1e-4, 1 - 1e-4, 20001)
        vals = f(grid)
        assert abs(grid[np.argmin(vals)] - golden_weight(kv)) < 1e-4
        assert golden_weight(kv) > pooling_weight(kv)  # the optimum always weighs real data above pooling
    step = W.weighting_derivation()["stationarity"]
    assert sp.expand(step.lhs - (w**2 + k * w - k)) == 0


def test_q_closed_form_equals_the_solved_equation_to_1e12():
    rng = np.random.default_rng(1)
    closed = formula("weighted_q")
    for _ in range(20):
        d = int(rng.integers(5, 300))
        r, s = int(rng.integers(1, 400)), int(rng.integers(1, 400))
        if r + s <= d + 2:
            continue
        wv = float(rng.uniform(0.01, 0.99))
        root = solve_q(wv, r, s, d)
        assert root.converged and root.residual < 1e-12
        assert abs(root.root - closed(wv, r, s, d)) <= 1e-12 * closed(wv, r, s, d)


def test_mpmath_and_float64_agree():
    mp = backend_for(50)
    for wv, r, s, d in ((0.3, 100, 100, 50), (0.8, 40, 120, 60), (0.55, 900, 300, 250)):
        a64, b64, _, _ = block_coefficients(wv, r, s, d, FLOAT64)
        amp, bmp, _, _ = block_coefficients(wv, r, s, d, mp)
        assert abs(float(amp) - a64) < 1e-13 and abs(float(bmp) - b64) < 1e-13 * b64
        assert abs(float(formula("weighted_q_residual")(amp * 0 + wv, r, s, d, solve_q(wv, r, s, d, mp).root))) < 1e-40


@pytest.mark.parametrize("r, s, d", [(100, 100, 50), (300, 60, 40), (80, 400, 70)])
def test_one_part_weights_are_exact_ols(r, s, d):
    """``w = 1``: OLS on the real rows (``α = 0``, ``β = d/(r − d − 1)``); ``w = 0``: on the synthetic ones."""
    if r > d + 1:
        a, b, exact, _ = block_coefficients(1.0, r, s, d)
        assert exact and abs(a) < 1e-14 and abs(b - d / (r - d - 1)) < 1e-13
    if s > d + 1:
        a, b, exact, _ = block_coefficients(0.0, r, s, d)
        assert exact and abs(a - 1) < 1e-13 and abs(b - d / (s - d - 1)) < 1e-13


@pytest.mark.parametrize("r, s, d", [(100, 100, 50), (300, 60, 40), (80, 400, 70), (500, 500, 200)])
def test_equivalent_at_the_pooling_weight_is_the_exact_pooled_chain_to_second_order(r, s, d):
    """At ``w = r/T0`` the leave-one-out equivalent differs from the exact ``g(T0, s, d)`` by ``O(T0⁻²)``."""
    T0, wv = r + s, r / (r + s)
    q = solve_q(wv, r, s, d).root
    alpha = formula("weighted_alpha")(wv, r, s, d, q)
    beta = formula("weighted_beta")(wv, r, s, d, q)
    g = formula("mixing_factor")(T0, s, d)
    assert abs(beta - d / (T0 - d - 1)) < 1e-12
    assert 0 < alpha - g < (d + 1) / (T0 * (T0 - d))  # measured: 0.28-0.52 of the bound
    exact_alpha, exact_beta, exact, _ = block_coefficients(wv, r, s, d)
    assert exact and abs(exact_alpha - g) < 1e-15


def test_classical_limit_is_d_times_mean_estimation_with_the_same_optimal_weight():
    d, r, s = 5, 10**6, 10**6
    for wv in (0.3, 0.618, 0.9):
        de = float(stationary_error(wv, r, s, d, 1.0))
        classical = float(formula("weighted_classical_stationary")(wv, r, s, d, 1.0))
        assert abs(de - classical) < 1e-4 * classical
    assert abs(optimal_weight(r, s, d).root - golden_weight(1.0)) < 1e-4


def test_proportional_optimum_is_shifted_above_the_golden_weight():
    """``d = 50``, ``n_r = n_s = 100``: the regression argmin is 0.648, against 0.618 (golden) and 0.5 (pooling)."""
    best = optimal_weight(100, 100, 50)
    assert best.converged and 0.64 < best.root < 0.656
    assert stationary_error(best.root, 100, 100, 50, 1.0) < stationary_error(golden_weight(1.0), 100, 100, 50, 1.0)
    # after 3 generations the synthetic rows come from a nearly clean generator: less weight on real data
    assert golden_weight(1.0) < optimal_weight(100, 100, 50, generations=3).root < best.root


def test_chain_of_equal_blocks_matches_the_registered_closed_form():
    wv, r, s, d, n = 0.4, 120, 80, 30, 6
    q = solve_q(wv, r, s, d).root
    closed = formula("weighted_chain_equal_blocks")(n, wv, r, s, d, 0.7, q)
    chain = weighted_chain((wv,) * n, (r,) * n, (s,) * n, (0.7,) * n, d)
    assert abs(float(chain.error) - closed) < 1e-13 * closed
    assert not chain.provenance.is_exact and chain.provenance == get_result("weighted_step").provenance


def test_refusals():
    with pytest.raises(NotCoveredError, match="generators.T0"):
        solve_q(0.5, 30, 20, 60)
    with pytest.raises(NotCoveredError, match="real_weight"):
        stationary_error(0.0, 100, 100, 50, 1.0)
    with pytest.raises(ValueError, match="real_weight"):
        row_weights(0.5, 0, 10)


# -- the simulator ------------------------------------------------------------------------------------


def test_weighted_fit_is_the_weighted_least_squares_solution():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 6))
    Y = rng.standard_normal(40)
    omega = row_weights(0.3, 10, 40)
    assert abs(omega.sum() - 1) < 1e-15
    fit = weighted_fit_map(X, omega, 0.0) @ Y
    ref = np.linalg.lstsq(X * np.sqrt(omega)[:, None], Y * np.sqrt(omega), rcond=None)[0]
    assert np.allclose(fit, ref, rtol=1e-12, atol=1e-13)
    pooled = weighted_fit_map(X, row_weights(10 / 40, 10, 40), 0.0) @ Y
    assert np.allclose(pooled, np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-11, atol=1e-12)


def test_plain_and_conditional_trials_agree():
    rng = np.random.default_rng(4)
    sqrt_lam = np.sqrt(1.0 / np.arange(1, 13))
    w0 = rng.standard_normal(12)
    args = (sqrt_lam, w0, (0.7, 0.7, 0.7), (40, 40, 40), (0.8, 0.8, 0.8), (0.5, 0.5, 0.5), 50, 0.3, 0.0, 0.2)
    plain = np.array([plain_weighted_trial(np.random.default_rng(i), *args) for i in range(1500)])
    cond = np.array([conditional_weighted_trial(np.random.default_rng(i), *args) for i in range(300)])
    se = math.hypot(plain.std(ddof=1) / math.sqrt(len(plain)), cond.std(ddof=1) / math.sqrt(len(cond)))
    assert abs(plain.mean() - cond.mean()) < 4 * se


def _chain_sim(wv, r, s, d, n, trials, seed=0, lam=None):
    """Monte Carlo of ``e_n`` (conditional estimator; the same designs for every weight at one seed)."""
    lam = np.ones(d) if lam is None else lam
    w0 = np.random.default_rng(seed + 99).standard_normal(d)
    T0 = r + s
    vals = [conditional_chain_error(np.random.default_rng([seed, i]), np.sqrt(lam), w0, (wv,) * n, (T0,) * n,
                                    (1.0,) * n, (r / T0,) * n) for i in range(trials)]
    return float(np.mean(vals)), float(np.std(vals, ddof=1) / math.sqrt(trials))


def test_chain_error_is_independent_of_the_spectrum_in_simulation():
    """The exact reduction: the same designs (whitened) give the same chain error for any Σ."""
    d, lam = 8, 1.0 / np.arange(1, 9) ** 1.5
    a = _chain_sim(0.6, 20, 20, d, 3, 30, seed=5)
    b = _chain_sim(0.6, 20, 20, d, 3, 30, seed=5, lam=lam)
    assert abs(a[0] - b[0]) < 1e-9 * a[0]


# held-out scenarios (never tuned on): d = 50-300, both sides of the pooling weight, n_r below and above d
HELD_OUT = [
    (0.45, 150, 150, 50, 6, 300),
    (0.85, 250, 100, 120, 5, 150),
    (0.3, 70, 230, 60, 8, 200),
    (0.7, 400, 300, 300, 4, 40),
]


@pytest.mark.slow
@pytest.mark.parametrize("wv, r, s, d, n, trials", HELD_OUT)
def test_chain_error_agrees_with_simulation(wv, r, s, d, n, trials):
    mc, se = _chain_sim(wv, r, s, d, n, trials, seed=11)
    chain = weighted_chain((wv,) * n, (r,) * n, (s,) * n, (1.0,) * n, d)
    allowance = chain.provenance.allowance
    assert abs(float(chain.error) - mc) <= 4 * se + allowance * float(chain.error), (float(chain.error), mc, se)


# -- the scenario key ---------------------------------------------------------------------------------


def _scenario(*, d=30, spectrum="power_law", n=4, T0=120, sigma0=1.0, real_fraction=0.5, weight=0.7, T=150,
              sigma=0.5, ridge=0.0, down_real=0.0, ridge0=0.0, **gen):
    spec = {"kind": "isotropic", "d": d} if spectrum == "isotropic" else {"kind": "power_law", "d": d, "beta": 1.5}
    teacher = {"kind": "isotropic"} if spectrum == "isotropic" else {"kind": "source", "r": 0.5}
    generators = {"n": n, "T0": T0, "sigma0": sigma0, "real_fraction": real_fraction, **gen}
    if ridge0:
        generators["ridge"] = ridge0
    if weight is not None:
        generators["real_weight"] = weight
    down = {"T": T, "sigma": sigma, "ridge": ridge}
    if down_real:
        down["real_fraction"] = down_real
    return Scenario.from_dict({"spectrum": spec, "teacher": teacher, "generators": generators, "downstream": down})


def test_default_is_unweighted_and_stays_out_of_the_file():
    s = _scenario(weight=None)
    assert s.generators.real_weight is None and s.generators.real_weights() is None
    assert "real_weight" not in s.to_dict()["generators"]
    for value in (0.7, "optimal", 0.0, 1.0):
        w = _scenario(weight=value)
        assert w.to_dict()["generators"]["real_weight"] == value
        assert Scenario.from_dict(w.to_dict()) == w
        assert Scenario.from_dict(tomllib.loads(w.to_toml())) == w
    o = _scenario(weight="optimal", T0=[120, 100], n=2, real_fraction=[0.5, 0.25])
    expected = (golden_weight(1.0), golden_weight(25 / 75))
    assert all(abs(a - b) < 1e-15 for a, b in zip(o.generators.real_weights(), expected))
    for r, s_ in ((1, 1), (3, 7), (900, 13), (5, 2000)):  # the axis's arithmetic is the registered w*
        assert abs(optimal_weight_of(r, s_) - golden_weight(r / s_)) <= 1e-15
    assert _scenario().replace(**{"generators.real_weight": 0.4}).generators.real_weight == 0.4
    assert _scenario().replace(real_weight="optimal").generators.real_weights() == (optimal_weight_of(1, 1),) * 4
    assert _scenario().replace(n=0).generators.real_weight == 0.7  # no effect without generations, kept


@pytest.mark.parametrize("gen, needles", [
    ({"weight": 1.5}, ("generators.real_weight", "[0, 1]", '"optimal"', "1.5")),
    ({"weight": -0.01}, ("generators.real_weight", "[0, 1]")),
    ({"weight": "optimum"}, ("generators.real_weight", "did you mean 'optimal'")),
    ({"weight": True}, ("generators.real_weight", "[0, 1]")),
    ({"weight": float("nan")}, ("generators.real_weight", "[0, 1]")),
    ({"real_fraction": 0.0}, ("generators.real_weight", "no real rows", "generators.real_fraction")),
    ({"real_fraction": 1.0}, ("generators.real_weight", "only real rows")),
    ({"real_fraction": [0.5, 0.5, 0.001, 0.5]}, ("generators.real_weight", "generation 3", "no real rows")),
    ({"scheme": "accumulate"}, ("generators.real_weight", "scheme = 'accumulate'")),
    ({"design_matrix": "reused"}, ("generators.real_weight", "design_matrix = 'fresh'")),
])
def test_bad_values_name_the_key(gen, needles):
    with pytest.raises(ScenarioError) as info:
        _scenario(**gen)
    for needle in needles:
        assert needle in str(info.value)


def test_cli_answers_bad_input_with_exit_2_and_one_line(tmp_path, capsys):
    for value in ("1.2", '"golden"'):
        path = tmp_path / "bad.toml"
        path.write_text('[spectrum]\nkind = "isotropic"\nd = 20\n[teacher]\nkind = "isotropic"\n'
                        f'[generators]\nn = 2\nT0 = 60\nsigma0 = 0.1\nreal_fraction = 0.5\nreal_weight = {value}\n'
                        '[downstream]\nT = 40\nsigma = 0.1\nridge = 0.0\n')
        rc = cli.main(["predict", str(path)])
        out, err = capsys.readouterr()
        assert rc == 2 and out == ""
        assert err.count("\n") == 1 and "generators.real_weight" in err and "[0, 1]" in err


# -- the regime -----------------------------------------------------------------------------------------


def test_regime_is_exclusive_and_reports_the_weights():
    s = _scenario(weight="optimal")
    assert regime_for(s, check=True).name == "weighted_generators"
    assert regime_for(_scenario(weight=None), check=True).name == "replace_mixing"
    p = predict(s)
    assert p.regime == "weighted_generators"
    assert abs(p.parts["real_weight"] - golden_weight(1.0)) < 1e-15
    assert abs(p.parts["pooling_weight"] - 0.5) < 1e-15
    assert 0.64 < p.parts["optimal_real_weight"] < 0.66
    assert any("real weight used: w = 0.618034" in note for note in p.notes)
    assert p.iterations > 0 and p.residual < 1e-13  # the q solves' effort and residual travel with the prediction


def test_pooling_weight_reproduces_the_unweighted_prediction_exactly():
    """``w = r/T0`` is the unweighted fit: the weighted regime gives replace_mixing's exact number."""
    for down in ({"ridge": 0.0}, {"ridge": 0.05, "T": 20}, {"down_real": 0.4}):
        weighted = predict(_scenario(weight=0.5, **down))
        plain = predict(_scenario(weight=None, **down))
        assert abs(weighted.test_error - plain.test_error) <= 1e-13 * plain.test_error
        assert weighted.provenance["collapse"] == plain.provenance["collapse"]


def test_precision_is_a_parameter():
    s = _scenario(weight=0.3, ridge=0.0)
    a, b = predict(s), predict(s, precision=40)
    assert abs(float(b.test_error) - a.test_error) < 1e-13 * a.test_error


def test_refusals_name_the_key():
    with pytest.raises(NotCoveredError, match="generators.T0"):
        predict(_scenario(d=50, T0=40, real_fraction=0.5), monte_carlo=False)
    with pytest.raises(NotCoveredError, match="generators.real_weight"):
        predict(_scenario(d=50, T0=120, real_fraction=0.3, weight=1.0), monte_carlo=False)  # 36 real rows < d + 2
    with pytest.raises(NotCoveredError, match="generators.ridge"):
        predict(_scenario(ridge0=0.1), monte_carlo=False)


# -- held-out agreement of whole scenarios (generators and downstream) -----------------------------------


def _simulate(s, trials, seed):
    """The scenario through this module's own simulator (conditional estimator), independent of the theory."""
    lam = np.asarray(s.spectrum.eigenvalues(), dtype=float)
    w0 = np.asarray(s.teacher.coefficients(s.spectrum), dtype=float)
    g, dn = s.generators, s.downstream
    vals = [conditional_weighted_trial(np.random.default_rng([seed, i]), np.sqrt(lam), w0, g.real_weights(), g.T0,
                                       g.sigma0, g.real_fraction, dn.T, dn.sigma, dn.ridge, dn.real_fraction,
                                       ridges0=g.ridge[: g.n])
            for i in range(trials)]
    return float(np.mean(vals)), float(np.std(vals, ddof=1) / math.sqrt(trials))


HELD_OUT_SCENARIOS = [  # never tuned on: ridge, T < d and mixed downstreams, schedules, "optimal"
    (dict(d=80, n=5, T0=[200, 240, 200, 260, 200], real_fraction=0.4, weight=0.6, T=120, ridge=0.05), 150),
    (dict(d=120, spectrum="isotropic", n=6, T0=300, real_fraction=0.3, weight="optimal", T=250, down_real=0.5), 80),
    (dict(d=200, n=3, T0=500, real_fraction=0.6, weight=0.8, T=150, ridge=0.01), 40),
    (dict(d=50, n=4, T0=[100, 150, 120, 100], sigma0=[1.0, 0.5, 2.0, 1.0], real_fraction=[0.3, 0.5, 0.5, 0.7],
          weight=0.35, T=90, ridge=0.2), 200),
]


@pytest.mark.slow
@pytest.mark.parametrize("keys, trials", HELD_OUT_SCENARIOS)
def test_whole_scenarios_agree_with_simulation(keys, trials):
    s = _scenario(**keys)
    p = predict(s, monte_carlo=False)
    assert p.regime == "weighted_generators"
    mc, se = _simulate(s, trials, seed=7)
    tol = 4 * se + p.allowance * p.test_error
    assert abs(p.test_error - mc) <= tol, (p.test_error, mc, se, tol)


# -- the axis in the chain description and the generic simulator --------------------------------------------


def test_description_weights_each_generator_fit():
    s = _scenario(n=3, T0=[120, 100, 80], real_fraction=[0.5, 0.3, 0.75], weight=0.6)
    chain = compile_chain(s)
    assert chain.simulation_hooks() == ("fit_weights",)
    for k, (t0, r) in enumerate(zip(s.generators.T0, s.generators.real_counts())):
        mine = [t for t in chain.types if t.block == k]
        assert sorted(t.count for t in mine) == sorted((r, t0 - r))  # block 0's w0-labelled rows split in two
        real = sum(t.count * t.fit_weights[k] for t in mine if t.fit_weights[k] == 0.6 / r)
        assert abs(real - 0.6) < 1e-14
        assert abs(sum(t.count * t.fit_weights[k] for t in mine) - 1.0) < 1e-14
    assert compile_chain(_scenario(weight=None)).simulation_hooks() == ()


def test_generic_simulator_agrees_with_the_axis_simulator():
    s = _scenario(d=12, n=3, T0=40, real_fraction=0.5, weight=0.8, T=30, ridge=0.02, ridge0=0.05)
    generic = simulate(s, trials=600, seed=1, estimator="plain")
    mine = _simulate(s, 400, 2)
    assert abs(generic.mean - mine[0]) < 4 * math.hypot(generic.stderr, mine[1])


def test_ridge_generators_compose_through_the_monte_carlo_fallback():
    s = _scenario(d=12, n=3, T0=40, real_fraction=0.5, weight=0.8, T=30, ridge=0.02, ridge0=0.05)
    p = predict(s, mc_rse=0.01)
    assert p.provenance["collapse"].kind.name == "MONTE_CARLO"
    assert any("generators.ridge" in note for note in p.notes)
    mine = _simulate(s, 400, 3)
    assert abs(p.test_error - mine[0]) < 4 * math.hypot(0.01 * p.test_error, mine[1])


@pytest.mark.slow
def test_simulated_argmin_is_within_one_grid_step_of_the_optimal_weight():
    """Issue 23's "Done when": the report's scenario, the simulated argmin on its grid (step 0.05)."""
    from modelcollapse.derivations.report.sections.weighting import GRID_STEP, simulated_argmin
    from modelcollapse.derivations.scenario_files import builtin

    grid = np.round(np.arange(0.25, 0.85 + 1e-9, GRID_STEP), 12)
    k_one = builtin("weighting").scenario
    for base, seed in ((k_one, 5), (k_one, 6), (k_one.replace(real_fraction=round(1 / 3, 12)), 7)):  # k = 1, 1/2
        r, t0 = base.generators.real_counts()[0], base.generators.T0[0]
        w_reg, w_golden = optimal_weight(r, t0 - r, base.d).root, golden_weight(r / (t0 - r))
        argmin, _ = simulated_argmin(base, grid, trials=80, seed=seed)
        assert abs(argmin - w_reg) <= GRID_STEP + 1e-12 and abs(argmin - w_golden) <= GRID_STEP + 1e-12


def test_printed_forms_are_the_evaluated_ones():
    """``α``, ``β`` printed in their parts (``τ_s``, ``S_g``) equal the evaluable expressions in ``q``."""
    rng = np.random.default_rng(8)
    for _ in range(5):
        wv, r, s_, dv = float(rng.uniform(0.05, 0.95)), int(rng.integers(20, 300)), int(rng.integers(20, 300)), 10
        q = solve_q(wv, r, s_, dv).root
        a, b = wv / r, (1 - wv) / s_
        q2 = q / (r * a / (1 + a * q) ** 2 + s_ * b / (1 + b * q) ** 2)
        subs = {W.real_weight: wv, W.n_real: r, W.n_syn: s_, d_sym: dv, W.q_trace: q}
        S = [float(W.weighted_misfit_form().subs({W.q2_trace: q2, W.n_g: n, W.omega_g: om, W.q_trace: q}))
             for n, om in ((r, a), (s_, b))]
        tau = float(W.weighted_share_form().subs(subs))
        parts = {W.tau_s: tau, W.S_r: S[0], W.S_s: S[1], **subs}
        alpha = formula("weighted_alpha")(wv, r, s_, dv, q)
        beta = formula("weighted_beta")(wv, r, s_, dv, q)
        assert abs(float(W.weighted_alpha_form().subs(parts)) - alpha) < 1e-12 * alpha
        assert abs(float(W.weighted_beta_form().subs(parts)) - beta) < 1e-12 * beta


@pytest.mark.slow
def test_public_simulate_agrees_with_predict_held_out():
    """``modelcollapse simulate`` (the generic simulator of the description, plain estimator) against ``predict``."""
    s = _scenario(d=60, n=3, T0=[150, 200, 150], real_fraction=[0.4, 0.5, 0.6], weight=0.75, T=80, ridge=0.1)
    p = predict(s, monte_carlo=False)
    sim = simulate(s, trials=400, seed=21)
    assert abs(p.test_error - sim.mean) <= 4 * sim.stderr + p.allowance * p.test_error, (p.test_error, sim.mean)


def test_mean_estimation_variance_is_exact_in_simulation():
    """The paper's Gaussian-mean chain, simulated literally: ``V(w)`` after 40 rounds (stationary to 1e-9)."""
    rng = np.random.default_rng(9)
    n_r, n_s, trials = 6, 9, 40000
    V = formula("weighted_mean_stationary")
    for wv in (0.4, golden_weight(n_r / n_s), 0.9):
        mu = np.zeros(trials)
        for _ in range(40):
            real = rng.standard_normal((trials, n_r)).mean(axis=1)
            synthetic = (mu[:, None] + rng.standard_normal((trials, n_s))).mean(axis=1)
            mu = wv * real + (1 - wv) * synthetic
        mc = float(np.mean(mu**2))
        se = float(np.std(mu**2, ddof=1) / math.sqrt(trials))
        assert abs(mc - V(wv, n_r, n_s, 1.0)) < 4 * se


def test_a_verifier_that_drops_rows_is_refused_and_one_that_refills_composes_by_simulation():
    base = dict(d=10, n=2, T0=40, real_fraction=0.5, weight=0.7, T=30, ridge=0.1)
    drawn = _scenario(**base, verifier={"center": "teacher", "window": [-1.5, 1.5]})
    with pytest.raises(ScenarioError, match="generators.real_weight.*size = 'drawn'"):
        compile_chain(drawn)
    kept = _scenario(**base, verifier={"center": "teacher", "window": [-1.5, 1.5], "size": "kept"})
    assert set(compile_chain(kept).simulation_hooks()) == {"fit_weights", "accept"}
    p = predict(kept, mc_rse=0.05)
    assert p.provenance["collapse"].kind.name == "MONTE_CARLO"
