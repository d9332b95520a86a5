"""Cluster cards: each cluster in plain words, with songs to listen to and a download."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from app.context import current
from components.cluster_card import cluster_card
from core.query import ViewQuery
from pages._common import follow_k, href, page_frame, song_views

dash.register_page(__name__, path="/clusters", name="Cluster cards", order=4, title="Clusters · Audio Space Explorer")
PAGE = "clusters"


def body(query: ViewQuery) -> list:
    context = current()
    _, clustering, _ = context.models(query)
    total = len(clustering.labels)
    cards = [
        dbc.Col(
            cluster_card(
                profile,
                total,
                song_views(context, clustering, profile.representatives),
                explorer_href=href("/explorer", k=query.k, cluster=profile.cluster),
                download_href=href("/download/songs.csv", k=query.k, cluster=profile.cluster),
            ),
            md=6,
            xl=4,
        )
        for profile in clustering.profiles
    ]
    return [
        html.Div(
            [
                html.Span(f"{clustering.k} clusters of {total:,} songs. ", className="text-muted"),
                html.A(
                    "Download every song with its cluster (CSV)",
                    href=href("/download/songs.csv", k=query.k),
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


follow_k(PAGE, body)
