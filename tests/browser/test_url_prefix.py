"""The app served under a URL prefix (AUDIOSPACE_URL_PREFIX=/music/), as behind a proxy:
every page, link, K change, song click, download and route lives under /music/."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from app.factory import create_app
from core.catalog import load_catalog
from core.config import Settings
from tests.browser.support import (
    click_k_mark,
    click_point,
    isolated_point,
    panel_song,
    path,
    projected_points,
    wait_for_query,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser
PREFIX = "/music/"


def _nav(driver, name: str) -> None:
    link = next(a for a in driver.find_elements(By.CSS_SELECTOR, ".navbar a.nav-link") if a.text == name)
    link.click()


def test_every_page_k_change_and_song_click_under_a_prefix(
    dash_duo: DashComposite, catalog_csv: Path, model_cache_dir: Path
) -> None:
    settings = Settings(data_path=catalog_csv, cache_dir=model_cache_dir, url_prefix=PREFIX)
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(create_app(settings, load_catalog(catalog_csv)), navigate=False)
    driver = dash_duo.driver
    base = dash_duo.server.url.rstrip("/")

    assert requests.get(f"{base}{PREFIX}healthz", timeout=10).json()["songs"] == 300
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 404

    dash_duo.server_url = base + PREFIX  # opens the overview and waits for Dash to load
    dash_duo.wait_for_element("#metric-silhouette")
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".navbar a.nav-link")]
    assert hrefs and all(href.startswith(f"{base}{PREFIX}") for href in hrefs), hrefs

    _nav(driver, "Explorer")
    dash_duo.wait_for_element("#explorer-graph .gl-container canvas")
    assert path(driver) == f"{PREFIX}explorer"
    click_k_mark(driver, 3)
    wait_for_query(driver, k="3")
    assert path(driver) == f"{PREFIX}explorer"
    wait_idle(driver)
    target = isolated_point(projected_points(driver))
    click_point(driver, target, lambda d: panel_song(d) == target["id"], f"the panel of {target['id']}")
    wait_for_query(driver, k="3", song=target["id"])
    assert path(driver) == f"{PREFIX}explorer"

    _nav(driver, "Clusters")
    download = dash_duo.wait_for_element("#download-all")
    assert download.get_attribute("href").startswith(f"{base}{PREFIX}download/songs.csv?k=3")
    answer = requests.get(download.get_attribute("href"), timeout=30)
    assert answer.status_code == 200 and answer.text.count("\n") == 301

    for name, ready in (("Heatmap", "#heatmap-graph"), ("Search", "#search-input")):
        _nav(driver, name)
        dash_duo.wait_for_element(ready)
        wait_until(driver, lambda d, n=name: path(d) == f"{PREFIX}{n.lower()}", f"the {name} page under the prefix")
        wait_for_query(driver, k="3")
