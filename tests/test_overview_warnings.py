"""Warnings about misleading scores, without a browser: DBSCAN's advice follows its numbers,
the method comparison marks degenerate rows and calls no degenerate score the best, and
the overview's layout shows the warnings of its view (and only those)."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from typing import Any

import dash
import numpy as np
import pytest

from app.factory import create_app
from core.catalog import load_catalog
from core.clustering import NOISE, from_labels
from core.config import Settings
from core.density import few_clusters_hint
from core.diagnostics import degenerate_reason
from core.engine import MethodScore
from tests.browser.test_overview_warnings import write_zero_inflated_csv
from tests.test_app_shape import texts

# -- DBSCAN's advice ---------------------------------------------------------------------------


def _labels(noise: int, clustered: int) -> np.ndarray:
    return np.array([NOISE] * noise + [0] * clustered)


@pytest.mark.parametrize(
    ("labels", "advice", "not_advice"),
    [
        (np.full(100, NOISE), "try a larger eps", "smaller eps"),  # no cluster at all
        (_labels(70, 30), "try a larger eps", "smaller eps"),  # mostly noise
        (_labels(44, 56), "try a larger eps", "try a smaller eps"),  # the reported case: 44 % noise
        (_labels(5, 95), "try a smaller eps", "larger eps"),  # one giant group, little noise
        (_labels(0, 100), "try a smaller eps", "larger eps"),
    ],
)
def test_dbscan_advice_matches_the_noise(labels: np.ndarray, advice: str, not_advice: str) -> None:
    """Lots of noise: a larger eps (a smaller one only adds noise); one giant group: a smaller eps."""
    hint = few_clusters_hint(labels, 1.5)
    assert advice in hint and not_advice not in hint, hint


def test_with_much_noise_the_advice_says_why_not_a_smaller_eps() -> None:
    hint = few_clusters_hint(_labels(44, 56), 1.5)
    assert hint.startswith("44% of the songs are noise and the rest form one group at eps 1.5")
    assert "a smaller eps would leave even more out" in hint


# -- the comparison --------------------------------------------------------------------------


def _score(algorithm: str, silhouette: float, davies_bouldin: float, degenerate: str = "") -> MethodScore:
    return MethodScore(algorithm, algorithm, 5, 0, silhouette, davies_bouldin, 100.0, 1.0, "", degenerate)


def test_method_score_says_why_a_result_is_degenerate() -> None:
    """One cluster of 96 songs and four single songs: the row says so; an even split says nothing."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    common = {"algorithm": "hierarchical", "features": ("a", "b", "c"), "scaler": "standard", "seed": 0}
    lopsided = from_labels(X, X, np.array([0] * 96 + [1, 2, 3, 4]), method="x", started=time.perf_counter(), **common)
    score = MethodScore.of(lopsided)
    assert score.degenerate == degenerate_reason(lopsided) == "one cluster holds 96.0% of songs; 4 tiny clusters"
    even = from_labels(X, X, np.arange(100) % 4, method="x", started=time.perf_counter(), **common)
    assert MethodScore.of(even).degenerate == ""


def test_best_scores_leave_degenerate_rows_out(overview_module: Any) -> None:
    """Single linkage's better silhouette and Davies-Bouldin are not the best: it is degenerate."""
    scores = [
        _score("kmeans", 0.16, 1.6),
        _score("ward", 0.10, 1.8),
        _score("single", 0.33, 0.45, "one cluster holds 99.7% of songs"),
        replace(_score("dbscan", float("nan"), float("nan")), calinski_harabasz=float("nan")),
    ]
    best = overview_module.best_scores(scores)
    assert best == {"silhouette": "kmeans", "davies_bouldin": "kmeans", "calinski_harabasz": "kmeans"}
    # One fair result is no comparison: nothing is called best.
    assert overview_module.best_scores([scores[0], scores[2]]) == {}


# -- the overview's layout --------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    csv = write_zero_inflated_csv(tmp_path_factory.mktemp("data") / "songs.csv")
    settings = Settings(data_path=csv, cache_dir=tmp_path_factory.mktemp("cache"))
    return create_app(settings, load_catalog(csv))


@pytest.fixture(scope="module")
def overview_module(app: dash.Dash) -> Any:
    """The module Dash executed for the overview (importing it again would register it twice)."""
    entry = next(page for page in dash.page_registry.values() if page["module"].endswith("pages.overview"))
    return sys.modules[entry["module"]]


def _page_text(app: dash.Dash, overview_module: Any, **query: str) -> str:
    with app.server.test_request_context("/"):
        return " ".join(texts(overview_module.layout(**query)))


def test_the_overview_warns_of_a_dominant_feature_only_when_there_is_one(app: dash.Dash, overview_module: Any) -> None:
    robust = _page_text(app, overview_module, scaler="robust")
    assert "Instrumentalness carries" in robust and "Every row: instrumentalness dominates" in robust
    standard = _page_text(app, overview_module)
    assert "Read these scores with care" not in standard and "dominates" not in standard


def test_the_overview_says_in_one_line_what_it_shows(app: dash.Dash, overview_module: Any) -> None:
    assert "How well the songs split into 4 groups, and which K fits best." in _page_text(app, overview_module, k="4")


def test_the_quality_chart_ticks_davies_bouldin_at_round_values(app: dash.Dash, overview_module: Any) -> None:
    """The overlaying Davies-Bouldin axis takes its own round ticks, not the silhouette grid's."""
    from components.figures import quality_figure

    figure = overview_module._round_ticks(quality_figure([2, 3, 4], [0.2, 0.3, 0.25], [1.4, 1.6, 2.0], 3))
    assert figure.layout.yaxis2.tickmode == "auto"
