"""Song search: ranked, accent-insensitive results; open a song; jump to it in 3D; titles stay text."""

from __future__ import annotations

import json

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from tests.browser.songs import Known
from tests.browser.support import (
    click_k_mark,
    hover_point,
    js_count,
    open_page,
    panel_song,
    path,
    scatter_point,
    wait_for_panel,
    wait_for_query,
    wait_until,
)

pytestmark = pytest.mark.browser


def _hits(duo: DashComposite) -> list[tuple[str, str]]:
    """(song id, visible text) of each search result, in order."""
    buttons = duo.driver.find_elements(By.CSS_SELECTOR, "#search-results .search-hit")
    return [(json.loads(b.get_attribute("id"))["song"], b.text) for b in buttons]


def _search(duo: DashComposite, text: str) -> None:
    box = duo.find_element("#search-input")
    duo.clear_input(box)
    box.send_keys(text)
    wait_for_query(duo.driver, q=text)


def test_search_ranks_prefix_first_and_ignores_accents(duo: DashComposite) -> None:
    """'star' lists Starlight, then Little Star, then Lodestar; 'beyonce' finds Beyoncé; a choice opens 3D."""
    driver = duo.driver
    open_page(duo, "/search", "#search-input")
    _search(duo, "star")
    wait_until(driver, lambda d: len(_hits(duo)) == 3, "three hits for 'star'")
    assert [song for song, _ in _hits(duo)] == [Known.starlight, Known.little_star, Known.lodestar]
    assert _hits(duo)[0][1].startswith("Starlight")

    _search(duo, "beyonce")
    wait_until(driver, lambda d: [s for s, _ in _hits(duo)] == [Known.beyonce], "Beyoncé's song as the only hit")
    assert "Beyoncé" in _hits(duo)[0][1]

    _search(duo, "zzzz no such song")
    duo.wait_for_element("#search-no-results")
    _search(duo, "BEYONCÉ")
    wait_until(driver, lambda d: [s for s, _ in _hits(duo)] == [Known.beyonce], "the same hit for 'BEYONCÉ'")

    driver.find_element(By.CSS_SELECTOR, "#search-results .search-hit").click()
    wait_for_panel(driver, Known.beyonce)
    wait_for_query(driver, k="5", song=Known.beyonce, q="BEYONCÉ")
    assert duo.find_element(".song-panel .song-artist").text == "Beyoncé"
    assert js_count(driver, ".song-panel .neighbour") == 10
    assert js_count(driver, ".song-panel > .preview audio") == 1  # a Club song: it has a preview

    # K re-labels results and panel in place; the song stays open.
    click_k_mark(driver, 2)
    wait_for_query(driver, k="2", song=Known.beyonce, q="BEYONCÉ")
    wait_until(
        driver,
        lambda d: {b.text for b in d.find_elements(By.CSS_SELECTOR, ".cluster-badge")} <= {"Cluster 0", "Cluster 1"},
        "cluster badges for K=2",
    )
    wait_for_panel(driver, Known.beyonce)

    duo.find_element(".song-panel .show-in-3d").click()
    wait_until(driver, lambda d: path(d) == "/explorer", "the explorer to open")
    wait_for_query(driver, k="2", song=Known.beyonce)
    wait_for_panel(driver, Known.beyonce)
    duo.wait_for_element("#explorer-graph .gl-container canvas")


def test_song_titles_render_as_text_not_html(duo: DashComposite) -> None:
    """A title '<b>bold</b>' reads literally in search results, the song panel and a plot's hover label."""
    driver = duo.driver
    open_page(duo, "/search?q=bold", ".search-hit")
    hit = driver.find_element(By.CSS_SELECTOR, ".search-hit")
    assert hit.text.startswith(Known.bold_title)
    assert js_count(driver, ".search-hit b") == 0, "the title was rendered as HTML"

    hit.click()
    wait_for_panel(driver, Known.bold)
    assert duo.find_element(".song-panel .song-title").text == Known.bold_title
    assert js_count(driver, ".song-panel b") == 0

    # The explorer's feature scatter, duration × tempo: the song stands alone there (songs.py).
    open_page(duo, f"/explorer?song={Known.bold}&x=duration_ms&y=tempo", "#explorer-features .main-svg")
    point = scatter_point(driver, "explorer-features", Known.bold)
    labels = "Array.from(document.querySelectorAll('#explorer-features .hovertext')).map(h => h.textContent).join()"
    hover_point(driver, point, lambda d: Known.bold_title in d.execute_script(f"return {labels}"), "its hover label")
    assert js_count(driver, "#explorer-features .hovertext b") == 0, "the hover label rendered the title as HTML"
    assert panel_song(driver) == Known.bold
