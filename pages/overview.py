"""Overview: how many songs, how good this clustering is, and the charts that justify it.

Scores can look better than the grouping is (core.diagnostics): one feature carrying most
of the scaled variance, one cluster holding nearly every song, outlying songs split off
as clusters of their own, mostly noise. The page says so in plain words above the
numbers, and the method comparison marks degenerate rows and never calls their scores
the best. The metric cards stay compact (a label, a number, a short hint); what a hint
cannot say in a line (how it was fitted, how the silhouette was taken, what to try when
DBSCAN finds too few clusters) is one muted note under the cards.

Is the structure real? Under the charts, the K advice (methods with K: which K has the
best silhouette, which the most stable clusters, and whether they beat structureless
data, per K in a chart and a table) and this clustering's stability and comparison with
structureless data; a stability column in the method comparison; the cluster tree across
K, whose clusters open the explorer at their K. None of it holds the page up: what
nobody has computed yet comes from two background jobs of the page (pages._structure),
this clustering's first (seconds), then the K advice (up to minutes on large catalogs).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from app.links import link
from components import ids
from components.figures import (
    GRAPH_CONFIG,
    dendrogram_figure,
    elbow_figure,
    k_distance_figure,
    quality_figure,
    sizes_figure,
)
from components.structure import (
    cluster_tree_figure,
    job_strip,
    k_advice_block,
    parse_tree_click,
    pending,
    stability_cell,
    unavailable,
    view_structure,
)
from components.ui import metric_card, page_subtitle
from core.cluster_tree import ClusterTree
from core.config import K_MIN
from core.diagnostics import Diagnostic, cluster_diagnostics, space_diagnostics
from core.engine import MethodScore
from core.k_advice import KAdvice
from core.methods import METHODS, ClusterParams
from core.null_model import NULL_DRAWS, NULL_SAMPLE, NullComparison
from core.stability import RESAMPLES, STABILITY_SAMPLE, Stability
from pages._common import follow_settings, page_layout, stored_query
from pages._library import library_section
from pages._structure import Missing, SectionJob, cached

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
    return page_subtitle(text, "overview-subtitle")


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


def _comparison_row(
    score: MethodScore, current: bool, best: dict[str, str], stability: Stability | Missing | None
) -> html.Tr:
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
    value, title, cell_class = _stability_cell(stability)
    stable = html.Td(value, className=cell_class, title=title, id=_stability_cell_id(score.algorithm))
    return html.Tr(
        [
            html.Td(method),
            html.Td(score.clusters),
            html.Td(f"{score.noise:,}"),
            cell("silhouette"),
            stable,
            cell("davies_bouldin"),
            cell("calinski_harabasz", 0),
            html.Td(_number(score.inertia, 0)),
            html.Td(notes, className="small text-muted"),
        ],
        className=" ".join(c for c in classes if c),
        id=f"compare-{score.algorithm}",
    )


def _stability_cell_id(algorithm: object) -> dict[str, object]:
    """A comparison row's stability cell (the structure job fills them in, rows stay as they are)."""
    return {"type": "compare-stability", "algo": algorithm}


def _stability_cell(stability: Stability | Missing | None) -> tuple[Any, str, str]:
    """A stability cell's content, tooltip and class: the number, or a spinner while it is computed."""
    if isinstance(stability, Missing):
        spinner = dbc.Spinner(size="sm", spinner_class_name="stability-spinner")
        return spinner, "being computed in the background", "stability-cell pending"
    value, title = stability_cell(stability)
    return value, title, "stability-cell"


def _stability_note(view: ResolvedView, pending: bool) -> str:
    """The comparison legend's words on the stability column."""
    note = (
        f"Stability: how alike each method's clusters come out over {RESAMPLES} bootstrap refits of the songs "
        "(mean adjusted Rand index; 1 = the same clusters every time), with the same options."
    )
    if len(view.catalog) > STABILITY_SAMPLE:
        note += f" Refitted on a seeded sample of {STABILITY_SAMPLE:,} songs."
    return note + (" Being computed in the background; it appears here when ready." if pending else "")


def _comparison(view: ResolvedView, space: list[Diagnostic], structure: _Structure) -> list:
    """The methods on the same scaled features, side by side: degenerate results marked,
    and the feature space's own warning (the same for every row) once above them. Each
    method's stability comes from the structure job when nobody has computed it yet."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Method",
                    "Clusters",
                    "Noise",
                    "Silhouette ↑",
                    "Stability ↑",
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
    rows = [
        _comparison_row(score, score.algorithm == view.params.algorithm, best, structure.methods.get(score.algorithm))
        for score in scores
    ]
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
            "A degenerate result barely divides the songs, so its scores are not compared, however good they look. "
        )
    pending = any(isinstance(found, Missing) for found in structure.methods.values())
    return [
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
                html.P(
                    [legend, html.Span(_stability_note(view, pending), id="overview-comparison-stability-note")],
                    className="small text-muted mb-0",
                    id="overview-comparison-legend",
                ),
            ]
        ),
    ]


# -- is the structure real? ------------------------------------------------------------------------
#: This view's stability, null comparison and cluster tree, and each compared method's stability.
STRUCTURE = SectionJob(PAGE, "structure")
#: The K advice over every K (minutes on large catalogs): a job of its own, started after STRUCTURE's.
K_ADVICE = SectionJob(PAGE, "kadvice")
TREE_GO = "overview-tree-go"
TREE_GRAPH = "overview-tree-graph"


class _Structure(NamedTuple):
    """What the cache holds now of STRUCTURE's answers for one view (MISSING: not computed yet).
    (A NamedTuple: Dash runs page modules before they are in sys.modules, where a dataclass fails.)"""

    stability: Stability | Missing
    null: NullComparison | Missing
    tree: ClusterTree | Missing | None
    #: Each compared method's stability, by algorithm.
    methods: dict[str, Stability | Missing]

    @property
    def missing(self) -> bool:
        parts = [self.stability, self.null, self.tree, *self.methods.values()]
        return any(isinstance(part, Missing) for part in parts)


def _ks(view: ResolvedView) -> range:
    """The Ks of the sweep, the K advice and the cluster tree."""
    return range(K_MIN, view.k_max + 1)


def _compared_params(view: ResolvedView) -> dict[str, ClusterParams]:
    """The parameters of each row of the comparison, as Engine.compare fits them."""
    params, engine = view.params, view.engine
    return {
        method.name: params
        if method.name == params.algorithm
        else engine.params(params.k, params.features, params.scaler, method.name)
        for method in METHODS.methods.values()
        if method.in_comparison
    }


def _structure(view: ResolvedView) -> _Structure:
    engine, params = view.engine, view.params
    return _Structure(
        stability=cached(lambda: engine.stability(params)),
        null=cached(lambda: engine.null_comparison(params)),
        tree=cached(lambda: engine.cluster_tree(params, _ks(view))) if params.method.uses_k else None,
        methods={name: cached(lambda p=p: engine.stability(p)) for name, p in _compared_params(view).items()},
    )


def _k_advice(view: ResolvedView) -> KAdvice | Missing | None:
    return cached(lambda: view.engine.k_advice(view.params, _ks(view))) if view.params.method.uses_k else None


def _compute_structure(view: ResolvedView) -> None:
    """STRUCTURE's job: this view first, then the tree, then the other methods' stabilities."""
    engine, params = view.engine, view.params
    engine.stability(params)
    engine.null_comparison(params)
    if params.method.uses_k:
        engine.cluster_tree(params, _ks(view))
    for other in _compared_params(view).values():
        engine.stability(other)


def _compute_k_advice(view: ResolvedView) -> None:
    if view.params.method.uses_k:
        view.engine.k_advice(view.params, _ks(view))


_GONE = "it is not in the cache any more (cleared or evicted); reload the page to compute it again."


def _view_structure(view: ResolvedView, structure: _Structure, done: dict[str, Any] | None = None) -> Any:
    if not isinstance(structure.stability, Missing) and not isinstance(structure.null, Missing):
        return view_structure(structure.stability, structure.null)
    if done is not None:
        return unavailable(f"This clustering's stability could not be computed: {done.get('error') or _GONE}")
    return pending(
        f"Refitting {view.params.describe()} on {RESAMPLES} resamples of the songs and on {NULL_DRAWS} copies "
        "with each feature shuffled on its own: computed once for everyone, shown here when ready."
    )


def _k_advice_note(view: ResolvedView) -> str:
    songs = len(view.catalog)
    sampled = (
        f" Stability and structureless data on a seeded sample of {min(STABILITY_SAMPLE, NULL_SAMPLE):,} songs."
        if songs > min(STABILITY_SAMPLE, NULL_SAMPLE)
        else ""
    )
    return (
        f"For each K: {RESAMPLES} bootstrap refits for the stability, {NULL_DRAWS} fits on structureless data "
        f"(each feature shuffled on its own), {view.params.method.label} with the same options.{sampled}"
    )


def _k_advice_part(view: ResolvedView, advice: KAdvice | Missing | None, waiting: bool = False, done: Any = None):
    """The K advice (methods with K), or what stands in for it while its job runs."""
    if isinstance(advice, KAdvice):
        return k_advice_block(advice, view.params.k, _k_advice_note(view))
    if done is not None:
        return unavailable(f"The K advice could not be computed: {done.get('error') or _GONE}")
    ks = _ks(view)
    text = (
        "Starts once this view's stability is ready."
        if waiting
        else "Waiting for its turn: the other jobs on this server come first."
    )
    return html.Div(
        [
            job_strip(K_ADVICE.strip, K_ADVICE.progress, text),
            pending(
                f"Which K? Every K from {ks[0]} to {ks[-1]} is resampled and compared with structureless data; "
                "this takes longer than the rest of the page, so it comes last.",
                height="6rem",
            ),
        ]
    )


def _structure_card(view: ResolvedView, structure: _Structure) -> dbc.Card:
    """Is the structure real? The K advice (methods with K) and this clustering's stability and
    comparison with structureless data, each from the cache or from its background job."""
    uses_k = view.params.method.uses_k
    advice = _k_advice(view)
    needs_advice = isinstance(advice, Missing)
    first = STRUCTURE.ask(view.query, then=needs_advice) if structure.missing else None
    then = K_ADVICE.ask(view.query) if needs_advice and not structure.missing else None
    parts: list = [
        job_strip(
            STRUCTURE.strip,
            STRUCTURE.progress,
            "Waiting for its turn: this clustering's stability is computed in the background.",
            shown=structure.missing,
        )
    ]
    if uses_k:
        parts += [
            html.H6("Which K?", className="mt-1"),
            html.Div(_k_advice_part(view, advice, waiting=structure.missing), id="overview-kadvice", className="mb-3"),
        ]
    parts += [
        html.H6(f"This clustering: {view.params.describe()}", className="mt-1"),
        html.Div(_view_structure(view, structure), id="overview-view-structure"),
        *STRUCTURE.stores(first),
        *K_ADVICE.stores(then),
    ]
    return dbc.Card(
        [dbc.CardHeader("Is the structure real?"), dbc.CardBody(parts)],
        className="mb-3",
        id="overview-structure",
    )


def _tree(view: ResolvedView, structure: _Structure, done: dict[str, Any] | None = None) -> list:
    """The cluster tree across K (methods with K): how clusters split as K grows, clickable."""
    ks = _ks(view)
    if not view.params.method.uses_k or len(ks) < 2:  # a tree needs two Ks (a catalog of three songs has one)
        return []
    if isinstance(structure.tree, ClusterTree):
        content = [
            html.P(
                f"Each column is one K ({ks[0]} to {ks[-1]}), each block a cluster at that K, as tall as its songs "
                "(labelled cluster · songs); a band is the songs a cluster at one K shares with a cluster at the "
                "next. A clean split keeps its bands whole; bands that fan out mean the boundaries were redrawn. "
                "Click a cluster to open it in the explorer at its K.",
                className="small text-muted mb-1",
            ),
            dcc.Graph(id=TREE_GRAPH, figure=cluster_tree_figure(structure.tree, view.params.k), **_GRAPH),
            dcc.Location(id=TREE_GO, refresh="callback-nav"),
        ]
    elif done is not None:
        content = [unavailable(f"The cluster tree could not be drawn: {done.get('error') or _GONE}")]
    else:
        content = [pending("The cluster tree across K is drawn once this clustering's stability is ready.", "8rem")]
    return [dbc.CardHeader(f"How the clusters split from K={ks[0]} to K={ks[-1]}"), dbc.CardBody(content)]


def _space(view: ResolvedView) -> list[Diagnostic]:
    params = view.params
    return space_diagnostics(view.engine.scaled(params.features, params.scaler), params.features, params.scaler)


def _show_structure(view: ResolvedView, done: dict[str, Any]) -> tuple:
    """STRUCTURE's job is done: its parts from the cache, and the K advice's job when it waits."""
    structure = _structure(view)
    cells = [
        _stability_cell(structure.methods.get(str(slot["id"]["algo"])) or None)
        for slot in (ctx.outputs_list[1] if len(ctx.outputs_list) > 1 else [])
    ]
    return (
        _view_structure(view, structure, done),
        [cell[0] for cell in cells],
        [cell[1] for cell in cells],
        [cell[2] for cell in cells],
        _stability_note(view, pending=False),
        _tree(view, structure, done),
        "structure-strip d-none",
        K_ADVICE.ask(view.query) if done.get("then") else dash.no_update,
    )


def _show_k_advice(view: ResolvedView, done: dict[str, Any]) -> tuple:
    return (_k_advice_part(view, _k_advice(view), done=done),)


show_structure = STRUCTURE.register(
    _compute_structure,
    [
        Output("overview-view-structure", "children"),
        Output(_stability_cell_id(ALL), "children"),
        Output(_stability_cell_id(ALL), "title"),
        Output(_stability_cell_id(ALL), "className"),
        Output("overview-comparison-stability-note", "children"),
        Output("overview-tree", "children"),
        Output(STRUCTURE.strip, "className"),
        Output(K_ADVICE.request, "data"),
    ],
    _show_structure,
)
show_k_advice = K_ADVICE.register(_compute_k_advice, [Output("overview-kadvice", "children")], _show_k_advice)


@dash.callback(
    Output(TREE_GO, "href"),
    Input(TREE_GRAPH, "clickData"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def open_tree_node(click: object, data: dict[str, str] | None) -> str:
    """A click on a cluster of the tree opens the explorer at its K, with that cluster in focus."""
    found = parse_tree_click(click)
    if found is None:
        raise PreventUpdate  # a band between clusters, or no click at all
    k, cluster = found
    query = stored_query(data)
    k_max = app_context().resolve(query).k_max
    if not (K_MIN <= k <= k_max and 0 <= cluster < k):
        raise PreventUpdate
    return link("/explorer", **{**query.shared_params(), "k": k}, cluster=cluster)


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
    """The overview of ``view``. What "is the structure real?" needs and nobody has computed
    yet never holds it up: those parts come from their own jobs once the page is shown."""
    space = _space(view)
    warnings = space + cluster_diagnostics(view.clustering)
    structure = _structure(view)
    tree = _tree(view, structure)
    return [
        _subtitle(view),
        library_section(),
        _warnings(warnings),
        *_metrics(view),
        *_charts(view),
        _structure_card(view, structure),
        dbc.Card(_comparison(view, space, structure), className="mb-3", id="overview-comparison-card"),
        dbc.Card(tree, className="mb-3", id="overview-tree") if tree else html.Div(id="overview-tree"),
        _report(view),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
