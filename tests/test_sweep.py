"""``modelcollapse sweep`` and ``sweep()``: the grid grammar, exit 2 naming the key, rows equal to
individual ``predict``/``simulate`` calls, the store, and files that round-trip.

Expected values come from the public ``predict``/``simulate`` API called point by point (never
from the sweep engine), or from the grammar's definition (``numpy.logspace`` etc.).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.derivations.sweep import (
    SweepStore,
    make_axis,
    parse_values,
    parse_vary,
    plot_sweep,
    point_seed,
    read_table,
    run_sweep,
    sweep,
    write_table,
)
from modelcollapse.derivations.sweep.points import simulate_accepts_estimator
from modelcollapse.numerics import monte_carlo
from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate

SMALL = scenario_dict(spectrum={"kind": "isotropic", "d": 12}, teacher={"kind": "isotropic"},
                      generators={"n": 2, "T0": 30, "sigma0": 0.5}, downstream={"T": 24, "sigma": 0.5, "ridge": 0.1})
POWER = scenario_dict()  # power law d = 40, source teacher, n = 2, ridge (deterministic equivalent)
PREDICT_FIELDS = ("test_error", "clean_error", "collapse", "bias", "variance", "kappa")


def run(argv, capsys):
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def with_keys(base: dict, **changes) -> Scenario:
    """The scenario with dotted keys changed (``with_keys(d, **{"downstream.ridge": 0.1})``), by hand."""
    data = json.loads(json.dumps(base))
    for key, value in changes.items():
        table, leaf = key.split(".")
        data[table][leaf] = value
    return Scenario.from_dict(data)


# -- grammar ---------------------------------------------------------------------------------------

def test_comma_list_keeps_integers_integers():
    values, log = parse_values("generators.n", "0,2, 5,10")
    assert values == (0, 2, 5, 10) and all(type(v) is int for v in values) and not log
    values, _ = parse_values("downstream.ridge", "0.001,1e-2,1")
    assert values == (0.001, 0.01, 1) and type(values[0]) is float and type(values[2]) is int


def test_functions_follow_numpy_and_python_range():
    values, log = parse_values("downstream.ridge", "logspace(-3,1.5,41)")
    assert log and values == tuple(float(v) for v in np.logspace(-3, 1.5, 41))
    values, log = parse_values("spectrum.beta", "linspace(1.5, 3, 4)")
    assert not log and values == (1.5, 2.0, 2.5, 3.0)
    values, _ = parse_values("downstream.T", "range(100,400,100)")
    assert values == (100, 200, 300) and all(type(v) is int for v in values)
    assert parse_values("generators.n", "RANGE(0, 3)")[0] == (0, 1, 2)


def test_strings_are_left_to_the_scenario():
    assert parse_values("spectrum.kind", "isotropic,power_law")[0] == ("isotropic", "power_law")
    assert parse_values("spectrum.d", "inf")[0] == ("inf",)  # never a float NaN/inf


@pytest.mark.parametrize("text, needle", [
    ("downstream.ridge", "KEY=VALUES"),
    ("ridge=0.1", "dotted"),
    ("downstream.ridge=", "comma list"),
    ("downstream.ridge=0.1,,1", "comma list"),
    ("downstream.ridge=logspace(-3,1)", "3 arguments"),
    ("downstream.ridge=logspace(-3,1,2.5)", "n must be an integer"),
    ("downstream.ridge=linspace(a,1,3)", "expected a number"),
    ("generators.n=range(0,5,0)", "step"),
    ("generators.n=range(0,2.5)", "integers"),
    ("generators.n=1,2,1", "repeated"),
])
def test_bad_vary_raises_scenario_error(text, needle):
    with pytest.raises(ScenarioError, match=needle):
        parse_vary(text)


def test_axis_log_detection():
    assert make_axis("downstream.ridge", [0.01, 0.1, 1.0]).log
    assert not make_axis("downstream.ridge", [0.1, 0.2, 0.3]).log
    assert not make_axis("generators.n", [0, 5, 1000]).log  # 0: not log-spaceable


# -- the table equals individual predict / simulate calls --------------------------------------------

def test_theory_columns_equal_individual_predict_calls():
    base = Scenario.from_dict(POWER)
    ridges, ns = np.logspace(-3, 0, 4), [0, 1, 3]
    df = sweep(base, grids={"downstream.ridge": ridges}, **{"generators.n": ns})
    assert list(df.columns[:2]) == ["downstream.ridge", "generators.n"] and len(df) == 12
    assert df.attrs["vary"] == ["downstream.ridge", "generators.n"]
    assert df["generators.n"].dtype == np.int64
    i = 0
    for lam in ridges:  # first key slowest
        for n in ns:
            row = df.iloc[i]
            p = predict(with_keys(POWER, **{"downstream.ridge": float(lam), "generators.n": n})).to_dict()
            assert row["downstream.ridge"] == lam and row["generators.n"] == n
            for field in PREDICT_FIELDS + ("precision", "iterations", "residual", "exact"):
                assert row[field] == p[field], field
            assert row["provenance.clean_error"] == p["provenance"]["clean_error"]
            assert row["provenance.collapse"] == p["provenance"]["collapse"]
            assert pd.isna(row["error"])
            i += 1


def test_spaced_grids_on_integer_keys_round_to_integers(capsys, tmp_path):
    # logspace(1.5, 2, 4) = 31.62, 46.42, 68.13, 100.0: downstream.T is an integer key, so the sweep runs
    # T = 32, 46, 68, 100 (nearest integers; numpy.logspace rounded by hand here), each equal to predict at it
    df = sweep(Scenario.from_dict(SMALL), grids={"downstream.T": "logspace(1.5,2,4)"})
    assert df["downstream.T"].tolist() == [32, 46, 68, 100] and df["downstream.T"].dtype == np.int64
    for T, value in zip([32, 46, 68, 100], df["test_error"]):
        assert value == predict(with_keys(SMALL, **{"downstream.T": T})).test_error
    # repeats after rounding are dropped, in order; a float key is left as numpy gives it
    df = sweep(Scenario.from_dict(SMALL), grids={"generators.n": "linspace(0,2,5)"})
    assert df["generators.n"].tolist() == [0, 1, 2]
    df = sweep(Scenario.from_dict(SMALL), grids={"downstream.ridge": "linspace(0.1,0.2,3)"})
    assert df["downstream.ridge"].tolist() == [0.1, 0.15000000000000002, 0.2]
    rc, out, err = run(["sweep", write_toml(tmp_path / "small.toml", SMALL), "--vary", "downstream.T=logspace(1.5,2,4)",
                        "--json", "--store", tmp_path / "st.sqlite"], capsys)
    assert rc == 0 and [row["downstream.T"] for row in json.loads(out)["rows"]] == [32, 46, 68, 100]


def test_any_contract_key_can_vary_and_ints_stay_ints():
    df = sweep(Scenario.from_dict(POWER),
               grids={"spectrum.beta": "linspace(1.5,2.5,3)", "downstream.T": "range(50,150,50)",
                                                 "generators.T0": [80, 200.0]})
    assert df["downstream.T"].dtype == np.int64 and len(df) == 12
    row = df.iloc[-1]
    expected = predict(with_keys(POWER, **{"spectrum.beta": 2.5, "downstream.T": 100, "generators.T0": 200}))
    assert row["test_error"] == expected.test_error


def test_simulated_rows_equal_individual_simulate_calls_with_derived_seeds():
    base = Scenario.from_dict(SMALL)
    df = sweep(base, simulate=True, trials=20, seed=7, grids={"downstream.ridge": [0.01, 1.0], "generators.n": [0, 2]})
    for _, row in df.iterrows():
        s = with_keys(SMALL, **{"downstream.ridge": row["downstream.ridge"], "generators.n": int(row["generators.n"])})
        assert row["seed"] == point_seed(7, s.to_dict())
        sim = simulate(s, trials=20, seed=int(row["seed"]))
        assert (row["mean"], row["stderr"], row["trials"]) == (sim.mean, sim.stderr, 20)
        assert row["z"] == (row["test_error"] - sim.mean) / sim.stderr
    assert df["seed"].nunique() == 4  # independent streams per point


def test_point_seed_depends_on_root_and_scenario_only():
    a, b = Scenario.from_dict(SMALL).to_dict(), Scenario.from_dict(POWER).to_dict()
    assert point_seed(0, a) == point_seed(0, json.loads(json.dumps(a)))
    assert len({point_seed(0, a), point_seed(1, a), point_seed(0, b)}) == 3
    assert 0 <= point_seed(0, a) < 2**63


def test_simulate_every_simulates_every_kth_value_of_the_first_axis():
    df = sweep(Scenario.from_dict(SMALL), simulate=True, trials=4, simulate_every=2,
               grids={"downstream.ridge": [0.01, 0.1, 1.0], "generators.n": [0, 1]})
    simulated = df["mean"].notna().to_list()
    assert simulated == [True, True, False, False, True, True]
    assert df["error"].isna().all()


def test_point_that_cannot_be_computed_gets_an_error_not_a_crash(tmp_path, capsys):
    # ridge = 0 with T = d: the test error is infinite (NotCoveredError) at that point only.
    base = scenario_dict(spectrum={"kind": "isotropic", "d": 20}, teacher={"kind": "isotropic"},
                         generators={"n": 0}, downstream={"T": 20, "sigma": 0.5, "ridge": 0.1})
    path = write_toml(tmp_path / "s.toml", base)
    rc, out, err = run(["sweep", path, "--vary", "downstream.ridge=0,0.1", "--json", "--store", tmp_path / "st.sqlite"],
                       capsys)
    assert rc == 0 and "1 of 2 points could not be computed" in err
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON number {c}"))
    bad, good = doc["rows"]
    assert "infinite" in bad["error"] and bad["test_error"] is None and bad["iterations"] is None
    assert (
        good["error"] is None and good["test_error"] == predict(with_keys(base, **{"downstream.ridge": 0.1})).test_error
    )


# -- the command line ------------------------------------------------------------------------------

def assert_usage_error(rc, out, err, *needles):
    assert rc == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("modelcollapse: error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("vary, needles", [
    (["downstream.ridge=-1,0.1"], ("downstream.ridge", ">= 0", "-1")),
    (["downstream.rigde=0.1"], ("downstream.rigde", "unknown key")),
    (["nosuch.key=1"], ("nosuch.key", "unknown table")),
    (["generators.n=0,x"], ("generators.n", "'x'")),
    (["generators.n=1.5"], ("generators.n", "integer")),
    (["generators.n=logspace(1,2)"], ("generators.n", "3 arguments")),
    (["ridge=0.1"], ("ridge", "dotted")),
    (["downstream.ridge"], ("--vary", "KEY=VALUES")),
    (["downstream.ridge=0.1", "downstream.ridge=1"], ("--vary", "twice")),
    (["spectrum.d=inf"], ("spectrum.d", "power_law")),
])
def test_cli_bad_vary_exits_2_naming_the_key(tmp_path, capsys, vary, needles):
    path = write_toml(tmp_path / "s.toml", SMALL)
    argv = ["sweep", path, "--store", tmp_path / "st.sqlite"]
    for v in vary:
        argv += ["--vary", v]
    assert_usage_error(*run(argv, capsys), *needles)


@pytest.mark.parametrize("extra, needles", [
    (["--out", "table.txt"], ("--out", ".csv")),
    (["--plot", "fig.jpg"], ("--plot", ".png")),
    (["--simulate", "--trials", "1"], ("--trials",)),
    (["--simulate-every", "2"], ("--simulate-every",)),
    (["--estimator", "plain"], ("--estimator",)),
])
def test_cli_bad_options_exit_2(tmp_path, capsys, extra, needles):
    path = write_toml(tmp_path / "s.toml", SMALL)
    argv = ["sweep", path, "--vary", "downstream.ridge=0.1,1", "--store", tmp_path / "st.sqlite", *extra]
    assert_usage_error(*run(argv, capsys), *needles)


def test_cli_estimator_is_passed_through_or_refused(tmp_path, capsys):
    path = write_toml(tmp_path / "s.toml", SMALL)
    rc, out, err = run(["sweep", path, "--vary", "downstream.ridge=0.1", "--simulate", "--trials", "4", "--estimator",
                        "plain",
                        "--json", "--jobs", "1", "--store", tmp_path / "st.sqlite"], capsys)
    if simulate_accepts_estimator():
        assert rc == 0
        row = json.loads(out)["rows"][0]
        assert row["estimator"] == "plain"
        assert row["mean"] == simulate(with_keys(SMALL, **{"downstream.ridge": 0.1}), trials=4, seed=row["seed"],
                                       estimator="plain").mean
    else:
        assert_usage_error(rc, out, err, "estimator")


def test_cli_table_and_json_equal_the_api(tmp_path, capsys):
    path = write_toml(tmp_path / "s.toml", SMALL)
    argv = ["sweep", path, "--vary", "downstream.ridge=0.01,1", "--vary", "generators.n=0,3", "--store",
            tmp_path / "st.sqlite"]
    rc, out, err = run(argv + ["--json"], capsys)
    assert rc == 0 and "4 points: 0 from the store, 4 computed" in err
    doc = json.loads(out)
    df = sweep(Scenario.from_dict(SMALL), grids={"downstream.ridge": [0.01, 1], "generators.n": [0, 3]})
    assert doc["columns"] == list(df.columns) and doc["vary"] == ["downstream.ridge", "generators.n"]
    assert [r["test_error"] for r in doc["rows"]] == df["test_error"].to_list()
    rc, out, err = run(argv, capsys)  # the text table, every result from the store
    assert rc == 0 and "4 points: 4 from the store, 0 computed" in err
    assert "downstream.ridge" in out.splitlines()[0] and len(out.splitlines()) == 5


# -- the store -------------------------------------------------------------------------------------

def test_store_resumes_and_keys_on_what_was_computed(tmp_path):
    base, store = Scenario.from_dict(SMALL), tmp_path / "st.sqlite"
    grids = {"downstream.ridge": [0.01, 1.0], "generators.n": [0, 2]}
    first = run_sweep(base, simulate=True, trials=6, store=store, grids=grids)
    assert (first.computed, first.reused) == (8, 0)
    again = run_sweep(base, simulate=True, trials=6, store=store, grids=grids)
    assert (again.computed, again.reused) == (0, 8)
    pd.testing.assert_frame_equal(first.table, again.table)
    more = run_sweep(base, simulate=True, trials=8, seed=0, store=store, grids=grids)  # theory reused, new trials
    assert (more.computed, more.reused) == (4, 4)
    other_seed = run_sweep(base, simulate=True, trials=6, seed=1, store=store, grids=grids)
    assert (other_seed.computed, other_seed.reused) == (4, 4)
    with SweepStore(store) as db:
        assert len(db) == 16


def test_identical_points_are_computed_once():
    res = run_sweep(Scenario.from_dict(SMALL), grids={"downstream.ridge": [1, 1.0]})  # the same scenario twice
    assert (res.points, res.computed) == (2, 1)
    assert res.table["test_error"].iloc[0] == res.table["test_error"].iloc[1]


# -- files -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_files_round_trip(tmp_path, suffix, monkeypatch):
    monkeypatch.setattr(monte_carlo, "DEFAULT_RSE", 0.01)  # the Monte Carlo points: a quick 1% (default 0.2%)
    base = scenario_dict(spectrum={"kind": "isotropic", "d": 12}, teacher={"kind": "isotropic"},
                         generators={"n": 1, "T0": 30, "sigma0": 0.5}, downstream={"T": 12, "sigma": 0.5, "ridge": 0.1})
    df = sweep(Scenario.from_dict(base), simulate=True, trials=5, seed=3, simulate_every=2,
               grids={"downstream.ridge": [0, 0.01, 0.1], "generators.n": [0, 1]})
    # ridge 0 with T = d: infinite, recorded, not raised; ridge 0.01 at T = d: the hard edge, outside the 1/d
    # domain, answered by the Monte Carlo (issue 22) with its standard error in the table
    assert df["error"].notna().sum() == 2
    mc = df[df["downstream.ridge"] == 0.01]
    assert (mc["regime"] == "monte_carlo").all() and (mc["monte_carlo.stderr.test_error"] > 0).all()
    assert (mc["monte_carlo.stderr.test_error"] <= 0.01 * mc["test_error"]).all()
    path = write_table(df, tmp_path / f"table{suffix}")
    back = read_table(path)
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert back.attrs["vary"] == ["downstream.ridge", "generators.n"]
    write_table(back, tmp_path / f"again{suffix}")
    assert (tmp_path / f"again{suffix}").read_bytes() == path.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary left behind


def test_json_file_has_null_not_nan(tmp_path):
    df = sweep(Scenario.from_dict(SMALL), grids={"downstream.ridge": [0.1]})
    text = write_table(df, tmp_path / "t.json").read_text()
    assert "NaN" not in text and json.loads(text)["rows"][0]["error"] is None


def test_plot_writes_a_figure(tmp_path):
    df = sweep(Scenario.from_dict(SMALL), simulate=True, trials=4,
               grids={"downstream.ridge": "logspace(-2,0,3)", "generators.n": [0, 2]})
    fig = df.sweep.plot(out=tmp_path / "f.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines) >= 2
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["generators.n=0", "generators.n=2"]
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="x"):
        plot_sweep(df, x="nosuch")


def test_keys_are_validated_together_not_one_at_a_time():
    # n >= 1 needs T0: valid only because both vary together
    base = scenario_dict(spectrum={"kind": "isotropic", "d": 12}, teacher={"kind": "isotropic"},
                         generators={"n": 0, "sigma0": 0.5}, downstream={"T": 24, "sigma": 0.5, "ridge": 0.1})
    df = sweep(Scenario.from_dict(base), grids={"generators.n": [1, 2], "generators.T0": [40]})
    assert df["test_error"].iloc[1] == predict(with_keys(base, **{"generators.n": 2, "generators.T0": 40})).test_error
    with pytest.raises(ScenarioError, match=r"generators\.T0.*required.*at generators\.n=1"):
        sweep(Scenario.from_dict(base), grids={"generators.n": [1]})
