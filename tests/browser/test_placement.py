"""A synthesised music library served as the app's dataset: a dropped audio file lands in the
explorer (its nearest songs listed, a ringed marker drawn, bad files answered in words), and a
clicked song plays its own file."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from app.factory import create_app
from core.cache import ModelCache
from core.catalog import load_catalog
from core.config import Settings
from core.engine import Engine
from tests.browser.support import (
    click_point,
    console_errors,
    isolated_point,
    open_page,
    projected_points,
    wait_idle,
    wait_until,
)

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")
pytest.importorskip("tinytag")

from core.audio import synth  # noqa: E402
from core.audio.features import analyse_file  # noqa: E402
from core.music_library import analyse, library_csv  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
K = 3


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Eight 6-second songs (two tempi, two modes, eight keys) analysed into the library table;
    returns (music folder, the table)."""
    root = tmp_path_factory.mktemp("library")
    music = root / "music"
    for i in range(8):
        folder = music / f"Artist {i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        audio = synth.song(6.0, bpm=90 + 60 * (i % 2), minor=bool(i // 4), root=i, seed=i)
        sf.write(folder / f"Song {i}.flac", audio, synth.SAMPLE_RATE)
    status = analyse(music, root / "cache", workers=2)
    assert status.state == "done" and status.failed_count == 0, status
    return music, library_csv(root / "cache")


@pytest.fixture
def served(dash_duo: DashComposite, library: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple]:
    """The app serving the library's table, its files as the songs' own audio; yields
    (dash_duo, catalog, music folder, an engine on the same catalog and model cache)."""
    music, table = library
    catalog = load_catalog(table)
    settings = Settings(data_path=table, cache_dir=tmp_path / "cache", previews_dir=music, default_k=K)
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(create_app(settings, catalog))
    yield dash_duo, catalog, music, Engine(catalog, ModelCache(tmp_path / "cache" / "models"))


_MARKERS = """
const gd = document.querySelector('#explorer-graph .js-plotly-plot');
return gd && gd.data ? gd.data.filter(t => t.meta === 'placed-song').map(t => ({
    x: Array.from(t.x), y: Array.from(t.y), z: t.z ? Array.from(t.z) : null, text: t.text, hover: t.hovertext})) : null;
"""


def _drop(driver, path: Path) -> None:
    """Hand ``path`` to the control's file input, as a drop or the file picker does."""
    driver.find_element(By.CSS_SELECTOR, "#place-drop input[type=file]").send_keys(str(path))


def _placed_titles(driver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".place-result .place-neighbours .neighbour-link")]


def test_a_dropped_file_lands_among_its_nearest_songs_with_a_ringed_marker(served, tmp_path: Path) -> None:
    duo, catalog, _music, engine = served
    driver = duo.driver
    open_page(duo, f"/explorer?k={K}", "#explorer-graph .js-plotly-plot")
    wait_until(driver, projected_points, "the songs drawn in 3D")
    assert "at most 60 MB" in driver.find_element(By.ID, "place-drop").text

    # Not audio, though named .mp3: a message in the panel, no server path, nothing drawn.
    fake = tmp_path / "<b>fake<i>.mp3"
    fake.write_text("this is not audio at all")
    _drop(driver, fake)
    error = wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".place-error"), "the refusal")[0]
    assert "could not be analysed: not audio" in error.text and "_b_fake_i_.mp3" in error.text
    assert str(tmp_path) not in error.text and "/tmp" not in error.text
    assert driver.execute_script(_MARKERS) == []
    assert all("place-song" in entry["message"] for entry in console_errors(duo))  # the expected 400

    song = tmp_path / "My song.flac"
    sf.write(song, synth.song(8.0, bpm=140, minor=False, root=2, seed=99), synth.SAMPLE_RATE)
    _drop(driver, song)
    busy = "#place-status .place-spinner"  # "Uploading …" then "Analysing My song.flac: …"
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, busy), "the running state")
    wait_until(driver, lambda d: len(_placed_titles(d)) == len(catalog), "the placed song's nearest songs")

    features, _ = analyse_file(song)
    expected = engine.place(features, engine.params(K))
    assert _placed_titles(driver) == [catalog.songs.iloc[nb.row]["title"] for nb in expected.neighbours]
    result = driver.find_element(By.CSS_SELECTOR, ".place-result").text
    assert "My song.flac" in result and "Placed without refitting" in result and f"Cluster {expected.cluster}" in result
    assert driver.find_element(By.ID, "place-status").text == ""

    markers = wait_until(driver, lambda d: d.execute_script(_MARKERS), "the ringed marker")
    assert len(markers) == 1 and markers[0]["text"] == ["Your song"]
    assert markers[0]["x"][0] == pytest.approx(float(expected.coords[0]), abs=1e-4)
    assert markers[0]["z"][0] == pytest.approx(float(expected.coords[2]), abs=1e-4)

    # Its nearest songs are links like the song panel's neighbours.
    first = catalog.songs.iloc[expected.neighbours[0].row]
    driver.find_element(By.CSS_SELECTOR, ".place-result .neighbour-link").click()
    wait_until(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, ".song-panel").get_attribute("data-song") == first["id"],
        "the nearest song's panel",
    )


def test_a_clicked_library_song_plays_its_own_file(served) -> None:
    duo, catalog, music, _engine = served
    driver = duo.driver
    open_page(duo, f"/explorer?k={K}", "#explorer-graph .gl-container canvas")
    duo.wait_for_element("#explorer-panel-empty")
    wait_idle(driver)
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    on_screen = [p for p in projected_points(driver) if 10 < p["x"] < width - 10 and 10 < p["y"] < height - 10]
    target = isolated_point(on_screen)
    click_point(
        driver,
        target,
        lambda d: d.find_elements(By.CSS_SELECTOR, f".song-panel[data-song='{target['id']}']"),
        f"the panel of {target['id']}",
    )
    song = catalog.songs[catalog.songs["id"] == target["id"]].iloc[0]
    audio = ".song-panel audio.preview-audio"
    src = driver.find_element(By.CSS_SELECTOR, audio).get_attribute("src")
    assert src.split("#")[0] == f"{duo.server_url.rstrip('/')}/previews/{song['id']}"
    with urllib.request.urlopen(src.split("#")[0]) as served_file:  # that song's own file, byte for byte
        assert served_file.read() == (music / song["path"]).read_bytes()

    started = driver.execute_async_script(
        "const done = arguments[arguments.length - 1], a = document.querySelector(arguments[0]);"
        "a.play().then(() => done(a.currentTime), (e) => done(e.name + ': ' + e.message));",
        audio,
    )
    assert isinstance(started, int | float), f"play() was refused: {started}"
    wait_until(
        driver,
        lambda d: d.execute_script(
            "const a = document.querySelector(arguments[0]);"
            "return !a.error && a.readyState >= 2 && !a.paused && a.currentTime > arguments[1] + 0.3;",
            audio,
            started,
        ),
        "the song's own audio to play on",
    )


def test_a_spotify_catalog_explains_why_no_song_can_be_placed(duo: DashComposite) -> None:
    """The generated Spotify-style catalog clusters on danceability, valence, …: the control says
    those cannot be computed from a file, and where placing works, instead of taking one."""
    open_page(duo, "/explorer", "#place-card")
    reason = wait_until(duo.driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#place-card .place-blocked"), "why")
    assert "danceability" in reason[0].text and "cannot be computed from an audio file" in reason[0].text
    assert "audiospace extract" in reason[0].text
    assert not duo.driver.find_elements(By.CSS_SELECTOR, "#place-drop")
