"""Hostile requests generated from the app's own contracts: URL queries from the URL
contract's parameter names, callback posts from Dash's callback map. Deterministic
(seeded), so a failure can be replayed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from dash._utils import split_callback_id, stringify_id

#: Values a hostile or careless client sends, of every JSON type and shape.
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    "",
    " ",
    "x" * 10_000,
    -1,
    0,
    2**63,
    1e308,
    -1e308,
    1e-300,
    "1e-300",
    "NaN",
    "inf",
    "-0",
    True,
    [],
    [None, 1, "a"],
    {},
    {"k": "abc", "algo": "nope"},
    {"nested": [{"deeper": [1, 2, {"a": None}]}]},
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\x00",
    "😀" * 50,
    "0" * 24,
    "'; DROP TABLE songs; --",
)

#: Parameter values for URL queries: the hostile strings plus plausible near-misses.
URL_VALUES: tuple[str, ...] = (
    *(v for v in HOSTILE_VALUES if isinstance(v, str)),
    *("-3", "999", "2.5", "1e9", "0.3", "1", "100000", "s0001"),
    *("kmeans", "dbscan", "hierarchical", "ward", "single", "tsne", "umap", "pca", "2d", "3d"),
    *("energy,tempo", "energy,energy", "nope,tempo"),
)

#: Values of the type a property holds, with hostile content: what gets past a type check.
TYPED_VALUES: dict[str, tuple[Any, ...]] = {
    "data": (
        {},
        {"k": "abc"},
        {"k": "5", "algo": "dbscan", "eps": "1e-300"},
        {"k": 7, "features": ["energy"], "song": {"x": 1}},
        {"song": "nope", "cluster": "-1", "q": "<script>"},
        {"page": "explorer", "data": "0" * 24},
        {"x": "valence", "y": "valence", "proj": "umap", "dim": "9d"},
        12345.5,
    ),
    "n_clicks": (0, 1, 2**40, -5),
    "id": ({"type": "pick-song", "song": "nope"}, {"type": "preview-slot", "song": "<b>", "where": 1, "data": None}),
    "clickData": ({}, {"points": []}, {"points": [{"customdata": ["nope"]}]}, {"points": [{"customdata": None}]}),
    "hoverData": ({"points": [{}]},),
    "relayoutData": ({"scene.camera": "x"},),
    "value": (None, "", "nope", -1, 1e308, ["nope"], ["energy", "energy"], "kmeans", 3, "3d"),
    "pathname": ("/", "/explorer", "/no/such", "/" + "a" * 5000),
    "search": ("", "?k=abc", "?data=" + "0" * 24, "?" + "&".join(f"p{i}=1" for i in range(500))),
}


def url_queries(names: list[str], count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """``count`` queries of 1-5 parameters each, known names (and some unknown) with values
    from URL_VALUES."""
    rng = random.Random(seed)
    pool = [*names, "unknown", "K", "k[]", "__proto__"]
    for _ in range(count):
        chosen = rng.sample(pool, rng.randint(1, min(5, len(pool))))
        yield {name: rng.choice(URL_VALUES) for name in chosen}


def _concrete(id_text: str, fill: Any) -> tuple[Any, bool]:
    """A callback map id (a plain id, or a pattern with MATCH/ALL wildcards) made concrete
    with ``fill`` in place of each wildcard; and whether it was an ALL pattern."""
    if not id_text.startswith("{"):
        return id_text, False
    pattern = json.loads(id_text)
    wildcards = [v for v in pattern.values() if isinstance(v, list)]
    concrete = {k: (fill if isinstance(v, list) else v) for k, v in pattern.items()}
    return concrete, any(v == ["ALL"] for v in wildcards)


def _item(dependency: dict[str, str], value: Any, fill: Any) -> Any:
    component, is_all = _concrete(dependency["id"], fill)
    item = {"id": component, "property": dependency["property"], "value": value}
    return [item] if is_all else item


def _value(rng: random.Random, prop: str) -> Any:
    """Mostly a value of the property's own type with hostile content, sometimes any value."""
    typed = TYPED_VALUES.get(prop)
    return rng.choice(typed) if typed and rng.random() < 0.7 else rng.choice(HOSTILE_VALUES)


def callback_post(key: str, spec: dict[str, Any], values: dict[str, Any], fill: Any = "x") -> dict:
    """The request body a browser sends for callback ``key`` (its callback map ``spec``):
    each input and state ``"id.property"`` gets ``values``' entry (None if absent); pattern
    ids get ``fill`` for their wildcards (ALL patterns one matching component)."""
    outputs = split_callback_id(key)
    multi = isinstance(outputs, list)
    concrete_outputs = []
    for output in outputs if multi else [outputs]:
        component, is_all = _concrete(output["id"], fill)
        entry = {"id": component, "property": output["property"].split("@")[0]}
        concrete_outputs.append([entry] if is_all else entry)
    inputs = [_item(d, values.get(f"{d['id']}.{d['property']}"), fill) for d in spec["inputs"]]
    state = [_item(d, values.get(f"{d['id']}.{d['property']}"), fill) for d in spec.get("state", [])]
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    return {
        "output": key,
        "outputs": concrete_outputs if multi else concrete_outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{stringify_id(first['id'])}.{first['property']}"],
    }


def callback_posts(
    callback_map: dict[str, dict[str, Any]], per_callback: int, seed: int = 11
) -> Iterator[tuple[str, dict]]:
    """(callback key, request body) pairs: every server-side callback, its inputs and state
    given hostile values, ``per_callback`` times each."""
    rng = random.Random(seed)
    for key, spec in sorted(callback_map.items()):
        if "callback" not in spec:
            continue  # clientside: the browser runs it
        dependencies = [*spec["inputs"], *spec.get("state", [])]
        for _ in range(per_callback):
            fill = rng.choice(["x", "s0001", "overview", 0, "<b>b</b>"])
            values = {f"{d['id']}.{d['property']}": _value(rng, d["property"]) for d in dependencies}
            yield key, callback_post(key, spec, values, fill)
