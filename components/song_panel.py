"""The song panel shared by the explorer and the search page."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.colors import cluster_color
from components.ui import song_player
from core.engine import SongView
from core.features import feature_label, format_value
from core.neighbours import Closeness


def cluster_badge(cluster: int) -> dbc.Badge:
    return dbc.Badge(f"Cluster {cluster}", color=cluster_color(cluster), className="cluster-badge")


def neighbour_row(
    page: str, song: SongView, distance: float, closeness: Closeness, source: str = "neighbour"
) -> html.Li:
    """One neighbour: a button that selects it, its cluster, distance (scaled units) and why it is
    close, e.g. "distance 0.84 · much closer than usual on tempo, energy · differs most on acousticness"
    (see core.neighbours for what "usual" means). ``source`` names the list (ids.pick_song), so
    one song may be in two lists of a page."""
    why = [f"distance {distance:.2f}"]
    if closeness.closer_on:
        why.append(f"much closer than usual on {', '.join(map(feature_label, closeness.closer_on))}")
    if closeness.differs_most:
        why.append(f"differs most on {feature_label(closeness.differs_most)}")
    return html.Li(
        [
            html.Div(
                [
                    html.Button(
                        song.title,
                        id=ids.pick_song(page, song.id, source),
                        n_clicks=0,
                        className="btn btn-link p-0 text-start neighbour-link",
                    ),
                    *([html.Span(f" — {song.artist}", className="text-muted")] if song.artist else []),
                ]
            ),
            html.Div(
                [
                    cluster_badge(song.cluster),
                    html.Span(f" {' · '.join(why)}", className="small text-muted"),
                ]
            ),
            *([song_player(song, f"{page}-{source}")] if song.preview is not None or song.preview_pending else []),
        ],
        className="list-group-item neighbour",
    )


def _no_preview_note(neighbours: Sequence[tuple[SongView, float, Closeness]]) -> list[html.Div]:
    """Said once above the list rather than under each neighbour without a preview (their
    rows show no player; app.css hides the sentence a lookup that finds none leaves there)."""
    if all(song.preview is not None or song.preview_pending for song, _, _ in neighbours):
        return []
    return [html.Div("Songs listed without a player have no preview.", className="small text-muted mb-1")]


def song_panel(
    page: str,
    song: SongView,
    neighbours: Sequence[tuple[SongView, float, Closeness]],
    explorer_href: str | None = None,
    view_note: str | None = None,
) -> html.Div:
    """Details of one song, its cluster, preview player and nearest neighbours.

    ``explorer_href`` adds a "Show in 3D" link (the search page uses it); ``view_note`` says
    how far the view on screen can be trusted around this song (core.trust).
    """
    header = [
        html.H5(song.title, className="mb-0 song-title"),
        *([html.Div(song.artist, className="text-muted song-artist")] if song.artist else []),
        html.Div([cluster_badge(song.cluster), html.Span(f" {song.description}", className="small")], className="my-2"),
    ]
    if song.genre:
        header.append(html.Div(f"Genre label: {song.genre}", className="small text-muted"))
    if explorer_href:
        header.append(
            dcc.Link("Show in 3D →", href=explorer_href, className="btn btn-sm btn-outline-primary my-2 show-in-3d")
        )
    features = html.Table(
        html.Tbody(
            [
                html.Tr(
                    [
                        html.Td(feature_label(f).capitalize()),
                        html.Td(format_value(f, v, with_unit=True), className="text-end"),
                    ]
                )
                for f, v in song.features.items()
            ]
        ),
        className="table table-sm small mb-2 song-features",
    )
    return html.Div(
        [
            *header,
            song_player(song, f"{page}-panel"),
            html.Details([html.Summary("Audio features"), features], className="my-2"),
            html.H6(f"{len(neighbours)} nearest songs", className="mt-3"),
            *([html.Div(view_note, className="small text-warning-emphasis mb-1 view-note")] if view_note else []),
            *_no_preview_note(neighbours),
            html.Ul([neighbour_row(page, *n) for n in neighbours], className="list-group neighbours"),
        ],
        className="song-panel",
        **{"data-song": song.id},
    )
