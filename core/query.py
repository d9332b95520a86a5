"""The URL query is the state of a view: parse and validate it, with plain-words notices.

A bad value never fails a page: it is replaced by a sane default and a notice says
what was wrong and what is shown instead. ``ViewQuery.to_params`` gives back the
canonical query, so a copied URL reproduces the view exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from core.clustering import ALGORITHMS, SCALERS
from core.config import K_MIN
from core.embedding import EMBEDDINGS
from core.hierarchical import LINKAGES

VIEWS = ("3d", "2d")
PROJECTIONS = ("pca", *EMBEDDINGS)
#: Parameters every page shares; nav links carry these from page to page.
GLOBAL_PARAMS = ("k", "algo", "scaler", "features", "eps", "min_samples", "linkage")
MAX_QUERY_CHARS = 200
_EPS_RANGE = (0.0, 1000.0)
_MIN_SAMPLES_RANGE = (1, 10_000)


@dataclass(frozen=True)
class ViewQuery:
    """Validated view state.

    ``song`` is a song id; ``cluster`` a cluster number; ``features`` the clustered
    features (None: all the dataset has); ``eps``/``min_samples`` (DBSCAN) None mean the
    engine's defaults; ``proj`` the explorer's projection; ``feature`` the feature whose
    distribution the heatmap page shows.
    """

    k: int
    song: str | None = None
    cluster: int | None = None
    view: str = "3d"
    x: str | None = None
    y: str | None = None
    q: str = ""
    algo: str = "kmeans"
    scaler: str = "standard"
    features: tuple[str, ...] | None = None
    eps: float | None = None
    min_samples: int | None = None
    linkage: str = "ward"
    proj: str = "pca"
    feature: str | None = None

    def to_params(self) -> dict[str, str]:
        """Canonical query parameters: k always, the rest only when not the default."""
        params = {"k": str(self.k)}
        for name, value in asdict(self).items():
            if name == "k" or value in (None, "") or value == _DEFAULTS.get(name):
                continue
            params[name] = ",".join(value) if isinstance(value, tuple) else str(value)
        return params

    def with_changes(self, **changes: object) -> ViewQuery:
        return replace(self, **changes)


_DEFAULTS = {"view": "3d", "algo": "kmeans", "scaler": "standard", "linkage": "ward", "proj": "pca"}
_CHOICES = {
    "view": VIEWS,
    "algo": ALGORITHMS,
    "scaler": tuple(SCALERS),
    "linkage": LINKAGES,
    "proj": PROJECTIONS,
}


@dataclass(frozen=True)
class QueryLimits:
    """What the current dataset allows."""

    default_k: int
    k_max: int
    features: tuple[str, ...]
    song_exists: Callable[[str], bool]


def _first(value: object) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def _parse_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def parse_query(params: Mapping[str, object], limits: QueryLimits) -> tuple[ViewQuery, list[str]]:
    """Validate raw query parameters (strings, as a page layout receives them).

    Returns the query to show and a notice per value that was replaced.
    """
    notices: list[str] = []
    raw_k = _first(params.get("k"))
    k = _parse_int(raw_k)
    if raw_k is not None and k is None:
        notices.append(f"k={raw_k[:20]!r} is not a whole number; showing K={limits.default_k}.")
    elif k is not None and not K_MIN <= k <= limits.k_max:
        notices.append(f"k={k} is outside {K_MIN}–{limits.k_max}; showing K={limits.default_k}.")
        k = None
    k = limits.default_k if k is None else k

    song = _first(params.get("song"))
    if song is not None and not (song and len(song) <= MAX_QUERY_CHARS and limits.song_exists(song)):
        notices.append(f"There is no song with id {song[:40]!r} in this dataset; no song is selected.")
        song = None

    raw_cluster = _first(params.get("cluster"))
    cluster = _parse_int(raw_cluster)
    algo = (_first(params.get("algo")) or "").lower()
    cluster_max = limits.k_max if algo == "dbscan" else k
    if raw_cluster is not None and (cluster is None or not 0 <= cluster < cluster_max):
        notices.append(f"cluster={raw_cluster[:20]!r} does not exist at K={k}; showing every cluster.")
        cluster = None

    choices = {}
    for name, allowed in _CHOICES.items():
        value = (_first(params.get(name)) or _DEFAULTS[name]).lower()
        if value not in allowed:
            notices.append(f"{name}={value[:20]!r} is not one of {', '.join(allowed)}; showing {_DEFAULTS[name]}.")
            value = _DEFAULTS[name]
        choices[name] = value
    features = _parse_features(_first(params.get("features")), limits.features, notices)
    eps = _parse_number(params, "eps", float, _EPS_RANGE, notices)
    min_samples = _parse_number(params, "min_samples", int, _MIN_SAMPLES_RANGE, notices)
    if choices["algo"] != "dbscan":
        eps = min_samples = None
    if choices["algo"] != "hierarchical":
        choices["linkage"] = _DEFAULTS["linkage"]
    feature = _first(params.get("feature"))
    if feature is not None and feature not in limits.features:
        notices.append(f"feature={feature[:30]!r} is not a feature of this dataset; showing {limits.features[0]}.")
        feature = None

    axes = {}
    for axis, fallback in (("x", 0), ("y", 1)):
        value = _first(params.get(axis))
        if value is not None and value not in limits.features:
            notices.append(
                f"{axis}={value[:30]!r} is not a feature of this dataset; showing {limits.features[fallback]}."
            )
            value = None
        axes[axis] = value

    q = (_first(params.get("q")) or "")[:MAX_QUERY_CHARS]
    query = ViewQuery(
        k=k,
        song=song,
        cluster=cluster,
        x=axes["x"],
        y=axes["y"],
        q=q,
        features=features,
        eps=eps,
        min_samples=min_samples,
        feature=feature,
        **choices,
    )
    return query, notices


def _parse_features(raw: str | None, available: tuple[str, ...], notices: list[str]) -> tuple[str, ...] | None:
    """Comma-separated feature names, in the dataset's order; None means all of them."""
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    chosen = tuple(f for f in available if f in names)
    if unknown:
        notices.append(f"Not features of this dataset: {', '.join(n[:30] for n in unknown[:5])}; left out.")
    if len(chosen) < 2:
        notices.append("At least two features are needed; clustering on all of them.")
        return None
    return None if chosen == available else chosen


def _parse_number(
    params: Mapping[str, object], name: str, cast: type, bounds: tuple[float, float], notices: list[str]
) -> float | int | None:
    raw = _first(params.get(name))
    if raw is None or raw == "":
        return None
    try:
        value = cast(raw)
    except ValueError:
        value = None
    if value is None or not bounds[0] < value <= bounds[1] or value != value:
        notices.append(f"{name}={raw[:20]!r} is not a number in ({bounds[0]:g}, {bounds[1]:g}]; using the default.")
        return None
    return value
