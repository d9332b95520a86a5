"""The cluster cards page offers the labelled songs as CSV, for every song and per cluster."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from tests.browser.songs import FEATURES, Known
from tests.browser.support import click_k_mark, open_page, wait_for_count, wait_until

pytestmark = pytest.mark.browser


def _fetch_csv(href: str) -> tuple[requests.Response, list[dict[str, str]]]:
    response = requests.get(href, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_download_all_returns_the_labelled_songs_as_csv(duo: DashComposite) -> None:
    """#download-all gives every song with its cluster; a card's link gives that cluster; K follows the slider."""
    driver = duo.driver
    open_page(duo, "/clusters", ".cluster-card")
    wait_for_count(driver, ".cluster-card", 5)
    href = duo.find_element("#download-all").get_attribute("href")

    response, rows = _fetch_csv(href)
    header = response.content.decode("utf-8").splitlines()[0].split(",")
    assert header[:4] == ["id", "title", "artist", "cluster"]
    assert set(FEATURES) <= set(header)
    assert len(rows) == 300
    assert {row["cluster"] for row in rows} == {"0", "1", "2", "3", "4"}
    by_id = {row["id"]: row for row in rows}
    assert by_id[Known.bold]["title"] == Known.bold_title
    assert by_id[Known.beyonce]["artist"] == "Beyoncé"

    card = driver.find_element(By.ID, "cluster-card-1")
    size = int(card.find_element(By.CSS_SELECTOR, ".card-header .small").text.split()[0])
    card_href = card.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href")
    _, cluster_rows = _fetch_csv(card_href)
    assert len(cluster_rows) == size
    assert {row["cluster"] for row in cluster_rows} == {"1"}

    click_k_mark(driver, 3)
    wait_for_count(driver, ".cluster-card", 3)
    wait_until(driver, lambda d: "k=3" in d.find_element(By.ID, "download-all").get_attribute("href"), "k=3 link")
    _, rows = _fetch_csv(duo.find_element("#download-all").get_attribute("href"))
    assert len(rows) == 300
    assert {row["cluster"] for row in rows} == {"0", "1", "2"}
