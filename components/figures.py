"""Plotly figure factories: plain data in, a go.Figure out, no I/O and no callbacks.

Text from the data (titles, artists, genres) goes through ``as_plotly_text``: plotly
renders a subset of HTML in hover labels, ticks and annotations, and a title must show
as the text it is.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from components.colors import ZSCORE_SCALE, cluster_color, cluster_name
from core.features import feature_title, format_value

#: dcc.Graph config for every chart: the toolbar shows on hover only (on narrow charts it
#: covered the title), without plotly's logo.
GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": "hover"}
#: Constant uirevision: plotly keeps the user's camera and zoom across figure updates.
UIREVISION = "keep-user-view"
#: Pixels above a plot's area where plotly puts its toolbar, so the toolbar covers no title,
#: legend or axis title.
MODEBAR_ROOM = 32
#: Titles sit left, just above the plot area: below the toolbar, which plotly puts top right.
_MARGIN = {"l": 10, "r": 10, "t": MODEBAR_ROOM + 36, "b": 10}
_THEME = go.layout.Template(pio.templates["plotly_white"])
_THEME.layout.title = {"x": 0, "xref": "paper", "xanchor": "left", "y": 1, "yref": "paper", "yanchor": "bottom"}
_THEME.layout.title.pad = {"b": 10}


def as_plotly_text(text: object) -> str:
    """``text`` as plotly shows it literally: ``<`` ``>`` ``&`` become entities plotly
    decodes. Quotes stay: plotly does not decode ``&quot;`` and would show it as is, and
    without a ``<`` no tag can form."""
    return html.escape(str(text), quote=False)


def _mark_k(fig: go.Figure, k: int, row: int | None = None, col: int | None = None) -> None:
    kwargs = {"row": row, "col": col} if row else {}
    fig.add_vline(x=k, line_dash="dot", line_color="#d62728", annotation_text=f"K={k}", **kwargs)


def elbow_figure(ks: Sequence[int], inertia: Sequence[float], k: int) -> go.Figure:
    """Inertia (within-cluster sum of squares, scaled units) per K, current K marked."""
    fig = go.Figure(
        go.Scatter(
            x=list(ks),
            y=list(inertia),
            mode="lines+markers",
            name="inertia",
            hovertemplate="K=%{x}<br>inertia %{y:,.0f}<extra></extra>",
        )
    )
    _mark_k(fig, k)
    fig.update_layout(
        title="Elbow: inertia by K (lower is tighter)",
        template=_THEME,
        margin=_MARGIN,
        xaxis_title="K",
        yaxis_title="inertia",
        height=320,
        xaxis_dtick=1,
    )
    return fig


def quality_figure(
    ks: Sequence[int],
    silhouette: Sequence[float],
    davies_bouldin: Sequence[float],
    k: int,
    silhouette_sample: int | None = None,
) -> go.Figure:
    """Silhouette (higher is better) and Davies-Bouldin (lower is better) per K; the title
    says when the silhouette is the mean over a sample of ``silhouette_sample`` songs."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=list(ks),
            y=list(silhouette),
            mode="lines+markers",
            name="silhouette",
            hovertemplate="K=%{x}<br>silhouette %{y:.3f}<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=list(ks),
            y=list(davies_bouldin),
            mode="lines+markers",
            name="Davies-Bouldin",
            line_dash="dash",
            hovertemplate="K=%{x}<br>Davies-Bouldin %{y:.3f}<extra></extra>",
        ),
        secondary_y=True,
    )
    _mark_k(fig, k)
    fig.update_layout(
        title="Silhouette ↑, Davies-Bouldin ↓"
        + (f" (silhouette on {silhouette_sample:,} songs)" if silhouette_sample else ""),
        template=_THEME,
        margin=_MARGIN,
        height=320,
        xaxis_title="K",
        xaxis_dtick=1,
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_yaxes(title_text="silhouette", secondary_y=False)
    fig.update_yaxes(title_text="Davies-Bouldin", secondary_y=True, showgrid=False)
    return fig


def sizes_figure(sizes: Sequence[int], descriptions: Sequence[str], noise: int = 0) -> go.Figure:
    """Songs per cluster, one coloured bar each, and a grey "Noise" bar when DBSCAN left some out."""
    clusters = list(range(len(sizes))) + ([-1] if noise else [])
    fig = go.Figure(
        go.Bar(
            x=[cluster_name(c) for c in clusters],
            y=[*sizes, *([noise] if noise else [])],
            marker_color=[cluster_color(c) for c in clusters],
            customdata=[*descriptions, *(["not dense enough to join a cluster"] if noise else [])],
            hovertemplate="%{x}: %{y:,} songs<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(title="Cluster sizes", template=_THEME, margin=_MARGIN, height=320, yaxis_title="songs")
    return fig


#: Clusters drawn as their own trace (legend entry); the rest share one trace. DBSCAN can
#: find hundreds of small clusters, and a trace each would make the plot crawl.
MAX_CLUSTER_TRACES = 30


@dataclass(frozen=True)
class TraceGroup:
    """Songs drawn as one trace: ``members`` index the plotted arrays; ``cluster`` is None
    for the shared trace of the smaller clusters."""

    name: str
    members: np.ndarray
    cluster: int | None
    colors: str | list[str]


def trace_groups(labels: np.ndarray) -> list[TraceGroup]:
    """One group per cluster (noise first, then 0, 1, …); past MAX_CLUSTER_TRACES − 1 clusters
    the remaining (smallest, as clusters are numbered by size) share one group.

    The main plot has one trace per group, then the highlight trace, so the highlight's
    index is ``len(trace_groups(labels))``.
    """
    clusters = [int(c) for c in np.unique(labels)]
    own = clusters if len(clusters) <= MAX_CLUSTER_TRACES else clusters[: MAX_CLUSTER_TRACES - 1]
    groups = [TraceGroup(cluster_name(c), np.flatnonzero(labels == c), c, cluster_color(c)) for c in own]
    rest = clusters[len(own) :]
    if rest:
        members = np.flatnonzero(np.isin(labels, rest))
        groups.append(
            TraceGroup(f"{len(rest)} smaller clusters", members, None, [cluster_color(int(c)) for c in labels[members]])
        )
    return groups


@dataclass(frozen=True)
class Highlight:
    """The selected song (first) and its neighbours, as the main plot rings them:
    ``coords`` (m, 3) in the plot's units, and the m songs' ids, titles and artists."""

    coords: np.ndarray
    ids: tuple[str, ...]
    titles: tuple[str, ...]
    artists: tuple[str, ...]

    @classmethod
    def empty(cls) -> Highlight:
        return cls(np.zeros((0, 3)), (), (), ())


def _hover_text(titles: Sequence[str], artists: Sequence[str]) -> np.ndarray:
    return np.array(
        [f"{as_plotly_text(t)} — {as_plotly_text(a)}" for t, a in zip(titles, artists, strict=True)], dtype=object
    )


def projection_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    song_ids: Sequence[str],
    titles: Sequence[str],
    artists: Sequence[str],
    axis_titles: Sequence[str],
    mode: str = "3d",
    highlight: Highlight | None = None,
    focus_cluster: int | None = None,
    kept: np.ndarray | None = None,
) -> go.Figure:
    """PCA scatter coloured by cluster, song ids in ``customdata`` for clicks.

    coords (n, 3) float, labels (n,) int, song_ids/titles/artists of length n.
    ``highlight`` marks the selected song and its neighbours, drawn as the last trace, and the
    clusters recede behind them. With ``focus_cluster`` the other clusters are drawn faint.
    ``kept`` (n,) float, 0–1 or NaN (not measured): colour songs by the share of their real
    nearest songs the view keeps near them (core.trust) instead of by cluster; the traces stay
    one per cluster, so patches that address them by position work in both colourings.
    """
    three_d = mode == "3d"
    kind = "scatter3d" if three_d else "scattergl"
    text = _hover_text(titles, artists)
    ids = np.asarray(song_ids, dtype=object)
    traces = []
    for group in trace_groups(labels):
        members = group.members
        style = _group_style(group, focus_cluster, highlight is not None)
        point = {"x": coords[members, 0], "y": coords[members, 1]}
        if three_d:
            point["z"] = coords[members, 2]
        traces.append(
            {
                "type": kind,
                **point,
                "mode": "markers",
                "name": group.name,
                "customdata": ids[members],
                "text": text[members],
                "marker": {"size": 3 if three_d else 5, "color": group.colors, "opacity": style["opacity"]},
                "hovertemplate": style["hovertemplate"],
            }
        )
        if kept is not None:
            _colour_by_kept(traces[-1], kept[members], group.name, first=len(traces) == 1)
    traces.append(highlight_trace(highlight, three_d))
    axes = {"xaxis": {"title": {"text": axis_titles[0]}}, "yaxis": {"title": {"text": axis_titles[1]}}}
    layout = {
        "template": _THEME,
        "margin": {"l": 0, "r": 0, "t": MODEBAR_ROOM, "b": 0},  # the toolbar sits above the plot and legend
        "height": 620,
        "uirevision": UIREVISION,
        "legend": {"itemsizing": "constant"},
        "showlegend": kept is None,
        "clickmode": "event",
        **({"scene": {**axes, "zaxis": {"title": {"text": axis_titles[2]}}, "dragmode": "orbit"}} if three_d else axes),
    }
    # Built unvalidated: these traces are the app's own, and plotly's validation of every
    # point (and copy of the template) took three quarters of a K switch's server time.
    return go.Figure(data=traces, layout=layout, _validate=False)


def _group_style(group: TraceGroup, focus_cluster: int | None, song_selected: bool) -> dict[str, object]:
    """A main-plot trace's opacity and hover template: what projection_figure draws and
    regroup_plan sends for the same group."""
    faint = focus_cluster is not None and group.cluster != focus_cluster
    return {
        "opacity": cluster_opacity(faint, song_selected),
        "hovertemplate": f"%{{text}}<br>{group.name}<extra></extra>",
    }


def regroup_plan(
    labels: np.ndarray,
    song_ids: Sequence[str],
    highlight: dict,
    focus_cluster: int | None = None,
    name_in_hover: bool = True,
) -> dict[str, object]:
    """What a browser needs to regroup a cluster-coloured scatter it already shows for new
    ``labels`` (n,) of its n drawn songs ``song_ids`` (n,), without the points being sent
    again: assets/regroup.js moves each point into its new cluster's trace.

    The labels travel as base64 int16 in the order of the ids sorted (the browser sorts
    the ids it has the same way: they are ASCII, core.catalog), about 2.7 bytes a song
    where the whole traces took about 80. ``highlight`` is the new last trace (highlight_trace).
    With ``name_in_hover`` (the main plot) each trace's hover names its cluster; without,
    the traces keep the hover template they have (the feature scatter's).
    """
    order = np.argsort(np.asarray(song_ids, dtype=object), kind="stable")
    sorted_labels = np.ascontiguousarray(np.asarray(labels, dtype="<i2")[order])
    groups = []
    for group in trace_groups(labels):
        style = _group_style(group, focus_cluster, bool(highlight.get("customdata")))
        groups.append(
            {
                "name": group.name,
                "clusters": [group.cluster]
                if group.cluster is not None
                else sorted({int(c) for c in labels[group.members]}),
                "color": group.colors if isinstance(group.colors, str) else None,
                "opacity": style["opacity"],
                **({"hovertemplate": style["hovertemplate"]} if name_in_hover else {}),
            }
        )
    clusters = np.unique(labels)
    return {
        "songs": len(order),
        "labels": base64.b64encode(sorted_labels.tobytes()).decode("ascii"),
        "groups": groups,
        "colors": {str(int(c)): cluster_color(int(c)) for c in clusters},
        "highlight": highlight,
    }


#: How opaque the cluster points are: as drawn, when a song is selected (the rest recede so
#: it and its neighbours stand out), and in a cluster out of focus.
POINT_OPACITY = 0.75
SELECTED_OPACITY = 0.3
FAINT_OPACITY = 0.12


def cluster_opacity(faint: bool, song_selected: bool) -> float:
    """The opacity of one cluster's points (see POINT_OPACITY)."""
    if faint:
        return FAINT_OPACITY
    return SELECTED_OPACITY if song_selected else POINT_OPACITY


#: Few real neighbours kept (red) to all kept (blue); grey where it was not measured.
KEPT_COLOURS = "RdYlBu"


def _colour_by_kept(trace: dict, kept: np.ndarray, cluster: str, first: bool) -> None:
    """Recolour one cluster's trace by ``kept`` (its songs' preservation, 0–1, NaN unmeasured);
    the first trace carries the colour bar for all."""
    trace["marker"].update(
        {
            "color": np.where(np.isnan(kept), 0.5, kept),
            "cmin": 0,
            "cmax": 1,
            "colorscale": KEPT_COLOURS,
            "showscale": first,
            **({"colorbar": {"title": {"text": "real neighbours<br>kept near"}, "tickformat": ".0%"}} if first else {}),
        }
    )
    trace["hovertemplate"] = (
        f"%{{text}}<br>{cluster} · %{{marker.color:.0%}} of its nearest songs kept near<extra></extra>"
    )


def highlight_trace(highlight: Highlight | None, three_d: bool, svg: bool = False) -> dict:
    """The selected song (large black point with a white rim and its title beside it) and its
    neighbours (dark points with a white rim), drawn over the receding clusters; or an
    empty trace. A trace dict (as projection_figure's), so a Patch can replace it. ``svg``
    for the feature scatter, which is drawn as SVG rather than WebGL."""
    points = highlight or Highlight.empty()
    coords = np.asarray(points.coords).reshape(-1, 3)
    hover = _hover_text(points.titles, points.artists)
    labels = [as_plotly_text(points.titles[0]) if i == 0 else "" for i in range(len(coords))]
    trace = {
        "type": "scatter3d" if three_d else ("scatter" if svg else "scattergl"),
        "x": coords[:, 0],
        "y": coords[:, 1],
        "mode": "markers+text",
        "name": "selected",
        "customdata": list(points.ids),
        "hovertext": hover,
        "text": labels,
        "textposition": "top center",
        "textfont": {"size": 13, "color": "#111"},
        "showlegend": False,
        "marker": {
            "size": [(12 if three_d else 16) if i == 0 else (7 if three_d else 10) for i in range(len(coords))],
            "color": ["#111" if i == 0 else "#3b3b3b" for i in range(len(coords))],
            "opacity": 1,
            "line": {"color": "#fff", "width": 2},
        },
        "hovertemplate": "%{hovertext}<extra>selected</extra>",
    }
    if three_d:
        trace["z"] = coords[:, 2]
    return trace


def feature_scatter_figure(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    song_ids: Sequence[str],
    titles: Sequence[str],
    artists: Sequence[str],
    x_feature: str,
    y_feature: str,
    highlight: Highlight | None = None,
) -> go.Figure:
    """Any two raw features against each other, coloured by cluster; ``highlight`` (coords in
    raw feature units, z unused) marks the selected song and its neighbours, as in the main
    plot, as the last trace.

    Drawn as SVG, not WebGL: the page's one WebGL context is the 3D plot's (browsers
    cap contexts per page, and each costs start-up time); callers pass at most a few
    thousand points.
    """
    text = _hover_text(titles, artists)
    ids = np.asarray(song_ids, dtype=object)
    fig = go.Figure()
    for group in trace_groups(labels):
        members = group.members
        fig.add_trace(
            go.Scatter(
                x=x[members],
                y=y[members],
                mode="markers",
                name=group.name,
                customdata=ids[members],
                text=text[members],
                marker={"size": 5, "color": group.colors, "opacity": cluster_opacity(False, highlight is not None)},
                hovertemplate="%{text}<br>%{x:.3g}, %{y:.3g}<extra></extra>",
            )
        )
    fig.add_trace(highlight_trace(highlight, three_d=False, svg=True))
    fig.update_layout(
        template=_THEME,
        margin=_MARGIN,
        height=420,
        uirevision=UIREVISION,
        xaxis_title=feature_title(x_feature),
        yaxis_title=feature_title(y_feature),
    )
    return fig


def zscore_heatmap(
    zscores: np.ndarray, means: np.ndarray, features: Sequence[str], descriptions: Sequence[str]
) -> go.Figure:
    """Clusters × features z-scores, diverging colours centred on 0, raw means in the hover.

    zscores and means have shape (k, n_features); means are in raw units.
    """
    rows = [f"Cluster {c}" for c in range(len(zscores))]
    columns = [feature_title(f) for f in features]
    limit = max(1.0, float(np.nanmax(np.abs(zscores)))) if zscores.size else 1.0
    shown = np.array(
        [[format_value(f, m, with_unit=True) for f, m in zip(features, row, strict=True)] for row in means]
    )
    custom = np.dstack([shown, np.array(descriptions, dtype=object)[:, None].repeat(len(features), axis=1)])
    fig = go.Figure(
        go.Heatmap(
            z=zscores,
            x=columns,
            y=rows,
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorscale=ZSCORE_SCALE,
            customdata=custom,
            text=np.round(zscores, 2),
            texttemplate="%{text}",
            colorbar={"title": {"text": "z-score"}},
            hovertemplate=(
                "%{y} · %{x}<br>z = %{z:.2f}<br>cluster mean %{customdata[0]}<br>%{customdata[1]}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        template=_THEME,
        margin=_MARGIN,
        height=120 + 48 * len(rows),
        title="How each cluster differs from the average song (z-scores)",
        yaxis_autorange="reversed",
    )
    return fig


def profile_bars(zscores: dict[str, float], color: str) -> go.Figure:
    """A small horizontal bar chart of one cluster's z-scores (for cluster cards).

    The x axis spans ±2.5 standard deviations, or more when a bar reaches further: no bar
    is cut off (a small, unusual cluster can sit 5 SD from the mean)."""
    features = list(zscores)
    finite = [abs(z) for z in zscores.values() if np.isfinite(z)]
    reach = max([2.5, *(1.08 * z for z in finite)])
    fig = go.Figure(
        go.Bar(
            x=[zscores[f] for f in features],
            y=[feature_title(f) for f in features],
            orientation="h",
            marker_color=color,
            hovertemplate="%{y}: %{x:+.2f} SD from the average song<extra></extra>",
        )
    )
    fig.update_layout(
        template=_THEME,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=230,
        xaxis={"range": [-reach, reach], "zeroline": True, "title": None},
        yaxis_autorange="reversed",
        showlegend=False,
    )
    return fig


def k_distance_figure(distances: np.ndarray, min_samples: int, suggested_eps: float, eps: float) -> go.Figure:
    """Each song's distance to its ``min_samples``-th neighbour, sorted: DBSCAN's eps sits at the knee.

    distances (m,) in scaled units, ascending; the suggested and the used eps are marked.
    """
    fig = go.Figure(go.Scatter(y=distances, mode="lines", name="k-distance", hovertemplate="%{y:.3f}<extra></extra>"))
    fig.add_hline(
        y=suggested_eps,
        line_dash="dot",
        line_color="#2ca02c",
        annotation_text=f"suggested eps {suggested_eps:.2f}",
        annotation_position="top left",
    )
    if abs(eps - suggested_eps) > 1e-9:
        fig.add_hline(y=eps, line_dash="dash", line_color="#d62728", annotation_text=f"eps {eps:.2f}")
    fig.update_layout(
        title=f"k-distance (k = min samples = {min_samples}): eps at the knee",
        template=_THEME,
        margin=_MARGIN,
        height=320,
        xaxis_title="songs, sorted",
        yaxis_title="distance (scaled)",
    )
    return fig


def dendrogram_figure(
    icoord: Sequence[Sequence[float]],
    dcoord: Sequence[Sequence[float]],
    leaf_labels: Sequence[str],
    cut_height: float,
    k: int,
) -> go.Figure:
    """A (truncated) dendrogram from scipy's coordinates, cut where it splits into k clusters."""
    fig = go.Figure()
    for xs, ys in zip(icoord, dcoord, strict=True):
        fig.add_trace(
            go.Scatter(
                x=list(xs),
                y=list(ys),
                mode="lines",
                line={"color": "#555", "width": 1},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_hline(y=cut_height, line_dash="dot", line_color="#d62728", annotation_text=f"cut: K={k}")
    ticks = [5 + 10 * i for i in range(len(leaf_labels))]
    fig.update_layout(
        title="Dendrogram (merges near the top are the last, most different ones)",
        template=_THEME,
        margin=_MARGIN,
        height=360,
        yaxis_title="merge distance",
        xaxis={"tickvals": ticks, "ticktext": list(leaf_labels), "tickangle": -60},
    )
    return fig


def distribution_figure(values: np.ndarray, labels: np.ndarray, feature: str) -> go.Figure:
    """One box per cluster of a feature's raw values (noise, label −1, grey and last).

    Quartiles, mean and 1.5-IQR whiskers are computed here from every song and sent
    as numbers, so the figure stays small at a million songs.
    """
    fig = go.Figure()
    for cluster in sorted(np.unique(labels), key=lambda c: (c < 0, c)):
        member_values = values[labels == cluster]
        q1, median, q3 = np.percentile(member_values, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        low = member_values[member_values >= q1 - reach].min()
        high = member_values[member_values <= q3 + reach].max()
        name = cluster_name(int(cluster))
        fig.add_trace(
            go.Box(
                x=[name],
                q1=[q1],
                median=[median],
                q3=[q3],
                lowerfence=[low],
                upperfence=[high],
                mean=[member_values.mean()],
                name=name,
                marker_color=cluster_color(int(cluster)),
            )
        )
    fig.update_layout(
        title=f"{feature_title(feature)} by cluster",
        template=_THEME,
        margin=_MARGIN,
        height=360,
        showlegend=False,
        yaxis_title=feature_title(feature),
    )
    return fig


def mean_profile_figure(scaled_means: np.ndarray, features: Sequence[str]) -> go.Figure:
    """Grouped bars: each cluster's mean of each feature, on 0–1 between the feature's
    global minimum and maximum so that features of any unit share one axis.

    scaled_means has shape (k, n_features).
    """
    fig = go.Figure()
    labels = [feature_title(f) for f in features]
    for cluster, row in enumerate(scaled_means):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=row,
                name=cluster_name(cluster),
                marker_color=cluster_color(cluster),
                hovertemplate=f"{cluster_name(cluster)} · %{{x}}: %{{y:.2f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Mean of each feature per cluster (0 = lowest song, 1 = highest)",
        barmode="group",
        template=_THEME,
        margin=_MARGIN,
        height=380,
        yaxis_range=[0, 1],
    )
    return fig


def genre_crosstab_figure(
    counts: np.ndarray,
    clusters: Sequence[int],
    genres: Sequence[str],
    column: str = "genre",
    noun: str = "genre",
    multi: bool = False,
) -> go.Figure:
    """Clusters × the values of the label column ``column`` (one value is a ``noun``):
    colour is a share of the row, text the count of songs.

    A row adds up the cluster's songs with a known value; when ``multi`` (a song may hold
    several values and counts once under each) it adds up the cluster's (song, value)
    pairs, and the title, colour bar and hover say so. Names from the data are escaped:
    plotly renders tags in tick labels and titles; the hover template holds none."""
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    of = f"{noun} mentions (a song counts once per {noun})" if multi else f"songs with a {noun}"
    of = f"the cluster's {of}"
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=[as_plotly_text(g) for g in genres],
            y=[cluster_name(c) for c in clusters],
            colorscale="Blues",
            zmin=0,
            zmax=1,
            text=counts,
            texttemplate="%{text}",
            colorbar={"title": {"text": f"% of {noun} mentions" if multi else "% of songs"}, "tickformat": ".0%"},
            hovertemplate=f"%{{y}} · %{{x}}: %{{text}} songs, %{{z:.0%}} of {of}<extra></extra>",
        )
    )
    fig.update_layout(
        title={
            "text": f"Songs of each cluster by '{as_plotly_text(column)}'"
            f"<br><sup>number: songs; colour: % of {of}</sup>"
        },
        template=_THEME,
        margin={**_MARGIN, "t": MODEBAR_ROOM + 60},
        height=160 + 40 * len(clusters),
        xaxis_title=as_plotly_text(column),
        yaxis_autorange="reversed",
    )
    return fig
