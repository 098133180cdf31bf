"""The tidy table of a sweep: rows from stored payloads, and the ``.csv``/``.json``/``.parquet`` files.

Columns, in this order: the varied keys (named exactly as given), then the fields of
``predict --json`` flattened with dots (``test_error, clean_error, collapse, bias, variance,
kappa, provenance.clean_error, provenance.collapse, precision, iterations, residual, notes,
exact``, then any further fields such as ``allowance``, ``parts.*``, ``digits.*`` or, for a Monte Carlo
prediction, ``monte_carlo.*`` with its standard errors), then with simulation ``mean, stderr, trials,
seed, z, allowance_applied, tolerance, passed`` (the check of ``verify``: ``passed`` when
``|test_error − mean| <= 4·√(stderr² + SE_theory²) + allowance·|test_error|``, the allowance being the
measured accuracy of the row's provenance; ``estimator`` when one was asked for; ``seed`` on every
row, simulated or not, so it is never missing), and last
``error``: why a point has no theory or no simulation (null when it has both). ``notes`` is
the prediction's notes joined with ``"; "`` (missing when there are none).
``z = (test_error − mean)/√(stderr² + SE_theory²)`` (``SE_theory``: a Monte Carlo prediction's, else 0;
0 when both agree exactly with no standard error; null when undefined).
Missing values are ``NaN``/``<NA>`` in the DataFrame, empty in CSV, ``null`` in JSON and Parquet — never a NaN number.
Integer columns (``seed``, ``trials``, ``iterations``, integer keys) are exact ``Int64`` / ``int64``
in every format, never passed through float64 (a 63-bit seed would round to another seed).

Files are written atomically (:func:`modelcollapse.derivations.atomic.write_bytes`): a killed run leaves
either the previous file or the complete new one, never a truncated table.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from modelcollapse.derivations.atomic import write_bytes
from modelcollapse.derivations.verify import Z_LIMIT

__all__ = ["build_table", "write_table", "read_table", "table_bytes", "table_json",
           "vary_columns", "FORMATS"]

FORMATS = (".csv", ".json", ".parquet")
PREDICTION_COLUMNS = ("test_error", "clean_error", "collapse", "bias", "variance", "kappa",
                      "provenance.clean_error", "provenance.collapse", "precision", "iterations", "residual",
                      "notes", "exact")
SIMULATION_COLUMNS = ("mean", "stderr", "trials", "seed", "z", "allowance_applied", "tolerance", "passed")
INTEGER_COLUMNS = ("iterations", "trials", "seed", "monte_carlo.trials", "monte_carlo.seed")
BOOLEAN_COLUMNS = ("exact", "passed")
TEXT_COLUMNS = ("precision", "notes", "estimator", "error", "monte_carlo.estimator", "monte_carlo.reason")
# The first column after the varied keys is always one of these (a table always has ``error``).
_FIRST_FIELDS = ("test_error", *PREDICTION_COLUMNS, *SIMULATION_COLUMNS, "estimator", "error")


def _flatten(prefix: str, obj: dict, out: dict) -> None:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(f"{name}.", value, out)
        elif isinstance(value, list):
            out[name] = "; ".join(map(str, value)) or None  # no notes: missing (empty in CSV)
        else:
            out[name] = value


def _z(theory, mean, stderr):
    if theory is None or mean is None:
        return None
    diff = theory - mean
    if stderr == 0:
        return 0.0 if diff == 0 else None
    z = diff / stderr
    return z if math.isfinite(z) else None


def _check(fields: dict, mean: float, stderr: float) -> dict:
    """``z``, the allowance applied, the tolerance and pass/fail of a simulated row (as ``verify`` decides)."""
    theory = fields.get("test_error")
    if theory is None:
        return {"z": None, "allowance_applied": None, "tolerance": None, "passed": None}
    se = math.hypot(stderr, fields.get("monte_carlo.stderr.test_error") or 0.0)
    allowance = fields.get("allowance")
    allowance = 0.0 if allowance is None else float(allowance)
    tolerance = Z_LIMIT * se + allowance * abs(theory)
    return {"z": _z(theory, mean, se), "allowance_applied": allowance, "tolerance": tolerance,
            "passed": bool(abs(theory - mean) <= tolerance)}


def build_table(axes, points, theory, simulation=None, *, estimator=None, seeds=None) -> pd.DataFrame:
    """The tidy DataFrame of a sweep.

    Parameters
    ----------
    axes : sequence of Axis
    points : list of tuple
        Grid points (one value per axis), in row order.
    theory, simulation : list of dict
        One payload per point (``simulation`` None without simulation; an entry None for a
        point not simulated).
    seeds : list of int, optional
        Every point's simulation seed, simulated or not (``seed`` is then never missing, so a
        plain ``pandas.read_csv`` reads it as exact ``int64``); default: the simulated rows' own.
    """
    rows, extra = [], []
    for i, values in enumerate(points):
        row = {a.key: v for a, v in zip(axes, values)}
        errors = []
        fields: dict = {}
        if "prediction" in theory[i]:
            _flatten("", theory[i]["prediction"], fields)
        else:
            errors.append(theory[i]["error"])
        for name in fields:
            if name not in PREDICTION_COLUMNS and name not in extra:
                extra.append(name)
        row.update(fields)
        if simulation is not None:
            sim = simulation[i]
            if seeds is not None:
                row["seed"] = seeds[i]
            if sim is None:  # not simulated (simulate_every)
                pass
            elif "error" in sim:
                errors.append(sim["error"])
            else:
                row.update({k: sim[k] for k in ("mean", "stderr", "trials", "seed")})
                row.update(_check(fields, sim["mean"], sim["stderr"]))
                if estimator is not None:
                    row["estimator"] = sim.get("estimator", estimator)
        row["error"] = "; ".join(errors) if errors else None
        rows.append(row)
    columns = [a.key for a in axes] + list(PREDICTION_COLUMNS) + extra
    if simulation is not None:
        columns += list(SIMULATION_COLUMNS) + (["estimator"] if estimator is not None else [])
    columns.append("error")
    df = _apply_dtypes(_frame(rows, columns), [a.key for a in axes])
    df.attrs["vary"] = [a.key for a in axes]
    df.attrs["log"] = [a.key for a in axes if a.log]
    return df


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _frame(rows: list[dict], columns) -> pd.DataFrame:
    """The records as a DataFrame, integer columns as exact ``Int64``.

    ``pandas.DataFrame.from_records`` sends an integer column with a missing value through
    float64, which rounds a 63-bit seed (5779212562200703024 became ...2976); here a column
    whose values are all integers (or missing) is built from the Python ints directly.
    """
    df = pd.DataFrame.from_records(rows, columns=columns)
    for name in columns:
        values = [row.get(name) for row in rows]
        present = [v for v in values if v is not None]
        if name in INTEGER_COLUMNS or (present and all(map(_is_integer, present))):
            df[name] = pd.array(values, dtype="Int64")
    return df


def _is_text(name: str) -> bool:
    return name in TEXT_COLUMNS or name.startswith(("provenance.", "digits."))


def _apply_dtypes(df: pd.DataFrame, keys) -> pd.DataFrame:
    """One schema whatever the file format: nullable ints and booleans, ``string`` text, float64."""
    for name in df.columns:
        column = df[name]
        if name in keys:  # grid values are never missing: plain numpy dtypes
            if pd.api.types.is_bool_dtype(column):
                df[name] = column.astype("bool")
            elif pd.api.types.is_integer_dtype(column):
                df[name] = column.astype("int64")
            elif pd.api.types.is_numeric_dtype(column):
                df[name] = column.astype("float64")
            else:
                df[name] = column.astype("string")
        elif name in INTEGER_COLUMNS:
            df[name] = column.astype("Int64")
        elif name in BOOLEAN_COLUMNS:
            df[name] = column.astype("boolean")
        elif _is_text(name):
            df[name] = column.astype("string")
        elif pd.api.types.is_integer_dtype(column) and column.notna().any():
            df[name] = column.astype("Int64")  # a further integer field, kept exact
        elif column.isna().all() or pd.api.types.is_numeric_dtype(column):
            df[name] = column.astype("float64")  # all missing: every theory failed at these points
        else:  # a field a later predict may add: numbers if they all are, else text
            try:
                df[name] = pd.to_numeric(column).astype("float64")
            except (ValueError, TypeError):
                df[name] = column.astype("string")
    return df


def vary_columns(df: pd.DataFrame) -> list[str]:
    """The varied keys of a sweep table (``df.attrs["vary"]``, or the columns before the fields)."""
    if df.attrs.get("vary"):
        return list(df.attrs["vary"])
    keys = []
    for name in df.columns:
        if name in _FIRST_FIELDS:
            break
        keys.append(name)
    return keys


def _plain(value):
    """A JSON value: numpy scalars as Python numbers, missing values (NaN, NA, None) as None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def table_json(df: pd.DataFrame) -> dict:
    """The table as one JSON object: ``{"vary": [...], "columns": [...], "rows": [{...}, ...]}``."""
    columns = list(df.columns)
    rows = [{c: _plain(v) for c, v in zip(columns, record)} for record in df.itertuples(index=False, name=None)]
    return {"vary": vary_columns(df), "columns": columns, "rows": rows}


def table_bytes(df: pd.DataFrame, suffix: str) -> bytes:
    """The file contents of the table in the format of ``suffix`` (``.csv``, ``.json``, ``.parquet``)."""
    if suffix == ".csv":
        return df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if suffix == ".json":
        return (json.dumps(table_json(df), indent=2, allow_nan=False) + "\n").encode("utf-8")
    if suffix == ".parquet":
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False, engine="pyarrow")
        return buffer.getvalue()
    raise ValueError(f"--out: unknown format {suffix!r}; expected one of {', '.join(FORMATS)}")


def write_table(df: pd.DataFrame, path) -> Path:
    """Write the table to ``path`` atomically, in the format of its suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, table_bytes(df, path.suffix.lower()))
    return path


def read_table(path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` back into the DataFrame it came from."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path, engine="pyarrow")
    elif suffix == ".json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        df = _frame(doc["rows"], doc["columns"])
        df.attrs["vary"] = doc["vary"]
    elif suffix == ".csv":
        header = pd.read_csv(path, nrows=0).columns
        dtypes = {c: "Int64" for c in INTEGER_COLUMNS if c in header}
        dtypes.update({c: "boolean" for c in BOOLEAN_COLUMNS if c in header})
        exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}  # 3: the default
        # numpy_nullable: an integer column with blanks is read as Int64, never through float64
        df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""], dtype_backend="numpy_nullable",
                         **exact)
    else:
        raise ValueError(f"unknown table format {suffix!r}; expected one of {', '.join(FORMATS)}")
    keys = vary_columns(df)
    df = _apply_dtypes(df, keys)
    df.attrs["vary"] = keys
    return df
