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

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import AppContext, current
from components.figures import GRAPH_CONFIG, feature_scatter_figure, highlight_trace, projection_figure, trace_groups
from components.song_panel import song_panel
from components.ui import SETTINGS_ID
from core.features import feature_title
from core.query import ViewQuery
from pages._common import (
    href,
    neighbour_views,
    page_frame,
    page_query_id,
    settings_query,
    shared_params,
    song_views,
    stored_query,
)
from pages._plot_space import PAIR_MAX, PROJECTION_NAMES, PlotSpace, pair_rows, plot_space

dash.register_page(__name__, path="/explorer", name="Explorer", order=1, title="3D explorer · Audio Space Explorer")
PAGE = "explorer"
PICK = {"type": "pick-song", "page": PAGE, "song": ALL, "from": ALL}
_PREFERRED_AXES = ("valence", "energy")
_GRAPH_CONFIG = {**GRAPH_CONFIG, "scrollZoom": True}


def _axes(query: ViewQuery, features: tuple[str, ...]) -> tuple[str, str]:
    default = _PREFERRED_AXES if set(_PREFERRED_AXES) <= set(features) else features[:2]
    return query.x or default[0], query.y or default[1]


def _selection(context: AppContext, query: ViewQuery, space: PlotSpace):
    """(song panel, highlight points) for the query's song, or (placeholder, None)."""
    if query.song is None:
        placeholder = html.Div(
            "Click a song in the plot to see its details, hear it and find its nearest songs.",
            className="text-muted p-3 border rounded",
            id="explorer-panel-empty",
        )
        return placeholder, None
    params, clustering, _ = context.models(query)
    neighbours = neighbour_views(context, params, clustering, query.song)
    catalog = context.engine.catalog
    rows = [catalog.row_of(query.song)] + [catalog.row_of(view.id) for view, _, _ in neighbours]
    panel = song_panel(PAGE, song_views(context, clustering, rows[:1])[0], neighbours)
    if not space.has(rows[0]):
        return panel, None
    drawn = [row for row in rows if space.has(row)]
    songs = catalog.songs.iloc[drawn]
    highlight = {
        "coords": space.coords_of(drawn),
        "ids": songs["id"].tolist(),
        "titles": songs["title"].tolist(),
        "artists": songs["artist"].tolist(),
    }
    return panel, highlight


def _songs(context: AppContext, rows: np.ndarray):
    shown = context.engine.catalog.songs.iloc[rows]
    return shown, shown["id"].tolist(), shown["title"].tolist(), shown["artist"].tolist()


def _main_figure(context: AppContext, query: ViewQuery, space: PlotSpace, highlight: dict | None):
    _, clustering, _ = context.models(query)
    _, ids, titles, artists = _songs(context, space.rows)
    return projection_figure(
        space.coords,
        clustering.labels[space.rows],
        ids,
        titles,
        artists,
        space.axis_titles,
        space.mode,
        highlight,
        query.cluster,
    )


def _pair_figure(context: AppContext, query: ViewQuery):
    _, clustering, _ = context.models(query)
    rows = pair_rows(len(context.engine.catalog), context.settings.seed)
    shown, ids, titles, artists = _songs(context, rows)
    x, y = _axes(query, clustering.features)
    return feature_scatter_figure(
        shown[x].to_numpy(), shown[y].to_numpy(), clustering.labels[rows], ids, titles, artists, x, y
    )


def _note(query: ViewQuery, space: PlotSpace) -> list:
    note: list = [html.Span(space.note)]
    if query.cluster is not None:
        note += [
            html.Span(f" Cluster {query.cluster} is in focus. "),
            dcc.Link("Show every cluster", href=href("/explorer", **shared_params(query), song=query.song)),
        ]
    return note


def body(query: ViewQuery) -> dbc.Row:
    context = current()
    space = plot_space(context, query)
    panel, highlight = _selection(context, query, space)
    features = context.engine.catalog.features
    x, y = _axes(query, features)
    options = [{"label": feature_title(f), "value": f} for f in features]
    pair_title = "Any two features"
    if len(context.engine.catalog) > PAIR_MAX:
        pair_title += f" · a fixed sample of {PAIR_MAX:,} songs"
    controls = dbc.Row(
        [
            dbc.Col(
                dbc.RadioItems(
                    id="explorer-proj",
                    value=query.proj,
                    inline=True,
                    options=[{"label": label, "value": key} for key, label in PROJECTION_NAMES.items()],
                )
            ),
            dbc.Col(
                dbc.RadioItems(
                    id="explorer-view",
                    value=query.view,
                    inline=True,
                    options=[
                        {"label": "3D", "value": "3d", "disabled": query.proj != "pca"},
                        {"label": "2D", "value": "2d", "disabled": query.proj != "pca"},
                    ],
                ),
                width="auto",
            ),
        ],
        className="mb-1",
    )
    loading = html.Div(
        [dbc.Spinner(size="sm"), " Projecting… t-SNE and UMAP take a while the first time only."],
        className="text-muted small",
    )
    return dbc.Row(
        [
            dbc.Col(
                [
                    controls,
                    dcc.Store(id="explorer-pick"),
                    dcc.Store(id="explorer-clustering", data=shared_params(query)),
                    dcc.Loading(
                        dcc.Graph(
                            id="explorer-graph",
                            figure=_main_figure(context, query, space, highlight),
                            config=_GRAPH_CONFIG,
                        ),
                        delay_show=250,
                        custom_spinner=loading,
                    ),
                    html.Div(_note(query, space), id="explorer-note", className="small text-muted mb-3"),
                    dbc.Card(
                        [
                            dbc.CardHeader(pair_title),
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
                                        id="explorer-features",
                                        figure=_pair_figure(context, query),
                                        config=_GRAPH_CONFIG,
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
    Output("explorer-clustering", "data"),
    Output("explorer-panel", "children"),
    Output("explorer-note", "children"),
    Output("explorer-view", "options"),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input(SETTINGS_ID, "data"),
    Input("explorer-view", "value"),
    Input("explorer-proj", "value"),
    State("explorer-view", "options"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def redraw(settings: dict[str, str] | None, view: str, proj: str, view_options: list, data: dict[str, str]):
    """K, the method, the projection or 2D/3D changed: redraw, keeping the selected song.

    When only the clustering changed, the traces and axis titles are patched into the
    figure the browser has: plotly.js keeps a rotated 3D camera through a patch, not
    through a new figure, whatever its uirevision.
    """
    query = (settings_query(settings, data) or stored_query(data)).with_changes(view=view, proj=proj)
    if query.to_params() == data:
        raise PreventUpdate
    context = current()
    space = plot_space(context, query)
    panel, highlight = _selection(context, query, space)
    figure = _main_figure(context, query, space, highlight)
    before = stored_query(data)
    if (before.proj, before.view) == (query.proj, query.view):
        patch = Patch()
        patch["data"] = figure.to_plotly_json()["data"]
        three_d = space.mode == "3d"
        axes = patch["layout"]["scene"] if three_d else patch["layout"]
        for axis, title in zip(("xaxis", "yaxis", "zaxis")[: 3 if three_d else 2], space.axis_titles, strict=False):
            axes[axis]["title"]["text"] = title
        figure = patch
    options = [{**option, "disabled": proj != "pca"} for option in view_options]
    clustering = shared_params(query)
    if clustering == shared_params(before):
        clustering = dash.no_update  # the feature scatter only changes with the clustering
    return figure, clustering, panel, _note(query, space), options, query.to_params()


# Drop clicks that end a drag-to-rotate, and reset clickData so the same song can be
# clicked again: the server callback below listens to this store, not to clickData.
clientside_callback(
    ClientsideFunction("audiospace", "explorerClickGate"),
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
    space = plot_space(context, query)
    panel, highlight = _selection(context, query, space)
    _, clustering, _ = context.models(query)
    figure = Patch()
    figure["data"][len(trace_groups(clustering.labels[space.rows]))] = highlight_trace(highlight, space.mode == "3d")
    return panel, figure, query.to_params()


@callback(
    Output("explorer-features", "figure"),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input("explorer-clustering", "data"),
    Input("explorer-x", "value"),
    Input("explorer-y", "value"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def redraw_pair(_clustering: dict[str, str], x: str, y: str, data: dict[str, str]):
    """Recolour the feature scatter after the main plot has changed clustering (a chained
    callback, so the main plot is drawn first: redrawing this SVG plot took a quarter of a
    second of a K switch), or draw another feature pair and put x, y in the URL."""
    query = stored_query(data, x=x, y=y)
    return _pair_figure(current(), query), query.to_params()
