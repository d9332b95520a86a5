"""The 3D explorer: click a song in the WebGL plot, see and hear it and its neighbours.

3D points are clicked with a real mouse (WebDriver pointer actions) at the pixel where
the song is drawn. That pixel is computed in the page from plotly's own camera
matrices, as plotly does to place its hover label (support._PROJECT_POINTS_JS). The
pointer rests there until plotly shows the hover label, then clicks without moving, as
a user does; the main plot opens the song the label names (assets/explorer.js): nothing
is injected into React props. The feature scatter gets an ordinary click (its clickData).
"""

from __future__ import annotations

import io
import random

import pandas as pd
import pytest
import requests
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By

from tests.browser.songs import PER_GROUP, PREVIEW_PREFIX, Known
from tests.browser.support import (
    camera_eye,
    click_at,
    click_k_mark,
    click_point,
    drag,
    graph_data,
    isolated_point,
    js_count,
    neighbour_ids,
    open_page,
    panel_song,
    path,
    projected_points,
    query,
    scatter_points,
    wait_for_panel,
    wait_for_query,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser


def _has_preview(song_id: str) -> bool:
    """Club songs (the first group) carry an allow-listed preview URL."""
    return int(song_id[1:]) < PER_GROUP


def _selected_ring(duo: DashComposite) -> list[str]:
    """Song ids ringed in the plot (the selected song first, then its neighbours)."""
    traces = graph_data(duo.driver, "explorer-graph") or []
    return next((t["ids"] for t in traces if t["name"] == "selected"), [])


def test_click_a_point_opens_its_panel_with_neighbours_and_preview(duo: DashComposite) -> None:
    """Dragging rotates without selecting; clicking a song opens its panel, player, ring and URL."""
    driver = duo.driver
    open_page(duo, "/explorer", "#explorer-graph .gl-container canvas")
    duo.wait_for_element("#explorer-panel-empty")

    points = projected_points(driver)
    eye = camera_eye(driver)
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    middle = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    drag(driver, (middle[0] - 120, middle[1]), (middle[0] + 120, middle[1] + 40))
    wait_until(driver, lambda d: camera_eye(d) != eye, "the camera to rotate after a drag")
    assert "song" not in query(driver), "a drag-to-rotate selected a song"
    assert js_count(driver, ".song-panel") == 0

    target = isolated_point(projected_points(driver), _has_preview)
    click_point(driver, target, lambda d: panel_song(d) == target["id"], f"the panel of {target['id']}")
    wait_for_query(driver, k="5", song=target["id"])
    panel = duo.find_element(".song-panel")
    assert len(panel.find_elements(By.CSS_SELECTOR, ".neighbour")) == 10
    audio = panel.find_element(By.CSS_SELECTOR, ":scope > .preview audio")
    assert audio.get_attribute("src") == f"{PREVIEW_PREFIX}{target['id'][1:]}"
    assert panel.find_element(By.CSS_SELECTOR, ".preview-source").text == "Preview: Spotify"
    wait_until(driver, lambda d: _selected_ring(duo)[:1] == [target["id"]], "the clicked song to be ringed")
    assert _selected_ring(duo)[1:] == neighbour_ids(driver)

    # A song without a preview says so instead of showing a player.
    other = isolated_point(projected_points(driver), lambda song: not _has_preview(song))
    click_point(driver, other, lambda d: panel_song(d) == other["id"], f"the panel of {other['id']}")
    assert js_count(driver, ".song-panel > .no-preview") == 1
    assert js_count(driver, ".song-panel > .preview audio") == 0
    wait_for_query(driver, song=other["id"])

    # Clicking the first song again works (clickData is reset after each click).
    again = next(p for p in projected_points(driver) if p["id"] == target["id"])
    click_point(driver, again, lambda d: panel_song(d) == target["id"], "the first song's panel again")
    wait_for_query(driver, song=target["id"])


@pytest.mark.parametrize("view", ["3d", "2d"])
def test_a_click_opens_the_song_whose_hover_label_shows(duo: DashComposite, view: str) -> None:
    """Ten songs, dense spots included, after a rotation in 3D: each click opens exactly the
    song the hover label named, never another, never nothing."""
    driver = duo.driver
    open_page(duo, f"/explorer?view={view}", "#explorer-graph .gl-container canvas")
    wait_idle(driver)
    if view == "3d":
        points = projected_points(driver)
        xs, ys = [p["x"] for p in points], [p["y"] for p in points]
        middle = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        eye = camera_eye(driver)
        drag(driver, (middle[0] - 80, middle[1]), (middle[0] + 60, middle[1] + 30))
        wait_until(driver, lambda d: camera_eye(d) != eye, "the camera to rotate")
        points = projected_points(driver)
    else:
        wait_until(driver, lambda d: graph_data(d, "explorer-graph")[0]["type"] == "scattergl", "the 2D plot")
        points = scatter_points(driver, "explorer-graph")
    # Ten songs spread over the cloud, in dense spots and at its edges alike.
    chosen = random.Random(7).sample(sorted(points, key=lambda p: p["id"]), 10)
    opened = []
    for point in chosen:
        opened.append(click_point(driver, point))
    assert len(set(opened)) >= 8, f"the clicks opened the same few songs: {opened}"
    assert query(driver)["song"] == opened[-1]


def _marks(driver, graph_id: str) -> dict:
    """What a plot shows of the selected song: its marked ids, the label, point sizes and how
    opaque the clusters are."""
    return driver.execute_script(
        """const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        const traces = gd._fullData, marked = traces.find(t => t.name === 'selected') || {};
        return {ids: Array.from(marked.customdata || [], String), label: Array.from(marked.text || [])[0] || null,
                sizes: Array.from((marked.marker || {}).size || []),
                opacity: traces.filter(t => t.name !== 'selected').map(t => t.marker.opacity)};""",
        graph_id,
    )


def test_the_selected_song_stands_out_in_both_plots_and_its_panel_stays_in_view(duo: DashComposite) -> None:
    """A song opened from the feature scatter far down the page: both plots mark it and its
    neighbours (largest point, labelled), the other songs recede, and the panel is on screen."""
    driver = duo.driver
    open_page(duo, "/explorer", "#explorer-graph .gl-container canvas")
    wait_idle(driver)
    assert set(_marks(driver, "explorer-graph")["opacity"]) == {0.75}
    target = isolated_point(scatter_points(driver, "explorer-features"))  # scrolls the scatter into view
    click_at(driver, target)
    wait_for_panel(driver, target["id"])
    panel = driver.execute_script(
        "const r = document.querySelector('.song-panel').getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, height: window.innerHeight};"
    )
    assert 0 <= panel["top"] < panel["height"] / 2, f"the panel is out of view: {panel}"
    title = duo.find_element(".song-panel .song-title").text
    for graph_id in ("explorer-graph", "explorer-features"):
        wait_until(driver, lambda d, g=graph_id: _marks(d, g)["ids"][:1] == [target["id"]], f"{graph_id} marks it")
        marks = _marks(driver, graph_id)
        assert marks["ids"][1:] == neighbour_ids(driver) and marks["label"] == title
        assert marks["sizes"][0] > max(marks["sizes"][1:]), "the selected song is the largest point"
        assert max(marks["opacity"]) <= 0.3, "the other songs recede"


def test_click_a_neighbour_switches_the_panel(duo: DashComposite) -> None:
    """A neighbour's title opens that song: panel, ring and URL follow; its own neighbours load."""
    driver = duo.driver
    open_page(duo, f"/explorer?k=5&song={Known.with_preview}", ".song-panel")
    wait_for_panel(driver, Known.with_preview)
    first = neighbour_ids(driver)
    assert len(first) == 10 and Known.with_preview not in first
    # Each neighbour says why: features much closer than for a typical song, and what differs most.
    reasons = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".song-panel .neighbour")]
    assert any("much closer than usual on" in r for r in reasons) and any("differs most on" in r for r in reasons)
    assert not any("close on" in r.replace("much closer than usual on", "") for r in reasons)

    chosen = first[2]
    driver.find_elements(By.CSS_SELECTOR, ".song-panel .neighbour-link")[2].click()
    wait_for_panel(driver, chosen)
    wait_for_query(driver, k="5", song=chosen)
    second = neighbour_ids(driver)
    assert len(second) == 10 and chosen not in second and Known.with_preview in second
    wait_until(driver, lambda d: _selected_ring(duo)[:1] == [chosen], "the ring to move to the neighbour")
    title = duo.find_element(".song-panel .song-title").text
    assert title, "the new panel has no title"


def test_click_in_2d_views_selects_a_song(duo: DashComposite) -> None:
    """In 2D (PCA) and in the two-feature scatter, an ordinary click on a song opens it too."""
    driver = duo.driver
    open_page(duo, "/explorer", "#explorer-graph .gl-container canvas")
    driver.find_element(By.CSS_SELECTOR, "#explorer-view input[value='2d']").click()
    wait_for_query(driver, view="2d")
    wait_until(
        driver,
        lambda d: {t["type"] for t in graph_data(d, "explorer-graph")} == {"scattergl"},
        "the PCA plot to switch to 2D",
    )
    target = isolated_point(scatter_points(driver, "explorer-graph"))
    click_point(driver, target, lambda d: panel_song(d) == target["id"], f"the panel of {target['id']}")
    wait_for_query(driver, view="2d", song=target["id"])
    wait_until(driver, lambda d: _selected_ring(duo)[:1] == [target["id"]], "the 2D ring on the clicked song")

    other = isolated_point(scatter_points(driver, "explorer-features"), lambda song: song != target["id"])
    click_at(driver, other)
    wait_for_panel(driver, other["id"])
    wait_for_query(driver, view="2d", song=other["id"])


def test_cluster_card_show_in_3d_focuses_that_cluster(duo: DashComposite) -> None:
    """A card's "Show in 3D" opens the explorer with that cluster in focus; one link shows every cluster again."""
    driver = duo.driver
    open_page(duo, "/clusters", "#cluster-card-1")
    duo.find_element("#cluster-card-1").find_element(By.LINK_TEXT, "Show in 3D").click()
    wait_until(driver, lambda d: path(d) == "/explorer", "the explorer")
    wait_for_query(driver, k="5", cluster="1")
    wait_until(driver, lambda d: "Cluster 1 is in focus" in d.find_element(By.ID, "explorer-note").text, "the note")

    def opacities(d: object) -> dict[str, float]:
        return driver.execute_script(
            "const gd = document.querySelector('#explorer-graph .js-plotly-plot');"
            "return gd && gd._fullData ? Object.fromEntries(gd._fullData.filter(t => t.name.startsWith('Cluster'))"
            ".map(t => [t.name, t.marker.opacity])) : null;"
        )

    focused = wait_until(driver, opacities, "the 3D plot")
    assert focused["Cluster 1"] > 0.5 and all(v < 0.3 for name, v in focused.items() if name != "Cluster 1")

    driver.find_element(By.LINK_TEXT, "Show every cluster").click()
    wait_for_query(driver, k="5", cluster=None)
    wait_until(driver, lambda d: all(v > 0.5 for v in (opacities(d) or {"": 0}).values()), "every cluster drawn")
    assert "in focus" not in driver.find_element(By.ID, "explorer-note").text


def test_k_change_keeps_the_rotated_camera(duo: DashComposite) -> None:
    """After rotating the 3D plot, moving K to a clustering already computed recolours the songs
    but leaves the camera where the user put it. (K=4 is computed first: whether an earlier test
    left it in the shared cache depends on timing, and a K drawn by a background job is a new
    figure, which plotly draws with its default camera; issue noted as open.)"""
    driver = duo.driver
    open_page(duo, "/explorer", "#explorer-graph .gl-container canvas")
    for k in (4, 5):
        click_k_mark(driver, k)
        wait_until(driver, lambda d, k=k: js_count(d, "#explorer-graph .legendtext") == k, f"{k} clusters")
    wait_idle(driver)
    points = projected_points(driver)
    eye = camera_eye(driver)
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    middle = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    drag(driver, (middle[0] - 120, middle[1]), (middle[0] + 120, middle[1] + 40))
    rotated = wait_until(driver, lambda d: camera_eye(d) if camera_eye(d) != eye else None, "the camera to rotate")

    click_k_mark(driver, 4)
    wait_until(driver, lambda d: js_count(d, "#explorer-graph .legendtext") == 4, "4 clusters in the 3D legend")
    wait_idle(driver)
    after = camera_eye(driver)
    assert all(abs(after[a] - rotated[a]) < 1e-6 for a in "xyz"), f"camera moved from {rotated} to {after}"
    # the browser regrouped the points it had (assets/regroup.js): each song is in its K=4 cluster
    drawn = {
        song: t["name"] for t in graph_data(driver, "explorer-graph") if t["name"] != "selected" for song in t["ids"]
    }
    table = pd.read_csv(io.StringIO(requests.get(duo.server_url + "/download/songs.csv?k=4", timeout=30).text))
    assert drawn == {str(song): f"Cluster {c}" for song, c in zip(table["id"], table["cluster"], strict=True)}


def test_colour_by_neighbours_kept_shows_where_the_map_lies(duo: DashComposite) -> None:
    """ "Neighbours kept" colours every song by how many of its real nearest songs the view draws
    near it (a colour bar, no cluster legend), says the view's trustworthiness, and a song
    whose neighbours the view scatters says so in its panel; the choice is in the URL."""
    driver = duo.driver
    open_page(duo, "/explorer?view=2d", "#explorer-graph .gl-container canvas")
    wait_idle(driver)
    driver.find_element(By.CSS_SELECTOR, "#explorer-colour input[value='trust']").click()
    wait_for_query(driver, view="2d", colour="trust")
    note = wait_until(
        driver, lambda d: "Trustworthiness" in d.find_element(By.ID, "explorer-note").text and d, "the trust note"
    )
    assert note.find_element(By.ID, "explorer-note").text.count("%") >= 2
    coloured = driver.execute_script(
        """const gd = document.querySelector('#explorer-graph .js-plotly-plot');
        const traces = gd._fullData.filter(t => t.name !== 'selected');
        return {scales: traces.filter(t => t.marker.showscale).length, legend: gd._fullLayout.showlegend,
                values: traces.flatMap(t => Array.from(t.marker.color)),
                ids: traces.flatMap(t => Array.from(t.customdata))};"""
    )
    assert coloured["scales"] == 1 and coloured["legend"] is False
    assert all(0 <= value <= 1 for value in coloured["values"]) and len(set(coloured["values"])) > 3
    kept = dict(zip(coloured["ids"], coloured["values"], strict=True))
    note = lambda d: " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, ".song-panel .view-note"))  # noqa: E731
    # The click opens the song whose hover label shows (next to the one aimed at, if the plot
    # moved as the colour bar came): its own share decides whether its panel warns.
    for _attempt in range(3):
        wait_idle(driver)
        scattered = isolated_point(scatter_points(driver, "explorer-graph"), lambda song: kept[song] <= 0.1)
        opened = click_point(driver, scattered)
        if kept[opened] < 0.2:  # core.trust.LOW_PRESERVATION: at most one of its 10 neighbours kept near
            wait_until(driver, lambda d: "spread out" in note(d), f"the panel of {opened} to say its neighbours spread")
            break
        assert note(driver) == "", f"{opened} keeps {kept[opened]:.0%} of its neighbours: no warning"
    else:
        raise AssertionError("three clicks aimed at songs whose neighbours are spread out opened others")
    wait_for_query(driver, view="2d", colour="trust", song=opened)

    driver.find_element(By.CSS_SELECTOR, "#explorer-colour input[value='cluster']").click()
    wait_for_query(driver, view="2d", colour=None, song=opened)
    wait_until(driver, lambda d: js_count(d, ".song-panel .view-note") == 0, "the trust note to go")
    assert driver.execute_script(
        "return document.querySelector('#explorer-graph .js-plotly-plot')._fullLayout.showlegend"
    )
