"""Song search: type a title or an artist, open a song, see its cluster and nearest songs."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import AppContext, current
from components.song_panel import cluster_badge, pick_song_id, song_panel
from components.ui import SETTINGS_ID
from core.engine import song_view
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

dash.register_page(__name__, path="/search", name="Search", order=3, title="Search · Audio Space Explorer")
PAGE = "search"
RESULTS = 25
PICK = {"type": "pick-song", "page": PAGE, "song": ALL, "from": ALL}


def _results(context: AppContext, query: ViewQuery) -> html.Div:
    if not query.q.strip():
        return html.Div("Type part of a title or an artist's name.", className="text-muted small")
    hits = context.engine.search(query.q, RESULTS)
    if not hits:
        return html.Div(f"No song or artist matches “{query.q}”.", className="text-muted", id="search-no-results")
    _, clustering, _ = context.models(query)
    catalog = context.engine.catalog
    items = []
    for hit in hits:
        view = song_view(catalog, clustering, hit.row)
        items.append(
            html.Button(
                [
                    html.Span(view.title, className="fw-semibold"),
                    html.Span(f" — {view.artist} ", className="text-muted"),
                    cluster_badge(view.cluster),
                ],
                id=pick_song_id(PAGE, view.id, "result"),
                n_clicks=0,
                className="list-group-item list-group-item-action search-hit",
            )
        )
    more = len(hits) == RESULTS
    footer = (
        [html.Div(f"Showing the first {RESULTS}; type more to narrow down.", className="small text-muted mt-1")]
        if more
        else []
    )
    return html.Div([html.Div(items, className="list-group"), *footer])


def _panel(context: AppContext, query: ViewQuery):
    if query.song is None:
        return html.Div(
            "Choose a result to see its cluster and nearest songs.", className="text-muted p-3 border rounded"
        )
    params, clustering, _ = context.models(query)
    row = context.engine.catalog.row_of(query.song)
    return song_panel(
        PAGE,
        song_views(context, clustering, [row])[0],
        neighbour_views(context, params, clustering, query.song),
        explorer_href=href("/explorer", **shared_params(query), song=query.song),
    )


def body(query: ViewQuery) -> dbc.Row:
    context = current()
    return dbc.Row(
        [
            dbc.Col(
                [
                    dcc.Input(
                        id="search-input",
                        type="search",
                        value=query.q,
                        placeholder="Title or artist…",
                        debounce=0.25,
                        autoFocus=True,
                        className="form-control mb-2",
                        autoComplete="off",
                    ),
                    html.Div(_results(context, query), id="search-results"),
                ],
                lg=5,
            ),
            dbc.Col(html.Div(_panel(context, query), id="search-panel"), lg=7),
        ]
    )


def layout(k: str | None = None, **query: object) -> html.Div:
    return page_frame(PAGE, {**query, "k": k}, body)


@callback(
    Output("search-results", "children"),
    Output("search-panel", "children"),
    Output(page_query_id(PAGE), "data", allow_duplicate=True),
    Input("search-input", "value"),
    Input(PICK, "n_clicks"),
    Input(SETTINGS_ID, "data"),
    State(page_query_id(PAGE), "data"),
    prevent_initial_call=True,
)
def update(text: str | None, _clicks: list, settings: dict[str, str] | None, data: dict[str, str]):
    """Typing updates the results; choosing one opens its panel; K or the method re-label both."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        if not ctx.triggered[0]["value"]:
            raise PreventUpdate
        query = stored_query(data, song=trigger["song"])
    elif trigger == SETTINGS_ID:
        query = settings_query(settings, data)
        if query is None:
            raise PreventUpdate
    else:
        query = stored_query(data, q=text or None)
    context = current()
    return _results(context, query), _panel(context, query), query.to_params()
