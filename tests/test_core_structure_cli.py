"""``python -m core cluster --json`` reports whether the structure is real, unless --no-stability."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from tests.conftest import outlier_frame

STRUCTURE_KEYS = {"stability", "cluster_stability", "null"}


def _summary(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_json_reports_stability_and_the_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blobs_csv: tuple[Path, np.ndarray]
) -> None:
    """Five separated blobs: overall stability ≈ 1, one stability per cluster aligned with sizes, and
    the mean null silhouette, which the clustering beats."""
    summary = _summary(capsys, ["cluster", str(blobs_csv[0]), "--k", "5", "--json", "--cache-dir", str(tmp_path)])
    assert 0.99 < summary["stability"] <= 1
    assert len(summary["cluster_stability"]) == len(summary["sizes"]) == 5
    assert all(0.98 < value <= 1 for value in summary["cluster_stability"])
    assert summary["cluster_recovered"] == [20] * 5
    assert summary["stability_sample"] is None
    assert set(summary["null"]) == {"silhouette", "beats_null"}
    assert summary["null"]["beats_null"] is True
    assert summary["null"]["silhouette"] < summary["silhouette"]


def test_no_stability_leaves_them_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blobs_csv: tuple[Path, np.ndarray]
) -> None:
    args = ["cluster", str(blobs_csv[0]), "--k", "5", "--json", "--no-stability", "--cache-dir", str(tmp_path)]
    summary = _summary(capsys, args)
    assert not STRUCTURE_KEYS & set(summary)
    assert summary["k"] == 5


def test_text_output_says_how_often_each_cluster_comes_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blobs_csv: tuple[Path, np.ndarray]
) -> None:
    assert main(["cluster", str(blobs_csv[0]), "--k", "5", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "Stability 1.00: mean ARI over 20 bootstrap resamples of all 1,000 songs; the clusters come back in "
        "20, 20, 20, 20 and 20 of them." in out
    )
    assert "on structureless data: beats it by" in out


def test_dbscan_with_noise_reports_clusters_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DBSCAN: cluster stabilities align with the clusters' sizes (noise is not one)."""
    path = tmp_path / "outliers.csv"
    outlier_frame()[0].to_csv(path, index=False)
    summary = _summary(capsys, ["cluster", str(path), "--algo", "dbscan", "--json", "--cache-dir", str(tmp_path / "c")])
    assert summary["noise"] > 0
    assert len(summary["cluster_stability"]) == len(summary["sizes"]) == 3
    assert summary["stability"] > 0.9
