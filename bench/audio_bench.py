"""Files per second of ``core.audio.library.extract_library`` on synthesised music (clicks, chords,
noise: core.audio.synth.song), 30-second and 5-minute files, MP3 and FLAC, with 2 workers.

    .venv/bin/python bench/audio_bench.py [--workers 2] [--n30 12] [--n300 6] [--out bench/AUDIO_RESULTS.md]

Each row is a fresh run (no cache) over a folder of files of one kind, so the pool's start (each worker
imports librosa and compiles numba code once) is included; "warm" is the rate after the first
``workers`` files, which is what a large library sees. The last row is a re-run over the cached folder.
The machine's load (``uptime``) is printed with the table: other work may share the cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import soundfile as sf
from engine_bench import uptime

from core.audio import synth
from core.audio.decode import ANALYSIS_SECONDS, SAMPLE_RATE
from core.audio.library import extract_library

FORMATS = {"mp3": ("MP3", "MPEG_LAYER_III"), "flac": ("FLAC", "PCM_16")}


def _write(folder: Path, count: int, seconds: float, kind: str) -> int:
    folder.mkdir(parents=True)
    fmt, subtype = FORMATS[kind]
    size = 0
    for index in range(count):
        audio = synth.song(seconds, bpm=80 + 7 * index, minor=bool(index % 2), root=index % 12, seed=index)
        path = folder / f"Bench - Song {index:03d}.{kind}"
        sf.write(path, audio, SAMPLE_RATE, format=fmt, subtype=subtype)
        size += path.stat().st_size
    return size


def _run(folder: Path, workers: int, cache: Path | None) -> tuple[float, float, int]:
    """(seconds, warm files/s, rows)."""
    stamps: list[float] = []
    started = time.monotonic()
    result = extract_library(
        folder, cache_dir=cache, workers=workers, progress=lambda done, total, _: stamps.append(time.monotonic())
    )
    elapsed = time.monotonic() - started
    done_times = stamps[1:]
    warm = 0.0
    if len(done_times) > workers + 1:
        span = done_times[-1] - done_times[workers - 1]
        warm = (len(done_times) - workers) / span if span > 0 else float("inf")
    return elapsed, warm, len(result.table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n30", type=int, default=12, help="30-second files per format")
    parser.add_argument("--n300", type=int, default=6, help="5-minute files per format")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as Markdown here")
    args = parser.parse_args()

    rows = []
    load_before = uptime()
    with tempfile.TemporaryDirectory(prefix="audiobench-") as tmp:
        base = Path(tmp)
        for seconds, count in ((30, args.n30), (300, args.n300)):
            for kind in FORMATS:
                folder = base / f"{kind}-{seconds}"
                size = _write(folder, count, seconds, kind)
                elapsed, warm, kept = _run(folder, args.workers, base / f"cache-{kind}-{seconds}")
                rows.append(
                    (f"{seconds // 60}:{seconds % 60:02d}", kind, count, size / count / 1e6, elapsed, warm, kept)
                )
                print(f"{rows[-1]}", file=sys.stderr)
        folder = base / "mp3-300"
        started = time.monotonic()
        again = extract_library(folder, cache_dir=base / "cache-mp3-300", workers=args.workers)
        cached_s = time.monotonic() - started
    load_after = uptime()

    lines = [
        f"workers={args.workers}, analysis window {ANALYSIS_SECONDS:g} s from the middle, {SAMPLE_RATE} Hz mono; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "",
        "| file length | format | files | MB per file | wall time (s) | files/s (all) | files/s (warm) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for length, kind, count, mb, elapsed, warm, kept in rows:
        assert kept == count, f"{count - kept} files failed"
        lines.append(f"| {length} | {kind} | {count} | {mb:.1f} | {elapsed:.1f} | {count / elapsed:.2f} | {warm:.2f} |")
    lines += [
        "",
        f"Re-run over the {again.cached} cached 5-minute MP3s: {cached_s:.3f} s ({again.analysed} analysed).",
        f"At the warm 5-minute rate, a 10,000-track library takes about {10_000 / rows[-2][5] / 3600:.1f} h "
        f"with {args.workers} workers (once; re-runs only analyse new or changed files).",
        "",
        f"Load before: `{load_before}`",
        f"Load after: `{load_after}`",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(
            "# Audio extraction benchmark\n\n"
            "`bench/audio_bench.py`: core.audio.library.extract_library on synthesised music "
            "(core.audio.synth.song: a click on every beat, I-IV-V-I triads, hi-hat noise).\n\n" + text + "\n"
        )


if __name__ == "__main__":
    main()
