"""Open data in the browser: upload a CSV and get its overview at a shareable data= URL,
map unknown columns by hand, see why a bad file is refused, and the Datasets list."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.support import console_errors, query, wait_until
from tests.conftest import blob_frame

pytestmark = pytest.mark.browser


def _songs_csv(folder: Path, name: str, rename: dict[str, str] | None = None) -> Path:
    frame, _ = blob_frame((120, 100, 80), seed=4)
    path = folder / name
    frame.rename(columns=rename or {}).to_csv(path, index=False)
    return path


def _open_panel(browser: Browser) -> None:
    browser.driver.find_element(By.ID, "open-data-button").click()
    wait_until(browser.driver, lambda d: d.find_element(By.ID, "open-data-file").is_enabled(), "the Open data panel")


def _choose(browser: Browser, path: Path) -> None:
    browser.driver.find_element(By.ID, "open-data-file").send_keys(str(path))


def _badge(browser: Browser) -> str:
    return browser.driver.find_element(By.ID, "dataset-badge").text


def test_an_uploaded_csv_opens_at_a_link_another_browser_can_open(
    duo: DashComposite, fresh_browser: Browser, tmp_path: Path
) -> None:
    duo.wait_for_element("#overview-report", timeout=30)
    _open_panel(duo)
    _choose(duo, _songs_csv(tmp_path, "my-playlist.csv"))
    wait_until(duo.driver, lambda d: "data" in query(d), "the dataset's URL", timeout=30)
    data = query(duo.driver)["data"]
    wait_until(duo.driver, lambda d: "Kept 300 songs" in d.find_element(By.ID, "overview-report").text, "the report")
    assert _badge(duo) == "my-playlist.csv · 300 songs"

    fresh_browser.driver.get(f"{duo.server_url}/explorer?data={data}&k=3")
    wait_until(
        fresh_browser.driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#explorer-graph .scatterlayer, #explorer-graph .gl-container"),
        "the explorer",
        timeout=30,
    )
    assert _badge(fresh_browser) == "my-playlist.csv · 300 songs"
    assert query(fresh_browser.driver)["data"] == data

    _open_panel(duo)
    entries = duo.driver.find_elements(By.CSS_SELECTOR, "#datasets-list .dataset-entry")
    assert [e.find_element(By.CSS_SELECTOR, ".dataset-link").text for e in entries] == ["my-playlist.csv"]
    assert "300 songs" in entries[0].text
    entries[0].find_element(By.CSS_SELECTOR, ".dataset-remove").click()
    assert "None yet" in duo.driver.find_element(By.ID, "datasets-list").text


def test_columns_with_unknown_names_are_mapped_by_hand(duo: DashComposite, tmp_path: Path) -> None:
    duo.wait_for_element("#overview-report", timeout=30)
    _open_panel(duo)
    _choose(duo, _songs_csv(tmp_path, "odd.csv", {"song_title": "Track", "energy": "nrg", "tempo": "bpm"}))
    wait_until(duo.driver, lambda d: d.find_elements(By.ID, "mapping-submit"), "the mapping form")
    assert "no song title column" in duo.driver.find_element(By.ID, "upload-message").text
    assert "Song 0" in duo.driver.find_element(By.CSS_SELECTOR, ".column-samples").text
    form = duo.driver.find_element(By.ID, "mapping-form")
    for role, column in {"title": "Track", "energy": "nrg", "tempo": "bpm"}.items():
        Select(form.find_element(By.NAME, role)).select_by_value(column)
    assert Select(form.find_element(By.NAME, "valence")).first_selected_option.get_attribute("value") == "valence"
    duo.driver.find_element(By.ID, "mapping-submit").click()
    wait_until(duo.driver, lambda d: "data" in query(d), "the mapped dataset's URL", timeout=30)
    wait_until(duo.driver, lambda d: "title ← Track" in d.find_element(By.ID, "overview-report").text, "the report")
    assert _badge(duo) == "odd.csv · 300 songs"
    console_errors(duo)  # the 422 that asked for the mapping is expected


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<!doctype html><html><body>not songs</body></html>", "page.csv", "web page"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "cover.csv", "binary data"),
        (b"song_title,energy\n", "header-only.csv", "no usable rows"),
    ],
)
def test_a_bad_file_says_why_next_to_the_control(
    duo: DashComposite, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    duo.wait_for_element("#overview-report", timeout=30)
    before = duo.driver.current_url
    _open_panel(duo)
    path = tmp_path / name
    path.write_bytes(content)
    _choose(duo, path)
    wait_until(duo.driver, lambda d: message in d.find_element(By.ID, "upload-message").text, "the reason")
    assert str(tmp_path) not in duo.driver.find_element(By.ID, "upload-message").text
    assert duo.driver.current_url == before
    refused = console_errors(duo)
    assert refused and all("/datasets" in e["message"] and "400" in e["message"] for e in refused)
