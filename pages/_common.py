"""What every page does the same way: read the URL, render, follow the shell's controls.

A page module sets ``layout = page_layout(PAGE, body)``, where ``body(view)`` builds the
page's content from a ResolvedView (the validated query, its parameters and models,
resolved once). The frame holds the page's query store (see app.shell), the URL
notices and the body; ``follow_settings(page, body)`` re-renders the body when K or the
method controls change, without a reload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from app.links import playable
from components import ids
from components.ui import notices
from core.clustering import Clustering, ClusterProfile
from core.engine import SongView, song_view
from core.errors import DatasetError
from core.query import ViewQuery, parse_query, shared_param_names

Body = Callable[[ResolvedView], Any]
#: Cards, heatmap rows and profile tables show at most this many clusters (the largest).
MAX_CLUSTERS_SHOWN = 30


def error_alert(exc: Exception) -> dbc.Alert:
    return dbc.Alert(str(exc), color="danger", className="page-error")


def render(body: Body, query: ViewQuery) -> Any:
    """The body of ``query``'s view, or a plain message when the data cannot serve it."""
    try:
        return body(app_context().resolve(query))
    except DatasetError as exc:
        return error_alert(exc)


def page_layout(page: str, body: Body) -> Callable[..., html.Div]:
    """The ``layout`` of a page: the raw URL query in, the whole page (store, notices for
    bad values, body) out."""

    def layout(**raw_query: object) -> html.Div:
        query, problems = parse_query(raw_query, app_context().limits())
        return html.Div(
            [
                dcc.Store(id=ids.page_query(page), data=query.to_params()),
                notices(problems, ids.page_notices(page)),
                dcc.Loading(html.Div(render(body, query), id=ids.page_body(page)), delay_show=250, type="dot"),
            ]
        )

    return layout


def stored_query(data: dict[str, str] | None, **changes: object) -> ViewQuery:
    """The page's current ViewQuery from its store, with ``changes`` applied and re-validated
    (a change to None removes that parameter)."""
    params = {**(data or {}), **{name: str(v) for name, v in changes.items() if v is not None}}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
    query, _ = parse_query(params, app_context().limits())
    return query


def settings_query(settings: dict[str, str] | None, data: dict[str, str]) -> ViewQuery | None:
    """The page's query under the shell's clustering settings; None when they already agree.

    A cluster in focus is dropped: under other settings it is another cluster.
    """
    if not isinstance(settings, dict):
        return None
    shared = shared_param_names()
    changes = {name: settings.get(name) for name in shared}
    if all(changes[name] == data.get(name) for name in shared):
        return None
    return stored_query(data, **changes, cluster=None)


def follow_settings(page: str, body: Body) -> None:
    """Re-render ``page``'s body when K or the clustering method changes (and put them in its URL)."""

    @dash.callback(
        Output(ids.page_body(page), "children"),
        Output(ids.page_query(page), "data", allow_duplicate=True),
        Input(ids.SETTINGS, "data"),
        State(ids.page_query(page), "data"),
        prevent_initial_call=True,
    )
    def rerender(settings: dict[str, str] | None, data: dict[str, str]) -> tuple[Any, dict[str, str]]:
        query = settings_query(settings, data)
        if query is None:
            raise PreventUpdate
        return render(body, query), query.to_params()


def picked_song(pick: dict | None = None) -> str:
    """The song a click chose: a pick-song button (``ids.pick_song``) that was really
    clicked, or the ``pick`` store a plot click wrote; PreventUpdate otherwise."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("type") == "pick-song":
        if not ctx.triggered[0]["value"]:
            raise PreventUpdate  # the button was just drawn, not clicked
        return str(trigger["song"])
    if isinstance(pick, dict) and pick.get("song"):
        return str(pick["song"])
    raise PreventUpdate


def shown_profiles(clustering: Clustering) -> tuple[tuple[ClusterProfile, ...], str]:
    """The profiles of the largest MAX_CLUSTERS_SHOWN clusters, and a note when some are left out."""
    profiles = clustering.profiles[:MAX_CLUSTERS_SHOWN]
    hidden = len(clustering.profiles) - len(profiles)
    note = f" Showing the {len(profiles)} largest of {len(clustering.profiles):,} clusters." if hidden else ""
    return profiles, note


def song_views(view: ResolvedView, rows: Sequence[int]) -> list[SongView]:
    """SongViews of catalog rows, each with its preview if known now, or marked pending."""
    previews = view.context.previews
    views = []
    for row in rows:
        song = song_view(view.catalog, view.clustering, int(row))
        if song.preview is None:
            preview, pending = previews.resolve_now(song.id, song.title, song.artist)
            song = replace(song, preview=preview, preview_pending=pending)
        views.append(replace(song, preview=playable(song.preview)))
    return views


def neighbour_views(view: ResolvedView, song_id: str, n: int = 10) -> list[tuple[SongView, float, tuple[str, ...]]]:
    """The n nearest songs to ``song_id`` as (view, distance, closest features)."""
    found = view.context.engine.neighbours(song_id, view.params, n)
    songs = song_views(view, [nb.row for nb in found])
    return [(song, nb.distance, nb.closest_features) for song, nb in zip(songs, found, strict=True)]
