"""Is a clustering stable? Refit it on bootstrap resamples and see which clusters come back.

The method is Hennig's (2007, "Cluster-wise assessment of cluster stability", the R
package fpc's ``clusterboot``), with the same method and parameters the engine used:

- draw ``resamples`` bootstrap resamples (songs drawn with replacement, as many as there
  are songs) with ``numpy.random.default_rng(seed)``, and refit each one through the
  method registry (``core.refit``) with the clustering's own parameters;
- compare on the songs in the resample: each distinct drawn song keeps its original
  cluster (the clustering under test) and takes the label its first copy got in the
  resample's fit;
- per original cluster: in each resample, its best Jaccard similarity |A ∩ B| / |A ∪ B|
  with any cluster B of the resample fit, A being its songs among those drawn. Its
  stability is the mean over the resamples in which it had songs. It "comes back" in a
  resample when that best Jaccard is at least ``RECOVERED_JACCARD`` = 0.75, Hennig's
  threshold for a valid, stable cluster (at most 0.5 he calls dissolved; 0.6–0.75 a
  pattern whose members are doubtful; at least 0.85 highly stable);
- overall: the mean, over resamples, of the adjusted Rand index between the original
  labels and the resample's labels on the distinct drawn songs.

Noise (label ``NOISE``, DBSCAN) is not a cluster: it has no stability of its own; a
cluster's songs that become noise in a resample count against its Jaccard, and noise
songs that join a resample's cluster count against that cluster's. In the ARI every noise
song is a group of its own (so two noise songs are never "together").

A resample the method cannot fit at all (a DatasetError, e.g. every drawn song alike in
a tiny catalog) counts as one in which nothing came back (Jaccard 0, ARI 0); ``failed``
counts them.

Scale: above ``STABILITY_SAMPLE`` songs the resamples are drawn from a seeded sample of
that many songs (``core.clustering.sample_rows``), whose original labels are the full
clustering's; ``Stability.sample`` says so. 20 K-Means refits of 20,000 songs take
about 6 s on one core (bench/STRUCTURE_RESULTS.md). A density threshold (DBSCAN's
min_samples) is scaled to the sample (``core.refit.for_sample``).

The refits fit the sample as the method fits a catalog of that size, which is not always
how it fitted the catalog: above ``core.clustering.FULL_FIT_MAX`` songs K-Means fits its
restarts on a sample and refits the centres on every song (core.fast_kmeans), while the
sample's refits are full K-Means. Both reach the same optimum within 0.4 % of inertia
(bench/RESULTS.md, "Fits at scale"). The MiniBatch fit used before did not: on 100,000
resampled reference songs its partition did not come back (mean ARI 0.31), while full
K-Means's came back at ARI 0.91–0.95.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import adjusted_rand_score

from core import progress
from core.clustering import NOISE, sample_rows
from core.density import fitted_songs
from core.errors import DatasetError
from core.methods import ClusterParams
from core.refit import for_sample, refit

RESAMPLES = 20
STABILITY_SAMPLE = 20_000
RECOVERED_JACCARD = 0.75
#: At most this mean Jaccard, a cluster dissolves under resampling (Hennig).
DISSOLVED_JACCARD = 0.5


@dataclass(frozen=True)
class ClusterStability:
    """One original cluster under resampling: ``jaccard`` its mean best Jaccard (0–1) over the
    ``resamples`` in which it had songs; ``recovered`` of those in which the best was at least
    RECOVERED_JACCARD ("comes back in 19 of 20 resamples")."""

    cluster: int
    jaccard: float
    recovered: int
    resamples: int

    @property
    def verdict(self) -> str:
        """Hennig's bands: "stable" (mean Jaccard >= 0.75), "doubtful" (above 0.5) or "dissolves"."""
        if self.jaccard >= RECOVERED_JACCARD:
            return "stable"
        return "doubtful" if self.jaccard > DISSOLVED_JACCARD else "dissolves"

    def sentence(self) -> str:
        """E.g. "Comes back in 19 of 20 resamples (mean Jaccard 0.91)."."""
        return (
            f"Comes back in {self.recovered} of {self.resamples} resample{'s' if self.resamples != 1 else ''} "
            f"(mean Jaccard {self.jaccard:.2f})."
        )


@dataclass(frozen=True)
class Stability:
    """A clustering under bootstrap resampling (see the module docstring for the definitions).

    ``clusters`` is aligned with ``Clustering.sizes`` (cluster 0 first). ``ari`` is the overall
    stability, 0–1 (ARI may dip below 0 for chance-level agreement): the mean of
    ``resample_ari`` (one per resample). A clustering with no cluster (all noise) is not
    resampled: ``resamples`` 0, ``ari`` NaN. ``songs`` were resampled from; ``sample`` is None when
    they are the whole catalog, else the size of the seeded sample (= ``songs``).
    """

    clusters: tuple[ClusterStability, ...]
    ari: float
    resample_ari: tuple[float, ...]
    resamples: int
    failed: int
    songs: int
    sample: int | None
    seed: int
    seconds: float

    @property
    def jaccards(self) -> list[float]:
        """Mean best Jaccard per cluster 0..k-1."""
        return [c.jaccard for c in self.clusters]

    def description(self) -> str:
        """What was resampled, in words, e.g. "20 bootstrap resamples of all 2,014 songs"."""
        what = f"{self.resamples} bootstrap resample{'s' if self.resamples != 1 else ''}"
        if self.sample is None:
            return f"{what} of all {self.songs:,} songs"
        return f"{what} of a seeded sample of {self.songs:,} songs"

    def sentence(self) -> str:
        """In words, e.g. "Stability 0.84: mean ARI over 20 bootstrap resamples of all 2,014 songs;
        the clusters come back in 18, 18, 19, 20 and 20 of them."."""
        if not self.clusters:
            return "No cluster to resample: stability does not apply."
        counts = [str(c.recovered) for c in self.clusters]
        listed = (
            f"cluster comes back in {counts[0]}"
            if len(counts) == 1
            else f"clusters come back in {', '.join(counts[:-1])} and {counts[-1]}"
        )
        return f"Stability {self.ari:.2f}: mean ARI over {self.description()}; the {listed} of them."


def best_jaccards(original: np.ndarray, resampled: np.ndarray, k: int) -> np.ndarray:
    """For clusters 0..k-1 of ``original`` (n,), the best Jaccard (k,) with any cluster of
    ``resampled`` (n,), on the same n songs; NOISE is in no cluster. A cluster with no songs
    here, or a resample with no cluster, gives 0."""
    theirs = int(resampled.max()) + 1 if (resampled != NOISE).any() else 0
    both = (original != NOISE) & (resampled != NOISE)
    overlap = np.bincount(original[both] * theirs + resampled[both], minlength=k * theirs).reshape(k, theirs)
    mine = np.bincount(original[original != NOISE], minlength=k)
    sizes = np.bincount(resampled[resampled != NOISE], minlength=theirs)
    union = mine[:, None] + sizes[None, :] - overlap
    jaccard = np.divide(overlap, union, out=np.zeros(overlap.shape), where=union > 0)
    return jaccard.max(axis=1) if theirs else np.zeros(k)


def _noise_apart(labels: np.ndarray) -> np.ndarray:
    """labels with every NOISE song given a group of its own (for the ARI)."""
    out = labels.astype(np.int64)
    noise = out == NOISE
    out[noise] = out.max(initial=0) + 1 + np.arange(noise.sum())
    return out


def bootstrap_stability(
    params: ClusterParams, raw: np.ndarray, X: np.ndarray, labels: np.ndarray, resamples: int = RESAMPLES
) -> Stability:
    """Stability of ``labels`` (n,), the clustering of ``params`` on raw (n, f) and scaled X (n, f).

    Refits params' method on ``resamples`` bootstrap resamples drawn with ``params.seed`` (from
    a seeded sample of STABILITY_SAMPLE songs above that size). Deterministic for a seed.
    """
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    started = time.perf_counter()
    n = len(X)
    rows = sample_rows(n, STABILITY_SAMPLE, params.seed)
    m = len(rows)
    original, raw, X = labels[rows].astype(np.int64), raw[rows], X[rows]
    k = int(original.max()) + 1 if (original != NOISE).any() else 0
    if k == 0:  # no cluster to come back: no fit is needed
        resamples = 0
    fit_params = for_sample(params, fitted_songs(n), m)
    rng = np.random.default_rng(params.seed)
    best = np.zeros((resamples, k))
    present = np.zeros((resamples, k), dtype=bool)
    aris, failed = [], 0
    for b in range(resamples):
        progress.report(f"Stability: refitting {params.describe()} on a bootstrap resample", b, resamples)
        drawn = rng.integers(0, m, size=m)
        songs, first = np.unique(drawn, return_index=True)
        mine = original[songs]
        present[b] = np.bincount(mine[mine != NOISE], minlength=k) > 0
        try:
            theirs = refit(fit_params, raw[drawn], X[drawn]).labels[first].astype(np.int64)
        except DatasetError:
            failed += 1
            aris.append(0.0)
            continue
        best[b] = best_jaccards(mine, theirs, k)
        aris.append(float(adjusted_rand_score(_noise_apart(mine), _noise_apart(theirs))))
    clusters = tuple(
        ClusterStability(
            cluster=c,
            jaccard=float(best[present[:, c], c].mean()) if present[:, c].any() else 0.0,
            recovered=int((best[present[:, c], c] >= RECOVERED_JACCARD).sum()),
            resamples=int(present[:, c].sum()),
        )
        for c in range(k)
    )
    return Stability(
        clusters=clusters,
        ari=float(np.mean(aris)) if aris else float("nan"),
        resample_ari=tuple(aris),
        resamples=resamples,
        failed=failed,
        songs=m,
        sample=m if m < n else None,
        seed=params.seed,
        seconds=time.perf_counter() - started,
    )
