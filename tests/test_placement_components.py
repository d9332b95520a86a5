"""The "Where does this song land?" factories (components.placement): untrusted names stay text,
the marker is a ringed trace of its own, and a view that cannot place songs says why."""

from __future__ import annotations

import json

import numpy as np
import plotly.io
from dash import html

from components import ids
from components.placement import MARKER_META, placed_marker, placement_card, placement_result
from core.engine import SongView
from core.neighbours import Closeness


def _texts(component: object) -> list[str]:
    """Every string child in a component tree (what the browser shows as text)."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    if not isinstance(children, list | tuple):
        children = [children]
    return [text for child in children for text in _texts(child)]


def _ids(component: object) -> set[str]:
    found = {component.id} if isinstance(getattr(component, "id", None), str) else set()
    children = getattr(component, "children", None)
    if children is None or isinstance(children, str):
        return found
    for child in children if isinstance(children, list | tuple) else [children]:
        found |= _ids(child)
    return found


def test_the_marker_is_a_ring_of_its_own_with_the_name_escaped() -> None:
    trace = placed_marker(np.array([1.5, -2.0, 0.25], dtype=np.float32), True, "<img src=x onerror=alert(1)>.mp3")
    assert trace["meta"] == MARKER_META and trace["type"] == "scatter3d"
    assert (trace["x"], trace["y"], trace["z"]) == ([1.5], [-2.0], [0.25])
    assert trace["marker"]["symbol"] == "circle-open"
    assert "<img" not in trace["hovertext"][0] and "&lt;img src=x onerror=alert(1)&gt;.mp3" in trace["hovertext"][0]
    flat = placed_marker(np.zeros(3), False, "a.mp3")
    assert flat["type"] == "scattergl" and "z" not in flat
    json.loads(plotly.io.to_json({"data": [trace, flat]}))  # plotly accepts both


def test_a_view_that_cannot_place_songs_says_why_instead_of_taking_a_file() -> None:
    blocked = placement_card(60, "This view clusters on valence, which cannot be computed from an audio file.")
    assert ids.PLACE_DROP not in _ids(blocked)
    assert any("valence, which cannot be computed" in text for text in _texts(blocked))
    open_card = placement_card(60)
    assert ids.PLACE_DROP in _ids(open_card) and ids.PLACE_RESULT in _ids(open_card)
    assert any("at most 60 MB" in text for text in _texts(open_card))


def test_the_result_lists_clickable_nearest_songs_and_keeps_names_as_text() -> None:
    song = SongView(id="s1", title="<script>x</script>", artist="A", cluster=2, description="Fast", features={},
                    preview=None)  # fmt: skip
    result = placement_result(
        "<b>mine</b>.flac", 2, "Fast · loud", "the nearest cluster centre", [(song, 0.4, Closeness((), None))],
        ["truncated"], True, "explorer",
    )  # fmt: skip
    texts = _texts(result)
    assert "<b>mine</b>.flac" in texts  # a plain string child: Dash renders it as text
    assert any("Placed without refitting" in t and "ringed marker" in t for t in texts)
    assert "Note: truncated" in texts
    buttons = [c for c in _walk(result) if isinstance(c, html.Button)]
    assert [b.id for b in buttons] == [ids.pick_song("explorer", "s1", "placed")]


def _walk(component: object):
    yield component
    children = getattr(component, "children", None)
    if children is None or isinstance(children, str):
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from _walk(child)
