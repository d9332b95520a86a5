"""Is the structure real? The overview answers it without waiting for it: the page shows
first, this clustering's stability and structureless comparison come from a background job
of their own, and the K advice from another after it, each with its progress. On the
generated catalog (four far-apart groups) every cluster comes back and beats structureless
data. A click on a cluster of the tree across K opens the explorer at that K and cluster;
each cluster card says how reliably its cluster comes back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from app.factory import create_app
from core.catalog import load_catalog
from core.config import Settings
from tests.browser.support import click_at, open_page, path, wait_for_query, wait_until

pytestmark = pytest.mark.browser

#: Cold: the K advice refits every K from 2 to 12 twenty times (seconds on 300 songs, more on a busy host).
JOB_TIMEOUT = 180


def _text(driver: WebDriver, selector: str) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text.strip() if found else ""


#: Every node of the cluster tree's Sankey with its customdata and on-screen centre.
_TREE_NODES_JS = """
const gd = document.querySelector('#overview-tree-graph .js-plotly-plot');
if (!gd || !gd._fullData) return null;
const nodes = Array.from(gd.querySelectorAll('.sankey-node'));
if (!nodes.length) return null;
return nodes.map(el => {
  const rect = el.querySelector('.node-rect').getBoundingClientRect();
  const node = el.__data__.node;
  return {customdata: String(node.customdata), x: rect.left + rect.width / 2, y: rect.top + rect.height / 2,
          height: rect.height};
});
"""


def tree_node(driver: WebDriver, k: int, cluster: int) -> dict:
    """The on-screen centre of cluster ``cluster`` at ``k`` in the tree (scrolled into view)."""
    driver.execute_script(
        "document.getElementById('overview-tree-graph').scrollIntoView({block: 'center', behavior: 'instant'})"
    )
    nodes = wait_until(driver, lambda d: d.execute_script(_TREE_NODES_JS), "the cluster tree to be drawn")
    found = [n for n in nodes if n["customdata"].startswith(f"K={k} · cluster {cluster} (")]
    assert found, f"no node K={k} · cluster {cluster} in {[n['customdata'] for n in nodes]}"
    assert found[0]["height"] >= 4, "the node is too thin to click"
    return found[0]


def test_the_overview_shows_first_then_stability_then_the_k_advice(
    dash_duo: DashComposite, catalog_csv: Path, tmp_path: Path
) -> None:
    settings = Settings(data_path=catalog_csv, cache_dir=tmp_path / "cold-cache")  # nothing cached yet
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(create_app(settings, load_catalog(catalog_csv)), navigate=False)
    dash_duo.server_url = dash_duo.server.url
    driver = dash_duo.driver

    open_page(dash_duo, "/?k=4", "#overview-body")
    # The overview itself comes first: the K advice is still to come when its metrics show.
    wait_until(driver, lambda d: d.find_elements(By.ID, "metric-k"), "the overview's metrics", JOB_TIMEOUT)
    assert driver.find_elements(By.CSS_SELECTOR, "#overview-kadvice .structure-pending"), "the K advice came first"
    assert not driver.find_elements(By.CSS_SELECTOR, ".kadvice-sentence")

    # The K advice's own job reports its progress (each K, each resample) in its strip.
    progress = wait_until(
        driver,
        lambda d: (
            re.search(r"K-Means \(K=\d+\)", _text(d, "#overview-kadvice-progress"))
            and _text(d, "#overview-kadvice-progress")
        ),
        "the K advice's progress",
        JOB_TIMEOUT,
    )
    assert " of 11)" in progress, progress

    # This clustering: every cluster comes back, and it beats structureless data.
    verdict = wait_until(
        driver, lambda d: _text(d, "#overview-view-structure .view-stability-verdict"), "the view's stability"
    )
    assert verdict == "All 4 clusters are stable."
    sentence = _text(driver, "#overview-view-structure .view-stability-sentence")
    assert sentence.startswith("Stability 1.00: mean ARI over 20 bootstrap resamples of all 300 songs"), sentence
    assert sentence.endswith("the clusters come back in 20, 20, 20 and 20 of them."), sentence
    assert _text(driver, "#overview-view-structure .view-null-verdict") == "More structure than structureless data."
    assert "on structureless data: beats it by" in _text(driver, "#overview-view-structure .view-null-sentence")
    assert "seeded sample" not in _text(driver, "#overview-view-structure"), "300 songs are resampled whole"
    assert "d-none" in driver.find_element(By.ID, "overview-structure-strip").get_attribute("class")

    # The method comparison has a stability column, filled by the same job.
    head = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#overview-comparison thead th")]
    assert "Stability ↑" in head
    column = head.index("Stability ↑")
    for algorithm in ("kmeans", "hierarchical"):
        cell = driver.find_elements(By.CSS_SELECTOR, f"#compare-{algorithm} td")[column]
        assert "stability-cell" in cell.get_attribute("class") and float(cell.text) >= 0.95, (algorithm, cell.text)
    assert not driver.find_elements(By.CSS_SELECTOR, "#overview-comparison .stability-cell.pending")
    assert "Being computed" not in _text(driver, "#overview-comparison-legend")

    # The K advice: which K, and that it beats structureless data, with its reasons and numbers.
    advice = wait_until(driver, lambda d: _text(d, ".kadvice-sentence"), "the K advice", JOB_TIMEOUT)
    assert re.fullmatch(
        r"K=\d+ has the best silhouette(, K=\d+)? (and )?the most stable clusters; "
        r"(both beat|it beats) structureless data by [\d. and]+ in silhouette\.",
        advice,
    ), advice
    assert advice.startswith("K=4 has the best silhouette"), "four far-apart groups: K=4 separates them best"
    reasons = _text(driver, ".kadvice-reasons")
    assert "This view, K=4: silhouette" in reasons and "(beats it)" in reasons
    beats = [td.text for td in driver.find_elements(By.CSS_SELECTOR, ".kadvice-table .kadvice-row-beats td")]
    assert beats == ["yes"] * 11, beats
    stability = [td.text for td in driver.find_elements(By.CSS_SELECTOR, ".kadvice-table .kadvice-row-stability td")]
    assert len(stability) == 11 and float(stability[2]) >= 0.95, stability  # K=4
    assert not driver.find_elements(By.ID, "overview-kadvice-strip"), "the strip goes with its job"


def test_a_click_on_the_cluster_tree_opens_that_k_and_cluster(duo: DashComposite) -> None:
    driver = duo.driver
    open_page(duo, "/?k=4", "#overview-tree")
    node = wait_until(driver, lambda d: tree_node(d, 5, 1), "the cluster tree", JOB_TIMEOUT)
    click_at(driver, node)
    wait_until(driver, lambda d: path(d) == "/explorer", "the explorer to open")
    wait_for_query(driver, k="5", cluster="1")
    wait_until(driver, lambda d: "Cluster 1 is in focus" in _text(d, "#explorer-note"), "cluster 1 in focus")


def test_each_cluster_card_says_how_reliably_its_cluster_comes_back(duo: DashComposite) -> None:
    driver = duo.driver
    open_page(duo, "/clusters?k=4", "#cluster-card-0")
    summary = wait_until(
        driver,
        lambda d: "resamples" in _text(d, "#clusters-stability") and _text(d, "#clusters-stability"),
        "the page's stability line",
        JOB_TIMEOUT,
    )
    assert summary.startswith("All 4 clusters are stable."), summary
    for cluster in range(4):
        card = f"#cluster-card-{cluster} .cluster-stability"
        assert _text(driver, f"{card} .stability-badge") == "stable"
        assert (
            _text(driver, f"{card} .cluster-stability-sentence")
            == "Comes back in 20 of 20 resamples (mean Jaccard 1.00)."
        )
