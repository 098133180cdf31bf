"""The crash-safe store of a sweep: every finished computation, keyed by a hash of what it is.

Why SQLite (stdlib ``sqlite3``) and not an append-only Parquet dataset:

* **Atomic per point.** Each result is one ``INSERT`` in its own transaction. In WAL mode a
  commit is one append to the ``-wal`` file plus a commit frame; a process killed at any
  instant (SIGKILL included) leaves the database with either the whole record or none of it,
  and the next open rolls back an incomplete tail by itself. An append-only Parquet dataset
  would need one file per point (thousands of small files, each written temp-then-rename) and
  a reader that skips torn files; SQLite gives that for free, in one file.
* **A key-value lookup is what resuming needs.** ``SELECT payload WHERE key = ?`` on a primary
  key, for any subset of points, in any order, with no scan.
* **One writer, any number of readers.** Only the process that drives the sweep writes (the
  workers, local or on a Dask cluster, return results to it), so there is no write contention;
  WAL lets another process read the store while a sweep runs.
* **Durability.** ``synchronous=NORMAL`` in WAL mode loses nothing when a *process* dies (the
  committed pages are in the OS cache); only a power cut can drop the last few commits, and
  never corrupts the file — those points are then simply recomputed.

The key of a record is the SHA-256 of a canonical JSON document of everything the result
depends on: the validated scenario (``Scenario.to_dict()``), what was computed (``"theory"`` at
a precision, or ``"simulation"`` with its trials, seed and estimator) and the toolkit version.
Payloads are JSON text (``json`` writes floats with ``repr``, so they read back bit-identical).
Several sweeps may share one store: identical points are computed once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import time
from importlib import metadata
from pathlib import Path

__all__ = ["SweepStore", "record_key", "canonical_json", "encode_payload", "normalise_payload", "toolkit_version"]

SCHEMA_VERSION = 1


@functools.cache  # importlib.metadata parses the package's METADATA: ~1 ms, once per key otherwise
def toolkit_version() -> str:
    """The installed modelcollapse version (part of every key: a new version recomputes)."""
    try:
        return metadata.version("modelcollapse")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def canonical_json(obj) -> str:
    """Sorted keys, no whitespace, no NaN: the same document always gives the same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def encode_payload(payload: dict) -> str:
    """A payload as JSON text, key order kept (it orders the table's columns), no NaN."""
    return json.dumps(payload, separators=(",", ":"), allow_nan=False)


def normalise_payload(payload: dict) -> dict:
    """``payload`` as it reads back from the store, so fresh and resumed results are identical."""
    return json.loads(encode_payload(payload))


def record_key(what: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of ``what`` plus the toolkit and schema versions."""
    doc = {"what": what, "toolkit": toolkit_version(), "schema": SCHEMA_VERSION}
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


class SweepStore:
    """A SQLite file of finished results: ``key -> payload`` (JSON), one transaction per record.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its folder) if missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; each put() opens and commits its own transaction.
        self._db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results ("
            " key TEXT PRIMARY KEY, kind TEXT NOT NULL, what TEXT NOT NULL, payload TEXT NOT NULL,"
            " created REAL NOT NULL)"
        )

    def get_many(self, keys) -> dict:
        """``{key: payload}`` for the keys present (payloads decoded from JSON)."""
        keys = list(dict.fromkeys(keys))
        found = {}
        for start in range(0, len(keys), 500):  # SQLite limits the number of bound parameters
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, payload in self._db.execute(f"SELECT key, payload FROM results WHERE key IN ({marks})", chunk):
                found[key] = json.loads(payload)
        return found

    def put(self, key: str, kind: str, what: dict, payload: dict) -> None:
        """Persist one finished result, durably, in its own transaction."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO results (key, kind, what, payload, created) VALUES (?, ?, ?, ?, ?)",
                (key, kind, canonical_json(what), encode_payload(payload), time.time()),
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
