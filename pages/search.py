"""Song search: type a title or an artist, open a song, see its cluster and nearest songs.

The box has focus when the page opens. Before anything is typed, the page suggests a few
songs to open: the most typical songs of the clusters (those nearest each centroid, taken
from the clustering's profiles, so free at any catalog size and the same on every load),
largest clusters first. Hits show the title, the artist when the file has one (never a
stand-in name), and, for hits that look the same (core.search.lookalike_notes), how they
differ: album, year or id.

The suggestions need the clustering of the view, so on a model cache that does not have it
yet (``app.prepare`` warms the default view's) the empty page waits for its job like every
other page, and the drawn page replaces the skeleton's box (Dash remounts a redrawn body;
``autoFocus`` puts the focus back in the new box).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from app.context import ResolvedView, app_context
from app.links import link
from components import ids
from components.song_panel import cluster_badge, song_panel
from components.ui import page_subtitle, view_skeleton
from core.engine import SongView, song_view
from core.query import ViewQuery
from core.search import lookalike_notes, search_words
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
#: What the page is for, in one line under the navbar.
SUBTITLE = "Find a song by title or artist; open it to see its nearest songs in sound."
#: Suggestions on an empty box: about this many, from as many clusters as that allows
#: (K=2: three per cluster; K=6: one each) and never more than MAX_SUGGESTIONS.
SUGGESTIONS = 6
MAX_SUGGESTIONS = 8


def _song_button(song: SongView, source: str, class_name: str, note: str = "") -> html.Button:
    """A song to open: its title, its artist when known, how it differs from a look-alike
    (``note``) and its cluster. Titles and artists are text children, never markup."""
    parts: list[Any] = [html.Span(song.title, className="fw-semibold search-hit-title")]
    if song.artist.strip():
        parts.append(html.Span(f" — {song.artist}", className="text-muted search-hit-artist"))
    if note:
        parts += [
            " ",
            html.Span(note, className="search-lookalike", title="Another result has the same title and artist"),
        ]
    parts += [" ", cluster_badge(song.cluster)]
    return html.Button(
        parts,
        id=ids.pick_song(PAGE, song.id, source),
        n_clicks=0,
        className=f"list-group-item list-group-item-action {class_name}",
    )


def suggested_rows(view: ResolvedView) -> list[int]:
    """Songs to offer before anything is typed: each cluster's songs nearest its centroid,
    largest cluster first, ``SUGGESTIONS // k`` of each (at least one, at most
    MAX_SUGGESTIONS in all); the catalog's first songs when the method found no cluster."""
    profiles = view.clustering.profiles
    each = max(1, SUGGESTIONS // max(len(profiles), 1))
    rows = [row for profile in profiles[:MAX_SUGGESTIONS] for row in profile.representatives[:each]]
    return rows[:MAX_SUGGESTIONS] or list(range(min(SUGGESTIONS, len(view.catalog))))


def _suggestions(view: ResolvedView) -> html.Div:
    rows = suggested_rows(view)
    label = (
        "Try one of these, the most typical songs of each cluster:" if view.clustering.profiles else "Try one of these:"
    )
    return html.Div(
        [
            html.Div(label, className="small text-muted mb-1", id="search-suggestions-label"),
            html.Div(
                [
                    _song_button(song_view(view.catalog, view.clustering, row), "suggestion", "search-suggestion")
                    for row in rows
                ],
                className="list-group",
            ),
        ],
        id="search-suggestions",
    )


def _notes(view: ResolvedView, rows: Sequence[int]) -> list[str]:
    """How each hit differs from the hits that look the same ("" for the others), from the
    hits' rows only (with the file's label columns, where an album or a date may be)."""
    songs = view.catalog.songs.iloc[list(rows)].reset_index(drop=True)
    labels = view.catalog.label_columns
    if labels is not None and len(labels.columns):
        extra = labels.iloc[list(rows)].reset_index(drop=True)
        songs = pd.concat([songs, extra[[c for c in extra.columns if c not in songs.columns]]], axis=1)
    return lookalike_notes(songs, range(len(songs)))


def _results(view: ResolvedView) -> html.Div:
    query = view.query
    if not search_words(query.q):
        return _suggestions(view)
    hits = view.engine.search(query.q, RESULTS)
    if not hits:
        return html.Div(f"No song or artist matches “{query.q}”.", className="text-muted", id="search-no-results")
    rows = [hit.row for hit in hits]
    items = [
        _song_button(song_view(view.catalog, view.clustering, row), "result", "search-hit", note)
        for row, note in zip(rows, _notes(view, rows), strict=True)
    ]
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
            "Choose a song to see its cluster and nearest songs.", className="text-muted p-3 border rounded"
        )
    row = view.catalog.row_of(query.song)
    return song_panel(
        PAGE,
        song_views(view, [row])[0],
        neighbour_views(view, query.song),
        explorer_href=link("/explorer", **query.shared_params(), song=query.song),
    )


def _page(q: str, results: Any, panel: Any) -> html.Div:
    """The search page's structure, drawn (``body``) or waiting for its job (``skeleton``)."""
    return html.Div(
        [
            page_subtitle(SUBTITLE, "search-subtitle"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(
                                "Search by title or artist", htmlFor="search-input", className="visually-hidden"
                            ),
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
                    dbc.Col(html.Div(panel, id="search-panel", className="panel-in-view"), lg=7),
                ]
            ),
        ]
    )


def body(view: ResolvedView) -> html.Div:
    return _page(view.query.q, _results(view), _panel(view))


def skeleton(query: ViewQuery, what: str) -> html.Div:
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
