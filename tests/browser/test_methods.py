"""Beyond K-Means in the browser: method, scaling, features and projection follow the
controls and the URL; a copied DBSCAN URL reproduces its view; bad values get a notice."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.browser.support import graph_data, open_page, query, wait_for_query, wait_until

pytestmark = pytest.mark.browser


def wait_for_words(driver, selector: str, words: str, timeout: float = 30) -> None:
    """Wait until the element's text contains ``words``."""
    wait_until(
        driver,
        lambda d: words in d.find_element(By.CSS_SELECTOR, selector).text,
        f"{selector} to mention {words!r}",
        timeout=timeout,
    )


def choose(driver, control_id: str, value: str) -> None:
    Select(driver.find_element(By.ID, control_id)).select_by_value(value)


def test_method_scaling_and_features_follow_the_controls(duo: DashComposite) -> None:
    """Hierarchical shows its dendrogram and linkage; DBSCAN its k-distance plot, noise count and eps;
    scaling and features go into the URL and change what the page reports."""
    driver = duo.driver
    open_page(duo, "/", "#metric-k")

    choose(driver, "algo-control", "hierarchical")
    wait_for_query(driver, algo="hierarchical")
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#overview-dendrogram .main-svg"), "the dendrogram")
    assert "table-primary" in driver.find_element(By.ID, "compare-hierarchical").get_attribute("class")
    choose(driver, "option-linkage", "average")
    wait_for_query(driver, algo="hierarchical", linkage="average")
    wait_for_words(driver, "#metric-k", "average")

    choose(driver, "algo-control", "dbscan")
    wait_for_query(driver, algo="dbscan", linkage=None)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#overview-k-distance .main-svg"), "k-distance")
    assert driver.find_element(By.ID, "metric-noise").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, "#k-control input").get_attribute("disabled") is not None
    eps = driver.find_element(By.ID, "option-eps")
    eps.send_keys("0.9", Keys.TAB)
    wait_for_query(driver, algo="dbscan", eps="0.9")
    wait_for_words(driver, "#metric-k", "eps 0.9")

    choose(driver, "algo-control", "kmeans")
    choose(driver, "scaler-control", "robust")
    wait_for_query(driver, algo=None, eps=None, scaler="robust")
    wait_for_words(driver, "#overview-report", "robust scaling")

    driver.find_element(By.ID, "features-control").click()
    tempo = wait_until(
        driver,
        lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text.strip().lower() == "tempo"],
        "the tempo option",
    )[0]
    tempo.click()
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    chosen = wait_until(driver, lambda d: query(d).get("features"), "features in the URL")
    assert "tempo" not in chosen.split(",") and "energy" in chosen.split(",")
    wait_for_words(driver, "#overview-report", f"Clustered on {len(chosen.split(','))} features")


def test_projection_switch_redraws_the_explorer_in_2d(duo: DashComposite) -> None:
    """t-SNE replaces the 3D PCA plot with a 2D view, says it is for viewing only, and goes in the URL."""
    driver = duo.driver
    open_page(duo, "/explorer?k=4", "#explorer-graph .gl-container canvas")
    driver.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_explorer-proj_input_tsne']").click()
    wait_for_query(driver, k="4", proj="tsne")
    wait_until(
        driver,
        lambda d: "for looking only" in d.find_element(By.ID, "explorer-note").text,
        "the t-SNE note",
        timeout=90,
    )
    traces = graph_data(driver, "explorer-graph")
    assert {t["type"] for t in traces} == {"scattergl"}
    assert any(t["name"] == "Cluster 3" for t in traces)
    assert driver.find_element(By.ID, "_dbcprivate_radioitems_explorer-view_input_3d").get_attribute("disabled")


@pytest.fixture
def genre_csv(tmp_path: Path, catalog_csv: Path) -> Path:
    """The generated catalog with a genre column (its first word of the title's group)."""
    with catalog_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for i, row in enumerate(rows):
        row["genre"] = ("pop", "rock", "rap")[i % 3]
    path = tmp_path / "genres.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_copied_dbscan_url_opens_the_same_view(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], genre_csv: Path, fresh_browser: Browser
) -> None:
    """A URL with algo=dbscan&eps=…&min_samples=… opened in a new browser sets the controls and
    the view to it; the genre check page scores the clusters against the genre column."""
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(genre_csv))
    url = f"{dash_duo.server_url}/genres?k=4&algo=dbscan&eps=1.1&min_samples=6&scaler=minmax"
    fresh_browser.driver.get(url)
    driver = fresh_browser.driver
    wait_until(driver, lambda d: d.find_elements(By.ID, "genres-ari"), "the genre scores")
    assert query(driver) == {"k": "4", "algo": "dbscan", "eps": "1.1", "min_samples": "6", "scaler": "minmax"}
    assert Select(driver.find_element(By.ID, "algo-control")).first_selected_option.get_attribute("value") == "dbscan"
    assert driver.find_element(By.ID, "option-eps").get_attribute("value") == "1.1"
    assert driver.find_element(By.ID, "option-min-samples").get_attribute("value") == "6"
    assert "Genres" in driver.find_element(By.ID, "genres-count").text
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#genres-crosstab .heatmaplayer"), "the crosstab")
    driver.find_element(By.LINK_TEXT, "Overview").click()
    wait_until(driver, lambda d: "eps 1.1" in d.find_element(By.ID, "metric-k").text, "the DBSCAN overview")
    assert query(driver)["algo"] == "dbscan"


def test_a_dataset_without_genres_says_so(duo: DashComposite) -> None:
    """Opened by a link: the page says why there is nothing to check; the nav offers no Genres."""
    open_page(duo, "/genres", "#genres-none")
    assert "no genre column" in duo.driver.find_element(By.ID, "genres-none").text
    assert duo.driver.find_elements(By.LINK_TEXT, "Genres") == []
    assert duo.driver.find_elements(By.LINK_TEXT, "Clusters")


@pytest.mark.parametrize(
    "bad",
    [
        "algo=magic",
        "scaler=zzz",
        "linkage=weird&algo=hierarchical",
        "eps=-1&algo=dbscan",
        "min_samples=x&algo=dbscan",
        "features=energy",
        "features=nope,energy",
        "proj=tsne3d",
    ],
)
def test_bad_method_values_show_a_notice_and_a_sane_view(duo: DashComposite, bad: str) -> None:
    open_page(duo, f"/?k=4&{bad}", "#metric-k")
    driver = duo.driver
    assert driver.find_elements(By.CSS_SELECTOR, ".notice")
    assert not driver.find_elements(By.CSS_SELECTOR, ".page-error")
    name = bad.split("=")[0]
    if name != "linkage":
        assert name not in query(driver) or query(driver)[name] not in bad
