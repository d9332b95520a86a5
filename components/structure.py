"""Is the structure real? The engine's answers (core.stability, core.null_model,
core.k_advice, core.cluster_tree) as plain words, a chart, a table and a cluster tree.

Pure factories: plain data in, Dash components or a go.Figure out, no I/O and no
callbacks. Pages compute these answers in background jobs and put a ``pending`` block
with a ``job_strip`` where an answer is not ready yet. Every text here is made of numbers
and fixed words: no data text reaches these factories.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc, html
from plotly.colors import hex_to_rgb, unlabel_rgb

from components.colors import cluster_color
from components.figures import MODEBAR_ROOM
from core.cluster_tree import ClusterTree, TreeNode
from core.k_advice import KAdvice
from core.null_model import BEATS_NULL_SDS, MIN_MARGIN, NullComparison
from core.stability import RECOVERED_JACCARD, ClusterStability, Stability

#: The pattern-matching id of a cluster card's stability line (the clusters page fills them).
CLUSTER_STABILITY = "cluster-stability"
#: Bootstrap badge colours of Hennig's bands (ClusterStability.verdict).
VERDICT_COLORS = {"stable": "success", "doubtful": "warning", "dissolves": "danger"}
_MARGIN = {"l": 10, "r": 10, "t": MODEBAR_ROOM + 36, "b": 10}
_THEME = go.layout.Template(pio.templates["plotly_white"])
_THEME.layout.title = {"x": 0, "xref": "paper", "xanchor": "left", "y": 1, "yref": "paper", "yanchor": "bottom"}
_THEME.layout.title.pad = {"b": 10}
NULL_COLOR = "#8c8c8c"
STABILITY_COLOR = "#2ca02c"
SILHOUETTE_COLOR = "#1f77b4"


def cluster_stability_id(cluster: object) -> dict[str, object]:
    """The id of cluster ``cluster``'s stability line on its card (``ALL`` for every card)."""
    return {"type": CLUSTER_STABILITY, "cluster": cluster}


def _number(value: float, digits: int = 2) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# -- waiting for a background job -----------------------------------------------------------
def job_strip(strip_id: str, progress_id: str, text: str, shown: bool = True) -> html.Div:
    """What a structure job is doing, for as long as it runs: a spinner and its progress
    (``progress_id`` receives the job's progress text). Hidden when ``shown`` is False."""
    return html.Div(
        [
            dbc.Spinner(size="sm", spinner_class_name="me-2"),
            html.Span(text, id=progress_id, className="structure-progress"),
        ],
        id=strip_id,
        className="structure-strip" if shown else "structure-strip d-none",
        role="status",
    )


def pending(text: str, height: str = "3rem") -> html.Div:
    """A block whose answer a background job is computing: what it waits for, and a placeholder."""
    return html.Div(
        [
            html.Div(text, className="small text-muted"),
            html.Div(className="structure-skeleton", style={"height": height}),
        ],
        className="structure-pending",
    )


def unavailable(text: str) -> html.P:
    """An answer the job could not give (the reason, in words)."""
    return html.P(text, className="small text-muted mb-0 structure-unavailable")


# -- one clustering: stability and the null model ---------------------------------------------
def stability_verdict(stability: Stability) -> str:
    """How many clusters hold up under resampling, in Hennig's bands, e.g. "All 4 clusters are
    stable." or "3 of 5 clusters are stable; 1 is doubtful and 1 dissolves."."""
    clusters = stability.clusters
    if not clusters:
        return "There is no cluster to resample."
    stable, doubtful, dissolve = (sum(c.verdict == v for c in clusters) for v in VERDICT_COLORS)
    if len(clusters) == 1:
        return f"The cluster {'is ' if clusters[0].verdict != 'dissolves' else ''}{clusters[0].verdict}."
    if stable == len(clusters):
        return f"All {len(clusters)} clusters are stable."
    head = f"{stable} of {len(clusters)} clusters {'is' if stable == 1 else 'are'} stable"
    rest = []
    if doubtful:
        rest.append(f"{doubtful} {'is' if doubtful == 1 else 'are'} doubtful")
    if dissolve:
        rest.append(f"{dissolve} {'dissolves' if dissolve == 1 else 'dissolve'}")
    return f"{head}; {' and '.join(rest)}."


def sample_note(sample: int | None, what: str) -> str:
    """Empty for a whole catalog, else that ``what`` was computed on a seeded sample."""
    return "" if sample is None else f"{what} on a seeded sample of {sample:,} songs."


def view_structure(stability: Stability, null: NullComparison) -> html.Div:
    """The current clustering's stability and its comparison with structureless data, in words."""
    stable = [
        html.Div(stability_verdict(stability), className="fw-semibold view-stability-verdict"),
        html.Div(stability.sentence(), className="small view-stability-sentence"),
    ]
    if stability.failed:
        stable.append(
            html.Div(
                f"{_plural(stability.failed, 'resample')} could not be fitted and count as nothing coming back.",
                className="small text-muted",
            )
        )
    beats = not math.isnan(null.silhouette) and null.beats_null
    verdict = (
        "More structure than structureless data."
        if beats
        else "Not clearly more structure than structureless data."
        if not math.isnan(null.silhouette)
        else "No silhouette to compare."
    )
    against = [
        html.Div(verdict, className="fw-semibold view-null-verdict"),
        html.Div(null.sentence(), className="small view-null-sentence"),
        html.Div(
            f"Structureless data: each feature shuffled on its own ({_plural(null.draws, 'draw')}). Beating it "
            f"takes a silhouette more than {BEATS_NULL_SDS:g} standard deviations, and at least {MIN_MARGIN:g}, "
            "above their mean.",
            className="small text-muted",
        ),
    ]
    notes = " ".join(
        n
        for n in (
            sample_note(stability.sample, "Resampled"),
            sample_note(null.sample, "Shuffled"),
        )
        if n
    )
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(html.Div(stable, className="view-stability"), md=6),
                    dbc.Col(html.Div(against, className="view-null"), md=6),
                ],
                className="g-3",
            ),
            html.P(notes, className="small text-muted mb-0 mt-2 view-structure-sample") if notes else None,
        ]
    )


def stability_cell(stability: Stability | None) -> tuple[str, str]:
    """The comparison table's stability (overall mean ARI, 2 decimals) and its tooltip."""
    if stability is None:
        return "—", "no stability"
    if not stability.clusters:
        return "—", "No cluster to resample."
    return _number(stability.ari), f"{stability_verdict(stability)} {stability.sentence()}"


# -- the cards' lines ---------------------------------------------------------------------------
def cluster_stability_line(stability: ClusterStability | None) -> list:
    """A card's stability in plain words: a badge (stable, doubtful, dissolves) and
    "Comes back in 19 of 20 resamples (mean Jaccard 0.91)."."""
    if stability is None:
        return [html.Span("Not resampled.", className="text-muted")]
    return [
        dbc.Badge(stability.verdict, color=VERDICT_COLORS[stability.verdict], className="me-1 stability-badge"),
        html.Span(stability.sentence(), className="cluster-stability-sentence"),
    ]


#: What "comes back" means, for the cards' tooltip.
COMES_BACK = (
    "Each resample draws the songs again at random (with replacement) and clusters them anew; the cluster "
    "comes back when a new cluster matches it with a Jaccard similarity (songs in both / songs in either) of "
    f"at least {RECOVERED_JACCARD:g}, Hennig's threshold for a stable cluster."
)


def cluster_stability_slot(cluster: int, children: object) -> html.Div:
    """The line on cluster ``cluster``'s card that carries its stability (or says it is coming)."""
    return html.Div(
        children, id=cluster_stability_id(cluster), className="small mb-2 cluster-stability", title=COMES_BACK
    )


# -- which K ------------------------------------------------------------------------------------
def k_advice_reasons(advice: KAdvice, k: int | None = None) -> list[str]:
    """The reasons behind the advice sentence, one per line."""
    by_k = {kk: i for i, kk in enumerate(advice.ks)}
    reasons = []
    if advice.best_silhouette_k is not None:
        i = by_k[advice.best_silhouette_k]
        reasons.append(
            f"The silhouette (how much closer songs are to their own cluster than to the next) is highest at "
            f"K={advice.best_silhouette_k}: {_number(advice.silhouette[i])}."
        )
    if advice.most_stable_k is not None:
        i = by_k[advice.most_stable_k]
        reasons.append(
            f"The clusters come back most reliably when the songs are resampled at K={advice.most_stable_k}: "
            f"stability {_number(advice.stability[i])} (mean adjusted Rand index over bootstrap refits; "
            f"1 = the same clusters every time)."
        )
    beating = [kk for kk, beats in zip(advice.ks, advice.beats_null, strict=True) if beats]
    if beating:
        reasons.append(
            f"{_k_list(beating)} {'beats' if len(beating) == 1 else 'beat'} structureless data (each feature "
            "shuffled on its own): a higher silhouette than the method finds there."
        )
    if k is not None and k in by_k:
        i = by_k[k]
        beats = "beats" if advice.beats_null[i] else "does not beat"
        reasons.append(
            f"This view, K={k}: silhouette {_number(advice.silhouette[i])} against "
            f"{_number(advice.null_silhouette[i])} on structureless data ({beats} it); stability "
            f"{_number(advice.stability[i])}."
        )
    return reasons


def _k_list(ks: Sequence[int]) -> str:
    """Ks in words, runs of three or more as a range: "K=2", "K=2 and K=5", "K=2, K=4 and K=6–12"."""
    runs: list[list[int]] = []
    for k in sorted(ks):
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    named = []
    for run in runs:
        named += [f"K={run[0]}–{run[-1]}"] if len(run) > 2 else [f"K={k}" for k in run]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def _mark_k(k: int | None, ks: Sequence[int]) -> dict[str, list]:
    """Layout shapes and annotations of a dotted line at the current K (as the other K charts)."""
    if k is None or k not in ks:
        return {"shapes": [], "annotations": []}
    line = {"type": "line", "x0": k, "x1": k, "xref": "x", "y0": 0, "y1": 1, "yref": "paper"}
    line["line"] = {"color": "#d62728", "dash": "dot", "width": 2}
    text = {"x": k, "y": 1, "xref": "x", "yref": "paper", "text": f"K={k}", "showarrow": False}
    return {"shapes": [line], "annotations": [{**text, "xanchor": "left", "yanchor": "top"}]}


def k_advice_figure(advice: KAdvice, k: int | None = None) -> go.Figure:
    """Per K: the silhouette (filled markers where it beats structureless data), the mean
    silhouette on structureless data, and the stability (right axis, 0–1). Built in one go
    (no make_subplots): the overview draws it on every visit."""
    ks = list(advice.ks)
    beats = ["beats structureless data" if b else "does not beat structureless data" for b in advice.beats_null]
    traces = [
        go.Scatter(
            x=ks,
            y=list(advice.null_silhouette),
            mode="lines+markers",
            name="structureless data",
            line={"color": NULL_COLOR, "dash": "dash"},
            marker={"color": NULL_COLOR, "size": 6},
            hovertemplate="K=%{x}<br>silhouette on structureless data %{y:.3f}<extra></extra>",
        ),
        go.Scatter(
            x=ks,
            y=list(advice.silhouette),
            mode="lines+markers",
            name="silhouette",
            line={"color": SILHOUETTE_COLOR},
            marker={
                "color": [SILHOUETTE_COLOR if b else "white" for b in advice.beats_null],
                "line": {"color": SILHOUETTE_COLOR, "width": 2},
                "size": 9,
            },
            customdata=beats,
            hovertemplate="K=%{x}<br>silhouette %{y:.3f}<br>%{customdata}<extra></extra>",
        ),
        go.Scatter(
            x=ks,
            y=list(advice.stability),
            yaxis="y2",
            mode="lines+markers",
            name="stability (ARI)",
            line={"color": STABILITY_COLOR, "dash": "dot"},
            marker={"color": STABILITY_COLOR, "symbol": "diamond", "size": 8},
            hovertemplate="K=%{x}<br>stability %{y:.2f}<extra></extra>",
        ),
    ]
    layout = {
        "title": "Silhouette ↑ against structureless data, stability ↑",
        "template": _THEME,
        "margin": _MARGIN,
        "height": 320,
        "xaxis": {"title": {"text": "K"}, "dtick": 1},
        "yaxis": {"title": {"text": "silhouette"}},
        # Its own round ticks, 0 to 1: plotly otherwise puts an overlaying axis's ticks in
        # step with the silhouette's grid, at values such as 0.447 and 0.696.
        "yaxis2": {
            "title": {"text": "stability"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickmode": "auto",
            "showgrid": False,
        },
        "legend": {"orientation": "h", "y": -0.25},
        **_mark_k(k, ks),
    }
    return go.Figure(traces, layout)


def k_advice_table(advice: KAdvice, k: int | None = None) -> dbc.Table:
    """The advice's numbers per K, one column per K (the current one highlighted, the best
    silhouette and the most stable K in bold)."""

    def cell(value: str, kk: int, bold: bool = False) -> html.Td:
        classes = ["table-primary" if kk == k else "", "fw-semibold" if bold else ""]
        return html.Td(value, className=" ".join(c for c in classes if c) or None)

    head = html.Thead(html.Tr([html.Th(""), *(html.Th(f"K={kk}", className="text-end") for kk in advice.ks)]))
    rows = [
        (
            "Silhouette",
            [
                cell(_number(s, 3), kk, kk == advice.best_silhouette_k)
                for kk, s in zip(advice.ks, advice.silhouette, strict=True)
            ],
        ),
        (
            "Structureless",
            [cell(_number(s, 3), kk) for kk, s in zip(advice.ks, advice.null_silhouette, strict=True)],
        ),
        (
            "Beats it",
            [cell("yes" if b else "no", kk) for kk, b in zip(advice.ks, advice.beats_null, strict=True)],
        ),
        (
            "Stability",
            [
                cell(_number(s), kk, kk == advice.most_stable_k)
                for kk, s in zip(advice.ks, advice.stability, strict=True)
            ],
        ),
    ]
    body = html.Tbody(
        [
            html.Tr([html.Th(name, scope="row"), *cells], className=f"kadvice-row-{name.split()[0].lower()}")
            for name, cells in rows
        ]
    )
    return dbc.Table([head, body], size="sm", responsive=True, className="small mb-0 kadvice-table text-end")


def k_advice_block(advice: KAdvice, k: int | None, note: str = "") -> html.Div:
    """The advice sentence, its reasons, and the per-K chart and table. ``note`` says how the
    numbers were computed (resamples, draws, a sample)."""
    return html.Div(
        [
            html.P(advice.sentence, className="fs-6 fw-semibold mb-1 kadvice-sentence"),
            html.Ul([html.Li(r) for r in k_advice_reasons(advice, k)], className="small mb-2 ps-3 kadvice-reasons"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Graph(
                            figure=k_advice_figure(advice, k),
                            config={"displaylogo": False, "displayModeBar": "hover"},
                            className="kadvice-graph",
                        ),
                        lg=6,
                    ),
                    dbc.Col(k_advice_table(advice, k), lg=6, className="align-self-center"),
                ],
                className="g-3",
            ),
            html.P(note, className="small text-muted mb-0 kadvice-note") if note else None,
        ]
    )


# -- the cluster tree ---------------------------------------------------------------------------
def tree_node_label(node: TreeNode) -> str:
    """ "K=4 · cluster 2 (312 songs)"."""
    return f"K={node.k} · cluster {node.cluster} ({_plural(node.size, 'song')})"


def _short(node: TreeNode) -> str:
    return f"K={node.k} · cluster {node.cluster}"


#: A node's customdata starts with its label (``tree_node_label``); a click reports it.
_NODE_CLICK = re.compile(r"K=(\d{1,4}) · cluster (\d{1,4}) \(")


def parse_tree_click(click: object) -> tuple[int, int] | None:
    """(K, cluster) of the node a click on ``cluster_tree_figure`` names (its customdata begins
    with ``tree_node_label``); None for a click on a link, or a payload no click makes."""
    if not isinstance(click, dict) or not isinstance(click.get("points"), list) or not click["points"]:
        return None
    point = click["points"][0]
    data = point.get("customdata") if isinstance(point, dict) else None
    found = _NODE_CLICK.match(data) if isinstance(data, str) else None
    return (int(found[1]), int(found[2])) if found else None


def _rgba(color: str, alpha: float) -> str:
    """A palette colour ("#1f77b4" or "rgb(27,158,119)") made translucent."""
    red, green, blue = hex_to_rgb(color) if color.startswith("#") else unlabel_rgb(color)
    return f"rgba({red:g},{green:g},{blue:g},{alpha})"


def cluster_tree_figure(tree: ClusterTree, k: int | None = None) -> go.Figure:
    """The cluster tree as a Sankey: one column per K, a node per cluster (coloured as the
    cluster is everywhere at that K, paler away from the current ``k``), links as wide as the
    songs that move from a cluster at one K to a cluster at the next."""
    sources, targets, values = tree.sankey()
    nodes = tree.nodes
    parents = {(n.k, n.cluster): n for n in nodes}
    previous = dict(zip(tree.ks[1:], tree.ks[:-1], strict=False))

    def came_from(node: TreeNode) -> str:
        if node.parent is None:
            return "clustered first at this K"
        parent = parents.get((previous.get(node.k), node.parent))
        where = tree_node_label(parent).split(" (")[0] if parent else f"cluster {node.parent}"
        return f"{node.parent_share:.0%} of its songs from {where}"

    sankey = go.Sankey(
        arrangement="fixed",
        node={
            "label": [f"{n.cluster} · {n.size:,}" for n in nodes],
            # plotly draws one line colour and width for every node: the current K stands
            # out by its full colour (and its bold column title) instead.
            "color": [_rgba(cluster_color(n.cluster), 1.0 if n.k == k or k is None else 0.7) for n in nodes],
            "line": {"color": "white", "width": 0.5},
            "pad": 8,
            "thickness": 14,
            "customdata": [f"{tree_node_label(n)}<br>{came_from(n)}" for n in nodes],
            "hovertemplate": "%{customdata}<br>Click to open it in the explorer<extra></extra>",
        },
        link={
            "source": sources,
            "target": targets,
            "value": values,
            "color": [_rgba(cluster_color(nodes[s].cluster), 0.35) for s in sources],
            "customdata": [f"{_short(nodes[s])} → {_short(nodes[t])}" for s, t in zip(sources, targets, strict=True)],
            "hovertemplate": "%{value:,} songs: %{customdata}<extra></extra>",
        },
    )
    columns = len(tree.ks)
    titles = [  # column titles: plotly puts the first and last columns at the edges
        {
            "x": position / (columns - 1) if columns > 1 else 0.5,
            "y": 1.0,
            "xref": "paper",
            "yref": "paper",
            "xanchor": ("left" if position == 0 else "right" if position == columns - 1 else "center")
            if columns > 1
            else "center",
            "yanchor": "bottom",
            "text": f"<b>K={kk}</b>" if kk == k else f"K={kk}",
            "showarrow": False,
            "font": {"size": 12},
        }
        for position, kk in enumerate(tree.ks)
    ]
    largest = max((sum(1 for n in nodes if n.k == kk) for kk in tree.ks), default=1)
    layout = {
        "annotations": titles,
        # No theme: a Sankey has no axes to style, and validating one costs more than the rest.
        "template": "none",
        "font": {"size": 11, "color": "#2a3f5f"},
        "margin": {"l": 10, "r": 10, "t": MODEBAR_ROOM + 24, "b": 10},
        "height": max(380, 150 + 34 * largest),
    }
    return go.Figure([sankey], layout)
