"""The shell controls' rules without a browser: what the shell sends the URL glue (the
bounds of each number option, as the server checks them), the controls' shape, the
clientside rules of assets/url_sync.js run in Node, and raw values as the heatmap shows them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import pytest

from app.shell import shell_config
from components import ids
from components.ui import k_control, method_controls
from core.clustering import SCALER_LABELS
from core.features import DEFAULT_FEATURES, format_value
from core.methods import METHODS
from tests.test_app_shape import find

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
AT_LEAST_TWO = "At least two features are needed to cluster."


# -- what the shell sends -------------------------------------------------------------------
def test_the_shell_config_carries_each_number_options_bounds_as_the_server_checks_them() -> None:
    config = shell_config()
    numbers = {o.name: o for o in METHODS.options() if o.choices is None and o.kind is not str}
    assert set(config["numbers"]) == set(numbers) >= {"eps", "min_samples"}
    assert config["numbers"]["eps"] == {"whole": False, "low": 0.0, "high": 1000.0}
    assert config["numbers"]["min_samples"] == {"whole": True, "low": 1.0, "high": 10_000.0}
    for name, option in numbers.items():
        rule = config["numbers"][name]
        if rule["low"] is not None:  # the browser's edge is the server's: low refused, high accepted
            with pytest.raises(ValueError):
                option.parse(rule["low"])
            assert option.parse(rule["high"]) == rule["high"]
    assert config["labels"]["dbscan"] == "DBSCAN"
    assert json.loads(json.dumps(config)) == config  # a store's data


def test_number_options_are_text_boxes_with_the_range_they_accept() -> None:
    row = method_controls(DEFAULT_FEATURES, list(METHODS.methods.values()), SCALER_LABELS)
    eps = find(row, ids.method_option("eps"))
    assert isinstance(eps, dbc.Input) and eps.type == "text" and eps.inputmode == "decimal"
    box = find(row, ids.method_option_box("eps"))
    feedback = [c for c in box.children.children if isinstance(c, dbc.FormFeedback)]
    assert [f.children for f in feedback] == ["A number above 0, at most 1000."]
    samples = find(row, ids.method_option_box("min_samples"))
    assert [c.children for c in samples.children.children if isinstance(c, dbc.FormFeedback)] == [
        "A whole number from 2 to 10,000."
    ]
    features = find(row, ids.FEATURES_CONTROL)
    assert features.clearable is False and features.multi is True
    assert "text-danger" not in find(row, ids.METHOD_HINT).className


def test_the_k_control_has_a_box_for_its_title() -> None:
    control = k_control(12, 5)
    assert control.id == ids.K_CONTROL + "-box"
    assert find(control, ids.K_CONTROL) is not None


# -- the clientside rules (assets/url_sync.js) in Node ------------------------------------------
_RUN = """
const window = {dash_clientside: {no_update: "NO_UPDATE", callback_context: {}}};
globalThis.window = window;
%s
const [name, args] = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(window.dash_clientside.audiospace[name](...args)));
"""


def _clientside(name: str, *args: Any) -> Any:
    if NODE is None:
        pytest.skip("node is not installed")
    script = _RUN % (ROOT / "assets" / "url_sync.js").read_text(encoding="utf-8")
    done = subprocess.run(
        [NODE, "-e", script], input=json.dumps([name, args]), capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(done.stdout)


FEATURES = ["energy", "tempo", "valence", "loudness"]
OPTIONS = [{"label": f, "value": f} for f in FEATURES]


def _settings(
    features: list[str], previous: dict | None = None, algo: str = "kmeans", **option_values: Any
) -> dict[str, Any]:
    """settingsFromControls' outputs, by name, for these control values."""
    config = shell_config()
    values = [option_values.get(name) for name in config["options"]]
    out = _clientside("settingsFromControls", 5, algo, "standard", features, *values, OPTIONS, previous, config)
    n = len(config["options"])
    numbers = list(config["numbers"])
    return {
        "settings": out[0],
        "hint": out[1],
        "boxes": dict(zip(config["options"], out[2 : 2 + n], strict=True)),
        "k_disabled": out[2 + n],
        "k_title": out[3 + n],
        "options": out[4 + n],
        "features": out[5 + n],
        "invalid": dict(zip(numbers, out[6 + n :], strict=True)),
    }


def test_two_features_lock_themselves_and_a_third_frees_them() -> None:
    two = _settings(["energy", "tempo"])
    assert two["hint"] == AT_LEAST_TWO and two["settings"]["features"] == "energy,tempo"
    locked = {o["value"]: o.get("disabled", False) for o in two["options"]}
    assert locked == {"energy": True, "tempo": True, "valence": False, "loudness": False}
    assert two["features"] == "NO_UPDATE"
    three = _settings(["energy", "tempo", "valence"])
    assert three["hint"] == "" and three["options"] == "NO_UPDATE"  # nothing was locked


def test_fewer_than_two_features_are_topped_up_from_the_last_view_never_left_behind() -> None:
    previous = {"k": "5", "features": "energy,tempo,valence"}
    one = _settings(["tempo"], previous)
    assert one["features"] == ["energy", "tempo"]  # the control goes back to two at once
    assert one["hint"] == AT_LEAST_TWO
    assert one["settings"]["features"] == "energy,tempo"
    assert _settings([], None)["features"] == ["energy", "tempo"]  # no last view: the first two


def test_the_same_settings_are_not_written_again() -> None:
    assert _settings(["energy", "tempo"], {"k": "5", "features": "energy,tempo"})["settings"] == "NO_UPDATE"


@pytest.mark.parametrize("typed", ["-1", "0", "abc", "1001", "1e9", "NaN", "Infinity", "0x10", "1.2.3"])
def test_a_refused_eps_is_marked_and_the_view_keeps_the_last(typed: str) -> None:
    previous = {"k": "5", "algo": "dbscan", "eps": "0.9"}
    out = _settings(FEATURES, previous, algo="dbscan", eps=typed)
    assert out["invalid"]["eps"] is True
    assert out["settings"] == "NO_UPDATE"  # the last settings, unchanged
    moved = _settings(FEATURES, previous, algo="dbscan", eps=typed, min_samples="6")
    assert moved["settings"] == {"k": "5", "algo": "dbscan", "eps": "0.9", "min_samples": "6"}
    assert moved["invalid"]["eps"] is True and moved["invalid"]["min_samples"] is False


@pytest.mark.parametrize(("typed", "sent"), [("0.9", "0.9"), (" 1.10 ", "1.1"), ("1e-1", "0.1"), ("1000", "1000")])
def test_a_valid_eps_goes_into_the_settings_as_the_url_has_it(typed: str, sent: str) -> None:
    out = _settings(FEATURES, None, algo="dbscan", eps=typed)
    assert out["invalid"]["eps"] is False and out["settings"]["eps"] == sent


@pytest.mark.parametrize(("typed", "refused"), [("2.5", True), ("1", True), ("2", False), ("6.0", False), ("", False)])
def test_min_samples_is_a_whole_number_above_one(typed: str, refused: bool) -> None:
    assert _settings(FEATURES, None, algo="dbscan", min_samples=typed)["invalid"]["min_samples"] is refused


def test_dbscan_disables_k_and_says_why() -> None:
    dbscan, kmeans = _settings(FEATURES, algo="dbscan"), _settings(FEATURES)
    assert dbscan["k_disabled"] is True and "DBSCAN finds its own number of clusters" in dbscan["k_title"]
    assert kmeans["k_disabled"] is False and kmeans["k_title"] is None
    assert dbscan["boxes"]["eps"] == {"display": "block"} and kmeans["boxes"]["eps"] == {"display": "none"}


# -- raw values as people read them (the heatmap's means, the song panel) ----------------------
@pytest.mark.parametrize(
    ("feature", "value", "shown"),
    [
        ("duration_ms", 234_800.0, "3:55"),
        ("duration_ms", 59_600.0, "1:00"),
        ("duration_ms", 3_725_000.0, "1:02:05"),
        ("tempo", 127.6, "128"),
        ("loudness", -14.26, "-14.3"),
        ("loudness", -0.04, "0.0"),
        ("energy", 0.456, "0.46"),
        ("energy", float("nan"), "–"),
        ("plays", 1_234_567.891, "1,234,567.89"),
        ("plays", 1e-9, "0.00"),
    ],
)
def test_raw_values_read_in_their_units(feature: str, value: float, shown: str) -> None:
    assert format_value(feature, value) == shown
    assert "e+" not in shown and "e-" not in shown
