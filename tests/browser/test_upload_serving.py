"""One upload, two servers: two people choose the same file at once, each in a browser on
another gunicorn (2 workers each, one shared store and model cache, as two hosts on a
shared disk). Both get the same dataset and the same overview, and every model behind it
was fitted once, by one of them; a link copied from one server opens the same view on
the other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from core.cache import open_model_cache
from core.config import K_MIN, Settings
from core.datasets import DatasetStore
from core.engine import Engine
from tests.browser.support import graph_data, query, wait_until
from tests.conftest import blob_frame
from tests.services import serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path, Settings]]:
    """Two gunicorn instances on one store and cache; yields (base A, base B, folder, their settings)."""
    folder = tmp_path_factory.mktemp("two-servers")
    operator = folder / "songs.csv"
    blob_frame((60, 60), seed=8)[0].to_csv(operator, index=False)
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(operator),
        "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(folder / "datasets"),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, folder) as first, serving(env, folder) as second:
        yield first, second, folder, Settings.from_env(env)


def _upload(browser: Browser, path: Path) -> None:
    browser.driver.find_element(By.ID, "open-data-button").click()
    chooser = wait_until(browser.driver, lambda d: d.find_element(By.ID, "open-data-file"), "the Open data panel")
    chooser.send_keys(str(path))


def _silhouettes(driver: WebDriver) -> list[float] | None:
    """The silhouette curve the overview drew (one value per K)."""
    return driver.execute_script(
        "const gd = document.querySelector('#overview-quality .js-plotly-plot');"
        "return gd && gd._fullData ? Array.from(gd._fullData[0].y) : null;"
    )


def test_the_same_file_chosen_on_two_servers_at_once_is_one_dataset_fitted_once(
    two_servers: tuple[str, str, Path, Settings], dash_duo: DashComposite, fresh_browser: Browser
) -> None:
    first, second, folder, settings = two_servers
    upload = folder / "festival.csv"
    blob_frame((150, 100, 90), seed=21)[0].to_csv(upload, index=False)
    browsers = ((dash_duo, first), (fresh_browser, second))
    for browser, base in browsers:
        browser.driver.get(base + "/")
        wait_until(browser.driver, lambda d: d.find_element(By.ID, "open-data-button"), "the overview")
    for browser, _ in browsers:
        _upload(browser, upload)

    for browser, _ in browsers:
        wait_until(browser.driver, lambda d: "data" in query(d), "the dataset's URL", timeout=60)
        wait_until(browser.driver, _silhouettes, "the K sweep's charts", timeout=90)
    data = {query(browser.driver)["data"] for browser, _ in browsers}
    assert len(data) == 1, "one file, one dataset"
    assert _silhouettes(dash_duo.driver) == _silhouettes(fresh_browser.driver)

    dataset = data.pop()
    engine = Engine(DatasetStore(settings.datasets_folder).catalog(dataset), open_model_cache(settings))
    fits = {
        k: engine.cache.times_computed(engine.clustering_key(engine.params(k)))
        for k in range(K_MIN, settings.k_max + 1)
    }
    assert set(fits.values()) == {1}, f"fits per K across both servers: {fits}"

    explorer = f"/explorer?data={dataset}&k=3"
    dash_duo.driver.get(first + explorer)
    wait_until(dash_duo.driver, lambda d: graph_data(d, "explorer-graph"), "the explorer on server A", timeout=60)
    fresh_browser.driver.get(second + explorer)
    wait_until(fresh_browser.driver, lambda d: graph_data(d, "explorer-graph"), "the explorer on server B", timeout=60)
    assert graph_data(dash_duo.driver, "explorer-graph") == graph_data(fresh_browser.driver, "explorer-graph")
    assert fresh_browser.driver.find_element(By.ID, "dataset-badge").text == "festival.csv · 340 songs"
