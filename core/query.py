"""The URL query is the state of a view: parse and validate it, with plain-words notices.

A bad value never fails a page: it is replaced by a sane default and a notice says
what was wrong and what is shown instead. ``ViewQuery.to_params`` gives back the
canonical query, so a copied URL reproduces the view exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from core.config import K_MIN

VIEWS = ("3d", "2d")
#: Parameters every page shares; nav links carry these from page to page.
GLOBAL_PARAMS = ("k",)
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class ViewQuery:
    """Validated view state. ``song`` is a song id; ``cluster`` a cluster number < k."""

    k: int
    song: str | None = None
    cluster: int | None = None
    view: str = "3d"
    x: str | None = None
    y: str | None = None
    q: str = ""

    def to_params(self) -> dict[str, str]:
        """Canonical query parameters: k always, the rest only when set."""
        params = {"k": str(self.k)}
        for name, value in asdict(self).items():
            if name != "k" and value not in (None, "", "3d"):
                params[name] = str(value)
        return params

    def with_changes(self, **changes: object) -> ViewQuery:
        return replace(self, **changes)


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
    if raw_cluster is not None and (cluster is None or not 0 <= cluster < k):
        notices.append(f"cluster={raw_cluster[:20]!r} does not exist at K={k}; showing every cluster.")
        cluster = None

    view = (_first(params.get("view")) or "3d").lower()
    if view not in VIEWS:
        notices.append(f"view={view[:20]!r} is not one of {', '.join(VIEWS)}; showing 3d.")
        view = "3d"

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
    return ViewQuery(k=k, song=song, cluster=cluster, view=view, x=axes["x"], y=axes["y"], q=q), notices
