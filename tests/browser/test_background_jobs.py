"""Slow work runs as a background job: the page keeps its last view, dimmed, under a strip
that says what is being computed and for how long; Cancel stops it and leaves the view as it
was; a job left to finish draws the new view without a reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from app.factory import create_app
from core.catalog import load_catalog
from core.config import Settings
from tests.browser.support import click_k_mark, open_page, query, slider_k, wait_for_query, wait_until

pytestmark = pytest.mark.browser


def _strip(driver) -> str | None:
    """The job strip's text while a job runs, else None."""
    running = driver.find_elements(By.CSS_SELECTOR, "#explorer-job-panel.running")
    return running[0].text if running else None


def test_a_slow_map_shows_progress_over_the_last_view_and_can_be_cancelled(
    dash_duo: DashComposite, catalog_csv: Path, tmp_path: Path
) -> None:
    settings = Settings(data_path=catalog_csv, cache_dir=tmp_path / "cold-cache")  # nothing cached yet
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(create_app(settings, load_catalog(catalog_csv)), navigate=False)
    dash_duo.server_url = dash_duo.server.url
    driver = dash_duo.driver

    # A first load the cache cannot serve: a skeleton, then the view, drawn by a job.
    open_page(dash_duo, "/explorer?k=4", "#explorer-job-panel")
    wait_until(driver, lambda d: "The axes are one PCA" in d.find_element(By.ID, "explorer-note").text, "the PCA view")
    assert driver.find_elements(By.CSS_SELECTOR, ".view-skeleton") == []

    # UMAP takes seconds (numba compiles it in the job's process): progress over the PCA view.
    driver.find_element(By.CSS_SELECTOR, "#explorer-proj input[value='umap']").click()
    text = wait_until(driver, lambda d: _strip(d) and "UMAP" in _strip(d) and _strip(d), "the job strip")
    assert "Computing the UMAP map" in text and "Cancel" in text
    assert driver.find_elements(By.CSS_SELECTOR, ".page-body.computing #explorer-graph"), "the last view stays"

    driver.find_element(By.ID, "explorer-job-cancel").click()
    wait_until(driver, lambda d: _strip(d) is None, "the job strip to go after Cancel")
    assert driver.find_elements(By.CSS_SELECTOR, ".page-body:not(.computing) #explorer-graph")
    assert "proj" not in query(driver)
    assert "PCA" in driver.find_element(By.ID, "explorer-note").text

    # The user moves on while a job computes: a K the cache has is drawn at once, and the
    # job for the view asked for before is stopped instead of drawing over it when done.
    click_k_mark(driver, 5)
    wait_until(driver, lambda d: query(d).get("k") == "5" and _strip(d) is None, "K=5 drawn")
    click_k_mark(driver, 4)
    wait_until(driver, lambda d: query(d).get("k") == "4" and _strip(d) is None, "K=4 drawn again")
    driver.find_element(By.CSS_SELECTOR, "#explorer-proj input[value='umap']").click()
    wait_until(driver, lambda d: _strip(d) and "UMAP" in _strip(d), "the job strip")
    click_k_mark(driver, 5)
    wait_until(driver, lambda d: _strip(d) is None, "the UMAP job to stop")
    wait_for_query(driver, k="5", proj=None)
    assert slider_k(driver) == "5"
    assert "PCA" in driver.find_element(By.ID, "explorer-note").text
    assert driver.find_element(By.CSS_SELECTOR, "#explorer-proj input[value='pca']").is_selected()

    # A job left to run draws its view: t-SNE of 300 songs takes a moment.
    driver.find_element(By.CSS_SELECTOR, "#explorer-proj input[value='tsne']").click()
    wait_until(driver, lambda d: "t-SNE fitted on" in d.find_element(By.ID, "explorer-note").text, "the t-SNE view", 60)
    assert query(driver).get("proj") == "tsne"
