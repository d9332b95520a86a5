"""Previews that play: local audio files served by the app, one preview at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from app.factory import create_app
from core.cache import ModelCache
from core.catalog import load_catalog
from core.config import Settings
from core.engine import Engine
from tests.browser.support import click_at, open_page, wait_until
from tests.test_preview_route import write_tone

pytestmark = pytest.mark.browser

_PLAYER_STATE = """
return [...document.querySelectorAll('audio.preview-audio')].map(a => ({
    src: a.getAttribute('src'), time: a.currentTime, paused: a.paused, rect: a.getBoundingClientRect().toJSON()}));
"""


def players(driver) -> list[dict]:
    return driver.execute_script(_PLAYER_STATE)


def press_play(driver, player: dict) -> None:
    """A real click on the play button at the left end of the native player."""
    driver.execute_script(
        "document.querySelectorAll('audio.preview-audio')[arguments[0]].scrollIntoView({block:'center'})",
        player["index"],
    )
    rect = players(driver)[player["index"]]["rect"]
    click_at(driver, {"x": rect["left"] + 16, "y": rect["top"] + rect["height"] / 2})


@pytest.fixture
def duo_with_previews(dash_duo: DashComposite, catalog_csv: Path, model_cache_dir: Path, tmp_path: Path):
    """The app with a previews folder holding 3-second tones for a song without a dataset
    preview and for its nearest neighbour; yields (dash_duo, song id, neighbour id)."""
    catalog = load_catalog(catalog_csv)
    no_preview = catalog.songs.index[catalog.songs["preview_url"] == ""]
    song = str(catalog.songs.loc[no_preview[0], "id"])
    engine = Engine(catalog, ModelCache(model_cache_dir))
    neighbour = catalog.songs.loc[engine.neighbours(song, engine.params(5))[0].row, "id"]
    folder = tmp_path / "previews"
    folder.mkdir()
    write_tone(folder / f"{song}.wav", hz=440)
    write_tone(folder / f"{neighbour}.wav", hz=660)
    settings = Settings(data_path=catalog_csv, cache_dir=model_cache_dir, previews_dir=folder)
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(create_app(settings, catalog))
    return dash_duo, song, str(neighbour)


def test_a_local_preview_plays_and_a_second_one_pauses_it(duo_with_previews) -> None:
    duo, song, neighbour = duo_with_previews
    open_page(duo, f"/explorer?k=5&song={song}", ".song-panel .neighbour")
    driver = duo.driver
    found = {p["src"]: dict(p, index=i) for i, p in enumerate(players(driver))}
    first, second = found[f"/previews/{song}"], found[f"/previews/{neighbour}"]
    assert "local file" in driver.find_element(By.CSS_SELECTOR, ".song-panel > .preview .preview-source").text

    press_play(driver, first)
    wait_until(driver, lambda d: players(d)[first["index"]]["time"] > 0.3, "the first preview to play")
    press_play(driver, second)
    wait_until(driver, lambda d: players(d)[second["index"]]["time"] > 0.3, "the second preview to play")
    now = players(driver)
    assert now[first["index"]]["paused"], "starting the second preview pauses the first"
    assert not now[second["index"]]["paused"]
