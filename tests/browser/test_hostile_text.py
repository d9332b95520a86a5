"""Titles, artists and genres from an uploaded file are text on every page: markup and
script payloads in them show literally and never run, link or style anything.

plotly draws a subset of HTML in hover labels, axis ticks and annotations, and Dash
components could be handed raw HTML; each page is opened on a catalog whose text fields
are payloads, and the page is checked for what a payload would have done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dash
import pandas as pd
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from tests.browser.songs import write_catalog_csv
from tests.browser.support import open_page, panel_song, wait_until

pytestmark = pytest.mark.browser

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    '<a href="https://evil.example/">g</a>',
    "<b>bold</b>",
    "<script>window.__pwned=1</script>",
    '"><svg onload="window.__pwned=1">',
    "<i>tilted</i> &amp; <sup>up</sup>",
)
#: The words the payloads would make bold or italic, were plotly to draw their tags.
STYLED_WORDS = ("bold", "tilted")
#: The song whose title, artist and genre are all payloads (opened in the explorer).
HOSTILE_SONG = "s0000"

#: (path, what shows the page is drawn)
PAGES = (
    ("/", "#overview-sizes .bars"),
    (f"/explorer?song={HOSTILE_SONG}", ".song-panel"),
    ("/heatmap", "#heatmap-graph .heatmaplayer"),
    ("/search?q=evil", ".search-hit"),
    ("/clusters", ".cluster-card"),
    ("/genres", "#genres-crosstab .heatmaplayer"),
)


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser tests' catalog with payloads as titles, artists and genres."""
    path = write_catalog_csv(tmp_path_factory.mktemp("hostile") / "hostile.csv")
    songs = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, payload in enumerate(PAYLOADS):
        songs.loc[i * 40, ["song_title", "artist"]] = [payload, f"evil {payload}"]
    songs["genre"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(songs))]
    songs.to_csv(path, index=False)
    return path


def _payload_effects(driver) -> dict[str, object]:
    """What any payload would have done to the page ('styled': payload words plotly drew bold or
    italic; the app's own bold labels, such as the cluster tree's current K, are not payloads)."""
    return driver.execute_script(
        """
        return {
            ran: window.__pwned || null,
            links: Array.from(document.querySelectorAll('a[href*="evil.example"]')).length,
            images: Array.from(document.querySelectorAll('img[src="x"], svg[onload]')).length,
            markup: Array.from(document.querySelectorAll('#_pages_content b, #_pages_content i, #_pages_content sup'))
                .length,
            styled: Array.from(document.querySelectorAll('.js-plotly-plot tspan'))
                .filter(t => /bold|italic/.test(t.getAttribute('style') || '') && arguments[0].includes(t.textContent))
                .map(t => t.textContent),
        };
        """,
        list(STYLED_WORDS),
    )


def test_payloads_in_titles_artists_and_genres_stay_text_on_every_page(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], hostile_csv: Path
) -> None:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(hostile_csv))
    driver = dash_duo.driver
    for path, ready in PAGES:
        open_page(dash_duo, path, ready)
        if path.startswith("/explorer"):
            wait_until(driver, lambda d: panel_song(d) == HOSTILE_SONG, "the hostile song's panel")
        effects = _payload_effects(driver)
        assert effects == {"ran": None, "links": 0, "images": 0, "markup": 0, "styled": []}, path

    open_page(dash_duo, f"/explorer?song={HOSTILE_SONG}", ".song-panel")
    wait_until(driver, lambda d: panel_song(d) == HOSTILE_SONG, "the hostile song's panel")
    assert driver.find_element(By.CSS_SELECTOR, ".song-panel .song-title").text == PAYLOADS[0]

    open_page(dash_duo, "/search?q=evil", ".search-hit")
    shown = {hit.text for hit in driver.find_elements(By.CSS_SELECTOR, ".search-hit")}
    assert all(any(f"evil {payload}" in text for text in shown) for payload in PAYLOADS), shown

    open_page(dash_duo, "/genres", "#genres-crosstab .heatmaplayer")
    ticks = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "#genres-crosstab .xtick text")]
    assert set(ticks) == set(PAYLOADS), ticks
