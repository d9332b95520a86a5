"""3D explorer: the songs in a projection, coloured by cluster; click one to hear it and its neighbours.

The figure is updated in place (same graph, constant uirevision), so the camera stays
where the user left it when K, the method, the view or the selected song change.
Projections are for looking only: clusters and neighbours always come from the full
scaled feature space. PCA draws up to ``DISPLAY_MAX`` songs (above that a seeded
sample, the same in every worker, and the page says so); t-SNE and UMAP draw the songs
the engine embedded. The selected song and its neighbours are always drawn when the
projection has them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
import numpy as np
import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from app.links import link
from app.placement import MAX_FILE_MB
from components import ids
from components.explorer import ZOOM_CONFIG, feature_pair_card, projection_controls, selection_panel, view_options
from components.figures import (
    Highlight,
    TraceGroup,
    cluster_opacity,
    feature_scatter_figure,
    highlight_trace,
    projection_figure,
    regroup_plan,
    trace_groups,
)
from components.placement import placed_marker, placement_card, placement_message, placement_result
from components.song_panel import song_panel
from components.ui import page_subtitle, view_skeleton
from core.audio import missing_libraries
from core.cache import NotReady
from core.clustering import NOISE, NOISE_DESCRIPTION
from core.errors import DatasetError
from core.export import labelled_songs, to_csv_bytes
from core.placement import placeable
from core.query import COLOURINGS, PROJECTIONS, VIEWS, ViewQuery
from core.selection import describe_selection, m3u8_playlist, playlist_kinds, selected_rows, spotify_uris
from pages._common import (
    neighbour_views,
    or_job,
    page_layout,
    picked_song,
    settings_query,
    song_views,
    stored_query,
    view_kept,
)
from pages._plot_space import PAIR_MAX, PlotSpace, pair_rows, plot_space

dash.register_page(__name__, path="/explorer", name="Explorer", order=1, title="3D explorer · Audio Space Explorer")
PAGE = "explorer"
_PREFERRED_AXES = ("valence", "energy")


def _axes(query: ViewQuery, features: tuple[str, ...]) -> tuple[str, str]:
    default = _PREFERRED_AXES if set(_PREFERRED_AXES) <= set(features) else features[:2]
    return query.x or default[0], query.y or default[1]


def _selected_rows(view: ResolvedView) -> list[int]:
    """Catalog rows of the view's song and then its neighbours; empty when no song is open."""
    song = view.query.song
    if song is None:
        return []
    catalog = view.catalog
    return [catalog.row_of(song)] + [catalog.row_of(nb.id) for nb, _, _ in neighbour_views(view, song)]


def _highlight(view: ResolvedView, rows: list[int], coords: np.ndarray) -> Highlight:
    songs = view.catalog.songs.iloc[rows]
    return Highlight(
        coords=coords, ids=tuple(songs["id"]), titles=tuple(songs["title"]), artists=tuple(songs["artist"])
    )


def _selection(view: ResolvedView, space: PlotSpace) -> tuple[html.Div, Highlight | None]:
    """The song panel and the main plot's highlight for the view's song, or (placeholder, None)."""
    song = view.query.song
    if song is None:
        placeholder = html.Div(
            "Click a song in the plot to see its details, hear it and find its nearest songs.",
            className="text-muted p-3 border rounded",
            id="explorer-panel-empty",
        )
        return placeholder, None
    neighbours = neighbour_views(view, song)
    rows = _selected_rows(view)
    note = view.map_trust.note(rows[0]) if view.query.colour == "trust" else None
    panel = song_panel(PAGE, song_views(view, rows[:1])[0], neighbours, view_note=note)
    if not space.has(rows[0]):
        return panel, None
    drawn = [row for row in rows if space.has(row)]
    return panel, _highlight(view, drawn, space.coords_of(drawn))


def _pair_highlight(view: ResolvedView) -> Highlight | None:
    """The selected song and its neighbours at their raw feature values on the scatter's axes
    (drawn whether or not they are in its sample), or None."""
    rows = _selected_rows(view)
    if not rows:
        return None
    x, y = _axes(view.query, view.clustering.features)
    songs = view.catalog.songs.iloc[rows]
    coords = np.column_stack([songs[x].to_numpy(), songs[y].to_numpy(), np.zeros(len(rows))])
    return _highlight(view, rows, coords)


def _kept(view: ResolvedView, space: PlotSpace) -> np.ndarray | None:
    """Per drawn song (aligned with ``space.rows``), the share of its real nearest songs the
    view keeps near it, NaN where not measured; None unless the songs are coloured by it."""
    if view.query.colour != "trust":
        return None
    trust = view.map_trust
    positions = np.minimum(np.searchsorted(trust.rows, space.rows), len(trust.rows) - 1)
    found = trust.rows[positions] == space.rows
    return np.where(found, trust.preservation[positions], np.nan)


def _main_figure(view: ResolvedView, space: PlotSpace, highlight: Highlight | None) -> go.Figure:
    shown = view.catalog.songs.iloc[space.rows]
    return projection_figure(
        space.coords,
        view.clustering.labels[space.rows],
        shown["id"].tolist(),
        shown["title"].tolist(),
        shown["artist"].tolist(),
        space.axis_titles,
        space.mode,
        highlight,
        view.query.cluster,
        _kept(view, space),
    )


def _pair_figure(view: ResolvedView) -> go.Figure:
    rows = pair_rows(len(view.catalog), view.params.seed)
    shown = view.catalog.songs.iloc[rows]
    x, y = _axes(view.query, view.clustering.features)
    return feature_scatter_figure(
        shown[x].to_numpy(),
        shown[y].to_numpy(),
        view.clustering.labels[rows],
        shown["id"].tolist(),
        shown["title"].tolist(),
        shown["artist"].tolist(),
        x,
        y,
        _pair_highlight(view),
    )


def _note(view: ResolvedView, space: PlotSpace) -> list:
    """What the view shows, in words: the map, how far it can be trusted when the songs are
    coloured by it, and the cluster in focus."""
    query = view.query
    note: list = [html.Span(space.note)]
    if query.colour == "trust":
        trust = view.map_trust
        note.append(
            html.Span(
                f" Colour: how many of each song's {trust.neighbours} nearest songs (in every feature) this view"
                f" draws near it. On average {trust.mean_preservation:.0%}; {trust.low_share:.0%} of songs keep at"
                f" most one (red: their real neighbours are spread out here). Trustworthiness"
                f" {trust.trustworthiness:.2f} (1: songs near on screen are near in sound).",
                className="trust-note",
            )
        )
    if query.cluster is not None:
        note += [
            html.Span(f" Cluster {query.cluster} is in focus. "),
            dcc.Link("Show every cluster", href=link("/explorer", **query.shared_params(), song=query.song)),
        ]
    return note


def _page(
    query: ViewQuery,
    features: tuple[str, ...],
    n_songs: int,
    main: go.Figure,
    note: Any,
    panel: Any,
    pair: go.Figure,
    place_blocked: str | None = None,
) -> dbc.Row:
    """The explorer's structure: the same components whether drawn (``body``) or waiting for
    its job (``skeleton``), so every callback finds the components it updates. ``place_blocked``:
    why a song cannot be placed in this view (the control says it instead of taking a file)."""
    x, y = _axes(query, features)
    pair_title = "Any two features"
    if n_songs > PAIR_MAX:
        pair_title += f" · a fixed sample of {PAIR_MAX:,} songs"
    return dbc.Row(
        [
            page_subtitle(
                "Every song placed by how it sounds; point at one and click to hear it and see the songs nearest"
                " to it in every feature.",
                "explorer-subtitle",
            ),
            dbc.Col(
                [
                    projection_controls(query.proj, query.view, query.colour, PROJECTIONS, VIEWS, COLOURINGS),
                    dcc.Store(id="explorer-pick"),
                    dcc.Store(id="explorer-clustering", data=query.shared_params()),
                    *[dcc.Store(id=store) for store in _REGROUP_STORES],
                    dcc.Graph(id="explorer-graph", figure=main, config=ZOOM_CONFIG),
                    html.Div(note, id="explorer-note", className="small text-muted mb-3"),
                    html.Div(id="explorer-selection"),
                    dcc.Download(id="explorer-download"),
                    feature_pair_card(pair_title, features, x, y, pair),
                ],
                lg=8,
            ),
            dbc.Col(
                [
                    html.Div(panel, id="explorer-panel", className="panel-in-view"),
                    placement_card(MAX_FILE_MB, place_blocked),
                ],
                lg=4,
            ),
        ]
    )


def body(view: ResolvedView) -> dbc.Row:
    space = plot_space(view)
    panel, highlight = _selection(view, space)
    main = _main_figure(view, space, highlight)
    note = _note(view, space)
    catalog = view.catalog
    blocked = _place_blocked(view)
    return _page(view.query, catalog.features, len(catalog), main, note, panel, _pair_figure(view), blocked)


def _place_blocked(view: ResolvedView) -> str | None:
    """Why no song can be placed in this view: audio libraries missing, or features that cannot
    be computed from audio (core.placement); None when it can."""
    missing = missing_libraries()
    if missing:
        return f"Placing a song needs the audio libraries, which this server lacks: {', '.join(missing)}."
    return placeable(view.clustering.features)


def skeleton(query: ViewQuery, what: str) -> dbc.Row:
    catalog = app_context().engine_for(query.data).catalog
    waiting = view_skeleton(what)
    return _page(query, catalog.features, len(catalog), go.Figure(), waiting, "", go.Figure())


layout = page_layout(PAGE, body, skeleton)


def _redraw_outputs() -> list[Output]:
    """What a redraw updates. Two callbacks share them: one follows the shell's settings and
    reads only the page frame, so a page still showing its skeleton has no missing input."""
    return [
        Output("explorer-graph", "figure", allow_duplicate=True),
        Output("explorer-regroup", "data", allow_duplicate=True),
        Output("explorer-clustering", "data", allow_duplicate=True),
        Output("explorer-panel", "children", allow_duplicate=True),
        Output("explorer-note", "children", allow_duplicate=True),
        Output("explorer-view", "options", allow_duplicate=True),
        Output(ids.page_query(PAGE), "data", allow_duplicate=True),
        Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    ]


@callback(
    *_redraw_outputs(), Input(ids.SETTINGS, "data"), State(ids.page_query(PAGE), "data"), prevent_initial_call=True
)
def follow_settings(settings: dict[str, str] | None, data: dict[str, str]) -> tuple:
    """K or the method changed: redraw, keeping the selected song."""
    query = settings_query(settings, data)
    if query is None:
        return view_kept(PAGE, _redraw_outputs(), data)
    return or_job(query, 7, lambda: _redrawn(query, stored_query(data)))


@callback(
    *_redraw_outputs(),
    Input("explorer-view", "value"),
    Input("explorer-proj", "value"),
    Input("explorer-colour", "value"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def switch_view(view_mode: str, proj: str, colour: str, data: dict[str, str]) -> tuple:
    """Another projection, 2D/3D or colouring: redraw, keeping the selected song."""
    before = stored_query(data)
    query = stored_query(data, view=view_mode, proj=proj, colour=colour)
    if query.to_params() == data:
        return view_kept(PAGE, _redraw_outputs(), data)
    return or_job(query, 7, lambda: _redrawn(query, before))


def _redrawn(query: ViewQuery, before: ViewQuery) -> tuple:
    """The redraw outputs for ``query`` coming from ``before``.

    When only the clustering changed, the browser regroups the points it has (a plan of
    about 3 bytes a song, assets/regroup.js) instead of receiving them again; when the
    colouring or the map changes, the figure is patched (traces and axis titles): plotly.js
    keeps a rotated 3D camera through a patch, not through a new figure, whatever its uirevision.
    """
    view = app_context().resolve(query)
    space = plot_space(view)
    panel, highlight = _selection(view, space)
    figure, plan = dash.no_update, dash.no_update
    same_map = (before.proj, before.view) == (query.proj, query.view)
    if same_map and before.colour == query.colour == "cluster":
        plan = _main_plan(view, space, highlight)
    elif same_map:
        figure = _patched(_main_figure(view, space, highlight), space)
    else:
        figure = _main_figure(view, space, highlight)
    options = view_options(VIEWS, query.proj)
    clustering = query.shared_params()
    if clustering == before.shared_params():
        clustering = dash.no_update  # the feature scatter only changes with the clustering
    return figure, plan, clustering, panel, _note(view, space), options, query.to_params()


def _main_plan(view: ResolvedView, space: PlotSpace, highlight: Highlight | None) -> dict:
    """How the browser regroups the main plot's points for the view's clustering."""
    shown_ids = view.catalog.songs["id"].to_numpy()[space.rows]
    trace = highlight_trace(highlight, space.mode == "3d")
    return regroup_plan(view.clustering.labels[space.rows], shown_ids, trace, view.query.cluster)


def _patched(figure: go.Figure, space: PlotSpace) -> Patch:
    """A patch that gives the plot on screen ``figure``'s traces, legend and axis titles."""
    patch = Patch()
    drawn = figure.to_plotly_json()
    patch["data"] = drawn["data"]
    patch["layout"]["showlegend"] = drawn["layout"]["showlegend"]  # no legend when coloured by trust
    three_d = space.mode == "3d"
    axes = patch["layout"]["scene"] if three_d else patch["layout"]
    for axis, title in zip(("xaxis", "yaxis", "zaxis")[: 3 if three_d else 2], space.axis_titles, strict=False):
        axes[axis]["title"]["text"] = title
    return patch


#: Stores of the regrouping (assets/regroup.js): its plan for each plot, and the store it
#: writes when a plot does not hold the plan's songs and needs its whole figure.
_REGROUP_STORES = ("explorer-regroup", "explorer-refresh", "explorer-features-regroup", "explorer-features-refresh")
for _graph, _plan, _name in (
    ("explorer-graph", "explorer-regroup", "explorer"),
    ("explorer-features", "explorer-features-regroup", "features"),
):
    clientside_callback(
        ClientsideFunction("regroup", _name),
        Output(_graph, "figure", allow_duplicate=True),
        Input(_plan, "data"),
        State(_graph, "figure"),
        prevent_initial_call=True,
    )


@callback(
    Output("explorer-graph", "figure", allow_duplicate=True),
    Input("explorer-refresh", "data"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def refresh_main(_asked: object, data: dict[str, str]) -> go.Figure:
    """The whole main figure, for a plot that could not be regrouped."""
    try:
        view = app_context().resolve(stored_query(data))
        space = plot_space(view)
        return _main_figure(view, space, _selection(view, space)[1])
    except NotReady:
        raise PreventUpdate from None  # the view is being recomputed: its job redraws the page


# The projection, 2D/3D and colour radios show the page's view (after Cancel, the one on screen).
_RADIOS = {"explorer-proj": "proj", "explorer-view": "view", "explorer-colour": "colour"}
_RADIO_DEFAULTS = json.dumps([[name, ViewQuery.__dataclass_fields__[name].default] for name in _RADIOS.values()])
clientside_callback(
    "function (query, ...current) {"
    f" return window.dash_clientside.audiospace.controlsFollowQuery(query, current, {_RADIO_DEFAULTS}); }}",
    *[Output(radio, "value", allow_duplicate=True) for radio in _RADIOS],
    Input(ids.page_query(PAGE), "data"),
    *[State(radio, "value") for radio in _RADIOS],
    prevent_initial_call=True,
)


# The server callback below listens to the explorer-pick store: the main plot writes it
# from its hover label (assets/explorer.js), the feature scatter from its clickData here.
clientside_callback(
    ClientsideFunction("audiospace", "pairClickGate"),
    Output("explorer-pick", "data"),
    Output("explorer-features", "clickData"),
    Input("explorer-features", "clickData"),
    prevent_initial_call=True,
)


@callback(
    Output("explorer-panel", "children", allow_duplicate=True),
    Output("explorer-graph", "figure", allow_duplicate=True),
    Output("explorer-features", "figure", allow_duplicate=True),
    Output(ids.page_query(PAGE), "data", allow_duplicate=True),
    Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    Input("explorer-pick", "data"),
    Input(ids.every_pick_song(PAGE), "n_clicks"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def select_song(pick: dict | None, _clicks: list, data: dict[str, str]):
    """A point or a neighbour was clicked: open its panel, ring it in the plot, put it in the URL."""
    query = stored_query(data, song=picked_song(pick))
    if query.song is None:
        raise PreventUpdate
    return or_job(query, 4, lambda: _selected(query))


def _marked(groups: list[TraceGroup], highlight: dict, focus: int | None) -> Patch:
    """A patch that puts ``highlight`` in a plot's last trace and lets the clusters recede."""
    figure = Patch()
    for index, group in enumerate(groups):
        faint = focus is not None and group.cluster != focus
        figure["data"][index]["marker"]["opacity"] = cluster_opacity(faint, True)
    figure["data"][len(groups)] = highlight
    return figure


def _selected(query: ViewQuery) -> tuple:
    """The panel, and both plots patched (not redrawn) to mark the song and its neighbours."""
    view = app_context().resolve(query)
    space = plot_space(view)
    panel, highlight = _selection(view, space)
    labels = view.clustering.labels
    main = _marked(trace_groups(labels[space.rows]), highlight_trace(highlight, space.mode == "3d"), query.cluster)
    pair_groups = trace_groups(labels[pair_rows(len(view.catalog), view.params.seed)])
    pair = _marked(pair_groups, highlight_trace(_pair_highlight(view), three_d=False, svg=True), None)
    return panel, main, pair, query.to_params()


@callback(
    Output("explorer-features", "figure"),
    Output("explorer-features-regroup", "data"),
    Output(ids.page_query(PAGE), "data", allow_duplicate=True),
    Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    Input("explorer-clustering", "data"),
    Input("explorer-x", "value"),
    Input("explorer-y", "value"),
    Input("explorer-features-refresh", "data"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def redraw_pair(_clustering: dict[str, str], x: str, y: str, _refresh: object, data: dict[str, str]):
    """Regroup the feature scatter's points after the main plot has changed clustering (a
    chained callback, so the main plot is drawn first), or draw another feature pair and
    put x, y in the URL, or draw the whole scatter when it could not be regrouped."""
    query = stored_query(data, x=x, y=y)
    regroup = ctx.triggered_id == "explorer-clustering"

    def redrawn() -> tuple:
        view = app_context().resolve(query)
        if not regroup:
            return _pair_figure(view), dash.no_update, query.to_params()
        rows = pair_rows(len(view.catalog), view.params.seed)
        trace = highlight_trace(_pair_highlight(view), three_d=False, svg=True)
        plan = regroup_plan(view.clustering.labels[rows], view.catalog.songs["id"].to_numpy()[rows], trace, None, False)
        return dash.no_update, plan, query.to_params()

    return or_job(query, 3, redrawn)


def _selection_of(selected: object, data: dict[str, str]) -> tuple[ResolvedView, np.ndarray]:
    """The view on screen and the catalog rows of the songs a box or lasso selected (plotly's
    selectedData: points carrying song ids); PreventUpdate for anything else."""
    if not isinstance(selected, dict) or not isinstance(selected.get("points"), list):
        raise PreventUpdate
    ids = (point.get("customdata") for point in selected["points"] if isinstance(point, dict))
    view = app_context().resolve(stored_query(data))
    return view, selected_rows(view.catalog, ids)


@callback(
    Output("explorer-selection", "children"),
    Input("explorer-graph", "selectedData"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def show_selection(selected: object, data: dict[str, str]):
    """A box or lasso selection on a 2D view opens its panel; clearing it closes the panel."""
    if selected is None:
        return None
    view, rows = _selection_of(selected, data)
    if not len(rows):
        return None
    catalog = view.catalog
    try:
        chosen = describe_selection(catalog, view.clustering.labels, view.clustering.features, rows)
    except NotReady:
        raise PreventUpdate from None  # the view is being recomputed: its own job redraws the page
    local, spotify = playlist_kinds(catalog, rows, app_context().previews.local_file, _music_folder())
    return selection_panel(chosen, len(catalog), spotify, local)


def _music_folder() -> Path:
    """The folder of the songs' own audio files (AUDIOSPACE_PREVIEWS_DIR)."""
    return app_context().previews.settings.folder


#: What a selection downloads as: the file's name and how it is made from the view and rows.
_SELECTION_FILES: dict[str, tuple[str, Callable[[ResolvedView, np.ndarray], str | bytes]]] = {
    "csv": (
        "selected-songs.csv",
        lambda view, rows: to_csv_bytes(labelled_songs(view.catalog, view.clustering, view.projection, rows)),
    ),
    "uris": ("selected-songs.txt", lambda view, rows: "\n".join(spotify_uris(view.catalog, rows)) + "\n"),
    "m3u8": (
        "selected-songs.m3u8",
        lambda view, rows: m3u8_playlist(view.catalog, rows, app_context().previews.local_file, _music_folder()),
    ),
}


@callback(
    Output("explorer-download", "data"),
    Input(ids.selection_download(ALL), "n_clicks"),
    State("explorer-graph", "selectedData"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def download_selection(_clicks: list, selected: object, data: dict[str, str]):
    """The selected songs as the button says: CSV (cluster and features, as the cluster
    downloads have them), Spotify track URIs one per line, or an M3U8 of their audio files."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or trigger.get("format") not in _SELECTION_FILES or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    name, make = _SELECTION_FILES[trigger["format"]]
    view, rows = _selection_of(selected, data)
    content = make(view, rows)
    return dcc.send_bytes(content, name) if isinstance(content, bytes) else dcc.send_string(content, name)


# -- "Where does this song land?" ----------------------------------------------------------------
# assets/placement.js posts the file to app.placement's route and writes the analysis (or why there
# is none) into PLACE_ANALYSIS; the song is placed again whenever the view changes (K, method,
# map), since its cluster and position are the view's.
@callback(
    Output(ids.PLACE_RESULT, "children"),
    Output(ids.PLACE_MARKER, "data"),
    Input(ids.PLACE_ANALYSIS, "data"),
    Input(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def place_song(analysis: object, data: dict[str, str]) -> tuple:
    """The placed song's panel and ringed marker for the view on screen (see core.placement)."""
    if not isinstance(analysis, dict):
        raise PreventUpdate
    if not isinstance(analysis.get("features"), dict):
        return placement_message(str(analysis.get("error") or "The file gave no answer; try again.")), None
    name = str(analysis.get("name") or "your file")[:80]
    notes = analysis.get("notes")
    notes = [note for note in notes if isinstance(note, str)][:5] if isinstance(notes, list) else []
    try:
        view = app_context().resolve(stored_query(data))
        placed = view.engine.place(analysis["features"], view.params)
    except NotReady:
        raise PreventUpdate from None  # the view is being recomputed: its job redraws the page
    except DatasetError as refused:
        return placement_message(str(refused)), None
    cluster = placed.cluster
    description = NOISE_DESCRIPTION if cluster == NOISE else view.clustering.profiles[cluster].description
    rows = [nb.row for nb in placed.neighbours]
    neighbours = [
        (song, nb.distance, nb.closeness) for song, nb in zip(song_views(view, rows), placed.neighbours, strict=True)
    ]
    drawn = view.query.proj == "pca"
    panel = placement_result(name, cluster, description, placed.how, neighbours, notes, drawn, PAGE)
    marker = placed_marker(placed.coords, view.query.view == "3d", name) if drawn else None
    return panel, marker


clientside_callback(
    ClientsideFunction("placement", "mark"),
    Output("explorer-graph", "figure", allow_duplicate=True),
    Input(ids.PLACE_MARKER, "data"),
    State("explorer-graph", "figure"),
    prevent_initial_call=True,
)
