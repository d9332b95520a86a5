"""The explorer's placement callback as a browser (or a forger) calls it: an analysis the route
gave places the song in the view on screen; forged analyses get a message, nothing, or a 400 for
a store of the wrong type, never an exception, an apology or a server error."""

from __future__ import annotations

import json
from pathlib import Path

import dash
import pytest

from app.context import context_of
from app.factory import create_app
from components import ids
from core.catalog import load_catalog
from core.config import Settings
from tests.audio_catalog import audio_frame
from tests.battery.fuzz import callback_post

APOLOGY = "Something went wrong"
K = 4
PAGE = "explorer"  # pages.explorer.PAGE (the pages import only once an app exists)


@pytest.fixture(scope="module")
def audio_app(tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    """The app on a generated 500-track audio-descriptor catalog, its K=4 view and PCA cached."""
    folder = tmp_path_factory.mktemp("place-callback")
    csv = folder / "library.csv"
    audio_frame(500, groups=4).to_csv(csv, index=False)
    app = create_app(Settings(data_path=csv, cache_dir=folder / "cache"), load_catalog(csv))
    engine = context_of(app.server).engine
    engine.clustering(engine.params(K))
    engine.projection(engine.params(K))
    with app.server.test_client() as client:
        client.get("/")  # Dash registers the pages' callbacks on its first request
    return app


def _place(app: dash.Dash, analysis: object) -> tuple[int, str]:
    """POST the placement callback with ``analysis`` in its store; (status, body)."""
    key = next(k for k, spec in app.callback_map.items() if ids.PLACE_RESULT in k and "callback" in spec)
    spec = app.callback_map[key]
    store = json.dumps(ids.page_query(PAGE), sort_keys=True, separators=(",", ":"))
    values = {f"{ids.PLACE_ANALYSIS}.data": analysis, f"{store}.data": {"k": str(K)}}
    with app.server.test_client() as client:
        body = callback_post(key, spec, values)
        answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return answer.status_code, answer.get_data(as_text=True)


def test_an_analysed_song_is_placed_with_its_nearest_songs_and_marker(audio_app: dash.Dash) -> None:
    song = audio_frame(500, groups=4).iloc[7]
    features = {f: float(song[f]) for f in audio_frame(1).columns[3:]}
    status, body = _place(audio_app, {"name": "<b>mine</b>.flac", "features": features, "notes": ["short file"]})
    assert status == 200 and APOLOGY not in body
    answer = json.loads(body)["response"]
    panel = json.dumps(answer[ids.PLACE_RESULT]["children"])
    assert "Track 7" in panel and "<b>mine</b>.flac" in panel and "Note: short file" in panel
    marker = answer[ids.PLACE_MARKER]["data"]
    assert marker["meta"] == "placed-song" and "&lt;b&gt;mine" in marker["hovertext"][0]


@pytest.mark.parametrize(
    "analysis",
    [
        None,
        "junk",
        [1, 2],
        {"error": "<script>alert(1)</script>"},
        {"features": "tempo"},
        {"features": {"tempo": "fast"}, "notes": 5},
        {"features": {}, "notes": [1, {"a": 2}], "name": ["x"] * 1000},
        {"features": {"tempo": 1e308, "loudness": -1e308}},
        {"features": dict.fromkeys(audio_frame(1).columns[3:], float("nan"))},
    ],
)
def test_forged_analyses_get_a_message_or_nothing(audio_app: dash.Dash, analysis: object) -> None:
    status, body = _place(audio_app, analysis)
    assert status in (200, 204, 400), body[:300]  # 400: a store of the wrong type (app.routes)
    assert APOLOGY not in body and "Traceback" not in body and str(Path.cwd()) not in body
    if status == 200 and isinstance(analysis, dict):
        assert "place-error" in body  # the panel says why nothing was placed
