"""README screenshots of every page on the real reference data (only with UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import dash
import pandas as pd
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By

from app.context import context_of
from tests.browser.support import console_errors, open_page, panel_song, wait_for_count, wait_idle, wait_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "spotify.csv"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SIZE = (1400, 900)
MAX_BYTES = 400_000


def _settle(duo: DashComposite, scroll: bool = True) -> None:
    """Nothing loading, no hover label, and two painted frames since (WebGL included)."""
    driver = duo.driver
    wait_idle(driver)
    rest = ActionBuilder(driver)
    rest.pointer_action.move_to_location(SIZE[0] - 5, SIZE[1] - 5)
    rest.perform()
    if scroll:
        driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")
    driver.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()))"
    )


def _song_id(app: dash.Dash, title: str, artist: str) -> str:
    songs = context_of(app.server).engine.catalog.songs
    match = songs[(songs["title"] == title) & (songs["artist"] == artist)]
    assert len(match), f"{title} — {artist} is not in the reference data"
    return str(match["id"].iloc[0])


def _shoot(duo: DashComposite, name: str, scroll: bool = True) -> None:
    _settle(duo, scroll)
    target = SCREENSHOTS / f"{name}.png"
    assert duo.driver.save_screenshot(str(target)), f"could not write {target}"
    assert target.stat().st_size < MAX_BYTES, f"{target.name} is {target.stat().st_size:,} bytes"


@pytest.mark.skipif(os.environ.get("UPDATE_SCREENSHOTS") != "1", reason="set UPDATE_SCREENSHOTS=1 to rewrite them")
@pytest.mark.skipif(not REFERENCE_CSV.exists(), reason=f"the reference data is not at {REFERENCE_CSV}")
def test_readme_screenshots(dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], tmp_path: Path) -> None:
    """Each page as a user first sees it at 1400×900; explorer and search with a song open; the
    Open data panel asking which columns a renamed export's title and features are."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver = dash_duo.driver
    driver.implicitly_wait(0)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": SIZE[0], "height": SIZE[1], "deviceScaleFactor": 1, "mobile": False},
    )
    app = make_app(REFERENCE_CSV)
    dash_duo.start_server(app)

    open_page(dash_duo, "/", "#overview-sizes .bars")
    for graph in ("overview-elbow", "overview-quality"):
        dash_duo.wait_for_element(f"#{graph} .scatterlayer")
    _shoot(dash_duo, "overview")
    # Is the structure real? once its background jobs are done (the K advice takes a while).
    wait_until(
        dash_duo.driver,
        lambda d: d.execute_script("return !document.querySelector('.structure-strip:not(.d-none)')"),
        "the structure answers",
        timeout=180,
    )
    dash_duo.driver.execute_script(
        "document.getElementById('overview-structure')?.scrollIntoView({block: 'start', behavior: 'instant'})"
    )
    _shoot(dash_duo, "structure", scroll=False)

    song = _song_id(app, "Redbone", "Childish Gambino")
    open_page(dash_duo, f"/explorer?song={song}", ".song-panel")
    dash_duo.wait_for_element("#explorer-graph .gl-container canvas")
    wait_until(driver, lambda d: panel_song(d) == song, "the song panel")
    _shoot(dash_duo, "explorer")

    open_page(dash_duo, "/heatmap", "#heatmap-graph .heatmaplayer")
    _shoot(dash_duo, "heatmap")

    open_page(dash_duo, "/search?q=beyonce", ".search-hit")
    hit = next(h for h in driver.find_elements(By.CSS_SELECTOR, ".search-hit") if "Drunk in Love" in h.text)
    hit.click()
    wait_until(driver, lambda d: panel_song(d) == _song_id(app, "Drunk in Love", "Beyoncé"), "the song panel")
    _shoot(dash_duo, "search")

    open_page(dash_duo, "/clusters", ".cluster-card")
    wait_for_count(driver, ".cluster-card", 5)
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".mini-profile .bars")) == 5, "mini profiles")
    _shoot(dash_duo, "clusters")

    open_page(dash_duo, "/", "#overview-sizes .bars")
    driver.find_element(By.ID, "open-data-button").click()
    chooser = wait_until(driver, lambda d: d.find_element(By.ID, "open-data-file"), "the Open data panel")
    chooser.send_keys(str(_renamed_export(tmp_path)))
    wait_until(driver, lambda d: d.find_elements(By.ID, "mapping-submit"), "the column mapping form")
    _shoot(dash_duo, "open-data")
    console_errors(dash_duo)  # the 422 that asked for the mapping is expected


def _renamed_export(folder: Path) -> Path:
    """200 reference songs under the column names a German export might give them."""
    songs = pd.read_csv(REFERENCE_CSV, nrows=200, index_col=0)
    renamed = songs.rename(columns={"song_title": "Titel", "artist": "Künstler", "energy": "Energie"})
    path = folder / "my-library-export.csv"
    renamed.to_csv(path, index=False)
    return path
