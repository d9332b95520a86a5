"""What every page does the same way: read the URL, render, follow the shell's controls.

A page is ``layout(**query)`` → ``page_frame(page, query, body)``, where ``body(query)``
builds the page's content from a validated ViewQuery. The frame holds the page's
query store (see app.shell), the URL notices and the body; ``follow_settings(page,
body)`` re-renders the body when K or the method controls change, without a reload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from app.context import AppContext, current
from components.ui import SETTINGS_ID, notices
from core.engine import ClusterParams, SongView, song_view
from core.errors import DatasetError
from core.query import GLOBAL_PARAMS, ViewQuery, parse_query

Body = Callable[[ViewQuery], Any]


def page_query_id(page: str) -> dict[str, str]:
    return {"type": "page-query", "page": page}


def href(path: str, **params: object) -> str:
    """A link with query parameters (None values left out)."""
    kept = {name: value for name, value in params.items() if value is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


def shared_params(query: ViewQuery) -> dict[str, str]:
    """The query's parameters that every page shares (K and the method), for links."""
    return {name: value for name, value in query.to_params().items() if name in GLOBAL_PARAMS}


def error_alert(exc: Exception) -> dbc.Alert:
    return dbc.Alert(str(exc), color="danger", className="page-error")


def render(body: Body, query: ViewQuery) -> Any:
    """The body, or a plain message when the data cannot serve this view."""
    try:
        return body(query)
    except DatasetError as exc:
        return error_alert(exc)


def page_frame(page: str, raw_query: dict[str, object], body: Body) -> html.Div:
    """The whole page for a raw URL query: store, notices for bad values, body."""
    query, problems = parse_query(raw_query, current().limits())
    return html.Div(
        [
            dcc.Store(id=page_query_id(page), data=query.to_params()),
            notices(problems, f"{page}-notices"),
            dcc.Loading(html.Div(render(body, query), id=f"{page}-body"), delay_show=250, type="dot"),
        ]
    )


def stored_query(data: dict[str, str] | None, **changes: object) -> ViewQuery:
    """The page's current ViewQuery from its store, with ``changes`` applied and re-validated."""
    params = {**(data or {}), **{name: str(v) for name, v in changes.items() if v is not None}}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
    query, _ = parse_query(params, current().limits())
    return query


def settings_query(settings: dict[str, str] | None, data: dict[str, str]) -> ViewQuery | None:
    """The page's query under the shell's clustering settings; None when they already agree.

    A cluster in focus is dropped: under other settings it is another cluster.
    """
    if not settings:
        return None
    changes = {name: settings.get(name) for name in GLOBAL_PARAMS}
    if all(changes[name] == data.get(name) for name in GLOBAL_PARAMS):
        return None
    return stored_query(data, **changes, cluster=None)


def follow_settings(page: str, body: Body) -> None:
    """Re-render ``page``'s body when K or the clustering method changes (and put them in its URL)."""

    @dash.callback(
        Output(f"{page}-body", "children"),
        Output(page_query_id(page), "data", allow_duplicate=True),
        Input(SETTINGS_ID, "data"),
        State(page_query_id(page), "data"),
        prevent_initial_call=True,
    )
    def rerender(settings: dict[str, str] | None, data: dict[str, str]) -> tuple[Any, dict[str, str]]:
        query = settings_query(settings, data)
        if query is None:
            raise PreventUpdate
        return render(body, query), query.to_params()


#: Cards, heatmap rows and profile tables show at most this many clusters (the largest).
MAX_CLUSTERS_SHOWN = 30


def shown_profiles(clustering: Any) -> tuple[tuple, str]:
    """The profiles of the largest MAX_CLUSTERS_SHOWN clusters, and a note when some are left out."""
    profiles = clustering.profiles[:MAX_CLUSTERS_SHOWN]
    hidden = len(clustering.profiles) - len(profiles)
    note = f" Showing the {len(profiles)} largest of {len(clustering.profiles):,} clusters." if hidden else ""
    return profiles, note


def song_views(context: AppContext, clustering: Any, rows: Any) -> list[SongView]:
    """SongViews of catalog rows, each with its preview if known now, or marked pending."""
    views = []
    for row in rows:
        view = song_view(context.engine.catalog, clustering, int(row))
        if view.preview is None:
            preview, pending = context.previews.resolve_now(view.id, view.title, view.artist)
            view = replace(view, preview=preview, preview_pending=pending)
        views.append(view)
    return views


def neighbour_views(
    context: AppContext, params: ClusterParams, clustering: Any, song_id: str, n: int = 10
) -> list[tuple[SongView, float, tuple[str, ...]]]:
    """The n nearest songs to ``song_id`` as (view, distance, closest features)."""
    found = context.engine.neighbours(song_id, params, n)
    views = song_views(context, clustering, [nb.row for nb in found])
    return [(view, nb.distance, nb.closest_features) for view, nb in zip(views, found, strict=True)]
