"""3D explorer: the songs in PCA space, coloured by cluster; click one to hear it and its neighbours.

The figure is updated in place (same graph, constant uirevision), so the camera stays
where the user left it when K, the view or the selected song change. Above
``DISPLAY_MAX`` songs the plot shows a seeded sample (the same in every worker) and
says so; the selected song and its neighbours are always drawn.
"""

from __future__ import annotations

from functools import lru_cache

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import ALL, Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import AppContext, current
from components.figures import feature_scatter_figure, highlight_trace, projection_figure
from components.song_panel import song_panel
from components.ui import K_CONTROL_ID
from core.features import feature_title
from core.query import ViewQuery
from pages._common import href, neighbour_views, page_frame, page_query_id, song_views, stored_query

dash.register_page(__name__, path="/explorer", name="3D explorer", order=1, title="3D explorer · Audio Space Explorer")
PAGE = "explorer"
DISPLAY_MAX = 20_000
#: The feature-pair scatter is SVG: it draws a seeded sample of this many of the shown songs.
PAIR_MAX = 4_000
PICK = {"type": "pick-song", "page": PAGE, "song": ALL, "from": ALL}
_PREFERRED_AXES = ("valence", "energy")


@lru_cache(maxsize=4)
def display_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs drawn: all up to DISPLAY_MAX, else a seeded sorted sample."""
    if n_songs <= DISPLAY_MAX:
        return np.arange(n_songs)
    return np.sort(np.random.default_rng(seed).choice(n_songs, DISPLAY_MAX, replace=False))


@lru_cache(maxsize=4)
def pair_rows(n_songs: int, seed: int) -> np.ndarray:
    """Positions of the songs in the feature-pair scatter (a subset of display_rows)."""
    shown = display_rows(n_songs, seed)
    if len(shown) <= PAIR_MAX:
        return shown
    return np.sort(np.random.default_rng(seed + 1).choice(shown, PAIR_MAX, replace=False))


def _axes(query: ViewQuery, features: tuple[str, ...]) -> tuple[str, str]:
    default = _PREFERRED_AXES if set(_PREFERRED_AXES) <= set(features) else features[:2]
    return query.x or default[0], query.y or default[1]


def _selection(context: AppContext, query: ViewQuery):
    """(song panel, highlight points) for the query's song, or (placeholder, None)."""
    if query.song is None:
        placeholder = html.Div(
            "Click a song in the plot to see its details, hear it and find its nearest songs.",
            className="text-muted p-3 border rounded",
            id="explorer-panel-empty",
        )
        return placeholder, None
    params, clustering, projection = context.models(query)
    neighbours = neighbour_views(context, params, clustering, query.song)
    catalog = context.engine.catalog
    rows = [catalog.row_of(query.song)] + [catalog.row_of(view.id) for view, _, _ in neighbours]
    songs = catalog.songs.iloc[rows]
    highlight = {
        "coords": projection.coords[rows],
        "ids": songs["id"].tolist(),
        "titles": songs["title"].tolist(),
        "artists": songs["artist"].tolist(),
    }
    panel = song_panel(PAGE, song_views(context, clustering, rows[:1])[0], neighbours)
    return panel, highlight


def _shown(context: AppContext, rows: np.ndarray):
    shown = context.engine.catalog.songs.iloc[rows]
    return shown, shown["id"].tolist(), shown["title"].tolist(), shown["artist"].tolist()


def _main_figure(context: AppContext, query: ViewQuery, highlight: dict | None):
    _, clustering, projection = context.models(query)
    rows = display_rows(len(context.engine.catalog), context.settings.seed)
    _, ids, titles, artists = _shown(context, rows)
    axis_titles = [f"PC{i + 1} ({v:.0%} of variance)" for i, v in enumerate(projection.explained_variance)]
    return projection_figure(
        projection.coords[rows],
        clustering.labels[rows],
        ids,
        titles,
        artists,
        axis_titles,
        query.view,
        highlight,
        query.cluster,
    )


def _pair_figure(context: AppContext, query: ViewQuery):
    _, clustering, _ = context.models(query)
    rows = pair_rows(len(context.engine.catalog), context.settings.seed)
    shown, ids, titles, artists = _shown(context, rows)
    x, y = _axes(query, clustering.features)
    return feature_scatter_figure(
        shown[x].to_numpy(), shown[y].to_numpy(), clustering.labels[rows], ids, titles, artists, x, y
    )


def _note(context: AppContext, query: ViewQuery) -> list:
    _, _, projection = context.models(query)
    variance = projection.explained_variance
    n = len(context.engine.catalog)
    parts = [
        f"The three axes are one PCA of the scaled features: they show {variance.sum():.0%} of the variance "
        f"(PC1 {variance[0]:.0%}, PC2 {variance[1]:.0%}, PC3 {variance[2]:.0%}). "
        "Distances in the plot are approximate; neighbours are computed in the full feature space."
    ]
    if n > DISPLAY_MAX:
        parts.append(f" Showing a fixed sample of {DISPLAY_MAX:,} of {n:,} songs.")
    note = [html.Span("".join(parts))]
    if query.cluster is not None:
        note += [
            html.Span(f" Cluster {query.cluster} is in focus. "),
            dcc.Link("Show every cluster", href=href("/explorer", k=query.k, song=query.song)),
        ]
    return note


def body(query: ViewQuery) -> dbc.Row:
    context = current()
    panel, highlight = _selection(context, query)
    features = context.engine.catalog.features
    x, y = _axes(query, features)
    options = [{"label": feature_title(f), "value": f} for f in features]
    graph_config = {"displaylogo": False, "scrollZoom": True}
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.RadioItems(
                        id="explorer-view",
                        options=[{"label": "3D", "value": "3d"}, {"label": "2D", "value": "2d"}],
                        value=query.view,
                        inline=True,
                        className="mb-1",
                    ),
                    dcc.Store(id="explorer-pick"),
                    dcc.Loading(
                        dcc.Graph(
                            id="explorer-graph", figure=_main_figure(context, query, highlight), config=graph_config
                        ),
                        delay_show=250,
                    ),
                    html.Div(_note(context, query), id="explorer-note", className="small text-muted mb-3"),
                    dbc.Card(
                        [
                            dbc.CardHeader(
                                "Any two features"
                                + (
                                    f" · a fixed sample of {PAIR_MAX:,} songs"
                                    if len(context.engine.catalog) > PAIR_MAX
                                    else ""
                                )
                            ),
                            dbc.CardBody(
                                [
                                    dbc.Row(
                                        [
                                            dbc.Col(
                                                dcc.Dropdown(
                                                    id="explorer-x", options=options, value=x, clearable=False
                                                ),
                                                md=6,
                                            ),
                                            dbc.Col(
                                                dcc.Dropdown(
                                                    id="explorer-y", options=options, value=y, clearable=False
                                                ),
                                                md=6,
                                            ),
                                        ],
                                        className="g-2 mb-2",
                                    ),
                                    dcc.Graph(
                                        id="explorer-features", figure=_pair_figure(context, query), config=graph_config
                                    ),
                                ]
                            ),
                        ]
                    ),
                ],
                lg=8,
            ),
            dbc.Col(html.Div(panel, id="explorer-panel"), lg=4),
        ]
    )


def layout(k: str | None = None, **query: object) -> html.Div:
    return page_frame(PAGE, {**query, "k": k}, body)


@callback(
    Output("explorer-graph", "figure"),
    Output("explorer-features", "figure"),
    Output("explorer-panel", "children"),
    Output("explorer-note", "children"),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input(K_CONTROL_ID, "value"),
    Input("explorer-view", "value"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def redraw(k: int | None, view: str, data: dict[str, str]):
    """K or 2D/3D changed: redraw in place (the camera stays), keep the selected song."""
    if k is None or (str(k) == data.get("k") and view == data.get("view", "3d")):
        raise PreventUpdate
    context = current()
    query = stored_query(data, k=k, view=view, cluster=data.get("cluster") if str(k) == data.get("k") else None)
    panel, highlight = _selection(context, query)
    return (
        _main_figure(context, query, highlight),
        _pair_figure(context, query),
        panel,
        _note(context, query),
        query.to_params(),
    )


# Drop clicks that end a drag-to-rotate, and reset clickData so the same song can be
# clicked again: the server callback below listens to this store, not to clickData.
clientside_callback(
    """
    function(mainClick, pairClick) {
        const click = mainClick || pairClick;
        const reset = [null, null];
        if (!click || !click.points || !click.points.length) return [dash_clientside.no_update, ...reset];
        if (mainClick && Date.now() - (window.audioSpaceLastDragEnd || 0) < 400) {
            return [dash_clientside.no_update, ...reset];
        }
        return [{song: String(click.points[0].customdata), at: Date.now()}, ...reset];
    }
    """,
    Output("explorer-pick", "data"),
    Output("explorer-graph", "clickData"),
    Output("explorer-features", "clickData"),
    Input("explorer-graph", "clickData"),
    Input("explorer-features", "clickData"),
    prevent_initial_call=True,
)


@callback(
    Output("explorer-panel", "children", allow_duplicate=True),
    Output("explorer-graph", "figure", allow_duplicate=True),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input("explorer-pick", "data"),
    Input(PICK, "n_clicks"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def select_song(pick: dict | None, _clicks: list, data: dict[str, str]):
    """A point or a neighbour was clicked: open its panel, ring it in the plot, put it in the URL."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        if not ctx.triggered[0]["value"]:
            raise PreventUpdate
        song = trigger["song"]
    elif pick:
        song = pick["song"]
    else:
        raise PreventUpdate
    context = current()
    query = stored_query(data, song=song)
    if query.song is None:
        raise PreventUpdate
    panel, highlight = _selection(context, query)
    _, clustering, _ = context.models(query)
    rows = display_rows(len(context.engine.catalog), context.settings.seed)
    figure = Patch()
    figure["data"][len(np.unique(clustering.labels[rows]))] = highlight_trace(highlight, query.view == "3d")
    return panel, figure, query.to_params()


@callback(
    Output("explorer-features", "figure", allow_duplicate=True),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input("explorer-x", "value"),
    Input("explorer-y", "value"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def change_axes(x: str, y: str, data: dict[str, str]):
    """Another feature pair: redraw the 2D feature scatter and put x, y in the URL."""
    context = current()
    query = stored_query(data, x=x, y=y)
    return _pair_figure(context, query), query.to_params()
