"""The command line, run as people run it: ``python -m core cluster data.csv ...`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.cache import ModelCache
from core.catalog import load_catalog
from core.cli import main
from core.engine import Engine
from tests.conftest import BLOB_FEATURES, OUTLIERS, blob_frame, outlier_frame

REQUIRED_KEYS = {"songs", "k", "features", "dropped_rows", "silhouette", "davies_bouldin", "sizes"}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m core`` with args in cwd, with no AUDIOSPACE_* settings from outside."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AUDIOSPACE_")}
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.mark.slow  # starts a process
def test_cluster_writes_labelled_songs_and_prints_json(tmp_path: Path, blobs_csv: tuple[Path, np.ndarray]) -> None:
    """``cluster data.csv --k 5 -o labelled.csv --json`` writes every song with its cluster and
    prints the summary as JSON; the clusters are the generated blobs."""
    csv, truth = blobs_csv
    data = tmp_path / "data.csv"
    data.write_bytes(csv.read_bytes())
    result = _run(["cluster", "data.csv", "--k", "5", "-o", "labelled.csv", "--json", "--cache-dir", "cache"], tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= REQUIRED_KEYS
    assert summary["songs"] == len(truth)
    assert summary["k"] == 5
    assert summary["features"] == sorted(BLOB_FEATURES)
    assert summary["dropped_rows"] == 0
    assert sum(summary["sizes"]) == len(truth)
    assert 0.5 < summary["silhouette"] <= 1
    assert summary["davies_bouldin"] > 0

    labelled = pd.read_csv(tmp_path / "labelled.csv")
    assert list(labelled.columns) == ["id", "title", "artist", "cluster", *sorted(BLOB_FEATURES), "pc1", "pc2", "pc3"]
    assert len(labelled) == len(truth)
    assert sorted(labelled["cluster"].unique()) == [0, 1, 2, 3, 4]
    assert labelled["cluster"].value_counts().sort_index().tolist() == summary["sizes"]
    assert labelled["title"].tolist() == pd.read_csv(data)["song_title"].tolist()
    assert adjusted_rand_score(truth, labelled["cluster"]) > 0.95
    assert (tmp_path / "cache").is_dir()


@pytest.mark.slow  # starts a process
def test_cluster_without_json_prints_the_report(tmp_path: Path, blobs_csv: tuple[Path, np.ndarray]) -> None:
    """Without --json the loader's report and one line per cluster are printed in words."""
    args = ["cluster", str(blobs_csv[0]), "--k", "3", "--features", "energy,tempo", "--cache-dir", "c"]
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Read 1,000 rows from blobs.csv" in result.stdout
    assert "K=3" in result.stdout
    assert result.stdout.count("  cluster ") == 3


@pytest.mark.slow  # starts a process
def test_unusable_file_exits_nonzero_with_a_plain_message(tmp_path: Path) -> None:
    """A file that cannot serve: non-zero exit, the clear message on stderr, no traceback."""
    (tmp_path / "bad.csv").write_text("artist,energy,tempo\nAnn,0.1,100\n")
    result = _run(["cluster", "bad.csv", "--json", "--cache-dir", "cache"], tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("error: bad.csv has no song title column")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("title,energy\nA,0.1\n", [], "error: bad.csv has 1 usable audio feature column"),
        ("title,energy,tempo\nA,0.1,100\nB,0.2,90\n", ["--k", "2"], "error: 2 songs cannot be clustered: at least 3"),
        ("title,energy,tempo\nA,0.1,100\n", [], "error: 1 song cannot be clustered: at least 3"),
        ("title,energy,tempo\nA,0.1,100\nB,0.2,90\nC,0.5,80\n", ["--k", "0"], "error: K=0 cannot be used"),
        (
            "title,energy,tempo\nA,0.1,100\nB,0.2,90\nC,0.5,80\n",
            ["--features", "energy,bpm"],
            "error: Unknown feature(s) bpm",
        ),
        (
            "title,energy,tempo\nA,0.1,100\nB,0.2,90\nC,0.5,80\n",
            ["--algo", "dbscan", "--eps", "-1"],
            "error: eps=-1.0 must be more than 0",
        ),
        (
            "title,energy,tempo\nA,0.1,100\nB,0.2,90\nC,0.5,80\n",
            ["--algo", "dbscan", "--min-samples", "1"],
            "error: min_samples=1 must be more than 1",
        ),
    ],
)
def test_choices_that_cannot_serve_return_an_error_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, args: list[str], message: str
) -> None:
    """Too few features, K >= songs, K=0 (not silently the default) and unknown features: exit
    status 2 and the message on stderr (main() called in this process to keep the suite quick)."""
    (tmp_path / "bad.csv").write_text(content)
    status = main(["cluster", str(tmp_path / "bad.csv"), *args, "--cache-dir", str(tmp_path / "cache")])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.startswith(message)
    assert out == ""


@pytest.mark.slow  # starts a process
def test_missing_file_exits_nonzero_without_traceback(tmp_path: Path) -> None:
    """A path with no file is reported in one line, not a traceback."""
    result = _run(["cluster", "nowhere.csv", "--cache-dir", "cache"], tmp_path)
    assert result.returncode != 0
    assert "There is no file at nowhere.csv" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # starts a process
def test_dbscan_flags_and_json_keys(tmp_path: Path) -> None:
    """``--algo dbscan --eps --min-samples --scaler --features --json``: the engine's answer for exactly
    those choices, the outliers among the noise, every earlier key kept and the new ones added."""
    frame, truth = outlier_frame()
    frame.to_csv(tmp_path / "outliers.csv", index=False)
    args = [
        "cluster",
        "outliers.csv",
        "--algo",
        "dbscan",
        "--eps",
        "0.8",
        "--min-samples",
        "6",
        "--scaler",
        "robust",
        "--features",
        "energy,valence,tempo",
        "--json",
        "--cache-dir",
        "cache",
    ]
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) >= REQUIRED_KEYS | {"algorithm", "noise", "metrics_note", "eps", "min_samples"}
    assert "genre_ari" not in summary and "genre_nmi" not in summary
    assert (summary["algorithm"], summary["eps"], summary["min_samples"], summary["scaler"], summary["features"]) == (
        "dbscan",
        0.8,
        6,
        "robust",
        ["energy", "tempo", "valence"],
    )
    assert summary["method"] == "DBSCAN (eps 0.8, min_samples 6)"
    engine = Engine(load_catalog(tmp_path / "outliers.csv"), ModelCache(tmp_path / "in-process"))
    params = engine.params(5, ["energy", "valence", "tempo"], "robust", "dbscan", eps=0.8, min_samples=6)
    expected = engine.clustering(params)
    assert (summary["k"], summary["noise"], summary["sizes"]) == (expected.k, expected.noise, expected.sizes)
    assert summary["noise"] >= OUTLIERS and "noise songs" in summary["metrics_note"]
    assert sum(summary["sizes"]) + summary["noise"] == len(truth)


def test_hierarchical_flags_and_genre_scores_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--algo hierarchical --linkage average --k 5`` on blobs whose genre is their blob: the JSON
    carries the algorithm, no noise, and genre_ari = genre_nmi = 1; the text output states them too."""
    frame, truth = blob_frame()
    frame["genre"] = [f"genre {t}" for t in truth]
    frame.to_csv(tmp_path / "genres.csv", index=False)
    base = [
        "cluster",
        str(tmp_path / "genres.csv"),
        "--algo",
        "hierarchical",
        "--linkage",
        "average",
        "--k",
        "5",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    assert main([*base, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["algorithm"], summary["linkage"], summary["noise"], summary["k"]) == (
        "hierarchical",
        "average",
        0,
        5,
    )
    assert summary["method"] == "Agglomerative (average linkage)"
    assert summary["genre_ari"] == pytest.approx(1.0) and summary["genre_nmi"] == pytest.approx(1.0)
    assert len(summary["summaries"]) == 5
    assert main(base) == 0
    assert "Against the genres: ARI 1.0, NMI 1.0." in capsys.readouterr().out


def test_json_says_whether_the_clustering_came_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blobs_csv: tuple[Path, np.ndarray]
) -> None:
    """The CLI shares the app's model cache: the first run fits ("cached": false), the second reads."""
    csv, _ = blobs_csv
    args = ["cluster", str(csv), "--k", "4", "--json", "--cache-dir", str(tmp_path / "cache")]
    answers = []
    for _ in range(2):
        assert main(args) == 0
        answers.append(json.loads(capsys.readouterr().out))
    assert [a["cached"] for a in answers] == [False, True]
    assert answers[0]["cache"] == "diskcache" and answers[0]["sizes"] == answers[1]["sizes"]
