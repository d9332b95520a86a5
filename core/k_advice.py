"""Which K, if any? The K sweep's silhouettes, stabilities and null comparisons in one sentence.

For each K of a sweep (core.stability for the stability, core.null_model for the silhouette
against structureless data): the K with the best silhouette, the K with the most stable
clusters (highest overall stability, the mean ARI over bootstrap resamples), and whether
each K beats structureless data. Ties go to the smaller K. The sentence names both Ks and
what the null says of them, or says that no K beats the null: then the clusters are
slices of one continuous cloud, whatever K is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.null_model import NullComparison
from core.stability import Stability


@dataclass(frozen=True)
class KAdvice:
    """Per K, lists aligned with ``ks``: the clustering's ``silhouette``, its ``stability``
    (Stability.ari, 0–1), the structureless data's mean silhouette ``null_silhouette`` and
    ``margin`` (silhouette − null mean) and ``beats_null``. ``best_silhouette_k`` and
    ``most_stable_k`` are None when no K has a silhouette / a stability. ``sentence`` says
    it in plain words."""

    ks: tuple[int, ...]
    silhouette: tuple[float, ...]
    stability: tuple[float, ...]
    null_silhouette: tuple[float, ...]
    margin: tuple[float, ...]
    beats_null: tuple[bool, ...]
    best_silhouette_k: int | None
    most_stable_k: int | None
    sentence: str


def _best(ks: Sequence[int], values: Sequence[float]) -> int | None:
    """The K of the highest finite value (the smaller K on a tie), None when none is finite."""
    scored = [(value, -k) for k, value in zip(ks, values, strict=True) if not math.isnan(value)]
    return -max(scored)[1] if scored else None


def _sentence(ks: Sequence[int], by_k: dict[int, NullComparison], best: int | None, stable: int | None) -> str:
    beating = [k for k in ks if by_k[k].beats_null]
    span = f"K={ks[0]}–{ks[-1]}" if len(ks) > 1 else f"K={ks[0]}"
    if not beating or best is None or stable is None:  # a K that beats the null has a silhouette
        return (
            f"No K ({span}) beats structureless data (each feature shuffled on its own): "
            "these clusters are slices of one continuous cloud."
        )
    named = [best] if best == stable else [best, stable]
    head = (
        f"K={best} has the best silhouette and the most stable clusters"
        if best == stable
        else f"K={best} has the best silhouette, K={stable} the most stable clusters"
    )
    wins = [k for k in named if by_k[k].beats_null]
    if len(wins) == len(named):
        margins = " and ".join(f"{by_k[k].margin:.2f}" for k in named)
        subject = "it beats" if len(named) == 1 else "both beat"
        return f"{head}; {subject} structureless data by {margins} in silhouette."
    others = [k for k in beating if k not in named]
    if wins:
        return f"{head}; only K={wins[0]} beats structureless data (by {by_k[wins[0]].margin:.2f} in silhouette)."
    fails = "it does not beat" if len(named) == 1 else "neither beats"
    verb = "does" if len(others) == 1 else "do"
    return f"{head}, but {fails} structureless data; K={', K='.join(map(str, others))} {verb}."


def k_advice(ks: Sequence[int], stabilities: Sequence[Stability], nulls: Sequence[NullComparison]) -> KAdvice:
    """Advice over a K sweep: ``stabilities`` and ``nulls`` are the clusterings' at each K of ``ks``."""
    ks = tuple(ks)
    silhouette = tuple(n.silhouette for n in nulls)
    stability = tuple(s.ari for s in stabilities)
    best, stable = _best(ks, silhouette), _best(ks, stability)
    by_k = dict(zip(ks, nulls, strict=True))
    return KAdvice(
        ks=ks,
        silhouette=silhouette,
        stability=stability,
        null_silhouette=tuple(n.null_mean for n in nulls),
        margin=tuple(n.margin for n in nulls),
        beats_null=tuple(n.beats_null for n in nulls),
        best_silhouette_k=best,
        most_stable_k=stable,
        sentence=_sentence(ks, by_k, best, stable) if ks else "No K to advise on.",
    )
