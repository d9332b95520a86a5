"""A copied URL reproduces the view in a fresh browser: K, song, 2D/3D and feature axes."""

from __future__ import annotations

import pytest
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.songs import Known
from tests.browser.support import (
    click_k_mark,
    graph_data,
    open_page,
    path,
    query,
    slider_k,
    wait_for_panel,
    wait_for_query,
    wait_until,
)

pytestmark = pytest.mark.browser


def _view_state(browser: Browser) -> dict[str, object]:
    """What a user sees of the explorer's state."""
    driver = browser.driver
    traces = graph_data(driver, "explorer-graph") or []
    return {
        "k": slider_k(driver),
        "song": driver.find_element(By.CSS_SELECTOR, ".song-panel").get_attribute("data-song"),
        "title": driver.find_element(By.CSS_SELECTOR, ".song-panel .song-title").text,
        "view": driver.find_element(By.CSS_SELECTOR, "#explorer-view input:checked").get_attribute("value"),
        "trace_type": traces[0]["type"] if traces else None,
        "clusters": sum(1 for t in traces if t["name"].startswith("Cluster ")),
        "x": driver.find_element(By.CSS_SELECTOR, "#explorer-x").text.strip(),
        "y": driver.find_element(By.CSS_SELECTOR, "#explorer-y").text.strip(),
    }


def _clipboard_url(driver: WebDriver) -> str | None:
    text = driver.execute_async_script(
        "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(null));"
    )
    return text if text and text.startswith("http") else None


def test_copied_url_opens_the_same_view_in_a_fresh_browser(duo: DashComposite, fresh_browser: Browser) -> None:
    """Build a view by hand (song, 2D, K=3, tempo axis), press "Copy link", open that link in a new browser."""
    driver = duo.driver
    open_page(duo, "/search?q=starlight", ".search-hit")
    driver.find_element(By.CSS_SELECTOR, ".search-hit").click()
    wait_for_panel(driver, Known.starlight)
    duo.find_element(".song-panel .show-in-3d").click()
    wait_until(driver, lambda d: path(d) == "/explorer", "the explorer")
    duo.wait_for_element("#explorer-graph .gl-container canvas")

    driver.find_element(By.CSS_SELECTOR, "#explorer-view input[value='2d']").click()
    wait_for_query(driver, view="2d", song=Known.starlight)
    click_k_mark(driver, 3)
    wait_for_query(driver, k="3", view="2d", song=Known.starlight)
    axis = duo.find_element("#explorer-x")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", axis)
    duo.select_dcc_dropdown(axis, value="Tempo (BPM)")
    copied = wait_for_query(driver, k="3", view="2d", song=Known.starlight, x="tempo")
    wait_until(driver, lambda d: _view_state(duo)["clusters"] == 3, "three clusters drawn in 2D")
    before = _view_state(duo)
    assert before["trace_type"] == "scattergl" and before["view"] == "2d"

    # The navbar's "Copy link" button puts this view's URL on the clipboard.
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": duo.server_url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    driver.execute_async_script("navigator.clipboard.writeText('nothing copied yet').then(arguments[0])")
    driver.find_element(By.CSS_SELECTOR, "#copy-link").click()
    url = wait_until(driver, _clipboard_url, "a link on the clipboard")
    assert url == driver.current_url

    fresh_browser.driver.get(url)  # a separate browser session: no shared cookies, storage or history
    fresh_browser.wait_for_element(".song-panel", timeout=20)
    wait_for_panel(fresh_browser.driver, Known.starlight)
    wait_until(fresh_browser.driver, lambda d: _view_state(fresh_browser) == before, f"the same view as {before}")
    assert query(fresh_browser.driver) == copied
    assert fresh_browser.driver.find_elements(By.CSS_SELECTOR, ".notice") == []
