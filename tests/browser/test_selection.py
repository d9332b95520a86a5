"""Select a region of a 2D map with the box, see what it is, take it away: the selection
panel counts the songs, names the clusters they span and how they differ from the catalog,
and downloads them as CSV, as Spotify track URIs where ids are Spotify's, and as an M3U8
playlist of the songs with an audio file of their own."""

from __future__ import annotations

import csv
import string
from collections.abc import Callable
from pathlib import Path

import dash
import numpy as np
import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from tests.browser.support import drag, graph_data, open_page, scatter_points, wait_idle, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def spotify_csv(tmp_path: Path, catalog_csv: Path) -> Path:
    """The generated catalog with Spotify-shaped track ids (22 base-62 characters)."""
    alphabet = np.array(list(string.ascii_letters + string.digits))
    rng = np.random.default_rng(5)
    with catalog_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["id"] = "".join(rng.choice(alphabet, 22))
    path = tmp_path / "spotify-ids.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    previews = tmp_path / "previews"  # the app's local audio folder beside the data (AUDIOSPACE_PREVIEWS_DIR)
    previews.mkdir()
    for row in rows[::2]:  # every other song has a file of its own
        (previews / f"{row['id']}.mp3").write_bytes(b"ID3")
    return path


_SELECTED_JS = """
const gd = document.querySelector('#explorer-graph .js-plotly-plot');
return gd._fullData.filter(t => t.name !== 'selected' && t.selectedpoints)
  .flatMap(t => Array.from(t.selectedpoints, i => String(t.customdata[i])));
"""


def _download(driver, fmt: str) -> None:
    """Press the selection panel's download button for ``fmt`` (csv, uris, m3u8)."""
    driver.find_element(By.CSS_SELECTOR, f'[id*=\'"format":"{fmt}"\'][id*="selection-download"]').click()


def _downloaded(folder: Path, name: str) -> Path | None:
    path = folder / name
    return path if path.exists() and path.stat().st_size and not (folder / f"{name}.crdownload").exists() else None


def test_a_box_selection_shows_its_songs_and_downloads_them(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], spotify_csv: Path
) -> None:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(spotify_csv))
    driver = dash_duo.driver
    open_page(dash_duo, "/explorer?view=2d", "#explorer-graph .gl-container canvas")
    wait_idle(driver)
    wait_until(driver, lambda d: {t["type"] for t in graph_data(d, "explorer-graph")} == {"scattergl"}, "2D")
    points = scatter_points(driver, "explorer-graph")
    xs, ys = sorted(p["x"] for p in points), sorted(p["y"] for p in points)
    # A box over the left third of the cloud, from the middle of its height to the bottom.
    left, right = xs[0] - 3, xs[len(xs) // 3]
    top, bottom = ys[len(ys) // 4], ys[-1] + 3
    inside = {p["id"] for p in points if left < p["x"] < right and top < p["y"] < bottom}
    assert 10 < len(inside) < len(points)

    driver.execute_script(  # the toolbar's "Box Select", as a user picks it
        "document.querySelector('#explorer-graph .modebar-btn[data-val=\"select\"]').click()"
    )
    drag(driver, (left, top), (right, bottom))
    header = wait_until(
        driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".selection-panel .selection-count"), "the selection panel"
    )[0]
    selected = set(driver.execute_script(_SELECTED_JS))  # what plotly itself selected
    assert len(selected ^ inside) <= 2, "the box selected the songs under it (a point on its edge may go either way)"
    inside = selected
    assert header.text.startswith(f"{len(inside):,} songs selected")
    spans = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".selection-panel .selection-cluster")]
    assert spans and sum(int(s.split()[-1].replace(",", "")) for s in spans) == len(inside)
    assert driver.find_elements(By.CSS_SELECTOR, ".selection-panel .selection-profile .bars .point")

    folder = Path(dash_duo.download_path)
    _download(driver, "csv")
    table = wait_until(driver, lambda d: _downloaded(folder, "selected-songs.csv"), "the CSV download")
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["id"] for row in rows} == inside and {"title", "cluster", "pc1"} <= set(rows[0])

    _download(driver, "uris")
    playlist = wait_until(driver, lambda d: _downloaded(folder, "selected-songs.txt"), "the playlist download")
    uris = playlist.read_text().split()
    assert sorted(uris) == sorted(f"spotify:track:{song}" for song in inside)

    with_files = {path.stem for path in (spotify_csv.parent / "previews").iterdir()} & inside
    _download(driver, "m3u8")
    m3u8 = wait_until(driver, lambda d: _downloaded(folder, "selected-songs.m3u8"), "the M3U8 download")
    lines = m3u8.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and all(line.startswith("#EXTINF:") for line in lines[1::2])
    assert sorted(lines[2::2]) == sorted(f"{song}.mp3" for song in with_files) and with_files
