"""The clusters page on a file without an artist column and with a small, extreme group:
titles stand alone (no "Unknown artist", no dangling dash), "No preview available" is said
once for the page, not under each song, and every profile bar shows whole, however far
from the average it reaches."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.songs import FEATURES, GROUPS
from tests.browser.support import open_page, wait_until

pytestmark = pytest.mark.browser

#: A fifth group of live spoken-word recordings: few songs, liveness far above every other
#: song's, so its cluster's profile reaches well past 2.5 standard deviations.
SPOKEN = 12
SPOKEN_LIVENESS = 0.98


@pytest.fixture
def artistless_csv(tmp_path: Path, catalog_csv: Path) -> Path:
    """The browser catalog without its artist column, plus SPOKEN live spoken-word songs."""
    with catalog_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        del row["artist"]
    centre = dict(zip(FEATURES, GROUPS["Acoustic"], strict=True))
    for i in range(SPOKEN):
        row = {"id": f"spoken{i:02d}", "song_title": f"Spoken Word {i + 1}", "preview_url": ""}
        row.update({f: f"{v:.6g}" for f, v in centre.items()})
        row.update(liveness=f"{SPOKEN_LIVENESS - 0.01 * (i % 3):.2f}", speechiness=f"{0.9 + 0.01 * (i % 4):.2f}")
        rows.append(row)
    path = tmp_path / "no-artists.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


#: Per card: its id, the x range plotly drew its profile with, and its bars' values.
_PROFILES_JS = """
return Array.from(document.querySelectorAll('.cluster-card')).map(card => {
  const gd = card.querySelector('.mini-profile .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.xaxis || !gd._fullData || !gd._fullData.length) return null;
  return {id: card.id, range: Array.from(gd._fullLayout.xaxis.range), bars: Array.from(gd._fullData[0].x)};
});
"""


def drawn_profiles(driver: WebDriver) -> list[dict]:
    """Every card's profile chart as plotly drew it (waits until all are drawn)."""
    return wait_until(
        driver,
        lambda d: (p := d.execute_script(_PROFILES_JS)) and all(p) and p,
        "every cluster card's profile chart",
    )


def test_cards_without_artists_say_no_preview_once_and_show_every_bar_whole(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], artistless_csv: Path
) -> None:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(artistless_csv))
    driver = dash_duo.driver
    open_page(dash_duo, "/clusters?k=5", ".cluster-card")
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".cluster-card")) == 5, "five cluster cards")

    intro = driver.find_element(By.ID, "clusters-intro").text
    assert "Each card is one cluster" in intro and "standard deviations" in intro

    # songs: the title alone when the file names no artist
    lines = [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".cluster-card .representative")]
    assert lines and all(line.strip() for line in lines)
    page = driver.find_element(By.TAG_NAME, "body").text
    assert "Unknown artist" not in page
    assert not [line for line in lines if "—" in line], lines
    assert any(line.startswith("Spoken Word") for line in lines)

    # previews: Club songs have players; the others are listed without one, said once
    assert driver.find_elements(By.CSS_SELECTOR, ".cluster-card audio")
    assert page.count("No preview available") == 1, page.count("No preview available")
    silent = driver.find_elements(By.CSS_SELECTOR, ".cluster-card .representative.no-player")
    assert silent and all(s.find_element(By.CSS_SELECTOR, "div").get_attribute("title") for s in silent)

    # profiles: the extreme cluster reaches past 2.5 SD, and every chart's range holds its bars
    profiles = drawn_profiles(driver)
    reach = max(abs(x) for p in profiles for x in p["bars"])
    assert reach > 2.5, f"no cluster reaches past 2.5 SD (max |z| = {reach:.2f}): the test data is too tame"
    for profile in profiles:
        low, high = profile["range"]
        assert low <= min(profile["bars"]) and max(profile["bars"]) <= high, profile
