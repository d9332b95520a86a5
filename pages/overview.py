"""Overview: how many songs, how good this clustering is, and the charts that justify it.

Scores can look better than the grouping is (core.diagnostics): one feature carrying most
of the scaled variance, one cluster holding nearly every song, outlying songs split off
as clusters of their own, mostly noise. The page says so in plain words above the
numbers, and the method comparison marks degenerate rows and never calls their scores
the best. The metric cards stay compact (a label, a number, a short hint); what a hint
cannot say in a line (how it was fitted, how the silhouette was taken, what to try when
DBSCAN finds too few clusters) is one muted note under the cards.
"""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from app.context import ResolvedView
from components.figures import (
    GRAPH_CONFIG,
    dendrogram_figure,
    elbow_figure,
    k_distance_figure,
    quality_figure,
    sizes_figure,
)
from components.ui import metric_card
from core.config import K_MIN
from core.diagnostics import Diagnostic, cluster_diagnostics, space_diagnostics
from core.engine import MethodScore
from pages._common import follow_settings, page_layout

dash.register_page(__name__, path="/", name="Overview", order=0, title="Overview · Audio Space Explorer")
PAGE = "overview"
_GRAPH = {"config": GRAPH_CONFIG}


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _subtitle(view: ResolvedView) -> html.P:
    """What the page shows, in one line."""
    method = view.params.method
    if method.uses_k:
        text = f"How well the songs split into {view.params.k} groups, and which K fits best."
    else:
        noise = ", and which songs it leaves out as noise" if method.finds_noise else ""
        text = f"How many groups {method.label} finds, how well they hold together{noise}."
    return html.P(text, className="text-muted mb-2 page-subtitle", id="overview-subtitle")


def _warnings(diagnostics: list[Diagnostic]) -> html.Div | dbc.Alert:
    """Every warning about the current view, in plain words; nothing when there is none."""
    if not diagnostics:
        return html.Div(id="overview-warnings", className="d-none")
    return dbc.Alert(
        [
            html.Div("Read these scores with care", className="fw-semibold mb-1"),
            html.Ul(
                [html.Li(d.text, className=f"diagnostic diagnostic-{d.code}") for d in diagnostics],
                className="mb-0 ps-3",
            ),
        ],
        color="warning",
        className="overview-warnings small py-2 mb-3",
        id="overview-warnings",
    )


def _first_clause(method: str) -> str:
    """The method's name and options, without what follows the first ";" (how it was sampled)."""
    return method.split(";", 1)[0]


def _metrics(view: ResolvedView) -> list:
    """Compact metric cards (label, number, a short hint), and one muted note under them with
    what a hint cannot say in a line."""
    catalog, clustering, method = view.catalog, view.clustering, view.params.method
    variance = view.projection.explained_variance
    cards = [
        metric_card(
            "Songs", f"{len(catalog):,}", "demo data" if catalog.is_demo else catalog.report.source, "metric-songs"
        ),
        metric_card(
            "K (clusters)" if method.uses_k else "Clusters found",
            str(clustering.k),
            _first_clause(clustering.method),
            "metric-k",
        ),
    ]
    if method.finds_noise:
        share = clustering.noise / len(catalog)
        cards.append(
            metric_card("Noise", f"{clustering.noise:,}", f"{share:.0%} of songs, in no cluster", "metric-noise")
        )
    cards += [
        metric_card("Silhouette", _number(clustering.silhouette), "−1…1, higher is better", "metric-silhouette"),
        metric_card(
            "Davies-Bouldin", _number(clustering.davies_bouldin), "≥ 0, lower is better", "metric-davies-bouldin"
        ),
        metric_card(
            "Calinski-Harabasz", _number(clustering.calinski_harabasz, 0), "higher is better", "metric-calinski"
        ),
        metric_card(
            "PCA variance shown",
            f"{variance[:3].sum():.0%}",
            f"PC1 {variance[0]:.0%} · PC2 {variance[1]:.0%} · PC3 {variance[2]:.0%}",
            "metric-variance",
        ),
    ]
    sampled = (
        f"the silhouette is the mean over a seeded sample of {clustering.silhouette_sample:,} songs"
        if clustering.silhouette_sample
        else "the silhouette is exact, over every song"
    )
    note = (
        f"{clustering.method}; fitted in {clustering.fit_seconds:.2g} s, once for every visitor; {sampled}. "
        f"{clustering.metrics_note}"
    ).strip()
    return [
        dbc.Row(
            [dbc.Col(card, xl=True) for card in cards],
            className="g-3 mb-2 row-cols-2 row-cols-md-3 overview-metrics",
        ),
        html.P(note, className="small text-muted mb-3", id="overview-metrics-note"),
    ]


def _round_ticks(figure: go.Figure) -> go.Figure:
    """Round tick values on an overlaying y axis (the quality chart's Davies-Bouldin), which
    plotly otherwise puts in step with the other axis's grid, at values such as 1.395 and
    1.553. (Belongs in components.figures.quality_figure; set here for now.)"""
    figure.for_each_yaxis(lambda axis: axis.update(tickmode="auto") if axis.overlaying else None)
    return figure


def _charts(view: ResolvedView) -> list:
    engine, params, clustering = view.engine, view.params, view.clustering
    sizes = sizes_figure(clustering.sizes, [p.description for p in clustering.profiles], clustering.noise)
    justify = []
    if params.method.uses_k:
        sweep = engine.sweep(params, range(K_MIN, view.k_max + 1))
        quality = quality_figure(sweep.ks, sweep.silhouette, sweep.davies_bouldin, params.k, sweep.silhouette_sample)
        justify = [
            dcc.Graph(id="overview-elbow", figure=elbow_figure(sweep.ks, sweep.inertia, params.k), **_GRAPH),
            dcc.Graph(id="overview-quality", figure=_round_ticks(quality), **_GRAPH),
        ]
    if "k_distance" in params.method.diagnostics:
        kd = engine.k_distance(params)
        figure = k_distance_figure(kd.distances, kd.min_samples, kd.suggested_eps, params.option("eps"))
        justify.append(dcc.Graph(id="overview-k-distance", figure=figure, **_GRAPH))
    row = dbc.Row(
        [
            *(dbc.Col(graph, lg=4) for graph in justify),
            dbc.Col(dcc.Graph(id="overview-sizes", figure=sizes, **_GRAPH), lg=4),
        ],
        className="g-3 mb-3",
    )
    if "dendrogram" not in params.method.diagnostics:
        return [row]
    tree = engine.dendrogram(params)
    figure = dendrogram_figure(tree.icoord, tree.dcoord, tree.leaf_labels, tree.cut_height, clustering.k)
    return [row, dcc.Graph(id="overview-dendrogram", figure=figure, className="mb-3", **_GRAPH)]


#: Scores the comparison can call best: (field, higher is better).
_BEST_OF = (("silhouette", True), ("davies_bouldin", False), ("calinski_harabasz", True))


def best_scores(scores: list[MethodScore]) -> dict[str, str]:
    """For each score of ``_BEST_OF``, the algorithm whose score is best among the results
    that are not degenerate (a degenerate result's good score is what misleads), when
    at least two of them have that score."""
    best = {}
    for name, higher in _BEST_OF:
        fair = [s for s in scores if not s.degenerate and not math.isnan(getattr(s, name))]
        if len(fair) >= 2:
            pick = (max if higher else min)(fair, key=lambda s, name=name: getattr(s, name))
            best[name] = pick.algorithm
    return best


def _comparison_row(score: MethodScore, current: bool, best: dict[str, str]) -> html.Tr:
    def cell(name: str, digits: int = 3) -> html.Td:
        value = _number(getattr(score, name), digits)
        if best.get(name) == score.algorithm:
            return html.Td(
                value, className="best-score fw-semibold", title="the best of the results that divide the songs"
            )
        return html.Td(value)

    method = [html.Span(score.method)]
    notes = []
    if score.degenerate:
        method.append(dbc.Badge("degenerate", color="warning", text_color="dark", className="ms-1 degenerate-badge"))
        notes.append(html.Div(f"Degenerate: {score.degenerate}.", className="degenerate-note"))
    if score.metrics_note:
        notes.append(html.Div(score.metrics_note))
    classes = ["table-primary" if current else "", "degenerate-row" if score.degenerate else ""]
    return html.Tr(
        [
            html.Td(method),
            html.Td(score.clusters),
            html.Td(f"{score.noise:,}"),
            cell("silhouette"),
            cell("davies_bouldin"),
            cell("calinski_harabasz", 0),
            html.Td(_number(score.inertia, 0)),
            html.Td(notes, className="small text-muted"),
        ],
        className=" ".join(c for c in classes if c),
        id=f"compare-{score.algorithm}",
    )


def _comparison(view: ResolvedView, space: list[Diagnostic]) -> dbc.Card:
    """The methods on the same scaled features, side by side: degenerate results marked,
    and the feature space's own warning (the same for every row) once above them."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Method",
                    "Clusters",
                    "Noise",
                    "Silhouette ↑",
                    "Davies-Bouldin ↓",
                    "Calinski-Harabasz ↑",
                    "Inertia ↓",
                    "",
                )
            ]
        )
    )
    scores = view.engine.compare(view.params)
    best = best_scores(scores)
    rows = [_comparison_row(score, score.algorithm == view.params.algorithm, best) for score in scores]
    above = [
        html.P(
            f"Every row: {d.short}, so these scores mostly describe that one feature.",
            className="small text-warning-emphasis mb-2 comparison-space-warning",
        )
        for d in space
    ]
    legend = "Bold: the best score among the results that divide the songs. " if best else ""
    if any(score.degenerate for score in scores):
        legend += (
            "A degenerate result barely divides the songs, so its scores are not compared, however good they look."
        )
    return dbc.Card(
        [
            dbc.CardHeader("Methods compared on the same features and scaling"),
            dbc.CardBody(
                [
                    *above,
                    dbc.Table(
                        [head, html.Tbody(rows)],
                        size="sm",
                        hover=True,
                        responsive=True,
                        className="mb-1 small",
                        id="overview-comparison",
                    ),
                    html.P(legend.strip(), className="small text-muted mb-0", id="overview-comparison-legend"),
                ]
            ),
        ],
        className="mb-3",
    )


def _report(view: ResolvedView) -> dbc.Card:
    catalog, clustering = view.catalog, view.clustering
    features = ", ".join(clustering.features)
    return dbc.Card(
        [
            dbc.CardHeader("The data"),
            dbc.CardBody(
                [
                    html.Ul([html.Li(line) for line in catalog.report.lines()], className="loader-report small mb-2"),
                    html.Div(
                        f"Clustered on {len(clustering.features)} features ({clustering.scaler} scaling): {features}.",
                        className="small text-muted",
                    ),
                ]
            ),
        ],
        id="overview-report",
    )


def body(view: ResolvedView) -> list:
    params = view.params
    space = space_diagnostics(view.engine.scaled(params.features, params.scaler), params.features, params.scaler)
    warnings = space + cluster_diagnostics(view.clustering)
    return [
        _subtitle(view),
        _warnings(warnings),
        *_metrics(view),
        *_charts(view),
        _comparison(view, space),
        _report(view),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
