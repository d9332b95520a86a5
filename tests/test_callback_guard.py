"""The callback guard's table: what a browser on this app sends passes, forged types do not."""

from __future__ import annotations

import pytest

from app.callback_guard import malformed_callback


def _post(*inputs: dict, state: tuple[dict, ...] = ()) -> dict:
    return {"output": "x.children", "inputs": list(inputs), "state": list(state)}


@pytest.mark.parametrize(
    "body",
    [
        _post({"id": "k-control", "property": "value", "value": 5}),
        _post({"id": {"page": "explorer", "type": "page-query"}, "property": "data", "value": {"k": "5"}}),
        _post({"id": "explorer-job-stop", "property": "data", "value": 1795450594123}),
        _post({"id": "_pages_location", "property": "pathname", "value": "/explorer"}),
        _post({"id": "open-data-button", "property": "n_clicks", "value": None}),
        _post([{"id": {"type": "pick-song", "song": "s1"}, "property": "n_clicks", "value": 2}]),
        _post({"id": "explorer-graph", "property": "clickData", "value": {"points": []}}),
    ],
)
def test_what_a_browser_sends_passes(body: dict) -> None:
    assert malformed_callback(body) is None


def test_under_a_prefix_only_its_paths_pass() -> None:
    location = {"id": "_pages_location", "property": "pathname"}
    assert malformed_callback(_post({**location, "value": "/music/explorer"}), "/music/") is None
    assert "outside the app" in malformed_callback(_post({**location, "value": "/explorer"}), "/music/")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[1, 2]", "not a JSON object"),
        ({"inputs": "k"}, "inputs is not a list"),
        (_post({"id": "x", "property": "data", "value": "a string"}), "data cannot be str"),
        (_post({"id": "x", "property": "n_clicks", "value": True}), "n_clicks cannot be bool"),
        (_post({"id": "x", "property": "id", "value": 3}), "id cannot be int"),
        (_post({"id": "x", "property": "pathname", "value": "../../etc/passwd"}), "a path outside the app"),
        (_post({"id": "x", "property": "clickData", "value": [1]}), "clickData cannot be list"),
        (_post(state=({"id": "x", "property": "options", "value": {}},)), "options cannot be dict"),
        (_post([{"id": {"type": "pick-song", "song": "s1"}, "property": "n_clicks", "value": "2"}]), "n_clicks cannot"),
        (_post("not an object"), "not an object"),
    ],
)
def test_forged_types_are_refused_with_the_reason(body: object, reason: str) -> None:
    assert reason in (malformed_callback(body) or "")
