"""Cluster cards: each cluster in plain words, with songs to listen to and a download, and
how reliably it comes back when the songs are resampled (core.stability).

The cards never wait for the stability: when nobody has computed it for this view, they
show at once and a background job of its own (pages._structure) fills in each card's
line and the page's summary.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import ALL, Output, ctx, html

from app.context import ResolvedView
from app.links import link
from components.cluster_card import cluster_card, has_player
from components.structure import (
    cluster_stability_id,
    cluster_stability_line,
    job_strip,
    stability_verdict,
    unavailable,
)
from components.ui import page_subtitle
from core.engine import SongView
from core.selection import playlist_kinds
from core.stability import RESAMPLES, Stability
from core.summaries import cluster_summaries
from pages._common import follow_settings, page_layout, shown_profiles, song_views
from pages._structure import Missing, SectionJob, cached

dash.register_page(__name__, path="/clusters", name="Clusters", order=4, title="Clusters · Audio Space Explorer")
PAGE = "clusters"
STABILITY = SectionJob(PAGE, "stability")
_GONE = "it is not in the cache any more (cleared or evicted): reload the page to compute it again"


def _stability(view: ResolvedView) -> Stability | Missing:
    return cached(lambda: view.engine.stability(view.params))


def _summary(view: ResolvedView, stability: Stability | Missing, done: dict[str, Any] | None = None) -> Any:
    """The page's line on stability: its verdict and numbers, or what stands in for them."""
    if isinstance(stability, Stability):
        return [
            html.Span(stability_verdict(stability), className="fw-semibold me-1"),
            html.Span(stability.sentence(), className="text-muted"),
        ]
    if done is not None:
        return unavailable(f"Stability could not be computed: {done.get('error') or _GONE}.")
    return job_strip(
        STABILITY.strip,
        STABILITY.progress,
        f"Waiting for its turn: each cluster's stability ({RESAMPLES} refits of "
        f"{view.params.describe()} on resampled songs) is computed in the background.",
    )


def _card_line(stability: Stability | Missing, cluster: int, done: dict[str, Any] | None = None) -> Any:
    """What cluster ``cluster``'s card says of its stability."""
    if isinstance(stability, Stability):
        found = stability.clusters[cluster] if 0 <= cluster < len(stability.clusters) else None
        return cluster_stability_line(found)
    if done is not None:
        return html.Span("Stability not available.", className="text-muted")
    return html.Span("Stability: being computed…", className="text-muted stability-pending")


def _compute(view: ResolvedView) -> None:
    view.engine.stability(view.params)


def _show(view: ResolvedView, done: dict[str, Any]) -> tuple:
    """The job is done: the summary and every card's line from the cache."""
    stability = _stability(view)
    slots = ctx.outputs_list[1] if len(ctx.outputs_list) > 1 else []
    clusters = [slot["id"].get("cluster") if isinstance(slot.get("id"), dict) else None for slot in slots]
    lines = [_card_line(stability, c if isinstance(c, int) else -1, done) for c in clusters]
    return _summary(view, stability, done), lines


show_stability = STABILITY.register(
    _compute,
    [Output("clusters-stability", "children"), Output(cluster_stability_id(ALL), "children")],
    _show,
)


def _previews_note(songs: list[list[SongView]]) -> str:
    """Said once for the page, not under each song: which songs have no preview."""
    shown = [song for card in songs for song in card]
    if not shown or all(song.preview is not None for song in shown):
        return ""
    if not any(has_player(song) for song in shown):
        return " No preview available for these songs."
    return " No preview available for the songs listed without a player."


def _playlists(view: ResolvedView) -> list[tuple[str, str]]:
    """(label, download path) of the playlists this catalog can make: an M3U8 when its songs
    have their own files (a music folder), Spotify URIs when its ids are Spotify's."""
    previews = view.context.previews
    rows = np.arange(len(view.catalog))
    local, spotify = playlist_kinds(view.catalog, rows, previews.local_file, previews.settings.folder)
    return [("Playlist (M3U8)", "/download/playlist.m3u8")] * local + [
        ("Spotify URIs", "/download/spotify-uris.txt")
    ] * spotify


def body(view: ResolvedView) -> list:
    clustering = view.clustering
    view.projection  # noqa: B018 - the downloads offered here carry PCA coordinates: have them ready
    total = len(clustering.labels)
    shared = view.query.shared_params()
    profiles, shown_note = shown_profiles(clustering)
    stability = _stability(view)
    summaries = cluster_summaries(view.catalog, clustering, limit=len(profiles))
    songs = [song_views(view, profile.representatives) for profile in profiles]
    playlists = _playlists(view)
    cards = [
        dbc.Col(
            cluster_card(
                profile,
                total,
                summary,
                representatives,
                explorer_href=link("/explorer", **shared, cluster=profile.cluster),
                download_href=link("/download/songs.csv", **shared, cluster=profile.cluster),
                stability=_card_line(stability, profile.cluster),
                playlists=[(label, link(path, **shared, cluster=profile.cluster)) for label, path in playlists],
            ),
            md=6,
            xl=4,
        )
        for profile, summary, representatives in zip(profiles, summaries, songs, strict=True)
    ]
    noise = f" {clustering.noise:,} songs are noise (in no cluster)." if clustering.noise else ""
    return [
        page_subtitle(
            "Each card is one cluster: how its songs differ from the average song, in words and as bars "
            "(standard deviations from the average), and the songs nearest its centre, to listen to.",
            "clusters-intro",
        ),
        html.Div(
            [
                html.Span(
                    f"{clustering.k} clusters of {total:,} songs.{noise}{shown_note}{_previews_note(songs)} ",
                    className="text-muted",
                ),
                html.A(
                    "Download every song with its cluster (CSV)",
                    href=link("/download/songs.csv", **shared),
                    download="",
                    id="download-all",
                    className="btn btn-sm btn-outline-secondary ms-2",
                ),
            ],
            className="mb-2",
        ),
        html.Div(_summary(view, stability), id="clusters-stability", className="small mb-3"),
        *STABILITY.stores(STABILITY.ask(view.query) if isinstance(stability, Missing) else None),
        dbc.Row(cards, className="g-3"),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
