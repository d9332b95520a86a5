"""Regrouping a cluster-coloured scatter in the browser (assets/regroup.js, run in Node) from the
server's plan (components.figures.regroup_plan): every song lands in its new cluster's trace with
its own position and hover text, and the plan is a small fraction of the figure it replaces."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import plotly.io as pio
import pytest

from components.colors import cluster_color
from components.figures import (
    MAX_CLUSTER_TRACES,
    Highlight,
    highlight_trace,
    projection_figure,
    regroup_plan,
)

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
_RUN = """
const asked = [];
globalThis.window = {dash_clientside: {no_update: "NO_UPDATE", set_props: (id, props) => asked.push([id, props])}};
%s
const [plan, figure] = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = window.dash_clientside.regroup.explorer(plan, figure);
console.log(JSON.stringify({figure: out, asked: asked}));
"""


def _in_browser(plan: dict, figure: dict) -> dict[str, Any]:
    """regroup.js's answer to ``plan`` for ``figure``, both sent as Dash sends them (plotly JSON)."""
    if NODE is None:
        pytest.skip("node is not installed")
    script = _RUN % (ROOT / "assets" / "regroup.js").read_text(encoding="utf-8")
    payload = pio.json.to_json_plotly([plan, figure])
    done = subprocess.run([NODE, "-e", script], input=payload, capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


def _songs(n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    coords = rng.normal(size=(n, 3)).astype(np.float32)
    ids = np.array([f"{rng.integers(1e9):09d}{i:05d}"[::-1] for i in range(n)], dtype=object)  # not in id order
    titles = [f"Song <b>{i}</b>" for i in range(n)]
    return coords, ids, titles, [f"Artist {i % 7}" for i in range(n)]


def _values(column: list | dict) -> list | np.ndarray:
    """A column as plotly's JSON holds it: a list, or numpy's bytes in base64 ({dtype, bdata})."""
    if isinstance(column, dict):
        return np.frombuffer(base64.b64decode(column["bdata"]), dtype=column["dtype"])
    return column


def _by_song(figure: dict) -> dict[str, tuple[str, tuple[float, ...], str]]:
    """Per song id in the cluster traces: (trace name, its coordinates, its hover text)."""
    songs = {}
    for trace in figure["data"][:-1]:
        axes = [_values(trace[a]) for a in ("x", "y", "z") if a in trace]
        for i, song in enumerate(trace["customdata"]):
            songs[song] = (trace["name"], tuple(round(float(a[i]), 5) for a in axes), trace["text"][i])
    return songs


@pytest.mark.parametrize("k_after", [5, MAX_CLUSTER_TRACES + 4])
def test_every_song_moves_to_its_new_cluster_keeping_its_place_and_hover(k_after: int) -> None:
    n = 1_500
    coords, ids, titles, artists = _songs(n)
    rng = np.random.default_rng(1)
    before, after = rng.integers(0, 3, n), rng.integers(0, k_after, n)
    selected = Highlight(coords[:3], tuple(ids[:3]), tuple(titles[:3]), tuple(artists[:3]))
    shown = json.loads(pio.to_json(projection_figure(coords, before, ids, titles, artists, ("a", "b", "c"))))
    trace = highlight_trace(selected, three_d=True)
    answer = _in_browser(regroup_plan(after, ids, trace, focus_cluster=1), shown)
    assert answer["asked"] == []
    regrouped = answer["figure"]
    expected = json.loads(
        pio.to_json(
            projection_figure(coords, after, ids, titles, artists, ("a", "b", "c"), highlight=selected, focus_cluster=1)
        )
    )
    assert _by_song(regrouped) == _by_song(expected)
    for got, want in zip(regrouped["data"], expected["data"], strict=True):
        assert got["name"] == want["name"] and got["hovertemplate"] == want["hovertemplate"]
        assert got["marker"]["opacity"] == want["marker"]["opacity"]
    rest = regrouped["data"][-2]
    if k_after > MAX_CLUSTER_TRACES:  # the smaller clusters share a trace, each song in its own colour
        label = {song: int(c) for song, c in zip(ids, after, strict=True)}
        assert rest["marker"]["color"] == [cluster_color(label[s]) for s in rest["customdata"]]
    assert regrouped["data"][-1]["customdata"] == list(ids[:3])
    assert regrouped["layout"] == shown["layout"]


def test_a_plot_without_the_plans_songs_asks_for_its_whole_figure() -> None:
    coords, ids, titles, artists = _songs(200)
    labels = np.zeros(200, dtype=int)
    labels[::2] = 1
    shown = json.loads(pio.to_json(projection_figure(coords[:150], labels[:150], ids[:150], titles, artists, "abc")))
    answer = _in_browser(regroup_plan(labels, ids, highlight_trace(None, True)), shown)
    assert answer["figure"] == "NO_UPDATE"
    assert [asked[0] for asked in answer["asked"]] == ["explorer-refresh"]


def test_the_plan_is_a_small_fraction_of_the_figure_it_spares() -> None:
    coords, ids, titles, artists = _songs(2_000)
    labels = np.random.default_rng(2).integers(0, 8, 2_000)
    figure = pio.json.to_json_plotly(projection_figure(coords, labels, ids, titles, artists, ("a", "b", "c")))
    plan = pio.json.to_json_plotly(regroup_plan(labels, ids, highlight_trace(None, True)))
    assert len(plan) * 20 < len(figure), (len(plan), len(figure))
