"""The overview warns in plain words when its scores mislead (core.diagnostics): one feature
carrying most of the variance, one cluster holding nearly every song, tiny clusters; the
method comparison marks degenerate results; DBSCAN's cards stay compact and its advice
matches its numbers.

The catalog is generated: 400 songs spread around one centre (no real groups), whose
instrumentalness is nearly 0 for most songs and high for a few (zero-inflated, as in the
reference data). Robust scaling divides it by its tiny interquartile range, so it
dominates; standard scaling gives every feature an equal share.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import dash
import numpy as np
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from core.features import DEFAULT_FEATURES, FEATURE_RANGES
from tests.browser.support import js_count, open_page, wait_until

pytestmark = pytest.mark.browser

#: Centre and spread of every feature (raw units); instrumentalness is drawn apart.
CENTRE = {
    "acousticness": (0.3, 0.12),
    "danceability": (0.6, 0.12),
    "duration_ms": (220_000, 30_000),
    "energy": (0.65, 0.12),
    "liveness": (0.18, 0.06),
    "loudness": (-7.0, 2.0),
    "speechiness": (0.08, 0.03),
    "tempo": (118.0, 15.0),
    "valence": (0.5, 0.15),
}
SONGS = 400
#: Share of songs that are instrumental (0.5..0.95); the others have nearly 0 (exponential, mean 0.005).
INSTRUMENTAL = 0.15
#: A DBSCAN eps on this catalog (standard scaling) that leaves between a fifth and half of the
#: songs as noise, with the rest in one group.
MUCH_NOISE_EPS = "2.5"
#: Metric cards are compact: a label, a number, a hint of at most two lines.
CARD_MAX_HEIGHT = 160


def write_zero_inflated_csv(path: Path, seed: int = 5) -> Path:
    """Write the catalog described in the module docstring to ``path`` and return it."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(SONGS):
        row: dict[str, str] = {"id": f"z{i:04d}", "song_title": f"Tune {i + 1}", "artist": f"Band {i % 9 + 1}"}
        for feature in DEFAULT_FEATURES:
            if feature == "instrumentalness":
                value = rng.uniform(0.5, 0.95) if rng.random() < INSTRUMENTAL else rng.exponential(0.005)
            else:
                value = rng.normal(*CENTRE[feature])
            low, high = FEATURE_RANGES[feature]
            row[feature] = f"{min(max(value, low), high):.6g}"
        rows.append(row)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def zero_inflated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_zero_inflated_csv(tmp_path_factory.mktemp("zero-inflated") / "songs.csv")


@pytest.fixture
def overview(dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], zero_inflated_csv: Path) -> DashComposite:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(zero_inflated_csv))
    return dash_duo


def text_of(duo: DashComposite, selector: str) -> str:
    found = duo.driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def shown_warnings(duo: DashComposite) -> str:
    """The warnings alert's text as the user sees it ("" when it is not shown)."""
    found = duo.driver.find_elements(By.ID, "overview-warnings")
    return found[0].text if found and found[0].is_displayed() else ""


def test_robust_scaling_warns_that_one_feature_dominates_and_standard_does_not(overview: DashComposite) -> None:
    """Robust scaling: the overview and the comparison name instrumentalness as the feature that
    decides the distances; standard scaling: no warning at all."""
    open_page(overview, "/?scaler=robust", "#metric-k")
    warnings = shown_warnings(overview)
    assert "Read these scores with care" in warnings
    share = re.search(r"Instrumentalness carries (\d+\.\d)% of the scaled data's variance", warnings)
    assert share and float(share.group(1)) > 50, warnings
    assert "Standardise (z-score) scaling gives every feature an equal share" in warnings
    above_table = text_of(overview, ".comparison-space-warning")
    assert above_table.startswith("Every row: instrumentalness dominates"), above_table

    open_page(overview, "/", "#metric-k")
    assert "standard scaling" in text_of(overview, "#overview-report")
    assert shown_warnings(overview) == ""
    assert js_count(overview.driver, ".diagnostic, .comparison-space-warning") == 0


def test_single_linkage_warns_of_one_big_cluster_and_the_comparison_marks_it(overview: DashComposite) -> None:
    """Single linkage chains nearly every song into one cluster and splits off single songs: the
    overview says so, and its comparison row is marked degenerate, its scores never bold."""
    open_page(overview, "/?algo=hierarchical&linkage=single", "#overview-dendrogram")
    warnings = shown_warnings(overview)
    big = re.search(r"One cluster holds ([\d,]+) of 400 songs \((\d+\.\d)%\)", warnings)
    assert big and float(big.group(2)) > 80, warnings
    assert re.search(r"\d of 5 clusters are tiny \(\d of a single song", warnings), warnings

    row = overview.driver.find_element(By.ID, "compare-hierarchical")
    assert "table-primary" in row.get_attribute("class")  # the view's own method
    assert row.find_element(By.CSS_SELECTOR, ".degenerate-badge").text == "degenerate"
    assert f"Degenerate: one cluster holds {big.group(2)}% of songs" in row.text
    assert not row.find_elements(By.CSS_SELECTOR, ".best-score")
    assert js_count(overview.driver, "#compare-kmeans .degenerate-badge") == 0
    legend = text_of(overview, "#overview-comparison-legend")
    assert "its scores are not compared, however good they look" in legend


def test_dbscan_cards_are_compact_and_the_noise_advice_matches_the_numbers(overview: DashComposite) -> None:
    """With a third of the songs as noise and the rest in one group, the advice is a larger eps
    (a smaller one would leave still more out); with nearly no noise and one group it is a
    smaller eps. Either way the metric cards stay compact, the advice under them."""
    driver = overview.driver
    open_page(overview, f"/?algo=dbscan&eps={MUCH_NOISE_EPS}", "#metric-noise")
    noise_share = int(re.search(r"(\d+)% of songs", text_of(overview, "#metric-noise")).group(1))
    assert 20 <= noise_share <= 50
    assert text_of(overview, "#metric-k .fs-4") == "1"
    note = text_of(overview, "#overview-metrics-note")
    assert f"{noise_share}% of the songs are noise" in note
    assert "try a larger eps, or a smaller min_samples" in note and "try a smaller eps" not in note
    heights = driver.execute_script(
        "return Array.from(document.querySelectorAll('.metric-card')).map(c => c.getBoundingClientRect().height)"
    )
    assert len(heights) == 7 and max(heights) < CARD_MAX_HEIGHT, heights
    assert text_of(overview, "#overview-subtitle").startswith("How many groups DBSCAN finds")

    open_page(overview, "/?algo=dbscan", "#metric-noise")  # eps at the k-distance knee
    noise_share = int(re.search(r"(\d+)% of songs", text_of(overview, "#metric-noise")).group(1))
    assert noise_share < 20
    note = wait_until(driver, lambda d: text_of(overview, "#overview-metrics-note"), "the note under the cards")
    assert "try a smaller eps, or a larger min_samples, to split it" in note and "larger eps" not in note
    assert "one cluster holds" in shown_warnings(overview).lower()
