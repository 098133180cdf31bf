"""The toolkit's exceptions, re-exported where the numeric layer always had them.

They live in :mod:`modelcollapse.theory.errors` (the bottom layer) so that theory can raise them too.
"""

from modelcollapse.theory.errors import (
    DivergentError,
    FixedPointError,
    ModelCollapseError,
    NotCoveredError,
    ScenarioError,
)

__all__ = ["ModelCollapseError", "ScenarioError", "FixedPointError", "NotCoveredError", "DivergentError"]
