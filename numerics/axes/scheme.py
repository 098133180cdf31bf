"""Axis ``scheme``: ``generators.scheme`` — which rows each generator fits (THEORY.md §3.7).

replace: generation ``k`` fits its own block; accumulate: every block ``1..k``; accumulate-subsample:
``T0_k`` rows drawn uniformly without replacement from the pool of ``N_k = T0_1 + … + T0_k`` rows
(each row selected with probability ``T0_k/N_k``, independently across fits in the description).
The downstream fits its own block.
"""

from __future__ import annotations

from modelcollapse.numerics.axes.keys import Key, choice
from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.theory.errors import ScenarioError

__all__ = ["AXIS", "SCHEMES"]

SCHEMES = ("replace", "accumulate", "accumulate-subsample")


class Scheme:
    name = "scheme"
    keys = (
        Key(table="generators", name="scheme", default="replace",
            check=lambda key, v, _: choice(key, v, SCHEMES, "scheme"),
            doc=f"which rows each generator fits: {', '.join(SCHEMES)}"),
    )

    def validate(self, scenario) -> None:
        if scenario.generators.scheme not in SCHEMES:
            raise ScenarioError("generators.scheme", f"expected one of {', '.join(SCHEMES)}")

    def describe(self, scenario, draft: ChainDraft) -> None:
        scheme, n = scenario.generators.scheme, scenario.generators.n
        sizes = [b.size for b in draft.blocks]
        K = len(sizes)
        draft.scheme = scheme
        pool = 0
        for k in range(K):
            pool += sizes[k] if k < n else 0
            if k == n or scheme == "replace":  # the downstream, or replace: its own block
                row = [(int(b == k), 1) for b in range(K)]
                rows, drawn = sizes[k], sizes[k]
            elif scheme == "accumulate":
                row = [(int(b <= k), 1) for b in range(K)]
                rows = drawn = pool
            else:
                row = [(sizes[k], pool) if b <= k else (0, 1) for b in range(K)]
                rows, drawn = sizes[k], pool
            draft.membership.append(row)
            draft.fit_rows.append(rows)
            draft.drawn_from.append(drawn)


AXIS = Scheme()
