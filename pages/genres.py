"""Genre check: does structure found without labels line up with the dataset's genre labels?"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.context import ResolvedView
from components.figures import GRAPH_CONFIG, genre_crosstab_figure
from components.ui import metric_card
from core.catalog import ALIASES
from pages._common import follow_settings, page_layout

dash.register_page(__name__, path="/genres", name="Genres", order=5, title="Genre check · Audio Space Explorer")
PAGE = "genres"


def body(view: ResolvedView) -> list:
    check = view.engine.genre_check(view.params)
    if check is None:
        return [
            dbc.Alert(
                f"This dataset has no genre column ({', '.join(ALIASES['genre'])}), so there is nothing to compare "
                "the clusters with. Clustering never uses genres; this page only checks them when they exist.",
                color="info",
                id="genres-none",
            )
        ]
    counts = check.crosstab.to_numpy()
    return [
        html.P(
            "The clusters were found from audio features alone. If they line up with the genre labels, "
            "the scores approach 1; near 0 means no more agreement than chance.",
            className="text-muted small",
        ),
        dbc.Row(
            [
                dbc.Col(
                    metric_card(
                        "Adjusted Rand index", f"{check.ari:.3f}", "−1…1; 0 = chance, 1 = same grouping", "genres-ari"
                    )
                ),
                dbc.Col(
                    metric_card(
                        "Normalised mutual information",
                        f"{check.nmi:.3f}",
                        "0…1; how much one grouping tells of the other",
                        "genres-nmi",
                    )
                ),
                dbc.Col(
                    metric_card(
                        "Genres", str(len(check.genres)), ", ".join(map(str, check.genres))[:120], "genres-count"
                    )
                ),
            ],
            className="g-3 mb-3",
        ),
        html.Div(check.note, className="small text-muted mb-2") if check.note else None,
        dcc.Graph(
            id="genres-crosstab",
            figure=genre_crosstab_figure(counts, list(check.crosstab.index), [str(g) for g in check.crosstab.columns]),
            config=GRAPH_CONFIG,
        ),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
