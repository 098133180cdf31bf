"""A hostile user's corpus: bad scenario files and bad command lines (issue 10).

Every bad input must end with exit status 2 and exactly one line on stderr that starts with
``modelcollapse: error:``, carries no traceback and names the key or option at fault (CONTRACT.md:
"a one-line message on stderr naming the cause"). Valid inputs that are merely extreme must be
*answered* (exit 0, finite non-negative numbers), with the closed-form value where one is known
(written here, never produced by the code under test).

Speed: starting ``modelcollapse`` costs about 0.8 s, so the corpus runs in one child interpreter
(:data:`DRIVER`) that calls the console script's entry point ``modelcollapse.derivations.cli:main``
once per case, with a per-case timer and an address-space limit (a missing memory estimate then
shows up as a ``MemoryError`` message instead of taking the shared machine down). A handful of
cases also go through the real executable next to ``sys.executable`` to show that the driver
sees what a user sees. Option checks are expected at parse time: cases whose option would start
real work if it were accepted carry a missing scenario file as a tripwire, so a missing check
fails fast (with a message naming the file, not the option) instead of running.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
EXECUTABLE = BIN / ("modelcollapse.exe" if os.name == "nt" else "modelcollapse")
CHILD_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONWARNINGS": "ignore"}
CASE_SECONDS = 20  # per case in the driver; a case that runs longer has no size check
ADDRESS_SPACE = 3 * 2**30  # bytes: a 7.5 GiB allocation fails as it would on a small laptop
PREFIX = "modelcollapse: error:"
I64 = 2**63 - 1

DRIVER = r"""
import contextlib, io, json, signal, sys, traceback
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
except (ImportError, ValueError, OSError):
    pass
from modelcollapse.derivations.cli import main

class CaseTimeout(BaseException):
    pass

def _alarm(signum, frame):
    raise CaseTimeout(f"still running after {sys.argv[4]} s")

signal.signal(signal.SIGALRM, _alarm)
cases = json.loads(open(sys.argv[1], encoding="utf-8").read())
results = []
for argv in cases:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            signal.setitimer(signal.ITIMER_REAL, float(sys.argv[4]))
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException:
        rc = 1  # what the console script's sys.exit(main()) gives for an exception escaping main
        err.write(traceback.format_exc())
    results.append({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()})
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(results, f)
"""


# -- writing scenario files (our own writer: TOML nan/inf, wrong types, raw text) -------------------
def toml_value(v) -> str:
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


@dataclass(frozen=True)
class Raw:
    """A value written into the file verbatim (TOML datetimes, bare words, deep nesting)."""

    text: str


DROP = object()  # as a value: leave the key out


def toml_text(data: dict) -> str:
    lines = []
    for table, body in data.items():
        if body is DROP:
            continue
        if not isinstance(body, dict):
            lines.insert(0, f"{table} = {toml_value(body)}")
            continue
        lines.append(f"[{table}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in body.items() if v is not DROP]
        lines.append("")
    return "\n".join(lines) + "\n"


POWER = {"kind": "power_law", "d": 10, "beta": 2.0}
SOURCE = {"kind": "source", "r": 0.5}
GEN = {"n": 1, "T0": 30, "sigma0": 0.5}
DOWN = {"T": 20, "sigma": 0.5, "ridge": 0.01}
ISO = {"kind": "isotropic", "d": 10}
ISO_TEACHER = {"kind": "isotropic", "norm": 1.0}
EIG = {"kind": "eigenvalues", "values": [1.0, 0.5, 0.25]}
COEF = {"kind": "coefficients", "values": [1.0, -2.0, 3.0]}
OLS_DOWN = {"T": 60, "sigma": 0.5, "ridge": 0.0}


def scenario(spectrum=POWER, teacher=SOURCE, generators=GEN, downstream=DOWN, **changes) -> dict:
    """A small valid scenario; ``changes`` like ``spectrum__d=0`` set (or, with DROP, remove) one key."""
    data = {"spectrum": dict(spectrum), "teacher": dict(teacher), "generators": dict(generators),
            "downstream": dict(downstream)}
    for name, value in changes.items():
        table, key = name.split("__")
        data[table][key] = value
    return data


@dataclass(frozen=True)
class Case:
    """One input, the command run on it, and what must happen."""

    id: str
    key: str  # must appear in the message ("" for valid cases)
    file: object = None  # dict (scenario tables), str (TOML text) or bytes; written to FILE
    argv: tuple = ("predict", "{FILE}", "--json")
    expect: dict = field(default_factory=dict)  # valid cases: JSON field -> closed-form value


def file_case(id, key, data, argv=("predict", "{FILE}", "--json")) -> Case:
    return Case(id=id, key=key, file=data, argv=tuple(argv))


SIM = ("simulate", "{FILE}", "--trials", "4", "--jobs", "1", "--json")
MISSING = "{TMP}/no-such-scenario.toml"  # tripwire: fails fast if the option under test is accepted
DEEP = "[" * 1000 + "]" * 1000

# -- bad scenario files --------------------------------------------------------------------------
BAD_FILES: list[Case] = []


def bad(id, key, data, argv=("predict", "{FILE}", "--json")):
    BAD_FILES.append(file_case(id, key, data, argv))


# Wrong types, out of range, non-finite: one row per (key, value) for every key of the contract.
WRONG = {
    "spectrum.kind": (POWER, ["Isotropic", "", "eigen", 1, True, ["power_law"], Raw("1979-05-27")]),
    "spectrum.d": (POWER, [0, -1, -I64, 1.5, "abc", "", "-inf", "INF", True, False, [10], {"x": 1}, math.nan,
                           -math.inf, 1e308, 2**64, Raw("1979-05-27T07:32:00Z"), Raw("07:32:00")]),
    "spectrum.beta": (POWER, [1, 1.0, 0.5, 0, -2.0, math.nan, math.inf, -math.inf, "2", True, [2.0],
                              Raw("1979-05-27")]),
    "teacher.kind": (SOURCE, ["Source", "", 3, False, ["source"]]),
    "teacher.r": (SOURCE, [0, 0.0, -0.5, math.nan, math.inf, "0.5", True, [0.5]]),
    "teacher.norm": (ISO_TEACHER, [-1.0, -1e-300, math.nan, math.inf, -math.inf, "1", True, [1.0]]),
    "generators.n": (GEN, [-1, -I64, 1.5, 1.0, "2", True, math.nan, math.inf, [2], 2**64]),
    "generators.T0": (GEN, [0, -5, 1.5, 30.0, "30", True, math.nan, math.inf, [], [[30]], {"a": 30}]),
    "generators.sigma0": (GEN, [-1.0, -1e-300, math.nan, math.inf, "1", True, [[0.5]], Raw("1979-05-27")]),
    "downstream.T": (DOWN, [0, -1, 1.5, 20.0, "20", True, math.nan, math.inf, [20]]),
    "downstream.sigma": (DOWN, [-0.5, math.nan, math.inf, -math.inf, "0.5", True, [0.5]]),
    "downstream.ridge": (DOWN, [-1e-3, -1e-300, math.nan, math.inf, -math.inf, "0.01", True, [0.01],
                                Raw("1979-05-27")]),
}
for key, (base, values) in WRONG.items():
    table, name = key.split(".")
    for i, value in enumerate(values):
        tables = {"spectrum": POWER, "teacher": SOURCE, "generators": GEN, "downstream": DOWN}
        tables[table] = base
        if key == "teacher.norm":
            tables["spectrum"] = ISO
        bad(f"{key}={toml_value(value)[:30]}#{i}", key,
            scenario(**tables, **{f"{table}__{name}": value}))

# Missing keys, keys that do not belong to the kind, lists of the wrong length or content.
for key, data in {
    "spectrum.kind": scenario(spectrum__kind=DROP),
    "spectrum.d": scenario(spectrum__d=DROP),
    "spectrum.beta": scenario(spectrum__beta=DROP),
    "teacher.kind": scenario(teacher__kind=DROP),
    "teacher.r": scenario(teacher__r=DROP),
    "generators.n": scenario(generators__n=DROP),
    "generators.T0": scenario(generators__T0=DROP),
    "generators.sigma0": scenario(generators__sigma0=DROP),
    "downstream.T": scenario(downstream__T=DROP),
    "downstream.sigma": scenario(downstream__sigma=DROP),
    "downstream.ridge": scenario(downstream__ridge=DROP),
    "spectrum.values": scenario(spectrum={"kind": "eigenvalues"}, teacher=ISO_TEACHER),
    "teacher.values": scenario(spectrum=EIG, teacher={"kind": "coefficients"}),
}.items():
    bad(f"missing {key}", key, data)

for id, key, data in [
    ("beta with isotropic", "spectrum.beta", scenario(spectrum={**ISO, "beta": 2.0}, teacher=ISO_TEACHER)),
    ("values with power_law", "spectrum.values", scenario(spectrum__values=[1.0, 2.0])),
    ("d = inf string with isotropic", "spectrum.d", scenario(spectrum={**ISO, "d": "inf"}, teacher=ISO_TEACHER)),
    ("d = inf string with n >= 1", "spectrum.d", scenario(spectrum__d="inf")),
    ("d disagrees with values", "spectrum.d", scenario(spectrum={**EIG, "d": 4}, teacher=COEF)),
    ("values empty", "spectrum.values", scenario(spectrum={**EIG, "values": []}, teacher=COEF)),
    ("values zero", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, 0.0, 0.5]}, teacher=COEF)),
    ("values negative", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, -1.0, 0.5]}, teacher=COEF)),
    ("values nan", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, math.nan, 0.5]}, teacher=COEF)),
    ("values inf", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, math.inf, 0.5]}, teacher=COEF)),
    ("values string entry", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, "2", 0.5]}, teacher=COEF)),
    ("values bool entry", "spectrum.values", scenario(spectrum={**EIG, "values": [1.0, True, 0.5]}, teacher=COEF)),
    ("values a string", "spectrum.values", scenario(spectrum={**EIG, "values": "1, 2, 3"}, teacher=COEF)),
    ("values a number", "spectrum.values", scenario(spectrum={**EIG, "values": 1.0}, teacher=ISO_TEACHER)),
    ("values nested", "spectrum.values", scenario(spectrum={**EIG, "values": [[1.0, 0.5, 0.25]]}, teacher=ISO_TEACHER)),
    ("values 1000 deep", "spectrum.values", scenario(spectrum={**EIG, "values": Raw(DEEP)}, teacher=ISO_TEACHER)),
    ("source teacher on isotropic", "teacher.kind", scenario(spectrum=ISO)),
    ("isotropic teacher on d = inf", "teacher.kind",
     scenario(spectrum={**POWER, "d": "inf"}, teacher=ISO_TEACHER, generators={"n": 0})),
    ("r with isotropic teacher", "teacher.r", scenario(teacher={**ISO_TEACHER, "r": 0.5})),
    ("r with coefficients", "teacher.r", scenario(spectrum=EIG, teacher={**COEF, "r": 0.5})),
    ("norm with coefficients", "teacher.norm", scenario(spectrum=EIG, teacher={**COEF, "norm": 1.0})),
    ("coefficients too few", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0, 2.0]})),
    ("coefficients too many", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0] * 4})),
    ("coefficients empty", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": []})),
    ("coefficients nan", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0, math.nan, 1.0]})),
    ("coefficients inf", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0, -math.inf, 1.0]})),
    ("coefficients string", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0, "x", 1.0]})),
    ("coefficients bool", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1.0, False, 1.0]})),
    ("coefficients a number", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": 1.0})),
    ("coefficients nested", "teacher.values",
     scenario(spectrum=EIG, teacher={**COEF, "values": [[1.0], [2.0], [3.0]]})),
    ("coefficients on power_law d = inf", "teacher.values",
     scenario(spectrum={**POWER, "d": "inf"}, teacher=COEF, generators={"n": 0})),
    ("values with source teacher", "teacher.values", scenario(teacher={**SOURCE, "values": [1.0] * 10})),
    ("T0 list too short", "generators.T0", scenario(generators={"n": 3, "T0": [30, 30], "sigma0": 0.5})),
    ("T0 list too long", "generators.T0", scenario(generators={"n": 1, "T0": [30, 30], "sigma0": 0.5})),
    ("T0 list with zero", "generators.T0", scenario(generators={"n": 2, "T0": [30, 0], "sigma0": 0.5})),
    ("T0 list with string", "generators.T0", scenario(generators={"n": 2, "T0": [30, "x"], "sigma0": 0.5})),
    ("T0 list with float", "generators.T0", scenario(generators={"n": 2, "T0": [30, 30.5], "sigma0": 0.5})),
    ("T0 list with bool", "generators.T0", scenario(generators={"n": 2, "T0": [True, 30], "sigma0": 0.5})),
    ("T0 list for n = 0", "generators.T0", scenario(generators={"n": 0, "T0": [30], "sigma0": 0.5})),
    ("sigma0 list too short", "generators.sigma0", scenario(generators={"n": 3, "T0": 30, "sigma0": [0.5]})),
    ("sigma0 list too long", "generators.sigma0", scenario(generators={"n": 1, "T0": 30, "sigma0": [0.5, 0.5, 0.5]})),
    ("sigma0 list empty", "generators.sigma0", scenario(generators={"n": 2, "T0": 30, "sigma0": []})),
    ("sigma0 list with nan", "generators.sigma0", scenario(generators={"n": 2, "T0": 30, "sigma0": [0.5, math.nan]})),
    ("sigma0 list with negative", "generators.sigma0", scenario(generators={"n": 2, "T0": 30, "sigma0": [-0.5, 0.5]})),
    ("sigma0 list with string", "generators.sigma0", scenario(generators={"n": 2, "T0": 30, "sigma0": [0.5, "0.5"]})),
    ("T0 = d with noise", "generators.T0", scenario(generators={"n": 1, "T0": 10, "sigma0": 0.5})),
    ("T0 = d + 1 with noise", "generators.T0", scenario(generators={"n": 1, "T0": 11, "sigma0": 0.5})),
    ("T0 = d - 1 with noise", "generators.T0", scenario(generators={"n": 1, "T0": 9, "sigma0": 0.5})),
    ("T = d ridgeless", "downstream.T", scenario(downstream={**DOWN, "T": 10, "ridge": 0.0})),
    ("T = d + 1 ridgeless", "downstream.T", scenario(downstream={**DOWN, "T": 11, "ridge": 0.0})),
]:
    bad(id, key, data)

# Unknown keys and tables, structure, syntax.
for table, base in (("spectrum", POWER), ("teacher", SOURCE), ("generators", GEN), ("downstream", DOWN)):
    bad(f"unknown key in [{table}]", f"{table}.colour", scenario(**{f"{table}__colour": 1}))
    bad(f"misspelt key in [{table}]", f"{table}.{next(iter(base))}s", scenario(**{f"{table}__{next(iter(base))}s": 1}))
    bad(f"missing table [{table}]", table, {**scenario(), table: DROP})
    bad(f"[{table}] is a number", table, {**{k: v for k, v in scenario().items() if k != table}, table: 3})
    bad(f"[{table}] is an array of tables", table,
        toml_text({k: v for k, v in scenario().items() if k != table}) + f"[[{table}]]\nkind = 1\n")
bad("unknown table", "extras", {**scenario(), "extras": {"x": 1}})
bad("unknown top-level key", "title", {**scenario(), "title": "my run"})
bad("table name in capitals", "Spectrum",
    {"Spectrum": POWER, "teacher": SOURCE, "generators": GEN, "downstream": DOWN})
FILE_LEVEL = "{FILE}"  # the message must name the file
for id, text in [("empty file", ""), ("only a comment", "# nothing here\n"), ("only whitespace", " \n\t\n")]:
    bad(id, "spectrum", text)  # the first table missing (naming the file as well is better still)
for id, text in [
    ("duplicate key", toml_text(scenario()).replace("beta = 2.0", "beta = 2.0\nbeta = 3.0")),
    ("duplicate table", toml_text(scenario()) + "[spectrum]\nkind = \"isotropic\"\n"),
    ("unterminated string", toml_text(scenario()).replace('"power_law"', '"power_law')),
    ("unclosed table header", toml_text(scenario()).replace("[teacher]", "[teacher")),
    ("bare word value", toml_text(scenario()).replace('"power_law"', "power_law")),
    ("first line nests 1000 deep", f"x = {DEEP}\n" + toml_text(scenario())),
    ("inline tables 1000 deep", "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n" + toml_text(scenario())),
    ("JSON instead of TOML", json.dumps(scenario())),
    ("YAML instead of TOML", "spectrum:\n  kind: power_law\n  d: 10\n"),
    ("NUL byte", toml_text(scenario()).replace("[teacher]", "[teacher]\x00")),
    ("two BOMs", "\ufeff\ufeff" + toml_text(scenario())),
]:
    bad(id, FILE_LEVEL, text)
for id, blob in [
    ("Latin-1 byte in a comment", b"# caf\xe9\n" + toml_text(scenario()).encode()),
    ("UTF-16 file", toml_text(scenario()).encode("utf-16")),
    ("binary garbage", bytes(range(256)) * 4),
    ("gzip header", b"\x1f\x8b\x08\x00" + bytes(60)),
    ("lone surrogate bytes", b"# \xed\xa0\x80\n" + toml_text(scenario()).encode()),
]:
    bad(id, FILE_LEVEL, blob)

# Enormous sizes: refused up front by a memory estimate, naming the key (never a MemoryError).
for id, key, data in [
    ("isotropic d = 1e9", "spectrum.d", scenario(spectrum={**ISO, "d": 10**9}, teacher=ISO_TEACHER,
                                                 generators={"n": 0})),
    ("power_law d = 2^63-1, T0 < d", "spectrum.d", scenario(spectrum__d=I64)),
    ("isotropic d = 2^63-1", "spectrum.d", scenario(spectrum={**ISO, "d": I64}, teacher=ISO_TEACHER)),
    ("n = 2^63-1", "generators.n", scenario(generators__n=I64)),
    ("n = 2^63-1 with lists", "generators.n|generators.T0",
     scenario(generators={"n": I64, "T0": [30], "sigma0": [0.5]})),
]:
    bad(id, key, data)
# simulate: the simulator's sizes (T x d designs, d x d Gram matrices), estimated before any trial.
# (The conditional estimator draws no T x d design for T >= d: T = 2^63-1 is simulable there, below.)
PLAIN_SIM = (*SIM, "--estimator", "plain")
for id, key, data, argv in [
    ("simulate plain T = 2^63-1", "downstream.T", scenario(downstream__T=I64), PLAIN_SIM),
    ("simulate plain T0 = 2^63-1", "generators.T0", scenario(generators__T0=I64), PLAIN_SIM),
    ("simulate power_law d = 10^6, T0 = 2^63-1", "spectrum.d|generators.T0",
     scenario(spectrum={**POWER, "d": 10**6}, generators__T0=I64), SIM),
    ("simulate isotropic d = 1e9", "spectrum.d", scenario(spectrum={**ISO, "d": 10**9}, teacher=ISO_TEACHER), SIM),
    ("simulate isotropic d = 30000 (d^2 Gram)", "spectrum.d",
     scenario(spectrum={**ISO, "d": 30000}, teacher=ISO_TEACHER, generators={"n": 0}), SIM),
    ("simulate plain T = 10^8 x d = 10", "downstream.T", scenario(downstream__T=10**8), PLAIN_SIM),
    ("verify plain T = 2^63-1", "downstream.T", scenario(downstream__T=I64),
     ("verify", "{FILE}", "--trials", "4", "--jobs", "1", "--estimator", "plain")),
]:
    bad(id, key, data, argv)
bad("predict --precision 30, isotropic d = 10^7", "spectrum.d",
    scenario(spectrum={**ISO, "d": 10**7}, teacher=ISO_TEACHER, generators={"n": 0}),
    ("predict", "{FILE}", "--precision", "30"))
bad("n = 10^6 + 1", "generators.n", scenario(generators__n=10**6 + 1))
bad("sigma = 1e200, OLS (error beyond float64)", "downstream.sigma",
    scenario(generators={"n": 0}, downstream={**OLS_DOWN, "sigma": 1e200}))
bad("sigma0 = 1e200, OLS generators", "generators.sigma0",
    scenario(generators={"n": 1, "T0": 60, "sigma0": 1e200}, downstream=OLS_DOWN))
bad("coefficient 1e300", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1e300, 1.0, 1.0]}))
bad("simulate sigma = 1e200 names downstream.sigma", "downstream.sigma", scenario(downstream__sigma=1e200), SIM)
bad("simulate coefficient 1e200 names teacher.values", "teacher.values",
    scenario(spectrum=EIG, teacher={**COEF, "values": [1e200, 1.0, 1.0]}), SIM)
bad("ridgeless T = 2, power law d = 12, beta = 6 (negative corrected variance; Monte Carlo beyond its trial cap)",
    "downstream.T",
    scenario(spectrum={**POWER, "d": 12, "beta": 6.0}, teacher=ISO_TEACHER, generators={"n": 0},
             downstream={"T": 2, "sigma": 1.0, "ridge": 0.0}))
bad("report --scenarios, a file nested 1000 deep", "deep.toml", None,
    ("report", "--scenarios", "{DEEPDIR}", "--out", "{TMP}/r5"))

# -- bad command lines ---------------------------------------------------------------------------
OK = "{OK}"  # a small valid scenario file
BAD_COMMANDS: list[Case] = []


def bad_cmd(id, key, *argv):
    BAD_COMMANDS.append(Case(id=id, key=key, argv=tuple(argv)))


for value in ["0", "1", "14", "10001", "10" * 15, "abc", "", "-5", "1.5", "nan", "1e3"]:
    bad_cmd(f"predict --precision {value!r}", "--precision", "predict", OK, "--precision", value)
bad_cmd("optimal-ridge --precision 3", "--precision", "optimal-ridge", OK, "--precision", "3")
bad_cmd("verify --precision x", "--precision", "verify", OK, "--precision", "x")
for command in ("simulate", "verify"):
    for value in ["0", "1", "-1", "abc", "1.5", "", "1e3"]:
        bad_cmd(f"{command} --trials {value!r}", "--trials", command, OK, "--trials", value)
    bad_cmd(f"{command} --trials 99999999999999999999", "--trials", command, OK, "--trials", "99999999999999999999")
    bad_cmd(f"{command} --trials 10^12", "--trials", command, MISSING, "--trials", str(10**12))
    bad_cmd(f"{command} --seed 2^64", "--seed", command, MISSING, "--seed", str(2**64))
    for value in ["-1", "abc", "1.5", ""]:
        bad_cmd(f"{command} --seed {value!r}", "--seed", command, OK, "--seed", value)
    for value in ["0", "-1", "abc"]:
        bad_cmd(f"{command} --jobs {value!r}", "--jobs", command, OK, "--jobs", value)
    for value in ["1000", str(10**20)]:
        bad_cmd(f"{command} --jobs {value} (cap)", "--jobs", command, MISSING, "--jobs", value)
for value in ["-0.1", "1", "nan", "inf", "abc"]:
    bad_cmd(f"verify --allowance {value!r}", "--allowance", "verify", OK, "--allowance", value)
for value in ["0", "1", "-1", "abc"]:
    bad_cmd(f"report --trials {value!r}", "--trials", "report", "--trials", value, "--scenarios", MISSING)
for value in ["0", "abc", "1000", str(10**20)]:
    bad_cmd(f"report --jobs {value!r}", "--jobs", "report", "--jobs", value, "--scenarios", MISSING)
bad_cmd("report --seed -1", "--seed", "report", "--seed", "-1", "--scenarios", MISSING)
bad_cmd("report --scenarios missing", "--scenarios", "report", "--scenarios", MISSING, "--out", "{TMP}/r1")
bad_cmd("report --scenarios a file", "--scenarios", "report", "--scenarios", OK, "--out", "{TMP}/r2")
bad_cmd("report --scenarios empty folder", "--scenarios", "report", "--scenarios", "{EMPTYDIR}", "--out", "{TMP}/r3")
bad_cmd("report --scenarios with a bad file", "downstream.ridge", "report", "--scenarios", "{BADDIR}",
        "--out", "{TMP}/r4")
bad_cmd("report --out an existing file", "--out", "report", "--out", OK)
bad_cmd("report --out under a file", "--out", "report", "--out", OK + "/sub")
bad_cmd("report --fast", "--fast", "report", "--fast")
for value in ["1", "0.5", "0", "-2", "nan", "inf", "abc", ""]:
    bad_cmd(f"scaling --beta {value!r}", "--beta", "scaling", "--beta", value, "--r", "0.5")
for value in ["-1", "0", "nan", "-inf", "x"]:
    bad_cmd(f"scaling --r {value!r}", "--r", "scaling", "--beta", "2", "--r", value)
for value in ["-1", "nan", "inf"]:
    bad_cmd(f"scaling --a {value!r}", "--a", "scaling", "--beta", "2", "--r", "0.5", "--a", value)
bad_cmd("scaling without --beta", "--beta", "scaling", "--r", "0.5")
bad_cmd("scaling without --r", "--r", "scaling", "--beta", "2")
bad_cmd("scaling --gamma", "--gamma", "scaling", "--beta", "2", "--r", "0.5", "--gamma", "1")
for command in ("predict", "simulate", "verify", "optimal-ridge"):
    bad_cmd(f"{command} missing file", "no-such-scenario.toml", command, MISSING)
    bad_cmd(f"{command} directory as file", "{TMP}", command, "{TMP}")
    bad_cmd(f"{command} no SCENARIO", "SCENARIO", command)
bad_cmd("predict unknown option", "--colour", "predict", OK, "--colour")
bad_cmd("predict two scenarios", "{OK}", "predict", OK, OK)
bad_cmd("predict --json=yes", "--json", "predict", OK, "--json=yes")
bad_cmd("predict symlink loop", "loop.toml", "predict", "{TMP}/loop.toml")
bad_cmd("predict /dev/null", "spectrum", "predict", "/dev/null")
bad_cmd("derive unknown name", "no_such_result", "derive", "no_such_result")
bad_cmd("derive --out into a missing folder", "--out", "derive", "--out", "{TMP}/missing/dir/x.tex")
bad_cmd("derive --out a folder", "--out", "derive", "--out", "{TMP}")
bad_cmd("unknown command", "predcit", "predcit", OK)
bad_cmd("no command", "COMMAND")

# -- valid but extreme: must be answered ---------------------------------------------------------
W0_EIG = 1.0 * 1.0 + 0.5 * 4.0 + 0.25 * 9.0  # ‖w0‖²_Σ of EIG/COEF: Σ λ_j c_j² = 5.25
VALID: list[Case] = []


def valid(id, data, expect=None, argv=("predict", "{FILE}", "--json")):
    VALID.append(Case(id=id, key="", file=data, argv=tuple(argv), expect=expect or {}))


OLS_EXACT = lambda s, d, T: s * (s * d / (T - d - 1))  # noqa: E731  (THEORY.md §3.1, exact; no overflow at s = 1e154)
for ridge in (1e160, 1e200, 1e300, 1.7e308):
    # λ → ∞: ŵ_pred → 0, E_test → ‖w0‖²_Σ, with corrections O(1/λ) far below 1e-12.
    valid(f"ridge = {ridge:g}, eigenvalues, OLS generators", scenario(spectrum=EIG, teacher=COEF,
          generators={"n": 2, "T0": 30, "sigma0": 1.0}, downstream={**DOWN, "ridge": ridge}),
          {"test_error": W0_EIG, "clean_error": W0_EIG})
valid("ridge = 1e200, power law, source norm 2", scenario(teacher={**SOURCE, "norm": 2.0}, generators={"n": 0},
      downstream__ridge=1e200), {"test_error": 2.0})
valid("ridge = 1e200, isotropic, norm 3, T0 < d", scenario(spectrum=ISO, teacher={**ISO_TEACHER, "norm": 3.0},
      generators={"n": 2, "T0": 5, "sigma0": 1.0}, downstream__ridge=1e200), {"test_error": 3.0})
valid("ridge = 1e200, d = inf", scenario(spectrum={**POWER, "d": "inf"}, generators={"n": 0},
      downstream__ridge=1e200), {"test_error": 1.0})
valid("sigma = 1e154, OLS", scenario(generators={"n": 0}, downstream={**OLS_DOWN, "sigma": 1e154}),
      {"test_error": OLS_EXACT(1e154, 10, 60)})
valid("sigma0 = 1e154, OLS", scenario(generators={"n": 1, "T0": 60, "sigma0": 1e154}, downstream=OLS_DOWN),
      {"test_error": OLS_EXACT(1e154, 10, 60) + OLS_EXACT(0.5, 10, 60)})
valid("sigma = 1e150, ridge", scenario(generators={"n": 0}, downstream__sigma=1e150))
valid("sigma0 = 1e150, T0 < d", scenario(generators={"n": 1, "T0": 5, "sigma0": 1e150}))
valid("T0 = 2^63-1", scenario(generators={"n": 1, "T0": I64, "sigma0": 1.0}, downstream=OLS_DOWN),
      {"test_error": OLS_EXACT(0.5, 10, 60) + OLS_EXACT(1.0, 10, I64)})
valid("T = 2^63-1, ridgeless", scenario(generators={"n": 0}, downstream={**OLS_DOWN, "T": I64}),
      {"test_error": OLS_EXACT(0.5, 10, I64)})
valid("n = 10^5 OLS generators", scenario(generators={"n": 10**5, "T0": 60, "sigma0": 0.1}, downstream=OLS_DOWN),
      {"test_error": OLS_EXACT(0.5, 10, 60) + 10**5 * OLS_EXACT(0.1, 10, 60)})
valid("norm = 0", scenario(spectrum=ISO, teacher={**ISO_TEACHER, "norm": 0.0}, generators={"n": 0},
      downstream=OLS_DOWN), {"test_error": OLS_EXACT(0.5, 10, 60)})
valid("everything noiseless OLS", scenario(generators={"n": 3, "T0": 40, "sigma0": 0.0},
      downstream={**OLS_DOWN, "sigma": 0.0}), {"test_error": 0.0})
valid("ridge = -0.0", scenario(generators={"n": 0}, downstream={**OLS_DOWN, "ridge": -0.0}),
      {"test_error": OLS_EXACT(0.5, 10, 60)})
valid("d in hex", scenario(spectrum={**ISO, "d": Raw("0xA")}, teacher=ISO_TEACHER, generators={"n": 0},
      downstream=OLS_DOWN), {"test_error": OLS_EXACT(0.5, 10, 60)})
valid("T0 schedule, mixed regimes", scenario(generators={"n": 3, "T0": [5, 60, 8], "sigma0": [0.0, 1.0, 0.5]}))
VALID_TEXT = [  # valid files whose text is the point
    ("UTF-8 byte-order mark", "\ufeff" + toml_text(scenario(generators={"n": 0}, downstream=OLS_DOWN)),
     {"test_error": OLS_EXACT(0.5, 10, 60)}),
    ("CRLF line ends", toml_text(scenario()).replace("\n", "\r\n"), {}),
    ("comments and blank lines everywhere", "# top\n\n" + toml_text(scenario()).replace("\n", "  # c\n\n"), {}),
]
for id, text, expect in VALID_TEXT:
    valid(id, text, expect)
# Scaling: exponents are piecewise-linear in (β, r); β = 1e308 is a finite valid input.
SCALING_VALID = [
    # ell_crit = β/(1 + 2β·min(r,1)) → 1/(2·min(r,1)) as β → ∞.
    ("scaling --beta 1e308 --r 0.5", ("scaling", "--beta", "1e308", "--r", "0.5", "--json"), {"ell_crit": 1.0}),
    ("scaling --beta 1e308 --r 2", ("scaling", "--beta", "1e308", "--r", "2", "--json"), {"ell_crit": 0.5}),
    ("scaling --beta 1e300 --r 1e-300", ("scaling", "--beta", "1e300", "--r", "1e-300", "--json"), {}),
    ("scaling --beta 1.0000000001 --r 1e300", ("scaling", "--beta", "1.0000000001", "--r", "1e300", "--json"),
     {"ell_crit": 1.0000000001 / (1 + 2 * 1.0000000001)}),
]
for id, argv, expect in SCALING_VALID:
    VALID.append(Case(id=id, key="", argv=argv, expect=expect))
VALID.append(Case(id="simulate --seed 2^63-1", key="", file=scenario(), argv=(*SIM, "--seed", str(I64))))
# the conditional estimator samples XᵀX (Bartlett) for T, T0 >= d: no T x d design is drawn
VALID.append(Case(id="simulate T = 2^63-1 (conditional)", key="", file=scenario(downstream__T=I64), argv=SIM))
VALID.append(Case(id="simulate T0 = 2^63-1 (conditional)", key="", file=scenario(generators__T0=I64), argv=SIM))

# Answered or refused, both acceptable: a finite non-negative answer, or exit 2 naming the key.
# (The true value may exceed float64, e.g. σ² ≥ 1e308 times a factor above 1.)
EITHER: list[Case] = []
for id, key, data, argv in [
    ("sigma = 1e154, ridge", "downstream.sigma", scenario(downstream__sigma=1e154), None),
    ("sigma = 1e200", "downstream.sigma", scenario(downstream__sigma=1e200), None),
    ("sigma0 = 1e154", "generators.sigma0", scenario(generators__sigma0=1e154), None),
    ("sigma0 = 1e200, T0 < d", "generators.sigma0", scenario(generators={"n": 1, "T0": 5, "sigma0": 1e200}), None),
    ("norm = 1e308", "teacher.norm", scenario(teacher={**SOURCE, "norm": 1e308}), None),
    ("norm = 1e308 isotropic", "teacher.norm", scenario(spectrum=ISO, teacher={**ISO_TEACHER, "norm": 1e308}), None),
    ("coefficient 1e200", "teacher.values", scenario(spectrum=EIG, teacher={**COEF, "values": [1e200, 1.0, 1.0]}),
     None),
    ("eigenvalue 1e300", "spectrum.values", scenario(spectrum={**EIG, "values": [1e300, 1.0, 1.0]}, teacher=COEF),
     None),
    ("eigenvalue 1e-300", "spectrum.values", scenario(spectrum={**EIG, "values": [1e-300, 1.0, 1.0]}, teacher=COEF),
     None),
    ("beta = 1e308", "spectrum.beta", scenario(spectrum__beta=1e308), None),
    ("r = 1e308", "teacher.r", scenario(teacher__r=1e308), None),
    ("T0 = 2^63-1, T0 list", "generators.T0", scenario(generators={"n": 2, "T0": [I64, 30], "sigma0": 0.5}), None),
    ("T = 2^63-1, ridge", "downstream.T", scenario(downstream__T=I64), None),
    ("T = 2^64, ridge", "downstream.T", scenario(downstream__T=2**64), None),
    ("T0 = 2^64", "generators.T0", scenario(generators__T0=2**64), None),
    # Large power laws with clean generators are summed without O(d) arrays (numerics/sums.py).
    ("power_law d = 1e9, n = 0", "spectrum.d", scenario(spectrum__d=10**9, generators={"n": 0}), None),
    ("power_law d = 2^63-1, n = 0", "spectrum.d", scenario(spectrum__d=I64, generators={"n": 0}), None),
    ("ridge = 1e-300", "downstream.ridge", scenario(downstream__ridge=1e-300), None),
    # Ridgeless T < d with a steep spectrum: the finite-size corrected variance must stay >= 0.
    ("ridgeless T = 1, power law d = 3, beta = 4", "downstream.T",
     scenario(spectrum={**POWER, "d": 3, "beta": 4.0}, teacher=ISO_TEACHER, generators={"n": 0},
              downstream={"T": 1, "sigma": 1.0, "ridge": 0.0}), None),
    ("ridgeless T = 1, eigenvalues 1, e^2, e^-2", "downstream.T",
     scenario(spectrum={**EIG, "values": [1.0, math.exp(2), math.exp(-2)]}, teacher=ISO_TEACHER, generators={"n": 0},
              downstream={"T": 1, "sigma": 1.0, "ridge": 0.0}), None),
    ("ridgeless T = 1, power law d = 27, T0 < d", "downstream.T",
     scenario(spectrum={**POWER, "d": 27, "beta": 5.5}, generators={"n": 4, "T0": 8, "sigma0": 0.0},
              downstream={"T": 1, "sigma": 3.0, "ridge": 0.0}), None),
    ("simulate sigma = 1e200", "downstream.sigma", scenario(downstream__sigma=1e200), SIM),
    ("simulate sigma0 = 1e200", "generators.sigma0", scenario(generators__sigma0=1e200), SIM),
    ("simulate coefficient 1e200", "teacher.values",
     scenario(spectrum=EIG, teacher={**COEF, "values": [1e200, 1.0, 1.0]}), SIM),
    ("simulate ridge = 1e300", "downstream.ridge", scenario(downstream__ridge=1e300), SIM),
]:
    EITHER.append(file_case(id, key, data, argv or ("predict", "{FILE}", "--json")))
EITHER.append(Case(id="simulate --seed 10^100", key="--seed", file=scenario(), argv=(*SIM, "--seed", str(10**100))))

# d written as a TOML float: the issue finds `d = inf` accepted and `d = 50.0` refused. Which way
# is the integrator's call; this list must get ONE verdict (all answered, or all refused naming
# spectrum.d). `d = "inf"` (a string) is the contract's spelling and stays valid.
D_AS_FLOAT = [
    file_case("d = inf (bare TOML float)", "spectrum.d", scenario(spectrum__d=math.inf, generators={"n": 0})),
    file_case("d = +inf (bare TOML float)", "spectrum.d", scenario(spectrum__d=Raw("+inf"), generators={"n": 0})),
    file_case("d = 10.0", "spectrum.d", scenario(spectrum__d=10.0, generators={"n": 0})),
    file_case("d = 1e1", "spectrum.d", scenario(spectrum__d=Raw("1e1"), generators={"n": 0})),
]

# verify never prints inf or nan (z-score, tolerance, relative difference).
VERIFY_FINITE = [
    file_case("verify ridge = 1e100 --json", "", scenario(downstream__ridge=1e100),
              ("verify", "{FILE}", "--trials", "4", "--jobs", "1", "--json")),
    file_case("verify ridge = 1e100 (table)", "", scenario(downstream__ridge=1e100),
              ("verify", "{FILE}", "--trials", "4", "--jobs", "1")),
    file_case("verify noiseless OLS (SE = 0)", "", scenario(generators={"n": 1, "T0": 40, "sigma0": 0.0},
              downstream={**OLS_DOWN, "sigma": 0.0}), ("verify", "{FILE}", "--trials", "4", "--jobs", "1", "--json")),
    file_case("verify noiseless OLS (SE = 0, table)", "", scenario(generators={"n": 1, "T0": 40, "sigma0": 0.0},
              downstream={**OLS_DOWN, "sigma": 0.0}), ("verify", "{FILE}", "--trials", "4", "--jobs", "1")),
    file_case("verify ridge = 1e200, eigenvalues", "", scenario(spectrum=EIG, teacher=COEF, downstream__ridge=1e200),
              ("verify", "{FILE}", "--trials", "4", "--jobs", "1", "--json")),
]

ALL = BAD_FILES + BAD_COMMANDS + VALID + EITHER + D_AS_FLOAT + VERIFY_FINITE
# Also through the real executable: the driver must see what a user sees.
THROUGH_EXECUTABLE = ["spectrum.d=0#0", "first line nests 1000 deep", "simulate --trials 99999999999999999999",
                      "report --trials '0'", "ridge = 1e+200, eigenvalues, OLS generators", "UTF-8 byte-order mark",
                      "n = 2^63-1", "scaling --beta 1e308 --r 0.5"]


# -- running -------------------------------------------------------------------------------------
def _materialise(case: Case, folder: Path, index: int) -> list[str]:
    names = {"{TMP}": str(folder), "{OK}": str(folder / "ok.toml"), "{EMPTYDIR}": str(folder / "empty"),
             "{BADDIR}": str(folder / "bad"), "{DEEPDIR}": str(folder / "deep")}
    if case.file is not None:
        path = folder / f"case{index:04d}.toml"
        if isinstance(case.file, dict):
            path.write_text(toml_text(case.file), encoding="utf-8")
        elif isinstance(case.file, str):
            path.write_bytes(case.file.encode("utf-8"))
        else:
            path.write_bytes(case.file)
        names["{FILE}"] = str(path)
    argv = []
    for word in case.argv:
        for placeholder, value in names.items():
            word = word.replace(placeholder, value)
        argv.append(word)
    return argv


def _expected_name(case: Case, argv: list[str]) -> str:
    """The name the message must contain: the key, or for a file-level fault the file's name."""
    return Path(argv[1]).name if case.key == FILE_LEVEL else case.key


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Run every case once in one child interpreter; results by case id."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "ok.toml").write_text(toml_text(scenario()), encoding="utf-8")
    (folder / "empty").mkdir()
    (folder / "bad").mkdir()
    (folder / "bad" / "a.toml").write_text(toml_text(scenario(downstream__ridge=-1.0)), encoding="utf-8")
    (folder / "deep").mkdir()
    (folder / "deep" / "deep.toml").write_text(f"x = {DEEP}\n" + toml_text(scenario()), encoding="utf-8")
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    argvs = [_materialise(case, folder, i) for i, case in enumerate(ALL)]
    (folder / "cases.json").write_text(json.dumps(argvs), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(folder / "cases.json"), str(folder / "results.json"),
                           str(ADDRESS_SPACE), str(CASE_SECONDS)],
                          capture_output=True, text=True, env=CHILD_ENV, timeout=600, cwd=folder)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {case.id: (argv, result) for case, argv, result in zip(ALL, argvs, results)}, folder


def _show(argv, result) -> str:
    return f"argv={argv}\nexit={result['rc']}\nstderr={result['stderr'][-1500:]!r}\nstdout={result['stdout'][:500]!r}"


def assert_refused(argv, result, name: str) -> None:
    err = result["stderr"]
    lines = err.splitlines()
    assert result["rc"] == 2, _show(argv, result)
    assert "Traceback" not in err, _show(argv, result)
    assert len(lines) == 1, _show(argv, result)
    assert lines[0].startswith(PREFIX), _show(argv, result)
    # "a|b": either name will do (e.g. a list whose length disagrees with a huge n)
    assert any(n in lines[0] for n in name.split("|")), f"message does not name {name!r}\n" + _show(argv, result)
    assert result["stdout"] == "", _show(argv, result)


def _numbers(obj):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)


def assert_answered(argv, result, expect: dict) -> dict:
    assert result["rc"] == 0, _show(argv, result)
    out = json.loads(result["stdout"])
    for x in _numbers(out):
        assert math.isfinite(x), _show(argv, result)
    for key in ("test_error", "clean_error", "collapse", "bias", "variance", "mean", "stderr"):
        if key in out:
            assert out[key] >= 0, f"{key} negative\n" + _show(argv, result)
    for key, value in expect.items():
        assert out[key] == pytest.approx(value, rel=1e-12, abs=1e-300), f"{key}\n" + _show(argv, result)
    return out


def _ids(cases):
    return [c.id for c in cases]


@pytest.mark.parametrize("case", BAD_FILES, ids=_ids(BAD_FILES))
def test_bad_scenario_file_is_refused_naming_the_key(corpus, case):
    argv, result = corpus[0][case.id]
    assert_refused(argv, result, _expected_name(case, argv))


@pytest.mark.parametrize("case", BAD_COMMANDS, ids=_ids(BAD_COMMANDS))
def test_bad_command_line_is_refused_naming_the_option(corpus, case):
    argv, result = corpus[0][case.id]
    name = case.key
    for placeholder, value in {"{TMP}": str(corpus[1]), "{OK}": str(corpus[1] / "ok.toml")}.items():
        name = name.replace(placeholder, value)
    assert_refused(argv, result, name)
    if case.id.startswith("report --trials") and case.id.split("'")[1] in ("0", "1", "-1"):
        assert "[2, " in result["stderr"], "--trials 0 and --trials 1 must state the same limit\n" + _show(argv, result)


@pytest.mark.parametrize("case", VALID, ids=_ids(VALID))
def test_valid_extreme_input_is_answered(corpus, case):
    argv, result = corpus[0][case.id]
    assert_answered(argv, result, case.expect)


@pytest.mark.parametrize("case", EITHER, ids=_ids(EITHER))
def test_extreme_input_is_answered_or_refused_naming_the_key(corpus, case):
    argv, result = corpus[0][case.id]
    if result["rc"] == 0:
        assert_answered(argv, result, {})
    else:
        assert_refused(argv, result, case.key)


def test_d_written_as_a_float_gets_one_verdict(corpus):
    """`d = inf`, `d = +inf`, `d = 10.0`, `d = 1e1`: all answered, or all refused naming spectrum.d."""
    verdicts = {}
    for case in D_AS_FLOAT:
        argv, result = corpus[0][case.id]
        if result["rc"] == 0:
            assert_answered(argv, result, {})
            verdicts[case.id] = "answered"
        else:
            assert_refused(argv, result, "spectrum.d")
            verdicts[case.id] = "refused"
    assert len(set(verdicts.values())) == 1, f"inconsistent: {verdicts}"


@pytest.mark.parametrize("case", VERIFY_FINITE, ids=_ids(VERIFY_FINITE))
def test_verify_never_prints_inf_or_nan(corpus, case):
    argv, result = corpus[0][case.id]
    assert result["rc"] in (0, 1), _show(argv, result)
    words = result["stdout"].lower().replace(",", " ").split()
    assert not {"inf", "-inf", "nan", "infinity", "-infinity"} & set(words), _show(argv, result)
    if "--json" in argv:
        for x in _numbers(json.loads(result["stdout"])):
            assert math.isfinite(x), _show(argv, result)


@pytest.mark.parametrize("case_id", THROUGH_EXECUTABLE)
def test_real_executable_agrees_with_the_driver(corpus, case_id):
    argv, seen = corpus[0][case_id]
    assert EXECUTABLE.exists(), f"no modelcollapse next to {sys.executable}"
    proc = subprocess.run([str(EXECUTABLE), *argv], capture_output=True, text=True, env=CHILD_ENV, timeout=120,
                          cwd=corpus[1])
    assert proc.returncode == seen["rc"], _show(argv, {"rc": proc.returncode, "stderr": proc.stderr,
                                                      "stdout": proc.stdout})
    if proc.returncode == 2 and "Traceback" not in proc.stderr:
        assert proc.stderr == seen["stderr"]


def test_corpus_size():
    """The corpus the issue asks for: >= 150 bad files, >= 60 bad command lines."""
    assert len(BAD_FILES) >= 150 and len(BAD_COMMANDS) >= 60
    assert len({c.id for c in ALL}) == len(ALL), "case ids must be unique"
