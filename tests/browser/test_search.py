"""Song search: ranked, accent-insensitive results matched on words; look-alike hits told apart;
suggestions and focus on arrival; files without artists; open a song; jump to it in 3D; titles stay text."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import dash
import numpy as np
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from core.features import FEATURE_RANGES
from tests.browser.songs import FEATURES, GROUPS, SPREAD, Known
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


#: What the search page shows once drawn (before that, on a model not computed yet, a
#: skeleton whose search box the drawn page replaces).
READY = "#search-suggestions .search-suggestion"


def _search(duo: DashComposite, text: str) -> None:
    box = duo.find_element("#search-input")
    duo.clear_input(box)
    box.send_keys(text)
    wait_for_query(duo.driver, q=text)


def test_search_ranks_prefix_first_and_ignores_accents(duo: DashComposite) -> None:
    """'star' lists Starlight, then Little Star, then Lodestar; 'beyonce' finds Beyoncé; a choice opens 3D."""
    driver = duo.driver
    open_page(duo, "/search", READY)
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


# -- word matching, look-alikes, suggestions, focus, files without artists -------------------
#: Songs named as people type them, and two that look the same but for the album.
WORD_SONGS = [
    {"id": "dont-stop", "song_title": "Don't Stop Me Now", "artist": "Queen", "album": "Jazz"},
    {"id": "empire", "song_title": "Empire State of Mind", "artist": "JAY-Z", "album": "The Blueprint 3"},
    {"id": "childs-play", "song_title": "Child's Play", "artist": "Drake", "album": "Views"},
    {"id": "mask-off", "song_title": "Mask Off", "artist": "Future", "album": "FUTURE"},
    {"id": "hold-on-1", "song_title": "Hold On, We're Going Home", "artist": "Drake", "album": "Nothing Was the Same"},
    {"id": "hold-on-2", "song_title": "Hold On We're Going Home", "artist": "Drake", "album": "Hold On (Remixes)"},
]
#: A file without an artist column: two songs called "Intro" that only their ids tell apart.
TITLE_ONLY_SONGS = [
    {"id": "intro-a", "song_title": "Intro"},
    {"id": "intro-b", "song_title": "Intro"},
    {"id": "morning", "song_title": "Morning Song"},
]


def write_songs(path: Path, specials: list[dict[str, str]], columns: list[str], plain: int = 40) -> Path:
    """``specials`` then ``plain`` ordinary songs ("Club Tune 7" by "Club Band", album "Club
    Album" when there are such columns), spread over songs.py's four groups of features."""
    rng = np.random.default_rng(11)
    low, high = np.array([FEATURE_RANGES[f] for f in FEATURES]).T
    groups = list(GROUPS.items())
    rows = []
    for i in range(len(specials) + plain):
        name, centre = groups[i % len(groups)]
        song = specials[i] if i < len(specials) else {"id": f"plain-{i}", "song_title": f"{name} Tune {i}"}
        song = {"artist": f"{name} Band", "album": f"{name} Album", **song}
        values = np.clip(rng.normal(centre, SPREAD), low, high)
        rows.append({**{c: song[c] for c in columns}, **{f: f"{v:.6g}" for f, v in zip(FEATURES, values, strict=True)}})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, *FEATURES])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def words_duo(dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], tmp_path: Path) -> DashComposite:
    """dash_duo serving a catalog of WORD_SONGS (with artists and albums) and plain songs."""
    csv_path = write_songs(tmp_path / "words.csv", WORD_SONGS, ["id", "song_title", "artist", "album"])
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(csv_path))
    return dash_duo


@pytest.fixture
def titles_duo(dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], tmp_path: Path) -> DashComposite:
    """dash_duo serving a file with no artist column (and no album)."""
    csv_path = write_songs(tmp_path / "titles.csv", TITLE_ONLY_SONGS, ["id", "song_title"])
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(csv_path))
    return dash_duo


def _shown(duo: DashComposite, selector: str = "#search-results .search-hit") -> list[dict[str, str | None]]:
    """What each listed song shows: its id, title, artist (None: no artist shown), note, and all its text."""
    return duo.driver.execute_script(
        """
        return Array.from(document.querySelectorAll(arguments[0]), b => {
            const text = s => { const e = b.querySelector(s); return e ? e.innerText.trim() : null; };
            return {id: JSON.parse(b.id).song, title: text('.search-hit-title'), artist: text('.search-hit-artist'),
                    note: text('.search-lookalike'), text: b.innerText};
        });
        """,
        selector,
    )


def _hit_ids(duo: DashComposite) -> list[str]:
    return [hit["id"] for hit in _shown(duo)]


def _focused(duo: DashComposite) -> str | None:
    return duo.driver.execute_script("return document.activeElement && document.activeElement.id")


def test_search_matches_words_the_way_people_type_them(words_duo: DashComposite) -> None:
    """'dont', 'jay-z', "child's play", 'mask  off' and 'future mask off' each find their song."""
    duo, driver = words_duo, words_duo.driver
    open_page(duo, "/search", READY)
    for typed, song, title, artist in [
        ("dont", "dont-stop", "Don't Stop Me Now", "— Queen"),
        ("jay-z", "empire", "Empire State of Mind", "— JAY-Z"),
        ("child's play", "childs-play", "Child's Play", "— Drake"),
        ("mask  off", "mask-off", "Mask Off", "— Future"),
        ("future mask off", "mask-off", "Mask Off", "— Future"),
    ]:
        _search(duo, typed)
        wait_until(driver, lambda d, song=song: _hit_ids(duo) == [song], f"{song} as the only hit for {typed!r}")
        hit = _shown(duo)[0]
        assert (hit["title"], hit["artist"], hit["note"]) == (title, artist, None)

    driver.find_element(By.CSS_SELECTOR, "#search-results .search-hit").click()
    wait_for_panel(driver, "mask-off")
    wait_for_query(driver, q="future mask off", song="mask-off")
    assert js_count(driver, ".song-panel .neighbour") == 10


def test_lookalike_hits_say_how_they_differ(words_duo: DashComposite) -> None:
    """Two 'Hold On (,) We're Going Home' by Drake each name their album; a song with no twin names nothing."""
    duo, driver = words_duo, words_duo.driver
    open_page(duo, "/search?q=drake", ".search-hit")
    wait_until(driver, lambda d: len(_hit_ids(duo)) == 3, "Drake's three songs")
    notes = {hit["id"]: hit["note"] for hit in _shown(duo)}
    assert notes == {
        "childs-play": None,
        "hold-on-1": "album: Nothing Was the Same",
        "hold-on-2": "album: Hold On (Remixes)",
    }

    _search(duo, "hold on were going home")
    wait_until(driver, lambda d: _hit_ids(duo) == ["hold-on-1", "hold-on-2"], "the two look-alikes")
    shown = _shown(duo)
    assert [hit["title"] for hit in shown] == ["Hold On, We're Going Home", "Hold On We're Going Home"]
    assert [hit["note"] for hit in shown] == ["album: Nothing Was the Same", "album: Hold On (Remixes)"]


def test_search_opens_with_suggestions_and_the_box_focused(duo: DashComposite) -> None:
    """On arrival (a fresh load or from another page) the box has focus, the page says what it is for,
    and the most typical song of each cluster is offered; clicking one opens it with its neighbours."""
    driver = duo.driver
    open_page(duo, "/search", READY)
    subtitle = duo.find_element("#search-subtitle").text
    assert subtitle.startswith("Find a song by title or artist") and "nearest songs" in subtitle
    assert duo.find_element("#search-suggestions-label").text.startswith("Try one of these")
    wait_until(driver, lambda d: _focused(duo) == "search-input", "focus in the search box")
    suggestions = driver.find_elements(By.CSS_SELECTOR, "#search-suggestions .search-suggestion")
    badges = [s.find_element(By.CSS_SELECTOR, ".cluster-badge").text for s in suggestions]
    assert sorted(badges) == [f"Cluster {c}" for c in range(5)], "one song from each of the 5 clusters"

    first = _shown(duo, "#search-suggestions .search-suggestion")[0]
    suggestions[0].click()
    wait_for_panel(driver, first["id"])
    wait_for_query(driver, song=first["id"], q=None)
    assert duo.find_element(".song-panel .song-title").text == first["title"]
    assert js_count(driver, ".song-panel .neighbour") == 10
    assert js_count(driver, "#search-suggestions .search-suggestion") == len(suggestions)

    # From another page: the box has focus again, and typing goes straight into it.
    next(a for a in driver.find_elements(By.CSS_SELECTOR, ".navbar a.nav-link") if a.text == "Overview").click()
    wait_until(driver, lambda d: path(d) == "/", "the overview to open")
    duo.wait_for_element("#metric-k")
    next(a for a in driver.find_elements(By.CSS_SELECTOR, ".navbar a.nav-link") if a.text == "Search").click()
    duo.wait_for_element(READY)
    wait_until(driver, lambda d: _focused(duo) == "search-input", "focus in the search box after navigating")
    driver.switch_to.active_element.send_keys("star")
    wait_for_query(driver, q="star")
    wait_until(driver, lambda d: _hit_ids(duo) == [Known.starlight, Known.little_star, Known.lodestar], "'star' hits")


def test_a_file_without_artists_lists_titles_alone(titles_duo: DashComposite) -> None:
    """No 'Unknown artist' and no dangling dash in suggestions or hits; same-titled songs show their ids."""
    duo, driver = titles_duo, titles_duo.driver
    open_page(duo, "/search", READY)
    for song in _shown(duo, "#search-suggestions .search-suggestion"):
        assert song["artist"] is None and "—" not in song["text"] and "Unknown artist" not in song["text"], song

    _search(duo, "intro")
    wait_until(driver, lambda d: _hit_ids(duo) == ["intro-a", "intro-b"], "both Intros")
    shown = _shown(duo)
    assert [(hit["title"], hit["artist"], hit["note"]) for hit in shown] == [
        ("Intro", None, "id intro-a"),
        ("Intro", None, "id intro-b"),
    ]
    results = duo.find_element("#search-results").text
    assert "—" not in results and "Unknown artist" not in results
