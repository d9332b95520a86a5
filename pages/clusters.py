"""Cluster cards: each cluster in plain words, with songs to listen to and a download."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from app.context import ResolvedView
from app.links import link
from components.cluster_card import cluster_card, has_player
from core.engine import SongView
from core.summaries import cluster_summaries
from pages._common import follow_settings, page_layout, shown_profiles, song_views

dash.register_page(__name__, path="/clusters", name="Clusters", order=4, title="Clusters · Audio Space Explorer")
PAGE = "clusters"


def _previews_note(songs: list[list[SongView]]) -> str:
    """Said once for the page, not under each song: which songs have no preview."""
    shown = [song for card in songs for song in card]
    if not shown or all(song.preview is not None for song in shown):
        return ""
    if not any(has_player(song) for song in shown):
        return " No preview available for these songs."
    return " No preview available for the songs listed without a player."


def body(view: ResolvedView) -> list:
    clustering = view.clustering
    view.projection  # noqa: B018 - the downloads offered here carry PCA coordinates: have them ready
    total = len(clustering.labels)
    shared = view.query.shared_params()
    profiles, shown_note = shown_profiles(clustering)
    summaries = cluster_summaries(view.catalog, clustering, limit=len(profiles))
    songs = [song_views(view, profile.representatives) for profile in profiles]
    cards = [
        dbc.Col(
            cluster_card(
                profile,
                total,
                summary,
                representatives,
                explorer_href=link("/explorer", **shared, cluster=profile.cluster),
                download_href=link("/download/songs.csv", **shared, cluster=profile.cluster),
            ),
            md=6,
            xl=4,
        )
        for profile, summary, representatives in zip(profiles, summaries, songs, strict=True)
    ]
    noise = f" {clustering.noise:,} songs are noise (in no cluster)." if clustering.noise else ""
    return [
        html.P(
            "Each card is one cluster: how its songs differ from the average song, in words and as bars "
            "(standard deviations from the average), and the songs nearest its centre, to listen to.",
            className="text-muted small mb-1",
            id="clusters-intro",
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
            className="mb-3",
        ),
        dbc.Row(cards, className="g-3"),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
