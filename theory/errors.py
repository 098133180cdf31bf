"""The exceptions of the whole toolkit, at the bottom layer so theory, numerics and the CLI share them.

Every failure names its cause: a bad scenario key, a fixed point that did not converge (with
its residual), or a regime the formulas do not cover. The command line maps all of them to
exit status 2 with a one-line message.
"""

from __future__ import annotations

__all__ = ["ModelCollapseError", "ScenarioError", "FixedPointError", "NotCoveredError", "DivergentError",
           "UnknownResultError", "did_you_mean"]


class ModelCollapseError(Exception):
    """Base class of every error the library raises on purpose."""


class ScenarioError(ModelCollapseError, ValueError):
    """A scenario key is missing, unknown, ill-typed or out of range.

    Parameters
    ----------
    key : str
        Dotted name of the offending key, e.g. ``"downstream.ridge"``.
    message : str
        What is wrong and which values are accepted.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


class FixedPointError(ModelCollapseError, ArithmeticError):
    """A fixed-point solve did not converge; carries the last residual and iteration count."""

    def __init__(self, message: str, *, residual: float, iterations: int):
        self.residual = residual
        self.iterations = iterations
        super().__init__(f"{message} (residual {residual:.3g} after {iterations} iterations)")


class NotCoveredError(ModelCollapseError):
    """The quantity does not exist (it is infinite) or no formula covers this regime yet."""


class DivergentError(NotCoveredError):
    """The quantity itself is infinite here (e.g. ``λ = 0`` with ``|T − d| <= 1``): no formula and no
    simulation can answer, so ``predict`` does not fall back to Monte Carlo."""


class UnknownResultError(ModelCollapseError, KeyError):
    """No result or derivation of that name is registered."""

    def __init__(self, name: str, known=()):
        self.name = name
        super().__init__(f"unknown result {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return self.args[0]


def did_you_mean(word, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``word`` (difflib), or ``""``.

    One helper for every "unknown name" message (built-in scenarios, scenario keys, results), so
    they suggest alike.

    >>> did_you_mean("powerlaw_rige", ["isotropic_ols", "powerlaw_ridge"])
    " (did you mean 'powerlaw_ridge'?)"
    >>> did_you_mean("zzz", ["isotropic_ols"])
    ''
    """
    import difflib  # stdlib, imported only when a message needs it

    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""
