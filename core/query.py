"""The URL query is the state of a view: parse and validate it, with plain-words notices.

A bad value never fails a page: it is replaced by a sane default and a notice says
what was wrong and what is shown instead. ``ViewQuery.to_params`` gives back the
canonical query, so a copied URL reproduces the view exactly.

This module is the one home of the URL contract: which parameters exist, their
defaults, which ones every page shares (``shared_param_names``), and the method options,
read from ``core.methods.METHODS``. The shell sends ``url_contract()`` to the browser,
so the clientside glue copies values and never spells a default itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from core.clustering import DEFAULT_SCALER, SCALER_LABELS
from core.config import K_MIN
from core.embedding import EMBEDDINGS
from core.methods import DEFAULT_METHOD, METHODS, Method, OptionValue

VIEWS = {"3d": "3D", "2d": "2D"}
#: What colours the explorer's songs: their cluster, or how many of their real nearest
#: songs the view keeps near them (core.trust).
COLOURINGS = {"cluster": "Cluster", "trust": "Neighbours kept"}
#: Where the explorer draws songs: one PCA, or a 2-D map of the engine's (core.embedding).
PROJECTIONS = {"pca": "PCA", **EMBEDDINGS}
MAX_QUERY_CHARS = 200
#: Parameters every page shares besides the method options; nav links carry them from page to page.
_SHARED = ("k", "algo", "scaler", "features")


@dataclass(frozen=True)
class ViewQuery:
    """Validated view state.

    ``data`` is the dataset's id (core.datasets; None: the operator's default dataset);
    ``song`` is a song id; ``cluster`` a cluster number; ``features`` the clustered
    features (None: all the dataset has); ``options`` the chosen method's options that
    differ from their defaults, as sorted (name, value) pairs; ``proj`` the explorer's
    projection and ``colour`` what colours its songs (COLOURINGS); ``feature`` the
    feature whose distribution the heatmap page shows;
    ``label`` the label column the genre check compares the clusters with (None: the
    dataset's default, core.genres). Like ``x``, ``y`` and ``feature`` it belongs to its
    page: links from page to page do not carry it.
    """

    k: int
    song: str | None = None
    cluster: int | None = None
    view: str = "3d"
    x: str | None = None
    y: str | None = None
    q: str = ""
    algo: str = DEFAULT_METHOD
    scaler: str = DEFAULT_SCALER
    features: tuple[str, ...] | None = None
    options: tuple[tuple[str, OptionValue], ...] = ()
    proj: str = "pca"
    colour: str = "cluster"
    feature: str | None = None
    label: str | None = None
    data: str | None = None

    def option(self, name: str) -> OptionValue | None:
        return dict(self.options).get(name)

    def to_params(self) -> dict[str, str]:
        """Canonical query parameters: k always, the rest only when not the default."""
        params = {"k": str(self.k)}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name in ("k", "options") or value in (None, "") or value == spec.default:
                continue
            params[spec.name] = ",".join(value) if isinstance(value, tuple) else str(value)
        params.update({name: _text(value) for name, value in self.options})
        return params

    def shared_params(self) -> dict[str, str]:
        """The parameters every page shares (the dataset, K, the method and its options), for links."""
        shared = link_param_names()
        return {name: value for name, value in self.to_params().items() if name in shared}

    def with_changes(self, **changes: object) -> ViewQuery:
        return replace(self, **changes)


def _text(value: OptionValue) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def shared_param_names() -> tuple[str, ...]:
    """K, the method, scaling, features and every registered method option."""
    return (*_SHARED, *(o.name for o in METHODS.options()))


def link_param_names() -> tuple[str, ...]:
    """What a link from page to page carries: the dataset, then the shared settings."""
    return ("data", *shared_param_names())


def url_contract() -> dict[str, object]:
    """What the browser's URL glue needs (assets/url_sync.js): what nav links carry, the
    method options and defaults, and per method whether it uses K and its options."""
    return {
        "linkParams": list(link_param_names()),
        "options": [o.name for o in METHODS.options()],
        "defaults": {
            "algo": DEFAULT_METHOD,
            "scaler": DEFAULT_SCALER,
            **{o.name: o.default for o in METHODS.options()},
        },
        "methods": {
            m.name: {"usesK": m.uses_k, "options": [o.name for o in m.options], "description": m.description}
            for m in METHODS.methods.values()
        },
    }


@dataclass(frozen=True)
class QueryLimits:
    """What the current dataset allows."""

    default_k: int
    k_max: int
    features: tuple[str, ...]
    song_exists: Callable[[str], bool]
    #: The dataset's usable label columns, its default first (core.genres.usable_label_columns);
    #: None when the caller does not say, and a ``label`` is then kept unchecked.
    labels: tuple[str, ...] | None = None


def _first(value: object) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def dataset_param(params: Mapping[str, object]) -> str | None:
    """The ``data`` parameter as given (None when absent or empty); whether such a dataset
    exists is the dataset store's to say."""
    return _first(params.get("data")) or None


def _parse_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _choice(params: Mapping[str, object], name: str, allowed: Mapping[str, str], default: str, notices: list[str]):
    value = (_first(params.get(name)) or default).strip().lower()
    if value not in allowed:
        notices.append(f"{name}={value[:20]!r} is not one of {', '.join(allowed)}; showing {default}.")
        return default
    return value


def parse_query(params: Mapping[str, object], limits: QueryLimits) -> tuple[ViewQuery, list[str]]:
    """Validate raw query parameters (strings, as a page layout receives them).

    Returns the query to show and a notice per value that was replaced. Parameters this
    module does not know are ignored.
    """
    notices: list[str] = []
    raw_k = _first(params.get("k"))
    k = _parse_int(raw_k)
    if raw_k is not None and k is None:
        notices.append(f"k={raw_k[:20]!r} is not a whole number; showing K={limits.default_k}.")
    elif k is not None and not K_MIN <= k <= limits.k_max:
        notices.append(f"k={raw_k[:20]} is outside {K_MIN}–{limits.k_max}; showing K={limits.default_k}.")
        k = None
    k = limits.default_k if k is None else k

    song = _first(params.get("song"))
    if song is not None and not (song and len(song) <= MAX_QUERY_CHARS and limits.song_exists(song)):
        notices.append(f"There is no song with id {song[:40]!r} in this dataset; no song is selected.")
        song = None

    algo = _choice(params, "algo", {m.name: m.label for m in METHODS.methods.values()}, DEFAULT_METHOD, notices)
    method = METHODS.get(algo)
    raw_cluster = _first(params.get("cluster"))
    cluster = _parse_int(raw_cluster)
    cluster_max = k if method.uses_k else limits.k_max
    if raw_cluster is not None and (cluster is None or not 0 <= cluster < cluster_max):
        where = f"at K={k}" if method.uses_k else f"with {method.label}"
        notices.append(f"cluster={raw_cluster[:20]!r} does not exist {where}; showing every cluster.")
        cluster = None

    feature = _first(params.get("feature"))
    if feature is not None and feature not in limits.features:
        notices.append(f"feature={feature[:30]!r} is not a feature of this dataset; showing {limits.features[0]}.")
        feature = None

    label = _first(params.get("label"))
    if label is not None and not (
        0 < len(label) <= MAX_QUERY_CHARS and (limits.labels is None or label in limits.labels)
    ):
        if limits.labels is None:
            instead = "showing the default"
        else:
            instead = f"showing {limits.labels[0][:30]}" if limits.labels else "it has none"
        notices.append(f"label={label[:30]!r} is not a label column of this dataset; {instead}.")
        label = None

    axes = {}
    for axis, fallback in (("x", 0), ("y", 1)):
        value = _first(params.get(axis))
        if value is not None and value not in limits.features:
            notices.append(
                f"{axis}={value[:30]!r} is not a feature of this dataset; showing {limits.features[fallback]}."
            )
            value = None
        axes[axis] = value

    query = ViewQuery(
        k=k,
        song=song,
        cluster=cluster,
        view=_choice(params, "view", VIEWS, "3d", notices),
        x=axes["x"],
        y=axes["y"],
        q=(_first(params.get("q")) or "")[:MAX_QUERY_CHARS],
        algo=algo,
        scaler=_choice(params, "scaler", SCALER_LABELS, DEFAULT_SCALER, notices),
        features=_parse_features(_first(params.get("features")), limits.features, notices),
        options=_parse_options(params, method, notices),
        proj=_choice(params, "proj", PROJECTIONS, "pca", notices),
        colour=_choice(params, "colour", COLOURINGS, "cluster", notices),
        feature=feature,
        label=label,
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


def _parse_options(
    params: Mapping[str, object], method: Method, notices: list[str]
) -> tuple[tuple[str, OptionValue], ...]:
    """The method's options given in the URL and different from their defaults; a bad value
    gets a notice and its default. Options of other methods are ignored."""
    chosen = {}
    for option in method.options:
        raw = _first(params.get(option.name))
        if raw is None or raw == "":
            continue
        try:
            value = option.parse(raw)
        except ValueError as exc:
            shown = "the default" if option.default is None else str(option.default)
            notices.append(f"{exc}; using {shown}.")
            continue
        if value != option.default:
            chosen[option.name] = value
    return tuple(sorted(chosen.items()))
