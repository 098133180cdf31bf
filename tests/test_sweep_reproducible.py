"""A sweep's rows rerun one by one from their own columns give the table's numbers (issue 22, item 1).

The seed column is a 63-bit integer: it must survive the store, every file format and a plain
``pandas.read_csv`` exactly (a pass through float64 rounds it to another seed). Expected values
come from ``modelcollapse simulate`` (command line and Python) run with the table's own
``seed``/``trials`` on the row's scenario, never from the sweep engine.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.derivations.sweep import SweepStore, read_table, sweep, write_table
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate

BASE = scenario_dict(spectrum={"kind": "isotropic", "d": 10}, teacher={"kind": "isotropic"},
                     generators={"n": 1, "T0": 30, "sigma0": 0.5}, downstream={"T": 20, "sigma": 0.5, "ridge": 0.1})
GRIDS = {"downstream.ridge": [0.01, 0.03, 0.1, 0.3, 1.0], "generators.n": [0, 2]}
TRIALS = 6


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    df = sweep(Scenario.from_dict(BASE), simulate=True, trials=TRIALS, seed=5, simulate_every=2, grids=GRIDS,
               store=folder / "store.sqlite")
    return df, folder


def _row_scenario(row) -> dict:
    data = json.loads(json.dumps(BASE))
    data["downstream"]["ridge"] = float(row["downstream.ridge"])
    data["generators"]["n"] = int(row["generators.n"])
    return data


def test_the_seeds_are_63_bit_and_every_row_has_one(table):
    df, _ = table
    assert str(df["seed"].dtype) == "Int64" and df["seed"].notna().all()
    assert df["seed"].max() > 2**53  # a seed float64 cannot hold: the case that used to be rounded
    assert df["mean"].isna().sum() == 4  # ridges 0.03 and 0.3 not simulated (simulate_every = 2)


def test_store_holds_the_table_seeds(table):
    df, folder = table
    with SweepStore(folder / "store.sqlite") as store:
        stored = {json.loads(payload)["seed"] for payload, in
                  store._db.execute("SELECT payload FROM results WHERE kind = 'simulation'")}
    assert stored == {int(s) for s in df.loc[df["mean"].notna(), "seed"]}


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_every_format_keeps_the_seeds_exactly(table, suffix):
    df, folder = table
    path = write_table(df, folder / f"table{suffix}")
    exact = [int(s) for s in df["seed"]]
    assert [int(s) for s in read_table(path)["seed"]] == exact
    if suffix == ".csv":  # plain pandas, no toolkit help
        plain = pd.read_csv(path)
        assert str(plain["seed"].dtype) == "int64" and plain["seed"].tolist() == exact
        assert plain["iterations"].tolist() == df["iterations"].tolist()
        nullable = pd.read_csv(path, dtype_backend="numpy_nullable")
        assert str(nullable["trials"].dtype) == "Int64"
        assert nullable["trials"].dropna().tolist() == [TRIALS] * 6
    elif suffix == ".json":
        rows = json.loads(path.read_text())["rows"]
        assert [r["seed"] for r in rows] == exact
    else:
        plain = pd.read_parquet(path)
        assert plain["seed"].tolist() == exact


def test_rows_rerun_from_the_csv_give_the_table_numbers(table, tmp_path, capsys):
    df, folder = table
    plain = pd.read_csv(write_table(df, folder / "rerun.csv"))
    simulated = plain[plain["mean"].notna()]
    assert len(simulated) == 6
    for i, (_, row) in enumerate(simulated.iterrows()):
        data = _row_scenario(row)
        seed, trials = int(row["seed"]), int(row["trials"])
        if i < 2:  # the command line, as the README says
            path = write_toml(tmp_path / f"point{i}.toml", data)
            assert cli.main(["simulate", str(path), "--seed", str(seed), "--trials", str(trials), "--json"]) == 0
            got = json.loads(capsys.readouterr().out)
            assert (got["mean"], got["stderr"]) == (row["mean"], row["stderr"])
        result = simulate(Scenario.from_dict(data), trials=trials, seed=seed)
        assert (result.mean, result.stderr) == (row["mean"], row["stderr"])


def test_a_row_not_simulated_reruns_as_the_full_sweep_would(table):
    df, _ = table
    row = df[df["mean"].isna()].iloc[0]
    full = sweep(Scenario.from_dict(_row_scenario(row)), simulate=True, trials=TRIALS, seed=5,
                 grids={"downstream.ridge": [float(row["downstream.ridge"])]})
    assert int(full["seed"].iloc[0]) == int(row["seed"])


def test_the_summary_counts_points_not_results(tmp_path, capsys):
    path = write_toml(tmp_path / "s.toml", BASE)
    argv = ["sweep", str(path), "--vary", "downstream.ridge=0.01,0.1,1", "--simulate", "--simulate-every", "2",
            "--trials", "4", "--store", str(tmp_path / "st.sqlite"), "--json"]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    # 3 points, 5 results (3 theories, 2 simulations)
    assert "sweep: 3 points: 0 from the store, 3 computed (results: 0 from the store, 5 computed;" in err
    assert cli.main([*argv[:3], "downstream.ridge=0.01,0.1,1,10", *argv[4:]]) == 0
    err = capsys.readouterr().err
    assert "sweep: 4 points: 3 from the store, 1 computed (results: 5 from the store, 1 computed;" in err


def test_plot_colour_for_one_key_line_style_for_the_next_legend_names_the_columns():
    df = sweep(Scenario.from_dict(BASE), grids={"downstream.ridge": [0.01, 0.1, 1.0], "generators.n": [0, 2],
                                                "downstream.sigma": [0.5, 1.0]})
    ax = df.sweep.plot().axes[0]
    lines = [line for line in ax.lines if len(line.get_xdata()) == 3]  # the 4 theory lines
    assert len(lines) == 4
    looks = {(line.get_color(), line.get_linestyle()) for line in lines}
    assert len({c for c, _ in looks}) == 2 and len({s for _, s in looks}) == 2 and len(looks) == 4
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["generators.n=0", "generators.n=2", "downstream.sigma=0.5", "downstream.sigma=1"]
