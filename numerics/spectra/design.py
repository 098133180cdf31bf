"""``[spectrum] design``: the law of the features the simulator draws (issue 14), a key of every spectrum kind.

Rows ``x = Σ^{1/2} z`` with ``z`` i.i.d. of mean 0 and variance 1: ``"gaussian"`` (the default,
the setting of every formula), ``"rademacher"`` (±1) or ``"student_t"`` (``t_ν`` rescaled to unit
variance; ``df = ν > 2`` required). A kernel spectrum also has ``"real"`` (its default): the
actual points of the dataset, drawn uniformly with replacement. The theory is the same for every
design (universality); only the simulator reads this key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["DESIGNS", "DesignFields", "DESIGN_ACCURACY"]

DESIGNS = ("gaussian", "rademacher", "student_t")
#: Measured gaps of the Gaussian theory to non-Gaussian designs (THEORY.md 3.8; d = 50–400): Rademacher
#: 0.2–1.7% below at d = 100; Student-t(5) 0.3–2.8% above at d = 100, +2.8% at d = 50 (Σ = I), ≈ 1/d.
DESIGN_ACCURACY = {
    "rademacher": (0.02, "Rademacher design: the Gaussian theory by universality, measured within 1.7% at d = 100"),
    "student_t": (0.03, "Student-t design: the Gaussian theory by universality, measured within 2.8% (df = 5, "
                        "d >= 50; heavier tails not measured)"),
}


@dataclass(frozen=True, kw_only=True)
class DesignFields:
    """The fields ``design`` and ``df`` (``None``: the kind's default design; ``df`` only for Student-t)."""

    DEFAULT_DESIGN: ClassVar[str] = "gaussian"
    EXTRA_DESIGNS: ClassVar[tuple] = ()

    design: str = None
    df: float = None

    @property
    def design_name(self) -> str:
        """The design the simulator uses (the kind's default when the key is absent)."""
        return self.design if self.design is not None else self.DEFAULT_DESIGN

    def design_description(self) -> str:
        """What the simulator draws, in words for a verification line (``""`` for the Gaussian design)."""
        return "" if self.design_name == "gaussian" else f"{self.design_name} design"

    def check_design(self) -> None:
        """Raise :class:`ScenarioError` on ``spectrum.design`` / ``spectrum.df`` out of range."""
        accepted = DESIGNS + self.EXTRA_DESIGNS
        if self.design is not None and self.design not in accepted:
            raise ScenarioError("spectrum.design",
                                f"expected one of {', '.join(map(repr, accepted))}, got {self.design!r}"
                                f"{did_you_mean(self.design, accepted)}")
        if self.design_name == "student_t":
            df = self.df
            if isinstance(df, bool) or not isinstance(df, (int, float)) or not math.isfinite(df) or df <= 2:
                raise ScenarioError("spectrum.df",
                                    f"Student-t designs need a finite df > 2 (unit variance), got {df!r}")
        elif self.df is not None:
            raise ScenarioError("spectrum.df", "only allowed with design = 'student_t'")

    def design_accuracy(self, scenario) -> tuple[float, str] | None:
        """``(allowance, sentence)``: how far the Gaussian theory is measured from this design's simulation
        (universality; THEORY.md 3.8), or None for the Gaussian design (the formulas' own setting)."""
        return DESIGN_ACCURACY.get(self.design_name)

    def design_dict(self) -> dict:
        """The design keys as written to a scenario file (absent when default)."""
        out = {}
        if self.design is not None:
            out["design"] = self.design
        if self.df is not None:
            out["df"] = self.df
        return out
