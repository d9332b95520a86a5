"""Pure UI factories: plotly figures, cluster colours, cluster cards and the song panel.

No server or browser: each factory gets plain data and its output is inspected as plotly or
Dash objects. Data text (titles, artists, genres) must show as the text it is: escaped where
plotly renders HTML (hover text, tick labels), a plain str child where Dash renders it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import dash_bootstrap_components as dbc
import numpy as np
import plotly.graph_objects as go
import pytest
from dash import dcc
from dash import html as dhtml
from dash.development.base_component import Component

from components import figures
from components.cluster_card import cluster_card
from components.colors import NOISE_COLOR, PALETTE, cluster_color, cluster_name
from components.song_panel import cluster_badge, neighbour_row, song_panel
from components.ui import audio_player, song_player
from core.clustering import ClusterProfile
from core.engine import SongView
from core.neighbours import Closeness
from core.previews import Preview

EVIL = [
    "<b>bold</b>",
    "<a href='https://evil.example/'>x</a>",
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    "Tom &amp; Jerry",
]


def escaped(text: str) -> str:
    """What plotly is given to show ``text`` literally: tags and entities neutralised, quotes as
    they are (plotly shows &quot; as is)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PREVIEW = Preview("https://p.scdn.co/mp3-preview/abc", "Spotify")


def walk(node: object) -> Iterator[object]:
    """Every component and str in a Dash tree, depth first (children only, not other props)."""
    yield node
    children = getattr(node, "children", None) if isinstance(node, Component) else None
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None:
            yield from walk(child)


def strings(node: object) -> list[str]:
    return [n for n in walk(node) if isinstance(n, str)]


def of_type(node: object, kind: type) -> list:
    return [n for n in walk(node) if isinstance(n, kind)]


def assert_no_raw_html(node: object) -> None:
    """Dash escapes str children; markdown or dangerouslySetInnerHTML would not."""
    for n in walk(node):
        assert not isinstance(n, dcc.Markdown)
        assert not getattr(n, "dangerously_allow_html", False)


def song(i: int = 0, title: str = "Song", artist: str = "Artist", cluster: int = 0, **kw) -> SongView:
    kw = {"features": {"energy": 0.5}, "preview": None, "description": "High energy", **kw}
    return SongView(id=f"s{i}", title=title, artist=artist, cluster=cluster, **kw)


def profile(cluster: int = 2, size: int = 250) -> ClusterProfile:
    zs = {"energy": 1.4, "tempo": -0.7}
    return ClusterProfile(cluster, size, {"energy": 0.8, "tempo": 100.0}, zs, "High energy", (0, 1), 1.1)


# -- colours -------------------------------------------------------------------------------


def test_cluster_names_and_noise() -> None:
    assert [cluster_name(c) for c in (-1, 0, 12)] == ["Noise", "Cluster 0", "Cluster 12"]


def test_cluster_colours_are_distinct_wrap_around_and_noise_is_grey() -> None:
    assert len({cluster_color(c) for c in range(len(PALETTE))}) == len(PALETTE)
    assert cluster_color(len(PALETTE) + 3) == cluster_color(3)
    assert cluster_color(-1) == NOISE_COLOR == "#9e9e9e"
    assert NOISE_COLOR not in PALETTE


# -- K sweeps and sizes --------------------------------------------------------------------


def _k_marker(fig: go.Figure) -> tuple[list, list[str]]:
    return [s.x0 for s in fig.layout.shapes], [a.text for a in fig.layout.annotations]


def test_elbow_figure_marks_current_k() -> None:
    fig = figures.elbow_figure([2, 3, 4, 5], [90.0, 50.0, 40.0, 35.0], k=4)
    assert [type(t) for t in fig.data] == [go.Scatter]
    assert list(fig.data[0].x) == [2, 3, 4, 5] and list(fig.data[0].y) == [90.0, 50.0, 40.0, 35.0]
    assert _k_marker(fig) == ([4], ["K=4"])
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("K", "inertia")


def test_quality_figure_has_two_axes_and_marks_k() -> None:
    fig = figures.quality_figure([2, 3, 4], [0.5, 0.6, 0.4], [1.2, 0.9, 1.1], k=3)
    assert [t.name for t in fig.data] == ["silhouette", "Davies-Bouldin"]
    assert [t.yaxis for t in fig.data] == ["y", "y2"]
    assert (fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text) == ("silhouette", "Davies-Bouldin")
    assert _k_marker(fig) == ([3], ["K=3"])


@pytest.mark.parametrize("noise", [0, 7])
def test_sizes_figure_one_coloured_bar_per_cluster_and_grey_noise_last(noise: int) -> None:
    fig = figures.sizes_figure([30, 20, 10], ["a", "b", "c"], noise=noise)
    (bar,) = fig.data
    clusters = [0, 1, 2, -1] if noise else [0, 1, 2]
    assert list(bar.x) == [cluster_name(c) for c in clusters]
    assert list(bar.marker.color) == [cluster_color(c) for c in clusters]
    assert list(bar.y) == [30, 20, 10, noise][: len(clusters)]
    assert list(bar.customdata)[:3] == ["a", "b", "c"] and len(bar.customdata) == len(clusters)


# -- trace groups and the projection ---------------------------------------------------------


def test_trace_groups_noise_first_then_clusters_in_order() -> None:
    labels = np.array([1, -1, 0, 1, 0, 2])
    groups = figures.trace_groups(labels)
    assert [(g.name, g.cluster) for g in groups] == [
        ("Noise", -1),
        ("Cluster 0", 0),
        ("Cluster 1", 1),
        ("Cluster 2", 2),
    ]
    assert [g.colors for g in groups] == [NOISE_COLOR, cluster_color(0), cluster_color(1), cluster_color(2)]
    assert [list(g.members) for g in groups] == [[1], [2, 4], [0, 3], [5]]


def test_trace_groups_share_one_trace_past_the_cap() -> None:
    n = figures.MAX_CLUSTER_TRACES + 5
    labels = np.repeat(np.arange(n), 2)
    groups = figures.trace_groups(labels)
    assert len(groups) == figures.MAX_CLUSTER_TRACES
    rest = groups[-1]
    assert rest.cluster is None and rest.name == "6 smaller clusters"
    assert sorted(labels[rest.members]) == sorted(np.repeat(np.arange(n - 6, n), 2))
    assert rest.colors == [cluster_color(int(c)) for c in labels[rest.members]]


N = 7
COORDS = np.arange(N * 3, dtype=float).reshape(N, 3)
LABELS = np.array([0, 1, -1, 0, 2, 1, 0])
IDS = ["007", "1e5", "42", "s3", "nan", "s5", "s6"]  # ids that look like numbers stay strings


def _projection(mode: str = "3d", titles=None, **kw) -> go.Figure:
    titles = titles or [f"T{i}" for i in range(N)]
    artists = [f"A{i}" for i in range(N)]
    return figures.projection_figure(COORDS, LABELS, IDS, titles, artists, ["PC1", "PC2", "PC3"], mode=mode, **kw)


@pytest.mark.parametrize(("mode", "kind"), [("3d", go.Scatter3d), ("2d", go.Scattergl)])
def test_projection_one_trace_per_cluster_plus_highlight(mode: str, kind: type) -> None:
    fig = _projection(mode)
    assert [type(t) for t in fig.data] == [kind] * 5
    assert [t.name for t in fig.data] == ["Noise", "Cluster 0", "Cluster 1", "Cluster 2", "selected"]
    assert [t.marker.color for t in fig.data[:4]] == [cluster_color(c) for c in (-1, 0, 1, 2)]
    assert fig.data[-1].showlegend is False and len(fig.data[-1].x) == 0  # nothing selected: empty ring trace
    assert len(fig.data) - 1 == len(figures.trace_groups(LABELS))


@pytest.mark.parametrize("mode", ["3d", "2d"])
def test_projection_customdata_maps_each_point_to_its_song_id_as_string(mode: str) -> None:
    fig = _projection(mode)
    sent = json.loads(fig.to_json())["data"]  # what the browser gets back on a click
    for trace, drawn, group in zip(sent[:-1], fig.data[:-1], figures.trace_groups(LABELS), strict=True):
        assert trace["customdata"] == [IDS[i] for i in group.members]
        assert all(isinstance(c, str) for c in trace["customdata"])
        assert list(drawn.x) == list(COORDS[group.members, 0])
        assert ("z" in trace) == (mode == "3d")


def test_projection_axis_titles_3d_in_scene_2d_on_axes() -> None:
    three, two = _projection("3d"), _projection("2d")
    scene = three.layout.scene
    assert (scene.xaxis.title.text, scene.yaxis.title.text, scene.zaxis.title.text) == ("PC1", "PC2", "PC3")
    assert (two.layout.xaxis.title.text, two.layout.yaxis.title.text) == ("PC1", "PC2")
    assert two.layout.scene.xaxis.title.text is None


def test_projection_uirevision_is_constant_so_the_camera_survives_updates() -> None:
    a, b = _projection("3d"), _projection("3d", focus_cluster=1, titles=[f"X{i}" for i in range(N)])
    assert a.layout.uirevision == b.layout.uirevision == figures.UIREVISION


def test_projection_focus_fades_the_other_clusters() -> None:
    fig = _projection("2d", focus_cluster=1)
    opacity = {t.name: t.marker.opacity for t in fig.data[:-1]}
    assert opacity == {"Noise": 0.12, "Cluster 0": 0.12, "Cluster 1": 0.75, "Cluster 2": 0.12}
    assert {t.marker.opacity for t in _projection("2d").data[:-1]} == {0.75}


@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.parametrize("mode", ["3d", "2d"])
def test_projection_hover_text_is_escaped(evil: str, mode: str) -> None:
    fig = figures.projection_figure(COORDS, LABELS, IDS, [evil] * N, [f"{evil}!"] * N, "abc", mode=mode)
    texts = [x for t in fig.data[:-1] for x in t.text]
    assert texts == [f"{escaped(evil)} — {escaped(evil + '!')}"] * N
    assert not any("<" in x for x in texts)


@pytest.mark.parametrize(("three_d", "kind"), [(True, go.Scatter3d), (False, go.Scattergl)])
def test_highlight_trace_rings_selected_song_then_neighbours(three_d: bool, kind: type) -> None:
    points = figures.Highlight(COORDS[:3], ("007", "b", "c"), tuple(EVIL[:3]), ("x", "y", "z"))
    trace = kind(figures.highlight_trace(points, three_d))  # validated by plotly here
    assert trace.name == "selected" and trace.showlegend is False
    assert list(trace.customdata) == ["007", "b", "c"]
    size = list(trace.marker.size)
    assert size[0] > size[1] == size[2], "the selected song is the largest point"
    assert list(trace.marker.color) == ["#111", "#3b3b3b", "#3b3b3b"] and trace.marker.opacity == 1
    assert list(trace.x) == list(COORDS[:3, 0]) and ("z" in trace.to_plotly_json()) == three_d
    assert list(trace.hovertext) == [f"{escaped(t)} — {a}" for t, a in zip(EVIL[:3], "xyz", strict=True)]
    assert list(trace.text) == [escaped(EVIL[0]), "", ""], "only the selected song is labelled"


def test_projection_draws_given_highlight_last() -> None:
    fig = _projection("3d", highlight=figures.Highlight(COORDS[4:5], ("nan",), ("T4",), ("A4",)))
    assert fig.data[-1].name == "selected" and list(fig.data[-1].customdata) == ["nan"]
    assert {t.marker.opacity for t in fig.data[:-1]} == {figures.SELECTED_OPACITY}, "the clusters recede"
    assert {t.marker.opacity for t in _projection("3d").data[:-1]} == {figures.POINT_OPACITY}


def test_feature_scatter_is_svg_with_feature_axis_titles_and_ids() -> None:
    x, y = np.linspace(0, 1, N), np.linspace(60, 180, N)
    titles = [EVIL[i % len(EVIL)] for i in range(N)]
    fig = figures.feature_scatter_figure(x, y, LABELS, IDS, titles, ["a"] * N, "energy", "tempo")
    assert [type(t) for t in fig.data] == [go.Scatter] * 5  # four clusters and the (empty) highlight; no WebGL
    assert list(fig.data[-1].customdata) == [] and fig.data[-1].name == "selected"
    assert [t.marker.color for t in fig.data[:-1]] == [cluster_color(c) for c in (-1, 0, 1, 2)]
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("Energy", "Tempo (BPM)")
    assert fig.layout.uirevision == figures.UIREVISION
    marked = figures.Highlight(np.array([[0.5, 120.0, 0.0]]), ("s7",), ("T7",), ("A7",))
    with_song = figures.feature_scatter_figure(x, y, LABELS, IDS, titles, ["a"] * N, "energy", "tempo", marked)
    assert list(with_song.data[-1].customdata) == ["s7"] and (with_song.data[-1].x[0], with_song.data[-1].y[0]) == (
        0.5,
        120.0,
    )
    for trace, group in zip(fig.data[:-1], figures.trace_groups(LABELS), strict=True):
        assert list(trace.customdata) == [IDS[i] for i in group.members]
        assert list(trace.text) == [f"{escaped(titles[i])} — a" for i in group.members]


# -- feature scatter, profiles and distributions -------------------------------------------


def test_zscore_heatmap_is_centred_on_zero_with_raw_means_in_hover() -> None:
    z = np.array([[2.5, -0.5], [-1.0, 0.2], [0.0, 3.2]])
    means = np.array([[0.9, 100.0], [0.2, 120.0], [0.5, 180.0]])
    fig = figures.zscore_heatmap(z, means, ["energy", "tempo"], ["d0", "d1", "d2"])
    (heat,) = fig.data
    assert list(heat.y) == ["Cluster 0", "Cluster 1", "Cluster 2"] and list(heat.x) == ["Energy", "Tempo (BPM)"]
    assert (heat.zmid, heat.zmin, heat.zmax) == (0, -3.2, 3.2)
    assert heat.customdata.shape == (3, 2, 2)
    assert (heat.customdata[2, 1, 0], heat.customdata[1, 0, 1]) == ("180 BPM", "d1"), "means read in their units"


def test_profile_bars_are_horizontal_in_the_cluster_colour() -> None:
    fig = figures.profile_bars({"energy": 1.4, "tempo": -0.7}, "#123456")
    (bar,) = fig.data
    assert bar.orientation == "h" and bar.marker.color == "#123456"
    assert list(bar.y) == ["Energy", "Tempo (BPM)"] and list(bar.x) == [1.4, -0.7]


def test_mean_profile_one_bar_trace_per_cluster() -> None:
    fig = figures.mean_profile_figure(np.array([[0.1, 0.9], [0.5, 0.4], [1.0, 0.0]]), ["energy", "loudness"])
    assert [t.name for t in fig.data] == ["Cluster 0", "Cluster 1", "Cluster 2"]
    assert [t.marker.color for t in fig.data] == [cluster_color(c) for c in range(3)]
    assert list(fig.data[0].x) == ["Energy", "Loudness (dB)"] and list(fig.data[2].y) == [1.0, 0.0]
    assert fig.layout.barmode == "group" and tuple(fig.layout.yaxis.range) == (0, 1)


def test_distribution_one_box_per_cluster_noise_grey_and_last() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0, 10.0, 11.0, 12.0, 50.0])
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 1, -1])
    fig = figures.distribution_figure(values, labels, "tempo")
    assert [type(t) for t in fig.data] == [go.Box] * 3
    assert [t.name for t in fig.data] == ["Cluster 0", "Cluster 1", "Noise"]
    assert [t.marker.color for t in fig.data] == [cluster_color(0), cluster_color(1), NOISE_COLOR]
    first = fig.data[0]
    assert (first.q1[0], first.median[0], first.q3[0]) == (2.0, 3.0, 4.0)
    assert (first.lowerfence[0], first.upperfence[0]) == (1.0, 4.0)  # 100 is past the whisker
    assert first.mean[0] == pytest.approx(22.0)
    assert fig.layout.yaxis.title.text == "Tempo (BPM)"


# -- DBSCAN, hierarchical, genres ----------------------------------------------------------


@pytest.mark.parametrize(("eps", "lines"), [(0.8, ["suggested eps 0.80"]), (1.2, ["suggested eps 0.80", "eps 1.20"])])
def test_k_distance_marks_suggested_and_used_eps(eps: float, lines: list[str]) -> None:
    fig = figures.k_distance_figure(np.linspace(0.1, 2.0, 20), 5, 0.8, eps)
    assert len(fig.data) == 1 and len(fig.data[0].y) == 20
    assert [a.text for a in fig.layout.annotations] == lines
    assert [s.y0 for s in fig.layout.shapes] == [0.8, eps][: len(lines)]
    assert "min samples = 5" in fig.layout.title.text


def test_dendrogram_one_line_per_merge_and_the_cut_marked() -> None:
    icoord = [[5, 5, 15, 15], [25, 25, 35, 35], [10, 10, 30, 30]]
    dcoord = [[0, 1, 1, 0], [0, 2, 2, 0], [1, 4, 4, 2]]
    labels = ["10 songs", "1 song", "3 songs", "7 songs"]
    fig = figures.dendrogram_figure(icoord, dcoord, labels, cut_height=3.0, k=2)
    assert len(fig.data) == 3 and list(fig.data[2].y) == [1, 4, 4, 2]
    assert [a.text for a in fig.layout.annotations] == ["cut: K=2"] and fig.layout.shapes[0].y0 == 3.0
    assert list(fig.layout.xaxis.ticktext) == labels and list(fig.layout.xaxis.tickvals) == [5, 15, 25, 35]


def test_genre_crosstab_colour_is_share_and_text_is_count() -> None:
    counts = np.array([[3, 1], [0, 0], [2, 2]])
    fig = figures.genre_crosstab_figure(counts, [0, 1, 2], ["pop", "rock"])
    (heat,) = fig.data
    assert list(heat.y) == ["Cluster 0", "Cluster 1", "Cluster 2"] and list(heat.x) == ["pop", "rock"]
    assert np.allclose(heat.z, [[0.75, 0.25], [0, 0], [0.5, 0.5]])
    assert np.array_equal(heat.text, counts) and (heat.zmin, heat.zmax) == (0, 1)


@pytest.mark.parametrize("evil", EVIL)
def test_genre_crosstab_escapes_genre_names(evil: str) -> None:
    fig = figures.genre_crosstab_figure(np.array([[1, 2]]), [0], [evil, "rock"])
    assert list(fig.data[0].x) == [escaped(evil), "rock"]


# -- Dash components -----------------------------------------------------------------------


@pytest.mark.parametrize("cluster", [0, 3, -1])
def test_cluster_badge_names_and_colours_the_cluster(cluster: int) -> None:
    badge = cluster_badge(cluster)
    assert badge.children == f"Cluster {cluster}" and badge.color == cluster_color(cluster)


@pytest.mark.parametrize(("slot", "text"), [(None, "No preview available"), ({"s": "1"}, "Looking for a preview…")])
def test_audio_player_without_preview_says_so(slot: dict | None, text: str) -> None:
    player = audio_player(None, "Song", slot)
    assert strings(player) == [text] and not of_type(player, dhtml.Audio)
    assert getattr(player, "id", None) == slot


def test_audio_player_plays_the_preview_and_names_its_source() -> None:
    player = audio_player(PREVIEW, "<b>x</b>", None)
    (audio,) = of_type(player, dhtml.Audio)
    assert audio.src == PREVIEW.url and audio.controls is True and audio.title == "Preview of <b>x</b>"
    assert "Preview: Spotify" in strings(player)


def test_song_player_pending_lookup_gets_a_slot_for_this_song_and_place() -> None:
    player = song_player(song(title="T", preview_pending=True), "explorer-panel")
    assert player.id == {"type": "preview-slot", "song": "s0", "where": "explorer-panel", "data": ""}
    uploaded = song_player(replace(song(title="T", preview_pending=True), dataset="ab" * 12), "explorer-panel")
    assert uploaded.id["data"] == "ab" * 12


@pytest.mark.parametrize("evil", EVIL)
def test_cluster_card_shows_song_text_as_plain_strings(evil: str) -> None:
    reps = [song(0, title=evil, artist=evil, preview=PREVIEW), song(1, title="Quiet", artist="")]
    card = cluster_card(profile(), 1000, f"Representative songs: “{evil}”.", reps, "/explorer?c=2", "/csv/2")
    text = strings(card)
    assert evil in text and f" — {evil}" in text and "Quiet" in text
    assert not any("Unknown artist" in t for t in text), "a song without an artist shows its title alone"
    assert f"Representative songs: “{evil}”." in text
    assert_no_raw_html(card)


def test_cluster_card_header_players_and_links() -> None:
    reps = [song(0, preview=PREVIEW), song(1)]
    card = cluster_card(profile(cluster=2, size=250), 1000, "sum", reps, "/explorer?focus=2", "/download/2.csv")
    text = strings(card)
    assert {"Cluster 2", "250 songs · 25%", "High energy"} <= set(text)
    assert "No preview available" not in text, "the page says it once, not each card"
    assert of_type(card, dhtml.Li)[1].children.title == "No preview available"
    assert card.id == "cluster-card-2" and cluster_color(2) in card.children[0].style["borderTop"]
    assert [a.src for a in of_type(card, dhtml.Audio)] == [PREVIEW.url]
    (link,) = of_type(card, dcc.Link)
    (download,) = of_type(card, dhtml.A)
    assert (link.href, link.children) == ("/explorer?focus=2", "Show in 3D")
    assert (download.href, download.download) == ("/download/2.csv", "")
    (graph,) = of_type(card, dcc.Graph)
    assert graph.figure.data[0].marker.color == cluster_color(2)
    assert len(of_type(card, dhtml.Li)) == 2


def test_neighbour_row_button_selects_the_song_and_says_why() -> None:
    closeness = Closeness(closer_on=("energy", "duration_ms"), differs_most="tempo")
    row = neighbour_row("explorer", song(4, title=EVIL[2], cluster=1), 0.4567, closeness)
    (button,) = of_type(row, dhtml.Button)
    assert button.children == EVIL[2]
    assert button.id == {"type": "pick-song", "page": "explorer", "song": "s4", "from": "neighbour"}
    assert " distance 0.46 · much closer than usual on energy, duration · differs most on tempo" in strings(row)
    assert [b.color for b in of_type(row, dbc.Badge)] == [cluster_color(1)]
    assert_no_raw_html(row)


@pytest.mark.parametrize("evil", EVIL)
def test_song_panel_shows_title_artist_genre_as_plain_strings(evil: str) -> None:
    panel = song_panel("search", song(title=evil, artist=f"by {evil}", genre=evil), [])
    assert [h.children for h in of_type(panel, dhtml.H5)] == [evil]
    assert {f"by {evil}", f"Genre label: {evil}"} <= set(strings(panel))
    assert_no_raw_html(panel)


def test_song_panel_details_features_player_and_neighbours() -> None:
    features = {"duration_ms": 210_400.0, "tempo": 120.04, "energy": 0.5, "loudness": -5.31}
    main = song(0, artist="", cluster=3, features=features, preview=PREVIEW)
    neighbours = [
        (song(1, title="N1"), 0.5, Closeness(("energy",), "tempo")),
        (song(2, title="N2", cluster=-1), 0.9, Closeness((), "energy")),
    ]
    panel = song_panel("explorer", main, neighbours)
    text = strings(panel)
    assert "2 nearest songs" in text and not any("Unknown artist" in t for t in text)
    assert not any(t.startswith("Genre label") for t in text)
    assert {"Duration", "3:30", "Tempo", "120 BPM", "Energy", "0.50", "Loudness", "-5.3 dB"} <= set(text)
    assert [b.children for b in of_type(panel, dhtml.Button)] == ["N1", "N2"]
    assert [a.src for a in of_type(panel, dhtml.Audio)] == [PREVIEW.url]
    assert "No preview available" not in text, "not repeated under each neighbour"
    assert "Songs listed without a player have no preview." in text
    assert [b.color for b in of_type(panel, dbc.Badge)] == [cluster_color(3), cluster_color(0), NOISE_COLOR]
    assert panel.to_plotly_json()["props"]["data-song"] == "s0"
    assert not of_type(panel, dcc.Link)


def test_song_panel_show_in_3d_link_only_when_given() -> None:
    (link,) = of_type(song_panel("search", song(), [], explorer_href="/explorer?song=s0"), dcc.Link)
    assert link.href == "/explorer?song=s0" and link.children == "Show in 3D →"
