"""Is the structure real? Bootstrap stability, the structureless null and the K advice, with known answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from core import null_model, stability
from core.cache import ModelCache
from core.catalog import Catalog
from core.clustering import NOISE
from core.engine import SCHEMA_VERSION, Engine
from core.k_advice import k_advice
from core.methods import ClusterParams
from core.null_model import NullComparison, shuffled_columns
from core.refit import for_sample
from core.stability import ClusterStability, Stability, best_jaccards, bootstrap_stability
from tests.conftest import BLOB_FEATURES, catalog_of

#: Six features for generated catalogs (the loader keeps known feature names only).
FEATURES_6 = (*BLOB_FEATURES, "acousticness", "liveness")


def make_blobs_catalog(centers: int, n: int = 800, seed: int = 0) -> Catalog:
    """n songs in six features from sklearn's make_blobs: ``centers`` blobs at random centres (one
    blob: a round Gaussian cloud, no cluster structure at all)."""
    values, _ = make_blobs(n_samples=n, centers=centers, n_features=len(FEATURES_6), random_state=seed)
    frame = pd.DataFrame(values * 0.05 + 0.5, columns=list(FEATURES_6))
    frame.insert(0, "song_title", [f"Song {i}" for i in range(n)])
    frame.insert(1, "artist", "Nobody")
    return catalog_of(frame)


# -- the definitions, on labels small enough to check by hand --------------------------------------


def test_best_jaccard_by_hand() -> None:
    """Cluster 0 = {0,1,2,3}; the resample has {0,1,2} and {3,4}: best Jaccard 3/4. Cluster 1 =
    {4,5}; song 5 became noise, so its best is {3,4}: 1 shared of 3 songs."""
    original = np.array([0, 0, 0, 0, 1, 1])
    resampled = np.array([0, 0, 0, 1, 1, NOISE])
    np.testing.assert_allclose(best_jaccards(original, resampled, 2), [3 / 4, 1 / 3])


def test_best_jaccard_when_the_resample_has_no_cluster() -> None:
    np.testing.assert_array_equal(best_jaccards(np.array([0, 1, 1]), np.full(3, NOISE), 2), [0.0, 0.0])


def test_cluster_sentences_and_verdicts() -> None:
    """Hennig's bands: at least 0.75 stable, above 0.5 doubtful, else it dissolves."""
    kept = ClusterStability(cluster=0, jaccard=0.91, recovered=19, resamples=20)
    assert kept.sentence() == "Comes back in 19 of 20 resamples (mean Jaccard 0.91)."
    assert kept.verdict == "stable"
    assert replace(kept, jaccard=0.6).verdict == "doubtful"
    assert replace(kept, jaccard=0.5).verdict == "dissolves"


def test_shuffled_columns_keep_each_feature_and_break_their_link() -> None:
    """Every column keeps its values; raw and scaled move together; the correlation is gone."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 1))
    raw = np.hstack([a, a + 0.01 * rng.normal(size=(2000, 1))])
    scaled = raw * 10
    new_raw, new_scaled = shuffled_columns((raw, scaled), np.random.default_rng(1))
    for j in range(2):
        np.testing.assert_array_equal(np.sort(new_raw[:, j]), np.sort(raw[:, j]))
    np.testing.assert_array_equal(new_scaled, new_raw * 10)
    assert np.corrcoef(raw.T)[0, 1] > 0.99
    assert abs(np.corrcoef(new_raw.T)[0, 1]) < 0.1


def test_min_samples_is_scaled_to_a_sample() -> None:
    """DBSCAN's density threshold follows the sample size; other methods are untouched."""
    dbscan = ClusterParams(2, ("energy", "tempo"), algorithm="dbscan", options=(("eps", 0.5), ("min_samples", 20)))
    assert for_sample(dbscan, 50_000, 20_000).option("min_samples") == 8
    assert for_sample(dbscan, 50_000, 50_000) == dbscan
    kmeans = ClusterParams(5, ("energy", "tempo"))
    assert for_sample(kmeans, 50_000, 20_000) == kmeans


# -- known answers on generated catalogs ------------------------------------------------------


def test_separated_blobs_are_stable(blobs_engine: Engine) -> None:
    """Five far-apart blobs: every cluster comes back in every resample, ARI ≈ 1."""
    result = blobs_engine.stability(blobs_engine.params(5))
    assert result.resamples == 20 and result.failed == 0 and result.sample is None
    assert result.ari > 0.99
    assert len(result.clusters) == 5
    assert all(c.jaccard > 0.98 and c.recovered == c.resamples == 20 for c in result.clusters)
    assert result.description() == "20 bootstrap resamples of all 1,000 songs"


def test_separated_blobs_beat_the_null_by_far(model_cache: ModelCache) -> None:
    """Five blobs at random centres in six features: the silhouette is far above that of the same
    data with each feature shuffled on its own, and the null's silhouette is the engine's own."""
    engine = Engine(make_blobs_catalog(centers=5), model_cache)
    params = engine.params(5)
    null = engine.null_comparison(params)
    assert null.silhouette == engine.clustering(params).silhouette > 0.6
    assert len(null.null_silhouettes) == 5 and 0 < null.null_sd < 0.02
    assert null.margin > 0.4 and null.beats_null
    assert null.sentence().endswith(f"beats it by {null.margin:.2f}.")


def test_axis_aligned_blobs_keep_their_modes_in_the_null(blobs_engine: Engine) -> None:
    """The conftest blobs sit 8 SD apart along the axes, so each shuffled feature keeps its two modes
    and the null data form a grid of corner groups: the null's silhouette is high too (the limit the
    null model's docstring names), yet the blobs still beat it by tens of its standard deviations."""
    null = blobs_engine.null_comparison(blobs_engine.params(5))
    assert null.null_mean > 0.45
    assert null.beats_null and null.margin > 20 * null.null_sd


def test_hierarchical_clusters_are_refitted_through_the_registry(blobs_engine: Engine) -> None:
    """Ward linkage on the blobs: its resamples are new trees, and the blobs come back."""
    result = blobs_engine.stability(blobs_engine.params(5, algorithm="hierarchical"), resamples=5)
    assert result.ari > 0.99
    assert all(c.recovered == 5 for c in result.clusters)


def test_noise_is_not_a_cluster(outlier_engine: Engine) -> None:
    """DBSCAN on three blobs and scattered outliers: three stable clusters, none for the noise."""
    params = outlier_engine.params(3, algorithm="dbscan")
    clustering = outlier_engine.clustering(params)
    assert clustering.k == 3 and clustering.noise > 0
    result = outlier_engine.stability(params, resamples=5)
    assert [c.cluster for c in result.clusters] == [0, 1, 2]
    assert all(c.jaccard > 0.9 for c in result.clusters)
    assert result.ari > 0.9
    assert outlier_engine.k_advice(params, range(2, 6)) is None
    assert outlier_engine.cluster_tree(params, range(2, 6)) is None


def test_all_noise_has_nothing_to_resample(blobs_engine: Engine) -> None:
    """A clustering with no cluster (every song noise) is not refitted: stability does not apply."""
    params = blobs_engine.params(3, algorithm="dbscan", eps=0.001)
    raw, X = blobs_engine.fit_input(params)
    result = bootstrap_stability(params, raw, X, np.full(len(X), NOISE))
    assert result.clusters == () and result.resamples == 0 and np.isnan(result.ari)
    assert result.sentence() == "No cluster to resample: stability does not apply."


@pytest.mark.slow  # about 100 K-Means fits: 3 s
def test_a_single_blob_has_no_k_that_beats_the_null(model_cache: ModelCache) -> None:
    """One round Gaussian cloud: no K from 2 to 12 beats structureless data, and the advice says the
    clusters are slices of one continuous cloud."""
    engine = Engine(make_blobs_catalog(centers=1), model_cache)
    advice = engine.k_advice(engine.params(3), range(2, 13), resamples=3)
    assert advice.ks == tuple(range(2, 13))
    assert not any(advice.beats_null)
    assert all(abs(m) < 0.02 for m in advice.margin)
    assert advice.sentence.startswith("No K (K=2–12) beats structureless data")
    assert advice.sentence.endswith("these clusters are slices of one continuous cloud.")


def test_k_advice_on_five_blobs_names_k5(blobs_engine: Engine) -> None:
    """Five blobs: K=5 has the best silhouette and the most stable clusters, and beats the null."""
    advice = blobs_engine.k_advice(blobs_engine.params(5), range(3, 8), resamples=3)
    assert advice.best_silhouette_k == 5 and advice.most_stable_k == 5
    assert advice.beats_null[advice.ks.index(5)]
    margin = advice.margin[advice.ks.index(5)]
    assert advice.sentence == (
        f"K=5 has the best silhouette and the most stable clusters; it beats structureless data by {margin:.2f} "
        "in silhouette."
    )


def _null(margin: float, beats: bool) -> NullComparison:
    return NullComparison(0.2 + margin, (0.2,), 0.2, 0.0, margin, beats, 1, 100, None, 0, 0.0)


def _stable(ari: float) -> Stability:
    return Stability((), ari, (ari,), 1, 0, 100, None, 0, 0.0)


@pytest.mark.parametrize(
    ("margins", "beats", "aris", "sentence"),
    [
        (
            [0.12, 0.05, 0.08],
            [True, True, True],
            [0.7, 0.8, 0.9],
            "K=2 has the best silhouette, K=4 the most stable clusters; both beat structureless data by 0.12 and "
            "0.08 in silhouette.",
        ),
        (
            [0.12, 0.05, 0.0],
            [True, True, False],
            [0.7, 0.8, 0.9],
            "K=2 has the best silhouette, K=4 the most stable clusters; only K=2 beats structureless data "
            "(by 0.12 in silhouette).",
        ),
        (
            [0.005, 0.003, 0.004],
            [False, False, False],
            [0.7, 0.8, 0.9],
            "No K (K=2–4) beats structureless data (each feature shuffled on its own): these clusters are slices "
            "of one continuous cloud.",
        ),
        (
            [0.012, 0.011, 0.0],
            [False, True, False],
            [0.9, 0.8, 0.7],
            "K=2 has the best silhouette and the most stable clusters, but it does not beat structureless data; "
            "K=3 does.",
        ),
    ],
)
def test_k_advice_sentences(margins: list[float], beats: list[bool], aris: list[float], sentence: str) -> None:
    """The sentence names the K of the best silhouette and of the most stable clusters, and what the
    null says of them."""
    nulls = [_null(m, b) for m, b in zip(margins, beats, strict=True)]
    advice = k_advice((2, 3, 4), [_stable(a) for a in aris], nulls)
    assert advice.sentence == sentence
    assert advice.beats_null == tuple(beats)


# -- determinism, samples, the cache ------------------------------------------------------------


def test_deterministic_for_a_seed(blobs_engine: Engine) -> None:
    """Same seed, same answer (to the last bit); another seed draws other resamples."""
    params = blobs_engine.params(4)
    raw, X = blobs_engine.fit_input(params)
    labels = blobs_engine.clustering(params).labels
    first = bootstrap_stability(params, raw, X, labels, resamples=4)
    again = bootstrap_stability(params, raw, X, labels, resamples=4)
    assert first.resample_ari == again.resample_ari and first.clusters == again.clusters
    other = bootstrap_stability(replace(params, seed=7), raw, X, labels, resamples=4)
    assert other.resample_ari != first.resample_ari
    silhouette = blobs_engine.clustering(params).silhouette
    nulls = [null_model.null_comparison(params, raw, X, silhouette, draws=3) for _ in range(2)]
    assert nulls[0].null_silhouettes == nulls[1].null_silhouettes


def test_large_catalogs_are_resampled_from_a_seeded_sample(
    blobs_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the sample size the resamples and the null data come from a seeded sample, and say so."""
    monkeypatch.setattr(stability, "STABILITY_SAMPLE", 300)
    monkeypatch.setattr(null_model, "NULL_SAMPLE", 300)
    params = blobs_engine.params(5)
    raw, X = blobs_engine.fit_input(params)
    result = bootstrap_stability(params, raw, X, blobs_engine.clustering(params).labels, resamples=3)
    assert result.sample == result.songs == 300
    assert result.description() == "3 bootstrap resamples of a seeded sample of 300 songs"
    assert result.ari > 0.95
    null = null_model.null_comparison(params, raw, X, 0.5, draws=2)
    assert null.sample == null.songs == 300


def test_answers_are_cached_under_keys_that_carry_every_parameter(
    blobs_catalog: Catalog, model_cache: ModelCache
) -> None:
    """Computed once across engines sharing a cache; K, features, scaler, seed, method options,
    resamples and draws each change the key."""
    engine = Engine(blobs_catalog, model_cache)
    params = engine.params(3)
    first = engine.stability(params, resamples=2)
    assert Engine(blobs_catalog, model_cache).stability(params, resamples=2) == first
    assert model_cache.times_computed(engine.stability_key(params, 2)) == 1
    engine.null_comparison(params, draws=2)
    engine.null_comparison(params, draws=2)
    assert model_cache.times_computed(engine.null_key(params, 2)) == 1

    variants = [
        engine.params(4),
        engine.params(3, ["energy", "tempo"]),
        engine.params(3, scaler="robust"),
        replace(params, seed=params.seed + 1),
        engine.params(3, algorithm="hierarchical"),
        engine.params(3, algorithm="hierarchical", linkage="average"),
    ]
    keys = {engine.stability_key(p, 2) for p in variants} | {engine.stability_key(params, 2)}
    assert len(keys) == len(variants) + 1
    assert engine.stability_key(params, 3) != engine.stability_key(params, 2)
    assert engine.null_key(params, 3) != engine.null_key(params, 2)
    assert engine.stability_key(params, 2) != engine.null_key(params, 2)
    assert engine.stability_key(params, 2).startswith(f"v{SCHEMA_VERSION}|{blobs_catalog.fingerprint}|stability|")
