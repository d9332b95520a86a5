"""The operator's music folder (AUDIOSPACE_MUSIC_DIR) as the app's dataset, analysed in the background.

    python -m core.music_library MUSIC_DIR CACHE_DIR [--workers N]   # what start_analysis runs

``start_analysis`` starts one detached process per host that runs core.audio.library's
``extract_library`` on the folder (resumable: files analysed before come from its cache) and
writes, in ``<cache>/music/``:

- ``status.json``: the run's state ("running", "done", "failed"), files done and in all, the
  rate, the file in hand (its path inside the folder), and each file that could not be read
  with the reason: what the overview shows while it runs. Rewritten atomically, so a reader
  never sees half of it.
- ``library.csv``: the feature table (core.catalog reads it: id, title, artist, album, genre,
  path, the audio features), replaced atomically when a run ends; workers load the new one
  (app.context).

A lock file keeps a second run (a rescan asked twice, two workers starting) from starting
while one is going. The status never names a server path: only paths inside the music folder.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Files listed by name in the status (the rest counted): enough to act on, small to poll.
MAX_LISTED_FAILURES = 200
_STATUS_EVERY_S = 0.5


def library_folder(cache_dir: Path) -> Path:
    """Where the library's table, status and lock live."""
    return cache_dir / "music"


def library_csv(cache_dir: Path) -> Path:
    """The feature table a finished run writes: the app's dataset when a music folder is set."""
    return library_folder(cache_dir) / "library.csv"


@dataclass(frozen=True)
class LibraryStatus:
    """What the last (or current) analysis of the music folder did, as status.json has it."""

    state: str
    done: int = 0
    total: int = 0
    current: str = ""
    files_per_s: float = 0.0
    summary: str = ""
    failures: list[str] = field(default_factory=list)
    failed_count: int = 0
    updated: float = 0.0

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def seconds_left(self) -> float | None:
        """Estimated seconds until the run ends, or None before a rate is known."""
        if not self.running or self.files_per_s <= 0 or self.total <= self.done:
            return None
        return (self.total - self.done) / self.files_per_s


def read_status(cache_dir: Path) -> LibraryStatus | None:
    """The status of the library's analysis, or None when none was ever started (or the file
    is unreadable: a run rewrites it within a second)."""
    try:
        raw = json.loads((library_folder(cache_dir) / "status.json").read_text(encoding="utf-8"))
        return LibraryStatus(**{name: raw[name] for name in LibraryStatus.__dataclass_fields__ if name in raw})
    except (OSError, ValueError, TypeError):
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _write_status(cache_dir: Path, status: LibraryStatus) -> None:
    payload = {name: getattr(status, name) for name in LibraryStatus.__dataclass_fields__}
    _write_atomically(library_folder(cache_dir) / "status.json", json.dumps(payload).encode())


@contextlib.contextmanager
def _run_lock(cache_dir: Path):
    """Held while a run goes on; yields False (without waiting) when another run holds it."""
    folder = library_folder(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "analysis.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_running(cache_dir: Path) -> bool:
    """Whether an analysis holds the lock on this host now."""
    with _run_lock(cache_dir) as free:
        return not free


def analyse(music_dir: Path, cache_dir: Path, workers: int | None = None) -> LibraryStatus:
    """Run the analysis now (in this process), keeping status.json current; the final status.
    Does nothing but return the current status when another run holds the lock."""
    with _run_lock(cache_dir) as mine:
        if not mine:
            return read_status(cache_dir) or LibraryStatus("running")
        return _analyse_locked(music_dir, cache_dir, workers)


def _analyse_locked(music_dir: Path, cache_dir: Path, workers: int | None) -> LibraryStatus:
    started = time.monotonic()
    _write_status(cache_dir, LibraryStatus("running", updated=time.time()))
    try:
        from core.audio.library import extract_library
    except ImportError as exc:
        status = LibraryStatus(
            "failed",
            summary=(
                f"The audio libraries are not installed ({exc.name or exc}): `make run` installs them when "
                "AUDIOSPACE_MUSIC_DIR is set, or run `pip install -e '.[audio]'`."
            ),
            updated=time.time(),
        )
        _write_status(cache_dir, status)
        return status
    last_write = 0.0

    def progress(done: int, total: int, current: str) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write < _STATUS_EVERY_S and done < total:
            return
        last_write = now
        rate = done / max(now - started, 1e-9)
        _write_status(cache_dir, LibraryStatus("running", done, total, str(current), rate, updated=time.time()))

    try:
        result = extract_library(music_dir, cache_dir=library_folder(cache_dir), workers=workers, progress=progress)
    except OSError as exc:
        status = LibraryStatus("failed", summary=f"The music folder cannot be read: {exc.strerror or exc}.")
        _write_status(cache_dir, status)
        return status
    failures = [failure.line() for failure in result.failures]
    if len(result.table):
        _write_atomically(library_csv(cache_dir), result.table.to_csv(index=False).encode("utf-8"))
    summary = result.summary()
    if not len(result.table):
        summary += " No file could be analysed, so the app keeps showing what it showed."
    status = LibraryStatus(
        "done",
        result.total,
        result.total,
        "",
        result.total / max(time.monotonic() - started, 1e-9),
        summary,
        failures[:MAX_LISTED_FAILURES],
        len(failures),
        time.time(),
    )
    _write_status(cache_dir, status)
    return status


def start_analysis(music_dir: Path, cache_dir: Path, workers: int | None = None) -> bool:
    """Start the analysis in a detached process unless one is running; True when started.
    The process outlives the caller (a web worker, app.prepare) and ends with the run."""
    if is_running(cache_dir):
        return False
    library_folder(cache_dir).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "core.music_library", str(music_dir), str(cache_dir)]
    if workers:
        command += ["--workers", str(workers)]
    log = open(library_folder(cache_dir) / "analysis.log", "ab")  # noqa: SIM115 - the child keeps it
    with log:
        subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.music_library", description=__doc__.splitlines()[0])
    parser.add_argument("music_dir", type=Path)
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    status = analyse(args.music_dir, args.cache_dir, args.workers)
    print(status.summary or status.state)
    return 0 if status.state == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
