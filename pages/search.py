"""Song search: type a title or an artist, open a song, see its cluster and nearest songs."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from app.links import link
from components import ids
from components.song_panel import cluster_badge, song_panel
from core.engine import song_view
from pages._common import neighbour_views, or_job, page_layout, picked_song, settings_query, song_views, stored_query

dash.register_page(__name__, path="/search", name="Search", order=3, title="Search · Audio Space Explorer")
PAGE = "search"
RESULTS = 25


def _results(view: ResolvedView) -> html.Div:
    query = view.query
    if not query.q.strip():
        return html.Div("Type part of a title or an artist's name.", className="text-muted small")
    hits = view.context.engine.search(query.q, RESULTS)
    if not hits:
        return html.Div(f"No song or artist matches “{query.q}”.", className="text-muted", id="search-no-results")
    items = []
    for hit in hits:
        song = song_view(view.catalog, view.clustering, hit.row)
        items.append(
            html.Button(
                [
                    html.Span(song.title, className="fw-semibold"),
                    html.Span(f" — {song.artist} ", className="text-muted"),
                    cluster_badge(song.cluster),
                ],
                id=ids.pick_song(PAGE, song.id, "result"),
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


def _panel(view: ResolvedView):
    query = view.query
    if query.song is None:
        return html.Div(
            "Choose a result to see its cluster and nearest songs.", className="text-muted p-3 border rounded"
        )
    row = view.catalog.row_of(query.song)
    return song_panel(
        PAGE,
        song_views(view, [row])[0],
        neighbour_views(view, query.song),
        explorer_href=link("/explorer", **query.shared_params(), song=query.song),
    )


def body(view: ResolvedView) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                [
                    dcc.Input(
                        id="search-input",
                        type="search",
                        value=view.query.q,
                        placeholder="Title or artist…",
                        debounce=0.25,
                        autoFocus=True,
                        className="form-control mb-2",
                        autoComplete="off",
                    ),
                    html.Div(_results(view), id="search-results"),
                ],
                lg=5,
            ),
            dbc.Col(html.Div(_panel(view), id="search-panel"), lg=7),
        ]
    )


layout = page_layout(PAGE, body)


@callback(
    Output("search-results", "children"),
    Output("search-panel", "children"),
    Output(ids.page_query(PAGE), "data", allow_duplicate=True),
    Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    Input("search-input", "value"),
    Input(ids.every_pick_song(PAGE), "n_clicks"),
    Input(ids.SETTINGS, "data"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def update(text: str | None, _clicks: list, settings: dict[str, str] | None, data: dict[str, str]):
    """Typing updates the results; choosing one opens its panel; K or the method re-label both."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        query = stored_query(data, song=picked_song())
    elif trigger == ids.SETTINGS:
        query = settings_query(settings, data)
        if query is None:
            raise PreventUpdate
    else:
        query = stored_query(data, q=text if isinstance(text, str) and text else None)

    def build() -> tuple:
        view = app_context().resolve(query)
        return _results(view), _panel(view), query.to_params()

    return or_job(query, 3, build)
