"""The one registry of clustering methods: what each is called, what it takes, how it fits.

A ``Method`` declares its URL name and label, whether it uses K, its own options (URL
name, type, default, bounds or choices), how it fits and how its options are filled in.
Everything that offers or reads a method asks this registry: ``Engine`` (fitting and the
cache key), ``core.query.parse_query`` (the URL), the CLI flags, the shell's controls and
the defaults the browser's URL glue receives. A new method is one ``register_method``
call, in the spirit of datasette's ``register_facet_classes()``.

Option names share one namespace across methods (a name means one thing in a URL and
on the command line); ``register_method`` refuses a clash. The built-in methods are
registered when this module is imported, in the order the UI lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from core.clustering import DEFAULT_SCALER, Clustering, cluster_kmeans
from core.density import cluster_dbscan, default_min_samples, fitted_songs
from core.errors import DatasetError
from core.hierarchical import LINKAGES, cluster_hierarchical

OptionValue = int | float | str
#: The method a URL without ``algo`` means (registered below).
DEFAULT_METHOD = "kmeans"


@dataclass(frozen=True)
class MethodOption:
    """One setting of a method, as it appears in a URL (``name=value``) and as a CLI flag.

    Numbers must lie in ``bounds`` = (low, high], low exclusive; text must be one of
    ``choices`` (value -> label). ``default`` None means "auto": the method's ``resolve``
    fills it in from the data (the control then shows an empty box).
    """

    name: str
    label: str
    kind: type[int] | type[float] | type[str]
    default: OptionValue | None = None
    bounds: tuple[float, float] | None = None
    choices: Mapping[str, str] | None = None
    help: str = ""

    def parse(self, raw: object) -> OptionValue:
        """``raw`` (a URL string, a CLI value, a number) as this option's value; ValueError says why not."""
        if self.kind is str:
            value = str(raw).strip().lower()
            if self.choices is not None and value not in self.choices:
                raise ValueError(f"{self.name}={str(raw)[:20]} is not one of {', '.join(self.choices)}")
            return value
        if isinstance(raw, bool):
            raise ValueError(f"{self.name} must be a number (got {raw!r})")
        try:
            number = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}={str(raw)[:20]} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.name}={str(raw)[:20]} is not a finite number")
        if self.kind is int:
            if number != int(number):
                raise ValueError(f"{self.name}={str(raw)[:20]} is not a whole number")
            number = int(number)
        if self.bounds is not None and not self.bounds[0] < number <= self.bounds[1]:
            low, high = self.bounds
            raise ValueError(f"{self.name}={str(raw)[:20]} must be more than {low:g} and at most {high:g}")
        return number


class Fitter(Protocol):
    """What a method's ``fit`` and ``resolve`` may ask of the engine (core.engine.Engine)."""

    def fit_input(self, params: ClusterParams) -> tuple[Any, Any]: ...

    def hierarchy(self, params: ClusterParams) -> Any: ...

    def k_distance(self, params: ClusterParams) -> Any: ...

    @property
    def n_songs(self) -> int: ...


@dataclass(frozen=True)
class Method:
    """A clustering method. ``fit(engine, params)`` returns the Clustering of ``params``
    (whose options are complete); ``resolve(engine, params)`` fills in "auto" options and
    checks what depends on the data, raising DatasetError. ``diagnostics`` names the
    overview's extra charts for it ("k_distance", "dendrogram"); ``finds_noise`` says it may
    leave songs in no cluster."""

    name: str
    label: str
    uses_k: bool
    fit: Callable[[Fitter, ClusterParams], Clustering]
    options: tuple[MethodOption, ...] = ()
    resolve: Callable[[Fitter, ClusterParams], ClusterParams] | None = None
    diagnostics: tuple[str, ...] = ()
    finds_noise: bool = False
    #: Shown under the method control: what the method does, in a sentence.
    description: str = ""
    #: The method comparison on the overview fits it too.
    in_comparison: bool = True

    def option(self, name: str) -> MethodOption | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass(frozen=True)
class ClusterParams:
    """Everything that changes a clustering besides the catalog.

    ``algorithm`` names a method of ``core.methods.METHODS``; ``options`` holds that
    method's own options, every one of them, as sorted (name, value) pairs (``Engine.params``
    fills in defaults, so the key is concrete). ``k`` serves the methods that use K (DBSCAN
    finds its own number of clusters). ``key`` carries only what the method uses, so equal
    answers share one cache entry.
    """

    k: int
    features: tuple[str, ...]
    scaler: str = DEFAULT_SCALER
    algorithm: str = DEFAULT_METHOD
    seed: int = 42
    options: tuple[tuple[str, OptionValue | None], ...] = ()

    @property
    def method(self) -> Method:
        return METHODS.get(self.algorithm)

    def option(self, name: str) -> OptionValue | None:
        """The value of this method's option ``name`` (None: not given, or not this method's)."""
        return dict(self.options).get(name)

    def with_options(self, **changes: OptionValue | None) -> ClusterParams:
        return replace(self, options=tuple(sorted({**dict(self.options), **changes}.items())))

    def describe(self) -> str:
        """In words, for progress messages: e.g. "K-Means (K=5)", "DBSCAN (eps 1.2, min_samples 20)"."""
        parts = [f"K={self.k}"] if self.method.uses_k else []
        parts += [
            f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}" for name, value in self.options
        ]
        return f"{self.method.label} ({', '.join(parts)})" if parts else self.method.label

    def space_key(self) -> str:
        return f"features={','.join(self.features)}|scaler={self.scaler}|seed={self.seed}"

    def algorithm_key(self) -> str:
        """The algorithm and its own options, K aside."""
        return "|".join([f"algo={self.algorithm}", *(f"{name}={value!r}" for name, value in self.options)])

    def key(self) -> str:
        k = f"|k={self.k}" if self.method.uses_k else ""
        return f"{self.space_key()}|{self.algorithm_key()}{k}"


@dataclass
class MethodRegistry:
    """Methods by name, in the order they were registered (the order the UI lists them)."""

    methods: dict[str, Method] = field(default_factory=dict)

    def register(self, method: Method) -> None:
        taken = {o.name: m.name for m in self.methods.values() for o in m.options if m.name != method.name}
        clashes = [o.name for o in method.options if o.name in taken]
        if clashes:
            raise ValueError(f"option(s) {', '.join(clashes)} of {method.name!r} already belong to another method")
        self.methods[method.name] = method

    def get(self, name: str) -> Method:
        """The method called ``name``; DatasetError naming the choices when there is none."""
        try:
            return self.methods[name]
        except KeyError:
            raise DatasetError(f"Unknown algorithm '{name}': use one of {', '.join(self.methods)}.") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self.methods)

    def options(self) -> tuple[MethodOption, ...]:
        """Every method's options, in registry order (one namespace: names are unique)."""
        return tuple(o for m in self.methods.values() for o in m.options)


#: The registry every part of the app reads. Code definitions, the same in every worker.
METHODS = MethodRegistry()


def register_method(method: Method) -> None:
    METHODS.register(method)


@contextmanager
def registered(method: Method) -> Iterator[Method]:
    """``method`` registered for the duration of a ``with`` block (tests, plugins tried out)."""
    register_method(method)
    try:
        yield method
    finally:
        METHODS.methods.pop(method.name, None)


# -- the built-in methods ------------------------------------------------------------------


def _fit_kmeans(engine: Fitter, params: ClusterParams) -> Clustering:
    raw, X = engine.fit_input(params)
    return cluster_kmeans(raw, X, params.k, params.features, params.scaler, params.seed)


def _fit_hierarchical(engine: Fitter, params: ClusterParams) -> Clustering:
    raw, X = engine.fit_input(params)
    tree = engine.hierarchy(params)
    return cluster_hierarchical(raw, X, tree, params.k, params.features, params.scaler, params.seed)


def _fit_dbscan(engine: Fitter, params: ClusterParams) -> Clustering:
    raw, X = engine.fit_input(params)
    eps, min_samples = params.option("eps"), params.option("min_samples")
    return cluster_dbscan(raw, X, eps, min_samples, params.features, params.scaler, params.seed)


def dbscan_min_samples(params: ClusterParams, n_songs: int) -> int:
    """params' min_samples, or the default (2 × features) capped at the songs DBSCAN fits on."""
    given = params.option("min_samples")
    if given is not None:
        return int(given)
    return min(default_min_samples(len(params.features)), fitted_songs(n_songs))


def _resolve_dbscan(engine: Fitter, params: ClusterParams) -> ClusterParams:
    """min_samples defaults to 2 × features, eps to the knee of the k-distance curve (core.density)."""
    given = params.option("min_samples")
    fitted = fitted_songs(engine.n_songs)
    if given is not None and not 2 <= given <= fitted:
        raise DatasetError(
            f"min_samples={given} cannot be used: it must be between 2 and {fitted:,} (the songs DBSCAN fits on)."
        )
    with_min = params.with_options(min_samples=dbscan_min_samples(params, engine.n_songs))
    if with_min.option("eps") is not None:
        return with_min
    return with_min.with_options(eps=engine.k_distance(with_min).suggested_eps)


register_method(
    Method(
        name="kmeans",
        label="K-Means",
        uses_k=True,
        fit=_fit_kmeans,
        description="K round groups around K centres.",
    )
)
register_method(
    Method(
        name="hierarchical",
        label="Hierarchical",
        uses_k=True,
        fit=_fit_hierarchical,
        options=(
            MethodOption(
                name="linkage",
                label="Linkage",
                kind=str,
                default=LINKAGES[0],
                choices={linkage: linkage.capitalize() for linkage in LINKAGES},
                help="how the distance between two groups is measured",
            ),
        ),
        diagnostics=("dendrogram",),
        description="Merges the closest groups until K are left; the tree shows how.",
    )
)
register_method(
    Method(
        name="dbscan",
        label="DBSCAN",
        uses_k=False,
        fit=_fit_dbscan,
        options=(
            MethodOption(
                name="eps",
                label="eps",
                kind=float,
                bounds=(0.0, 1000.0),
                help="radius of a dense neighbourhood in scaled units (default: the k-distance knee)",
            ),
            MethodOption(
                name="min_samples",
                label="min samples",
                kind=int,
                bounds=(1.0, 10_000.0),
                help="songs in a dense neighbourhood (default: 2 × features)",
            ),
        ),
        resolve=_resolve_dbscan,
        diagnostics=("k_distance",),
        finds_noise=True,
        description="Finds dense groups by itself; songs in none are noise. K does not apply.",
    )
)


def with_defaults(method: Method, options: Mapping[str, object]) -> dict[str, OptionValue | None]:
    """``options`` parsed for ``method``: its own options only, missing ones at their defaults.

    Raises DatasetError for a bad value; options of other methods are left out.
    """
    values: dict[str, OptionValue | None] = {}
    for option in method.options:
        raw = options.get(option.name)
        if raw is None or raw == "":
            values[option.name] = option.default
            continue
        try:
            values[option.name] = option.parse(raw)
        except ValueError as exc:
            raise DatasetError(f"{exc}.") from None
    return values
