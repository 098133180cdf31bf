"""The sweep's vectorised theory: one κ solve per spectrum, and every row bit-identical to ``predict``.

Expected values are individual public ``predict`` calls (outside any sweep, so outside the κ
table), compared field by field with ``==`` — every number of the prediction (errors, bias,
variance, κ, parts, the solver's iterations and residual), its provenance, notes and regime.
The count of κ solves is observed by wrapping the solver's two entry points.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_dict

from modelcollapse.derivations.sweep import sweep
from modelcollapse.numerics import fixed_point, monte_carlo
from modelcollapse.numerics.errors import FixedPointError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.kappa_table import KappaTable, presolved
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.sums import spectral_sums

ISOTROPIC = scenario_dict(spectrum={"kind": "isotropic", "d": 30}, teacher={"kind": "isotropic"},
                          generators={"n": 2, "T0": 70, "sigma0": 0.5},
                          downstream={"T": 50, "sigma": 0.5, "ridge": 0.1})
POWER = scenario_dict()  # power law d = 40, source teacher, T0 = 100 (OLS generators), T = 60
EIGENVALUES = scenario_dict(spectrum={"kind": "eigenvalues", "values": [4.0, 2.0, 1.0, 0.5, 0.25, 0.1] * 6},
                            teacher={"kind": "isotropic"})
OVERPARAM = scenario_dict(generators={"n": 2, "T0": 25, "sigma0": 0.5})  # T0 < d: projections (generator κ)
RIDGE_GENERATORS = scenario_dict(generators={"n": 2, "T0": 30, "sigma0": 0.5, "ridge": 0.05})


def with_keys(base: dict, keys, values) -> Scenario:
    data = json.loads(json.dumps(base))
    for key, value in zip(keys, values):
        table, leaf = key.split(".")
        data[table][leaf] = value
    return Scenario.from_dict(data)


def flat(obj: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = "; ".join(map(str, value)) or None if isinstance(value, list) else value
    return out


def assert_rows_equal_predict(df: pd.DataFrame, base: dict, keys) -> None:
    """Every row against its own ``predict`` call: each field of ``to_dict()`` equal (``==``), or the same error."""
    for _, row in df.iterrows():
        values = [row[k].item() if hasattr(row[k], "item") else row[k] for k in keys]
        try:
            expected = flat(json.loads(json.dumps(predict(with_keys(base, keys, values)).to_dict())))
        except Exception as exc:  # the per-point path's own error, with its message
            assert row["error"] == str(exc), (values, row["error"])
            assert pd.isna(row["test_error"]) and pd.isna(row["kappa"])
            continue
        assert pd.isna(row["error"]), (values, row["error"])
        for field, value in expected.items():
            got = row[field]
            if value is None:
                assert pd.isna(got), (values, field)
            else:
                assert got == value, (values, field, got, value)
        extra = [c for c in df.columns if c not in expected and c not in keys and c != "error" and not pd.isna(row[c])]
        assert not extra, (values, extra)


GRIDS = [
    (ISOTROPIC, {"downstream.ridge": [0.0, 1e-4, 1e-2, 0.3, 3.0], "generators.n": [0, 2, 5]}),
    (POWER, {"downstream.ridge": [0.0, 1e-3, 1e-2, 0.1, 1.0], "generators.n": [0, 1, 3]}),
    (EIGENVALUES, {"downstream.ridge": [0.0, 1e-6, 1e-3, 0.3], "downstream.T": [20, 34, 35, 36, 37, 38, 80]}),
    (OVERPARAM, {"downstream.ridge": [0.0, 1e-3, 0.05, 2.0], "generators.n": [0, 1, 2, 4]}),
    (RIDGE_GENERATORS, {"downstream.ridge": [1e-3, 0.05, 2.0], "generators.n": [1, 3]}),
    (POWER, {"spectrum.beta": [1.5, 2.5], "downstream.ridge": [0.0, 1e-3, 0.2], "downstream.T": [39, 40, 41, 80]}),
]


@pytest.mark.parametrize("base, grids", GRIDS, ids=["isotropic", "power_law", "eigenvalues_T", "overparam",
                                                    "ridge_generators", "two_spectra"])
def test_every_field_of_every_row_is_the_individual_predict(base, grids, monkeypatch):
    monkeypatch.setattr(monte_carlo, "DEFAULT_RSE", 0.05)  # Monte Carlo points (no formula): a quick 5%
    df = sweep(Scenario.from_dict(base), grids=grids)
    assert len(df) == np.prod([len(v) for v in grids.values()])
    assert_rows_equal_predict(df, base, list(grids))


def test_points_that_error_keep_their_own_error():
    # ridge = 0 with T = d (infinite error) and T0 = d with noise (infinite): NotCoveredError at those points only
    grids = {"downstream.ridge": [0.0, 0.1], "downstream.T": [40, 60], "generators.T0": [40, 100]}
    df = sweep(Scenario.from_dict(POWER), grids=grids)
    assert df["error"].notna().sum() == 5 and df["error"].isna().sum() == 3
    assert_rows_equal_predict(df, POWER, list(grids))


class Counting:
    """Wraps the solver's entry points, counting vectorised and scalar solves."""

    def __init__(self, monkeypatch):
        self.grid, self.scalar, self.sizes = 0, 0, []
        grid, scalar = fixed_point.solve_kappa_each, fixed_point._solve_scalar64

        def counted_grid(sums, ridge, T, **kw):
            self.grid += 1
            self.sizes.append(len(ridge))
            return grid(sums, ridge, T, **kw)

        def counted_scalar(*args):
            self.scalar += 1
            return scalar(*args)

        monkeypatch.setattr(fixed_point, "solve_kappa_each", counted_grid)
        monkeypatch.setattr(fixed_point, "_solve_scalar64", counted_scalar)


def test_one_kappa_solve_per_spectrum_and_no_scalar_downstream_solve(monkeypatch):
    count = Counting(monkeypatch)
    ridges = np.logspace(-4, 1, 9)
    df = sweep(Scenario.from_dict(POWER), grids={"spectrum.beta": [1.5, 2.0, 2.5], "downstream.ridge": ridges,
                                                "downstream.T": [30, 60]}, **{"generators.n": [0]})
    assert len(df) == 54 and df["error"].isna().all()
    assert count.grid == 3 and count.sizes == [18, 18, 18]  # one call per spectrum, all its (ridge, T) pairs
    assert count.scalar == 0


def test_generator_kappa_solved_once_per_spectrum_not_per_ridge(monkeypatch):
    count = Counting(monkeypatch)
    grids = {"downstream.ridge": np.logspace(-3, 0, 7), "generators.n": [1, 2, 4]}
    df = sweep(Scenario.from_dict(OVERPARAM), grids=grids)
    assert df["error"].isna().all()
    assert count.grid == 1 and count.sizes == [7]  # 7 distinct (ridge, T); the 3 values of n share them
    assert count.scalar == 1  # the projections' κ0 at (0, T0 = 25): the same for all 21 points


def test_mpmath_and_euler_maclaurin_points_keep_the_per_point_path(monkeypatch):
    count = Counting(monkeypatch)
    sweep(Scenario.from_dict(POWER), grids={"downstream.ridge": [1e-3, 1e-2]}, precision=20)
    large = scenario_dict(spectrum={"kind": "power_law", "d": "inf", "beta": 2.0}, generators={"n": 0})
    df = sweep(Scenario.from_dict(large), grids={"downstream.ridge": [1e-3, 1e-2]})
    assert count.grid == 0 and count.scalar == 0
    assert_rows_equal_predict(df, large, ["downstream.ridge"])


def test_the_table_lives_only_inside_its_block():
    sums = spectral_sums(Spectrum(kind="power_law", d=50, beta=2.0))
    with presolved() as table:
        assert fixed_point.PRESOLVED.get() is table
        assert table.presolve(sums, [1e-3, 1e-2], 30) == 2
        assert solve_kappa(sums, 1e-3, 30) is solve_kappa(sums, 1e-3, 30) and table.hits == 2
    assert fixed_point.PRESOLVED.get() is None
    assert solve_kappa(sums, 1e-3, 30) is not solve_kappa(sums, 1e-3, 30)
    with pytest.raises(RuntimeError), presolved(KappaTable()):
        raise RuntimeError
    assert fixed_point.PRESOLVED.get() is None


def test_presolved_solutions_equal_scalar_solves_bit_for_bit():
    """κ, iterations and residual of every presolved pair are the scalar path's (grid sizes cross a block)."""
    rng = np.random.default_rng(5)
    spectra = [np.arange(1, 41.0) ** -2.0, np.full(30, 0.7), np.exp(rng.normal(size=500) * 3),
               np.arange(1, 10001.0) ** -1.2]
    for lam in spectra:
        sums = spectral_sums(Spectrum(kind="eigenvalues", values=tuple(lam)))
        ridges = np.r_[0.0, 10 ** rng.uniform(-12, 3, 30)]
        Ts = rng.integers(1, 3 * len(lam), len(ridges)).astype(float)
        alone = [solve_kappa(sums, float(r), float(t)) for r, t in zip(ridges, Ts)]
        with presolved() as table:
            table.presolve(sums, ridges, Ts)
            shared = [solve_kappa(sums, float(r), float(t)) for r, t in zip(ridges, Ts)]
            assert table.scalar_solves == 0
        for a, b in zip(alone, shared):
            assert (a.kappa, a.iterations, a.residual) == (b.kappa, b.iterations, b.residual)
            assert type(a.kappa) is type(b.kappa)


def test_a_pair_that_fails_in_the_grid_is_solved_and_reported_per_point(monkeypatch):
    """An element the grid does not converge is not kept: its point raises the scalar path's own error."""
    failing = 0.05
    grid, scalar = fixed_point.solve_kappa_each, fixed_point._solve_scalar64

    def grid_fails_at(sums, ridge, T, **kw):
        each = grid(sums, ridge, T, **kw)
        converged = each.converged_each & (ridge != failing)
        return dataclasses.replace(each, converged=bool(converged.all()), converged_each=converged)

    def scalar_fails_at(sums, ridge, T, max_iter):
        if ridge == failing:
            raise FixedPointError("effective ridge κ did not converge", residual=0.25, iterations=400)
        return scalar(sums, ridge, T, max_iter)

    monkeypatch.setattr(fixed_point, "solve_kappa_each", grid_fails_at)
    monkeypatch.setattr(fixed_point, "_solve_scalar64", scalar_fails_at)
    grids = {"downstream.ridge": [1e-3, failing, 0.5], "generators.n": [0, 1]}
    df = sweep(Scenario.from_dict(POWER), grids=grids)
    assert list(df["error"].notna()) == [False, False, True, True, False, False]
    assert df["error"].iloc[2] == "effective ridge κ did not converge (residual 0.25 after 400 iterations)"
    assert_rows_equal_predict(df, POWER, list(grids))  # predict, per point, under the same failing solver
    sums = spectral_sums(Spectrum(kind="power_law", d=40, beta=2.0))
    with presolved() as table:
        table.presolve(sums, [1e-3, failing], 60)
        for _ in range(2):  # not kept: raised again, by the scalar path
            with pytest.raises(FixedPointError):
                solve_kappa(sums, failing, 60)
        assert table.scalar_solves == 0 and solve_kappa(sums, 1e-3, 60).kappa > 0 and table.hits == 1


def test_large_power_law_summed_term_by_term_is_grouped_as_predict_sums_it(monkeypatch):
    """d > 20000 with explicit coefficients: predict sums term by term, so the grid solves it too."""
    count = Counting(monkeypatch)
    d = 20_001
    base = scenario_dict(spectrum={"kind": "power_law", "d": d, "beta": 2.0},
                         teacher={"kind": "coefficients", "values": list(np.linspace(1.0, 0.0, d))},
                         generators={"n": 0}, downstream={"T": 300, "sigma": 0.5, "ridge": 0.01})
    df = sweep(Scenario.from_dict(base), grids={"downstream.ridge": [1e-3, 1e-2, 0.1]})
    assert count.grid == 1 and count.scalar == 0
    assert_rows_equal_predict(df, base, ["downstream.ridge"])
