"""A written summary per cluster, from its profile alone: plain, deterministic sentences.

Each summary says how large the cluster is (songs and share of the catalog), what stands
out (every feature whose z-score is at least ``DESCRIPTION_Z`` from 0, strongest first,
with its direction and z in standard deviations), how compact it is against the
average cluster (mean distance to the centroid below ``TIGHT_RATIO`` × the clusters'
average spread reads "tighter", above ``LOOSE_RATIO`` × "looser"), and up to
``SUMMARY_SONGS`` representative songs (those nearest the centroid).
"""

from __future__ import annotations

from core.catalog import Catalog
from core.clustering import DESCRIPTION_Z, Clustering, ClusterProfile
from core.features import feature_label

TIGHT_RATIO = 0.85
LOOSE_RATIO = 1.15
SUMMARY_SONGS = 3


def _and_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _standing_out(zscores: dict[str, float]) -> str:
    strong = sorted(((f, z) for f, z in zscores.items() if abs(z) >= DESCRIPTION_Z), key=lambda item: -abs(item[1]))
    if not strong:
        return "Nothing stands out: it is close to the catalog average on every clustered feature."
    words = [
        f"{'high' if z > 0 else 'low'} {feature_label(f)} ({'+' if z > 0 else '−'}{abs(z):.1f} SD)" for f, z in strong
    ]
    return f"It stands out for {_and_list(words)}."


def _compactness(spread: float, mean_spread: float) -> str:
    ratio = spread / mean_spread if mean_spread > 0 else 1.0
    if ratio < TIGHT_RATIO:
        how = "tighter than"
    elif ratio > LOOSE_RATIO:
        how = "looser than"
    else:
        how = "about as compact as"
    return (
        f"It is {how} the average cluster (mean distance to its centre {spread:.2f} against "
        f"{mean_spread:.2f}, scaled units)."
    )


def summarise(profile: ClusterProfile, total: int, mean_spread: float, representative_names: list[str]) -> str:
    """The summary of one cluster; ``total`` songs in the catalog, ``mean_spread`` the average of
    every cluster's spread (scaled units), ``representative_names`` its songs nearest the centroid,
    nearest first (the first SUMMARY_SONGS are named)."""
    size = f"{profile.size:,} song{'s' if profile.size != 1 else ''}"
    sentences = [
        f"Cluster {profile.cluster}: {size}, {profile.size / total:.1%} of the {total:,} in the catalog.",
        _standing_out(profile.zscores),
        _compactness(profile.spread, mean_spread),
    ]
    names = representative_names[:SUMMARY_SONGS]
    if names:
        sentences.append(f"Representative songs: {_and_list(names)}.")
    return " ".join(sentences)


def song_name(catalog: Catalog, row: int) -> str:
    """'"Title" by Artist' (or just '"Title"' when the artist is unknown) of the song at ``row``."""
    song = catalog.songs.iloc[row]
    title, artist = str(song["title"]), str(song["artist"])
    return f"“{title}” by {artist}" if artist else f"“{title}”"


def cluster_summaries(catalog: Catalog, clustering: Clustering, limit: int | None = None) -> list[str]:
    """The summary of each cluster 0..k-1 of ``clustering`` over ``catalog``, in cluster order
    (the first ``limit`` clusters, the largest, when given). The CLI and the clusters page
    both show these."""
    if not clustering.profiles:
        return []
    mean_spread = sum(p.spread for p in clustering.profiles) / len(clustering.profiles)
    return [
        summarise(p, len(catalog), mean_spread, [song_name(catalog, r) for r in p.representatives[:SUMMARY_SONGS]])
        for p in clustering.profiles[:limit]
    ]
