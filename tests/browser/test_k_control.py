"""The shell's K slider: every view, the URL and the nav links follow the chosen K."""

from __future__ import annotations

import dash
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from app.context import context_of
from tests.browser.support import (
    SLIDER_THUMB,
    click_k_mark,
    js_count,
    open_page,
    path,
    slider_k,
    wait_for_count,
    wait_for_query,
    wait_for_text,
    wait_until,
)

pytestmark = pytest.mark.browser


def _silhouette(app: dash.Dash, k: int) -> str:
    """The silhouette the overview must show for K=k, from the app's own engine."""
    engine = context_of(app.server).engine
    return f"{engine.clustering(engine.params(k)).silhouette:.3f}"


def _nav_hrefs(duo: DashComposite) -> dict[str, str]:
    links = duo.driver.find_elements(By.CSS_SELECTOR, ".navbar a.nav-link")
    return {link.text: link.get_attribute("href") for link in links}


def test_k_slider_updates_overview_url_and_nav_links(duo: DashComposite, served_app: dash.Dash) -> None:
    """Mark 3, arrow-right on the handle, a typed K: metrics, charts, URL, links and other pages follow."""
    driver = duo.driver
    open_page(duo, "/", "#metric-k")
    wait_for_text(driver, "#metric-k .fs-4", "5")
    wait_for_text(driver, "#metric-silhouette .fs-4", _silhouette(served_app, 5))

    click_k_mark(driver, 3)
    wait_for_query(driver, k="3")
    wait_for_text(driver, "#metric-k .fs-4", "3")
    wait_for_text(driver, "#metric-silhouette .fs-4", _silhouette(served_app, 3))
    wait_for_text(driver, "#overview-elbow .annotation-text", "K=3")
    wait_for_text(driver, "#overview-quality .annotation-text", "K=3")
    wait_for_count(driver, "#overview-sizes .bars .point", 3)
    wait_until(
        driver,
        lambda d: all(href.endswith("?k=3") for href in _nav_hrefs(duo).values()),
        "every nav link to carry k=3",
    )

    # The keyboard path: focus the handle, one step right.
    driver.find_element(By.CSS_SELECTOR, SLIDER_THUMB).send_keys(Keys.ARROW_RIGHT)
    wait_for_query(driver, k="4")
    assert slider_k(driver) == "4"
    wait_for_text(driver, "#metric-k .fs-4", "4")
    wait_for_text(driver, "#metric-silhouette .fs-4", _silhouette(served_app, 4))
    wait_for_text(driver, "#overview-elbow .annotation-text", "K=4")
    wait_for_count(driver, "#overview-sizes .bars .point", 4)

    # Nav links keep K from page to page (client-side navigation, no reload).
    wait_until(driver, lambda d: _nav_hrefs(duo)["Heatmap"].endswith("/heatmap?k=4"), "the Heatmap link to carry k=4")
    driver.find_element(By.LINK_TEXT, "Heatmap").click()
    duo.wait_for_element("#heatmap-graph .heatmaplayer")
    assert path(driver) == "/heatmap"
    wait_for_query(driver, k="4")
    wait_for_count(driver, "#heatmap-profile-table tbody tr", 4)
    assert slider_k(driver) == "4"

    driver.find_element(By.LINK_TEXT, "Clusters").click()
    wait_until(driver, lambda d: path(d) == "/clusters", "the cluster cards page")
    wait_for_count(driver, ".cluster-card", 4)
    wait_for_query(driver, k="4")

    # The slider's number box: a typed K applies when the box loses focus, clamped to 2–12.
    box = driver.find_element(By.CSS_SELECTOR, "#k-control input[type=number]")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("38", Keys.TAB)
    wait_for_query(driver, k="12")
    wait_for_count(driver, ".cluster-card", 12)
    assert slider_k(driver) == "12"


def test_k_slider_relabels_every_page_in_place(duo: DashComposite) -> None:
    """On the heatmap, cluster cards and explorer pages, moving K redraws the page without a reload."""
    driver = duo.driver
    open_page(duo, "/heatmap", "#heatmap-graph .heatmaplayer")
    wait_for_count(driver, "#heatmap-profile-table tbody tr", 5)
    driver.execute_script("window.__sameDocument = true")  # gone if the page reloads
    click_k_mark(driver, 6)
    wait_for_count(driver, "#heatmap-profile-table tbody tr", 6)
    wait_for_query(driver, k="6")

    driver.find_element(By.LINK_TEXT, "Clusters").click()
    wait_for_count(driver, ".cluster-card", 6)
    click_k_mark(driver, 2)
    wait_for_count(driver, ".cluster-card", 2)
    wait_for_query(driver, k="2")
    wait_until(
        driver,
        lambda d: "k=2" in d.find_element(By.ID, "download-all").get_attribute("href"),
        "the download link to follow K",
    )

    driver.find_element(By.LINK_TEXT, "Explorer").click()
    duo.wait_for_element("#explorer-graph .gl-container canvas")
    wait_until(driver, lambda d: js_count(d, "#explorer-graph .legendtext") == 2, "2 clusters in the 3D legend")
    click_k_mark(driver, 4)
    wait_until(driver, lambda d: js_count(d, "#explorer-graph .legendtext") == 4, "4 clusters in the 3D legend")
    wait_for_query(driver, k="4")
    assert driver.execute_script("return window.__sameDocument === true"), "the page reloaded"
