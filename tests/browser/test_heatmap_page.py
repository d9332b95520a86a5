"""The heatmap page says what it shows, and its table of raw means reads as people read
them: durations as m:ss, tempo in whole BPM, loudness to a tenth of a dB, scores to two
decimals, never in scientific notation."""

from __future__ import annotations

import re

import dash
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from app.context import context_of
from tests.browser.support import open_page, wait_for_count

pytestmark = pytest.mark.browser

SUBTITLE = "How each cluster differs from the average song, feature by feature (in standard deviations)."


def _table(duo: DashComposite) -> tuple[list[str], list[list[str]]]:
    """The profile table's column titles and its cells, as shown."""
    return duo.driver.execute_script(
        "const t = document.getElementById('heatmap-profile-table');"
        "return [[...t.querySelectorAll('thead th')].map(c => c.textContent.trim()),"
        " [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(c => c.textContent.trim()))];"
    )


def _mss(ms: float) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def test_the_raw_means_read_in_their_units_and_the_page_says_what_it_shows(
    duo: DashComposite, served_app: dash.Dash
) -> None:
    driver = duo.driver
    open_page(duo, "/heatmap?k=4", "#heatmap-graph .heatmaplayer")
    wait_for_count(driver, "#heatmap-profile-table tbody tr", 4)

    subtitle = driver.find_element(By.ID, "heatmap-subtitle")
    assert subtitle.is_displayed() and subtitle.text == SUBTITLE
    assert "text-muted" in subtitle.get_attribute("class")

    titles, rows = _table(duo)
    text = driver.find_element(By.ID, "heatmap-profile-table").text
    assert not re.search(r"\de[+-]?\d", text, re.IGNORECASE), f"scientific notation in the table: {text}"

    column = {title: i for i, title in enumerate(titles)}
    assert {"Duration (m:ss)", "Tempo (BPM)", "Loudness (dB)", "Energy"} <= set(column)
    assert all(re.fullmatch(r"\d+:[0-5]\d", row[column["Duration (m:ss)"]]) for row in rows)
    assert all(re.fullmatch(r"\d+", row[column["Tempo (BPM)"]]) for row in rows)
    assert all(re.fullmatch(r"-?\d+\.\d", row[column["Loudness (dB)"]]) for row in rows)
    assert all(re.fullmatch(r"[01]\.\d\d", row[column["Energy"]]) for row in rows)

    # The durations are the engine's own cluster means, in m:ss (Club songs last about 3:20).
    engine = context_of(served_app.server).engine
    profiles = engine.clustering(engine.params(4)).profiles
    shown = sorted(row[column["Duration (m:ss)"]] for row in rows)
    assert shown == sorted(_mss(p.means["duration_ms"]) for p in profiles)
    assert any(m in shown for m in ("3:19", "3:20", "3:21"))
