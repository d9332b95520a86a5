"""Cluster cards: each cluster in plain words, with songs to listen to and a download."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from app.context import current
from components.cluster_card import cluster_card
from core.query import ViewQuery
from core.summaries import summarise
from pages._common import follow_settings, href, page_frame, shared_params, shown_profiles, song_views

dash.register_page(__name__, path="/clusters", name="Clusters", order=4, title="Clusters · Audio Space Explorer")
PAGE = "clusters"


def body(query: ViewQuery) -> list:
    context = current()
    _, clustering, _ = context.models(query)
    total = len(clustering.labels)
    mean_spread = sum(p.spread for p in clustering.profiles) / max(len(clustering.profiles), 1)
    shared = shared_params(query)
    profiles, shown_note = shown_profiles(clustering)
    cards = []
    for profile in profiles:
        songs = song_views(context, clustering, profile.representatives)
        summary = summarise(profile, total, mean_spread, [f"{s.title} — {s.artist or 'Unknown artist'}" for s in songs])
        card = cluster_card(
            profile,
            total,
            summary,
            songs,
            explorer_href=href("/explorer", **shared, cluster=profile.cluster),
            download_href=href("/download/songs.csv", **shared, cluster=profile.cluster),
        )
        cards.append(dbc.Col(card, md=6, xl=4))
    noise = f" {clustering.noise:,} songs are noise (in no cluster)." if clustering.noise else ""
    return [
        html.Div(
            [
                html.Span(f"{clustering.k} clusters of {total:,} songs.{noise}{shown_note} ", className="text-muted"),
                html.A(
                    "Download every song with its cluster (CSV)",
                    href=href("/download/songs.csv", **shared),
                    download="",
                    id="download-all",
                    className="btn btn-sm btn-outline-secondary ms-2",
                ),
            ],
            className="mb-3",
        ),
        dbc.Row(cards, className="g-3"),
    ]


def layout(k: str | None = None, **query: object) -> html.Div:
    return page_frame(PAGE, {**query, "k": k}, body)


follow_settings(PAGE, body)
