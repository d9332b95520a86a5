"""Song search: type a title or an artist, open a song, see its cluster and nearest songs."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from app.context import ResolvedView, app_context
from app.links import link
from components import ids
from components.song_panel import cluster_badge, song_panel
from components.ui import view_skeleton
from core.engine import song_view
from core.query import ViewQuery
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

dash.register_page(__name__, path="/search", name="Search", order=3, title="Search · Audio Space Explorer")
PAGE = "search"
RESULTS = 25


def _results(view: ResolvedView) -> html.Div:
    query = view.query
    if not query.q.strip():
        return html.Div("Type part of a title or an artist's name.", className="text-muted small")
    hits = view.engine.search(query.q, RESULTS)
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


def _page(q: str, results: Any, panel: Any) -> dbc.Row:
    """The search page's structure, drawn (``body``) or waiting for its job (``skeleton``)."""
    return dbc.Row(
        [
            dbc.Col(
                [
                    dcc.Input(
                        id="search-input",
                        type="search",
                        value=q,
                        placeholder="Title or artist…",
                        debounce=0.25,
                        autoFocus=True,
                        className="form-control mb-2",
                        autoComplete="off",
                    ),
                    html.Div(results, id="search-results"),
                ],
                lg=5,
            ),
            dbc.Col(html.Div(panel, id="search-panel"), lg=7),
        ]
    )


def body(view: ResolvedView) -> dbc.Row:
    return _page(view.query.q, _results(view), _panel(view))


def skeleton(query: ViewQuery, what: str) -> dbc.Row:
    return _page(query.q, view_skeleton(what), "")


layout = page_layout(PAGE, body, skeleton)


def _outputs() -> list[Output]:
    """What both callbacks below update; the one following the shell reads only the page
    frame, so a page still showing its skeleton has no missing input."""
    return [
        Output("search-results", "children", allow_duplicate=True),
        Output("search-panel", "children", allow_duplicate=True),
        Output(ids.page_query(PAGE), "data", allow_duplicate=True),
        Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    ]


def _redrawn(query: ViewQuery) -> tuple:
    def build() -> tuple:
        view = app_context().resolve(query)
        return _results(view), _panel(view), query.to_params()

    return or_job(query, 3, build)


@callback(
    *_outputs(),
    Input("search-input", "value"),
    Input(ids.every_pick_song(PAGE), "n_clicks"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def update(text: str | None, _clicks: list, data: dict[str, str]) -> tuple:
    """Typing updates the results; choosing one opens its panel."""
    if isinstance(ctx.triggered_id, dict):
        return _redrawn(stored_query(data, song=picked_song()))
    return _redrawn(stored_query(data, q=text if isinstance(text, str) and text else None))


@callback(*_outputs(), Input(ids.SETTINGS, "data"), State(ids.page_query(PAGE), "data"), prevent_initial_call=True)
def follow_settings(settings: dict[str, str] | None, data: dict[str, str]) -> tuple:
    """K or the method changed: the results and the open song show their new clusters."""
    query = settings_query(settings, data)
    if query is None:
        return view_kept(PAGE, _outputs(), data)
    return _redrawn(query)
