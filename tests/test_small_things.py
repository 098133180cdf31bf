"""Issue 22 item 6: did-you-mean suggestions, ``derive --list``, ``scaling --latex --out``, ``verify``'s
provenance said once, and the Dask scheduler options (``local[:N]``, a connection timeout)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.theory import RESULTS
from modelcollapse.theory.derivation import DERIVATIONS


def run(argv, capsys):
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(rc, err, *words):
    assert rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("modelcollapse: error: "), err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(("change", "key", "suggestion"), [
    ({"downstream": {"T": 60, "sigma": 0.5, "ridge": 0.01, "rigde": 1}}, "downstream.rigde", "'ridge'"),
    ({"spectrum": {"kind": "power_lw", "d": 40, "beta": 2.0}}, "spectrum.kind", "'power_law'"),
    ({"teacher": {"kind": "sourse", "r": 0.5}}, "teacher.kind", "'source'"),
    ({"downstrem": {"T": 60, "sigma": 0.5, "ridge": 0.01}}, "downstrem", "'downstream'"),
])
def test_unknown_keys_and_values_suggest_the_nearest(tmp_path, capsys, change, key, suggestion):
    data = scenario_dict(**change)
    path = write_toml(tmp_path / "s.toml", data)
    rc, _, err = run(["predict", path], capsys)
    one_line_error(rc, err, f"error: {key}", f"did you mean {suggestion}?")


def test_unknown_result_and_builtin_suggest_the_nearest(capsys):
    rc, _, err = run(["derive", "rho_derivd"], capsys)
    one_line_error(rc, err, "'rho_derivd'", "did you mean 'rho_derived'?")
    rc, _, err = run(["predict", "isotropic_olz"], capsys)
    one_line_error(rc, err, "did you mean 'isotropic_ols'?")


def test_derive_list_with_and_without_a_pattern(capsys):
    rc, out, _ = run(["derive", "--list"], capsys)
    names = [line.split()[0] for line in out.splitlines()]
    assert rc == 0 and set(names) == set(RESULTS) | set(DERIVATIONS) and len(names) == len(set(names))
    rc, out, _ = run(["derive", "--list", "scaling_ell*"], capsys)
    assert rc == 0 and [line.split()[0] for line in out.splitlines()] == ["scaling_ell_crit", "scaling_ell_opt"]
    assert "bias = variance" in out  # the titles are shown
    rc, out, _ = run(["derive", "--list", "KAPPA_HAT", "--json"], capsys)
    found = [r["name"] for r in json.loads(out)["names"]]
    expected = [n for n in [*RESULTS, *DERIVATIONS] if "kappa_hat" in n]
    assert rc == 0 and sorted(found) == sorted(expected) and len(found) == 5
    rc, _, err = run(["derive", "--list", "no_such_thing"], capsys)
    one_line_error(rc, err, "--list", "no_such_thing")


def test_scaling_latex_out_writes_what_latex_prints(tmp_path, capsys):
    rc, printed, _ = run(["scaling", "--beta", "2", "--r", "0.5", "--latex"], capsys)
    assert rc == 0 and len(printed.splitlines()) == 9 and printed.splitlines()[-1].startswith("% regime")
    out = tmp_path / "exponents.tex"
    rc, said, _ = run(["scaling", "--beta", "2", "--r", "0.5", "--latex", "--out", out], capsys)
    assert rc == 0 and out.read_text() == printed and str(out) in said
    assert [p.name for p in tmp_path.iterdir()] == ["exponents.tex"]  # written by rename, no temporary left
    rc, _, err = run(["scaling", "--beta", "2", "--r", "0.5", "--latex", "--out", tmp_path / "no" / "x.tex"], capsys)
    one_line_error(rc, err, "--out", "does not exist")
    rc, _, err = run(["scaling", "--beta", "2", "--r", "0.5", "--out", out], capsys)
    one_line_error(rc, err, "--out", "--latex")


def test_verify_says_the_provenance_once(capsys):
    rc, out, _ = run(["verify", "powerlaw_ridge", "--trials", "20", "--jobs", "1"], capsys)
    theory = next(line for line in out.splitlines() if line.strip().startswith("theory"))
    assert rc in (0, 1) and theory.count("deterministic equivalent") == 1, theory


def test_an_unreachable_scheduler_fails_fast_naming_the_option(capsys):
    start = time.perf_counter()
    rc, _, err = run(["sweep", "isotropic_ridge", "--vary", "downstream.ridge=0.1", "--simulate", "--trials", "4",
                      "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1", "--quiet"], capsys)
    elapsed = time.perf_counter() - start
    one_line_error(rc, err, "--scheduler", "tcp://127.0.0.1:9", "1 s")
    assert elapsed < 10


@pytest.mark.parametrize(("argv", "option"), [(["--scheduler", "local:x"], "--scheduler"),
                                              (["--scheduler", "local:0"], "--scheduler"),
                                              (["--scheduler-timeout", "0"], "--scheduler-timeout")])
def test_bad_scheduler_options(capsys, argv, option):
    rc, _, err = run(["sweep", "isotropic_ridge", "--vary", "downstream.ridge=0.1", "--simulate", "--trials", "4",
                      "--quiet", *argv], capsys)
    one_line_error(rc, err, option)


@pytest.mark.slow
def test_local_scheduler_gives_the_local_numbers(tmp_path, capsys):
    argv = ["sweep", "isotropic_ridge", "--vary", "downstream.ridge=0.1,1", "--simulate", "--trials", "6", "--json",
            "--quiet"]
    rc, dask, err = run([*argv, "--scheduler", "local:2", "--store", tmp_path / "a.sqlite"], capsys)
    assert rc == 0, err
    rc, local, _ = run([*argv, "--jobs", "1", "--store", tmp_path / "b.sqlite"], capsys)
    assert rc == 0 and json.loads(dask) == json.loads(local)
