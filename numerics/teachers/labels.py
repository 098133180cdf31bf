"""``kind = "labels"``: the target is a function of a dataset's labels (kernel spectra; THEORY.md §3.8).

``y_i`` on the ``N`` points of a ``kind = "kernel"`` spectrum: ``target = "parity"`` (+1 for an
even label, −1 for an odd one), ``"mod2"`` (``label mod 2``: 0 for an even label, 1 for an odd one —
the paper's target, Appendix D.2) or ``"class:K"`` (+1 where the label is ``K``, −1 elsewhere). In the
eigenbasis of ``K/N = U diag(λ) Uᵀ``: ``c_j = (Uᵀy)_j/(√N √λ_j)``, so ``λ_j c_j² = (Uᵀy)_j²/N``, and the
function the features can represent is the projection ``f* = U Uᵀy`` on the kept spectrum. The
part of the target outside it, ``1 − ‖Uᵀy‖²/‖y‖²``, is reported (:meth:`LabelTeacher.notes`); the
errors measure the distance to ``f*`` (the excess over that irreducible part).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.teachers.base import Teacher
from modelcollapse.theory.errors import ScenarioError

__all__ = ["LabelTeacher"]


@dataclass(frozen=True, kw_only=True)
class LabelTeacher(Teacher):
    """A target from the labels of a kernel spectrum's points (±1, or 0/1 for ``"mod2"``).

    Parameters
    ----------
    target : str
        ``"parity"`` (±1), ``"mod2"`` (0/1) or ``"class:K"`` (±1; ``K`` an integer label present among the points).
    """

    KIND = "labels"
    has_closed_form_sums = False
    kind: str = "labels"
    target: str = "parity"

    def __post_init__(self):
        self._check_kind()
        t = self.target
        if not isinstance(t, str) or not (t in ("parity", "mod2") or (t.startswith("class:") and _is_int(t[6:]))):
            raise ScenarioError("teacher.target",
                                f"expected 'parity', 'mod2' or 'class:K' with K an integer label, got {t!r}")

    def check_against(self, spectrum) -> None:
        if getattr(spectrum, "kind", None) != "kernel":
            raise ScenarioError("teacher.kind",
                                "'labels' needs a spectrum of kind = 'kernel' (the labels of its points)")

    def target_values(self, spectrum) -> np.ndarray:
        """``y`` on the ``N`` points (±1; ``mod2``: 0/1)."""
        labels = spectrum.decomposition().labels
        if self.target == "parity":
            return np.where(labels % 2 == 0, 1.0, -1.0)
        if self.target == "mod2":
            return (labels % 2).astype(float)
        k = int(self.target[6:])
        if not np.any(labels == k):
            raise ScenarioError("teacher.target",
                                f"no point has label {k} (labels present: {sorted(set(labels.tolist()))})")
        return np.where(labels == k, 1.0, -1.0)

    def _projection(self, spectrum) -> np.ndarray:
        return spectrum.decomposition().vectors.T @ self.target_values(spectrum)

    def weights(self, spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        self.check_against(spectrum)
        proj = self._projection(spectrum)
        return backend.array(proj * proj / spectrum.points)

    def coefficients(self, spectrum) -> np.ndarray:
        """Signed ``c_j`` (the real chain needs the target itself, not only its energies)."""
        self.check_against(spectrum)
        dec = spectrum.decomposition()
        return self._projection(spectrum) / (math.sqrt(spectrum.points) * np.sqrt(dec.eigenvalues))

    def target_in_span(self, spectrum) -> np.ndarray:
        """``f* = U Uᵀy`` on the ``N`` points."""
        return spectrum.decomposition().vectors @ self._projection(spectrum)

    def outside_fraction(self, spectrum) -> float:
        """``1 − ‖Uᵀy‖²/‖y‖²``: the fraction of the target's energy outside the kept spectrum."""
        y, proj = self.target_values(spectrum), self._projection(spectrum)
        return float(max(0.0, 1.0 - (proj @ proj) / (y @ y)))

    def notes(self, spectrum) -> tuple[str, ...]:
        return (f"teacher: {self.outside_fraction(spectrum):.3g} of the target's energy lies outside the kept spectrum "
                f"(d = {spectrum.d} of N = {spectrum.points}); errors are measured against its projection f*",)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "target": self.target}


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
