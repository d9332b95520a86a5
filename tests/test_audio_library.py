"""core.audio.library and ``python -m core extract``: a folder of synthesised files, every kind of bad
input beside good songs, the resume cache, crashing and hanging workers, and the CSV it writes
loaded and clustered by the engine as any catalog."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")
pytest.importorskip("pyloudnorm")
pytest.importorskip("tinytag")

from core.audio import library, synth  # noqa: E402
from core.audio.library import ExtractResult, analyse_one, extract_library, write_features_csv  # noqa: E402
from core.cache import ModelCache  # noqa: E402
from core.catalog import load_catalog  # noqa: E402
from core.cli import main  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.features import AUDIO_FEATURES  # noqa: E402

SR = 22_050
#: Where Debian's asc-music package puts its three MP3s (dpkg -c asc-music_1.3-6_all.deb).
ASC_MUSIC_DIRS = (Path("/usr/share/games/asc/music"), Path("/usr/share/sounds/asc-music"))


def _song(path: Path, seconds: float = 8.0, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {".mp3": ("MP3", "MPEG_LAYER_III"), ".ogg": ("OGG", "VORBIS")}.get(path.suffix, (None, None))
    sf.write(path, synth.song(seconds, **kwargs), SR, format=fmt[0], subtype=fmt[1])
    return path


def _by_path(result: ExtractResult) -> dict[str, str]:
    return {failure.path: failure.reason for failure in result.failures}


def _run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("AUDIOSPACE_")}
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


# ----------------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExtractResult, list[tuple[int, int, str]]]:
    """Three good songs beside every kind of bad input, analysed once with two workers."""
    base = tmp_path_factory.mktemp("bad")
    root = base / "music"
    _song(root / "Good Artist - Ninety.flac", bpm=90, seed=1)
    _song(root / "rock" / "Good Artist - One Twenty.ogg", bpm=120, minor=True, seed=2)
    _song(root / "rock" / "One Fifty.wav", bpm=150, root=7, seed=3)
    (root / "empty.mp3").write_bytes(b"")
    (root / "text.mp3").write_text("this is a text file, not an mp3\n" * 40)
    mp3 = _song(base / "whole.mp3", seconds=20, bpm=100)
    data = mp3.read_bytes()
    (root / "truncated.mp3").write_bytes(data[: len(data) // 2 + 11])  # cut mid-frame
    with sf.SoundFile(root / "three hours.flac", "w", 8000, 1, format="FLAC") as out:
        minute = synth.click_track(100, 60, sr=8000) + synth.tone(330, 60, sr=8000, amplitude=0.1)
        for _ in range(180):
            out.write(minute)
    sf.write(root / "short.wav", synth.noise(0.2), SR)
    sf.write(root / "silence.flac", np.zeros(SR * 5, np.float32), SR)
    locked = _song(root / "locked.flac", seconds=2)
    locked.chmod(0)
    os.symlink("loop.mp3", root / "loop.mp3")
    os.symlink(root, root / "rock" / "back-to-top")  # a folder loop: never followed
    outside = _song(base / "outside.wav", seconds=2)
    os.symlink(outside, root / "outside.wav")
    os.symlink(base, root / "outside-folder")
    os.symlink(root / "Good Artist - Ninety.flac", root / "alias.flac")  # inside: analysed once
    name = os.fsencode(root) + b"/Bj\xf6rk - J\xf3ga.wav"  # Latin-1 bytes: not UTF-8
    sf.write(name, synth.song(6, bpm=110, seed=4), SR)
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff not audio, not looked at")
    (root / "._Good Artist - Ninety.flac").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    calls: list[tuple[int, int, str]] = []
    result = extract_library(root, cache_dir=base / "cache", workers=2, progress=lambda *call: calls.append(call))
    return root, result, calls


def test_bad_files_each_get_a_line_and_the_rest_is_analysed(bad_library) -> None:
    root, result, _ = bad_library
    failures = _by_path(result)
    assert failures["empty.mp3"] == "empty file"
    assert failures["text.mp3"] == "not audio / cannot decode"
    assert failures["short.wav"].startswith("too short (0.2 s")
    assert failures["silence.flac"] == "silent"
    assert failures["loop.mp3"] == "symlink loop (not followed)"
    assert failures["outside.wav"] == "symlink to outside the music folder (not followed)"
    assert failures["outside-folder/"] == "folder symlink to outside the music folder (not followed)"
    if os.geteuid() != 0:  # root reads a file whatever its mode
        assert failures["locked.flac"] == "permission denied"
    assert "cover.jpg" not in failures and not any(path.startswith("._") for path in failures)

    table = result.table
    assert list(table.columns) == ["id", "title", "artist", "album", "genre", "path", *AUDIO_FEATURES]
    rows = table.set_index("path")
    for path, bpm in [("Good Artist - Ninety.flac", 90), ("rock/Good Artist - One Twenty.ogg", 120)]:
        assert rows.loc[path, "artist"] == "Good Artist"
        assert rows.loc[path, "tempo"] == pytest.approx(bpm, rel=0.02)
    assert rows.loc["rock/One Fifty.wav", "title"] == "One Fifty"
    assert rows.loc["rock/One Fifty.wav", "tempo"] == pytest.approx(150, rel=0.02)
    assert "alias.flac" not in rows.index  # the link inside the folder is the same file
    weird = [path for path in rows.index if path.startswith("Bj")]
    assert weird == ["Bj\ufffdrk - J\ufffdga.wav"] and rows.loc[weird[0], "title"] == "J\ufffdga"

    notes = {note.path: note.note for note in result.notes}
    long_row = rows.loc["three hours.flac"]
    assert long_row["duration_ms"] == pytest.approx(3 * 3600 * 1000, rel=1e-3)
    assert long_row["tempo"] == pytest.approx(100, rel=0.02)
    assert notes["three hours.flac"].startswith("long file (3:00:00): analysed 1:00 from its middle")
    assert notes["truncated.mp3"].startswith("truncated or damaged:")
    assert rows.loc["truncated.mp3", "duration_ms"] < 15_000

    assert table["id"].is_unique and table["id"].str.fullmatch(r"[0-9a-f]{16}").all()
    real_root = root.resolve()
    assert set(result.files) == set(table["id"])
    assert all(path.resolve().is_relative_to(real_root) for path in result.files.values())
    # total: the audio files the walk found (links it refused are failures, not files)
    assert result.total == len(table) + sum(1 for f in result.failures if "symlink" not in f.reason)


def test_progress_reports_every_file_once(bad_library) -> None:
    _, result, calls = bad_library
    assert calls[0] == (0, result.total, "")
    assert [done for done, _, _ in calls] == list(range(result.total + 1))
    assert {total for _, total, _ in calls} == {result.total}
    assert {current for _, _, current in calls[1:]} >= set(result.table["path"])


def test_extracted_csv_loads_and_clusters(bad_library, tmp_path: Path) -> None:
    """The CSV written is a catalog: load_catalog reads ids, titles, artists and the features it
    knows, and the engine clusters it."""
    _, result, _ = bad_library
    csv = tmp_path / "features.csv"
    write_features_csv(result, csv)
    catalog = load_catalog(csv)
    assert len(catalog) == len(result.table)
    assert {"tempo", "loudness", "duration_ms"} <= set(catalog.features) <= set(AUDIO_FEATURES)
    assert catalog.songs["id"].tolist() == result.table["id"].tolist()
    assert catalog.songs["title"].tolist() == result.table["title"].tolist()
    engine = Engine(catalog, ModelCache(tmp_path / "models"), 0)
    clustering = engine.clustering(engine.params(2, None, "standard", "kmeans"))
    assert clustering.k == 2 and sum(clustering.sizes) == len(catalog)


# ------------------------------------------------------------------------------------- the cache


def test_resume_skips_analysed_files_and_redoes_only_a_changed_one(tmp_path: Path) -> None:
    root, cache = tmp_path / "music", tmp_path / "cache"
    for index, bpm in enumerate([96, 128, 140]):
        _song(root / f"Band - Song {index}.flac", seconds=6, bpm=bpm, seed=index)
    first = extract_library(root, cache_dir=cache, workers=2)
    assert (first.analysed, first.cached, len(first.table)) == (3, 0, 3)

    started = time.monotonic()
    second = extract_library(root, cache_dir=cache, workers=2)
    assert (second.analysed, second.cached) == (0, 3)
    assert time.monotonic() - started < 2  # no pool, no file read
    pd.testing.assert_frame_equal(second.table, first.table)

    _song(root / "Band - Song 1.flac", seconds=6, bpm=100, seed=9)  # new content
    (root / "Band - Song 2.flac").rename(root / "Other - Renamed.flac")  # same content, new name
    third = extract_library(root, cache_dir=cache, workers=2)
    assert (third.analysed, third.cached) == (1, 2)
    rows = third.table.set_index("path")
    assert rows.loc["Band - Song 1.flac", "tempo"] == pytest.approx(100, rel=0.02)
    assert rows.loc["Other - Renamed.flac", "title"] == "Renamed"  # the name is not cached
    assert rows.loc["Other - Renamed.flac", "id"] == first.table.set_index("path").loc["Band - Song 2.flac", "id"]


def test_content_failures_are_cached_too(tmp_path: Path) -> None:
    root = tmp_path / "music"
    root.mkdir()
    (root / "text.mp3").write_text("not audio\n" * 30)
    sf.write(root / "quiet.wav", np.zeros(SR * 2, np.float32), SR)
    first = extract_library(root, cache_dir=tmp_path / "cache", workers=1)
    second = extract_library(root, cache_dir=tmp_path / "cache", workers=1)
    assert (first.analysed, second.analysed, second.cached) == (2, 0, 2)
    assert second.failures == first.failures and len(second.failures) == 2
    assert second.table.empty and list(second.table.columns)[:6] == list(library.TEXT_COLUMNS)


# ------------------------------------------------------------------------------ failing workers


def fake_analyser(path: str, max_seconds: float) -> dict:
    """Runs in a pool worker: dies on "boom", loops in Python on "sleepy", blocks the alarm and
    sleeps (as a decoder stuck in C code) on "stuck", else a canned row."""
    name = Path(path).name
    if "boom" in name:
        os._exit(3)
    if "sleepy" in name:
        while True:
            time.sleep(0.05)
    if "locked" in name:
        raise PermissionError(13, "Permission denied")
    if "stuck" in name:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    features = dict.fromkeys(AUDIO_FEATURES, 1.0)
    return {"ok": True, "tags": None, "features": features, "notes": []}


def _fake_library(root: Path, names: list[str]) -> None:
    root.mkdir(parents=True)
    for index, name in enumerate(names):
        (root / name).write_bytes(f"file {index} {name}".encode() * 10)


def test_a_worker_crash_fails_that_file_only(tmp_path: Path) -> None:
    """A file that kills its worker (a decoder crash) is reported; the files in flight with it are
    retried and every other file is analysed; the run ends. A file the worker may not read (the
    chmod case, seen as a non-root user) is "permission denied"."""
    names = [f"song{i}.mp3" for i in range(6)] + ["boom.mp3", "locked.mp3"]
    _fake_library(tmp_path / "music", names)
    result = extract_library(tmp_path / "music", workers=2, analyser=fake_analyser)
    assert _by_path(result) == {"boom.mp3": "the analysis crashed on this file", "locked.mp3": "permission denied"}
    assert sorted(result.table["path"]) == sorted(n for n in names if n not in ("boom.mp3", "locked.mp3"))


@pytest.mark.slow  # waits for the time-outs
def test_a_hanging_file_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file stuck in Python code is stopped by the worker's alarm; one stuck where the alarm
    cannot reach (signals blocked, as in C code) has its worker killed. The rest is analysed."""
    # Past the 1-s time-out by more than the seconds a fresh worker takes to start (it imports this module).
    monkeypatch.setattr(library, "HARD_TIMEOUT_MARGIN_S", 5.0)
    _fake_library(tmp_path / "music", ["a.mp3", "sleepy.mp3", "stuck.mp3", "z.mp3"])
    started = time.monotonic()
    result = extract_library(tmp_path / "music", workers=2, timeout=1.0, analyser=fake_analyser)
    assert time.monotonic() - started < 30
    assert _by_path(result) == {
        "sleepy.mp3": "analysis took longer than 1 s (gave up)",
        "stuck.mp3": "analysis hung (killed)",
    }
    assert sorted(result.table["path"]) == ["a.mp3", "z.mp3"]


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        extract_library(tmp_path / "nowhere")
    (tmp_path / "file.mp3").write_bytes(b"x")
    with pytest.raises(NotADirectoryError):
        extract_library(tmp_path / "file.mp3")


def test_analyse_one_payload_is_json(tmp_path: Path) -> None:
    path = _song(tmp_path / "x.flac", seconds=4)
    payload = analyse_one(str(path), 60.0)
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert payload["ok"] and list(payload["features"]) == list(AUDIO_FEATURES)


# ----------------------------------------------------------------------------------- the command


def test_cli_extract_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 with a plain message for a folder that is not there or holds no audio, or without the audio
    libraries; 0 otherwise, with the failures on stderr."""
    assert main(["extract", str(tmp_path / "nowhere"), "-o", str(tmp_path / "f.csv")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["extract", str(tmp_path / "empty"), "-o", str(tmp_path / "f.csv"), "--quiet"]) == 2
    assert "error: no audio files in" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "empty"), "-o", str(tmp_path / "no" / "f.csv")]) == 2
    assert "there is no folder" in capsys.readouterr().err
    assert not (tmp_path / "f.csv").exists()
    import core.audio

    monkeypatch.setattr(core.audio, "missing_libraries", lambda: ["librosa"])
    assert main(["extract", str(tmp_path / "empty"), "-o", str(tmp_path / "f.csv")]) == 2
    assert "error: audio analysis needs librosa: pip install 'audio-space-explorer[audio]'" in capsys.readouterr().err


@pytest.mark.slow  # starts processes
def test_extract_then_cluster_from_the_command_line(tmp_path: Path) -> None:
    """``python -m core extract`` then ``python -m core cluster`` on its CSV, as a person runs them."""
    music = tmp_path / "music"
    for index, (bpm, drums) in enumerate([(80, 0.9), (90, 0.8), (100, 0.9), (150, 0.1), (160, 0.05), (170, 0.1)]):
        _song(music / f"Artist {index} - Song {index}.flac", seconds=6, bpm=bpm, drums=drums, seed=index)
    (music / "broken.mp3").write_text("no")
    result = _run_cli(["extract", "music", "-o", "features.csv", "--workers", "2", "--cache-dir", "c"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "broken.mp3: not audio / cannot decode" in result.stderr
    assert "7 audio files: 6 in the table, 1 not" in result.stderr
    assert "100%" in result.stderr and "7/7" in result.stderr  # the progress bar
    table = pd.read_csv(tmp_path / "features.csv")
    assert len(table) == 6 and list(table.columns)[:6] == list(library.TEXT_COLUMNS)

    again = _run_cli(["extract", "music", "-o", "features.csv", "--cache-dir", "c", "--quiet"], tmp_path)
    assert again.returncode == 0 and "0 analysed now, 7 from the cache" in again.stderr

    clustered = _run_cli(
        ["cluster", "features.csv", "--k", "2", "--json", "--no-stability", "--cache-dir", "m"], tmp_path
    )
    assert clustered.returncode == 0, clustered.stderr
    summary = json.loads(clustered.stdout)
    assert summary["songs"] == 6 and summary["k"] == 2 and sum(summary["sizes"]) == 6
    assert {"tempo", "loudness", "duration_ms"} <= set(summary["features"])


# ---------------------------------------------------------------------------------- real music


@pytest.mark.slow
def test_real_mp3s_of_debian_asc_music(tmp_path: Path) -> None:
    """Debian's asc-music package (three GPL MP3s from the game ASC): real music gives plausible
    rows. Only where the package is installed."""
    found = next((d for d in ASC_MUSIC_DIRS if d.is_dir() and list(d.glob("*.mp3"))), None)
    if found is None:
        pytest.skip("Debian package asc-music is not installed (its MP3s live in /usr/share/games/asc/music)")
    result = extract_library(found, cache_dir=tmp_path / "cache", workers=2)
    assert not result.failures
    assert len(result.table) == len(list(found.glob("*.mp3")))
    for _, row in result.table.iterrows():
        assert 40 <= row["tempo"] <= 250
        assert -40 < row["loudness"] < 0
        assert row["duration_ms"] > 60_000
        assert 0 <= row["beat_strength"] <= 1 and 200 < row["brightness"] < 8000
