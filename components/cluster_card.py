"""One card per cluster: plain-words description, size, mini profile, representative songs."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.colors import cluster_color
from components.figures import profile_bars
from components.structure import cluster_stability_slot
from components.ui import song_player
from core.clustering import ClusterProfile
from core.engine import SongView


def has_player(song: SongView) -> bool:
    """Whether a card shows a player for ``song`` (or a placeholder while its preview is looked up)."""
    return song.preview is not None or song.preview_pending


def _representative(song: SongView, where: str) -> html.Li:
    """One song to hear: its title, its artist when the file names one, and its player.

    A song without a preview has no player and no sentence saying so (a card of songs
    without previews would repeat it for each); its line says so when pointed at, and the
    page says it once."""
    line = [html.Span(song.title, className="fw-semibold")]
    if song.artist:
        line.append(html.Span(f" — {song.artist}", className="text-muted"))
    if not has_player(song):
        return html.Li(html.Div(line, title="No preview available"), className="mb-2 representative no-player")
    return html.Li([html.Div(line), song_player(song, where)], className="mb-2 representative")


def cluster_card(
    profile: ClusterProfile,
    total: int,
    summary: str,
    representatives: Sequence[SongView],
    explorer_href: str,
    download_href: str,
    stability: object = None,
    playlists: Sequence[tuple[str, str]] = (),
) -> dbc.Card:
    """The card of one cluster: description, written ``summary``, profile chart, songs to hear
    (players only for songs with a preview, see ``has_player``); hrefs lead to the explorer
    focused on it and to its CSV; ``playlists`` are (label, href) of its playlist downloads
    (M3U8 of its songs' files, Spotify URIs), offered when the catalog has them. ``stability``:
    what its stability line shows (see components.structure.cluster_stability_line), or None
    for a card without one."""
    color = cluster_color(profile.cluster)
    songs = html.Ul(
        [_representative(s, f"card-{profile.cluster}") for s in representatives], className="list-unstyled mb-0"
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [
                        html.Span(f"Cluster {profile.cluster}", className="fw-bold"),
                        html.Span(f"{profile.size:,} songs · {profile.size / total:.0%}", className="small"),
                    ],
                    className="d-flex justify-content-between",
                ),
                style={"borderTop": f"6px solid {color}"},
            ),
            dbc.CardBody(
                [
                    html.P(profile.description, className="fs-6 fw-semibold cluster-description"),
                    *([] if stability is None else [cluster_stability_slot(profile.cluster, stability)]),
                    html.P(summary, className="small cluster-summary"),
                    dcc.Graph(
                        figure=profile_bars(profile.zscores, color),
                        config={"displayModeBar": False},
                        className="mini-profile",
                    ),
                    html.H6("Closest to the centre", className="mt-2"),
                    songs,
                ]
            ),
            dbc.CardFooter(
                [
                    dcc.Link("Show in 3D", href=explorer_href, className="btn btn-sm btn-outline-primary me-2"),
                    html.A(
                        "Download CSV",
                        href=download_href,
                        className="btn btn-sm btn-outline-secondary me-2",
                        download="",
                    ),
                    *[
                        html.A(label, href=href, className="btn btn-sm btn-outline-secondary me-2", download="")
                        for label, href in playlists
                    ],
                ],
                className="d-flex flex-wrap gap-1",
            ),
        ],
        className="h-100 cluster-card",
        id=f"cluster-card-{profile.cluster}",
    )
