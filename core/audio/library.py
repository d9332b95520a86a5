"""A folder of music files in, a feature table out: walk, hash, analyse in a process pool, cache.

``extract_library(music_dir, cache_dir=..., workers=..., progress=...)`` returns an ExtractResult:
``table`` (one row per analysed file: id, title, artist, album, genre, path, then AUDIO_FEATURES),
``failures`` (files with no row, each with a plain reason) and ``notes`` (remarks on files that do
have a row: truncated, very long). Nothing stops the run: every bad file is one line.

The walk
    Every file under ``music_dir`` whose name ends in one of AUDIO_EXTENSIONS, hidden files and
    folders (".name", macOS "._name" companions) left out. Symbolic links to folders are never
    followed (so there are no loops to fall into); a link to a file is followed only when its
    target, resolved, lies inside ``music_dir`` (and is then analysed once, under its real path).
    Links pointing outside, loops and broken links are reported, never read: nothing outside the
    music folder is ever opened. File names that are not valid UTF-8 are read all the same; the
    ``path`` column shows them with replacement characters (``files`` maps ids to the real paths).

The cache (``cache_dir``/audio-features.sqlite, resumable)
    Results are keyed by the blake2b hash of the file's bytes and EXTRACTOR_VERSION, so a re-run,
    a renamed or moved file, or the same song in two places is analysed once. A second table maps a
    file's path, size, mtime, ctime and inode to its hash, so a re-run does not even read unchanged
    files. Files that fail for their content (not audio, silent, too short) are cached as failures;
    a crash, a time-out or a permission error is not. Written only by the calling process (WAL mode,
    so the web app can read while a job writes). ``cache_dir=None``: no cache.

Workers
    A ``concurrent.futures`` process pool (forkserver start method where the system has it, so the
    web app's threads are never forked) of ``workers`` processes (default ``os.cpu_count()``), at
    most ``workers`` files in flight. Each worker catches every exception per file and gives up on
    a file after FILE_TIMEOUT_S (an alarm). A worker that dies (a decoder crash, the OOM killer)
    breaks the pool: the files that were in flight are retried one at a time in a fresh pool, and
    the one that kills a worker on its own is reported "the analysis crashed on this file". A
    worker that hangs past the time-out in C code is killed the same way. The run always ends.

Silence and very short files fail ("silent", "too short (0.2 s; at least 1 s needed)"); see
core.audio.features for what noise, truncated and very long files give.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import signal
import sqlite3
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.audio.decode import ANALYSIS_SECONDS, AUDIO_EXTENSIONS
from core.audio.tags import Tags, complete_tags, display_name
from core.features import AUDIO_FEATURES

#: (done, total, current file's relative path): called in the calling process after every file.
ProgressCallback = Callable[[int, int, str], None]
#: A worker gives up on one file after this many seconds.
FILE_TIMEOUT_S = 300.0
#: The calling process kills a pool whose worker is this much past FILE_TIMEOUT_S (hung in C code).
HARD_TIMEOUT_MARGIN_S = 60.0
CACHE_FILE = "audio-features.sqlite"
#: Text columns of the table, before the features.
TEXT_COLUMNS = ("id", "title", "artist", "album", "genre", "path")
#: Hex digits of the content hash that make a song id (64 bits, as core.catalog's content ids).
ID_HEX = 16
_CHUNK = 1 << 20


@dataclass(frozen=True)
class LibraryFile:
    """An audio file found in the music folder: ``path`` absolute and real (inside the folder),
    ``relative`` its POSIX path under the folder as display text, ``stat_key`` what says it changed."""

    path: Path
    relative: str
    size: int
    stat_key: str


@dataclass(frozen=True)
class Failure:
    """A file (relative POSIX path) that has no row, and why, in plain words."""

    path: str
    reason: str

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Note:
    """A remark on a file that was analysed all the same (truncated, very long)."""

    path: str
    note: str

    def line(self) -> str:
        return f"{self.path}: {self.note}"


@dataclass
class ExtractResult:
    """The outcome of one run. ``table``: columns TEXT_COLUMNS + AUDIO_FEATURES, one row per file,
    sorted by path, features as float64 (see core.features.AUDIO_FEATURE_DEFINITIONS). ``files``: song
    id -> absolute real path (for serving the file: always inside the music folder). ``analysed``:
    files analysed in this run; ``cached``: rows taken from the cache; ``total``: audio files found."""

    table: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    total: int = 0
    analysed: int = 0
    cached: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One sentence: files found, rows, failures, and how many were analysed now or taken from the
        cache (``analysed`` + ``cached`` counts every file that reached the analysis, failed or not)."""
        return (
            f"{self.total:,} audio file{'s' * (self.total != 1)}: {len(self.table):,} in the table, "
            f"{len(self.failures):,} not; {self.analysed:,} analysed now, {self.cached:,} from the cache; "
            f"{self.seconds:.1f} s."
        )


# --------------------------------------------------------------------------------------------- walk


def _relative(path: Path, root: Path) -> str:
    return display_name(path.relative_to(root).as_posix())


def _stat_key(relative: str, st: os.stat_result) -> str:
    return f"{relative}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{st.st_ctime_ns}\x1f{st.st_dev}:{st.st_ino}"


def _resolve_inside(path: Path, root: Path) -> tuple[Path | None, str]:
    """(real path, "") when ``path`` resolves inside ``root``; (None, reason) otherwise."""
    try:
        real = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports loops so
        return None, "symlink loop (not followed)"
    except FileNotFoundError:
        return None, "broken symlink (its target does not exist)"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return None, "symlink loop (not followed)"
        return None, f"cannot be read ({exc.strerror or exc})"
    if not real.is_relative_to(root):
        return None, "symlink to outside the music folder (not followed)"
    return real, ""


def find_audio_files(music_dir: str | Path) -> tuple[list[LibraryFile], list[Failure]]:
    """The audio files under ``music_dir`` (sorted by relative path) and the entries that cannot be
    taken (see the module docstring). Raises NotADirectoryError / FileNotFoundError for a bad folder."""
    root = Path(music_dir).resolve(strict=True)
    if not root.is_dir():
        raise NotADirectoryError(f"{music_dir} is not a folder")
    files: dict[Path, LibraryFile] = {}
    failures: list[Failure] = []

    def unreadable(exc: OSError) -> None:
        where = _relative(Path(exc.filename), root) if exc.filename else "?"
        failures.append(Failure(where + "/", f"folder cannot be read ({exc.strerror or exc})"))

    for folder, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        base = Path(folder)
        for name in list(dirnames):
            if name.startswith("."):
                dirnames.remove(name)
                continue
            link = base / name
            if link.is_symlink():
                _, reason = _resolve_inside(link, root)
                if reason:
                    failures.append(Failure(_relative(link, root) + "/", reason.replace("symlink", "folder symlink")))
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in AUDIO_EXTENSIONS:
                continue
            path = base / name
            relative = _relative(path, root)
            real, reason = _resolve_inside(path, root) if path.is_symlink() else (path, "")
            if real is None:
                failures.append(Failure(relative, reason))
                continue
            try:
                st = real.stat()
            except OSError as exc:
                failures.append(Failure(relative, f"cannot be read ({exc.strerror or exc})"))
                continue
            if not stat.S_ISREG(st.st_mode):
                failures.append(Failure(relative, "not a regular file"))
                continue
            if real in files:
                continue  # a link to a file inside the folder: analysed under its real name
            real_relative = _relative(real, root)
            files[real] = LibraryFile(real, real_relative, st.st_size, _stat_key(real_relative, st))
    return sorted(files.values(), key=lambda f: f.relative), failures


# -------------------------------------------------------------------------------------------- cache


class FeatureCache:
    """The sqlite store of results by content (see the module docstring). ``None`` path: in memory."""

    def __init__(self, directory: Path | None) -> None:
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        target = ":memory:" if directory is None else str(directory / CACHE_FILE)
        self.path = None if directory is None else directory / CACHE_FILE
        self.db = sqlite3.connect(target, timeout=30)
        with contextlib.suppress(sqlite3.DatabaseError):
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS files (stat_key TEXT PRIMARY KEY, digest TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, payload TEXT NOT NULL)")
        self.db.commit()

    @staticmethod
    def result_key(digest: str, version: str) -> str:
        return f"{digest}:{version}"

    def digest_of(self, file: LibraryFile) -> str | None:
        row = self.db.execute("SELECT digest FROM files WHERE stat_key = ?", (file.stat_key,)).fetchone()
        return row[0] if row else None

    def result(self, digest: str, version: str) -> dict | None:
        row = self.db.execute("SELECT payload FROM results WHERE key = ?", (self.result_key(digest, version),))
        found = row.fetchone()
        return json.loads(found[0]) if found else None

    def store(self, file: LibraryFile, digest: str, version: str, payload: dict | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (file.stat_key, digest))
        if payload is not None:
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?)",
                (self.result_key(digest, version), json.dumps(payload, allow_nan=False)),
            )
        self.db.commit()

    def close(self) -> None:
        self.db.close()


# ------------------------------------------------------------------------------------------- worker


def file_digest(path: str | Path) -> str:
    """Hex blake2b (160 bits) of the file's bytes, read in 1 MiB chunks."""
    digest = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def analyse_one(path: str, max_seconds: float) -> dict:
    """The cacheable payload of one file: {"ok": True, "tags": {...} | None, "features": {...},
    "notes": [...]} or {"ok": False, "reason": "..."} when its content gives no row. Raises for
    what is not the content's fault (PermissionError, TimeoutError)."""
    from core.audio.decode import DecodeError
    from core.audio.features import AnalysisError, analyse_file
    from core.audio.tags import read_tag_fields

    try:
        features, notes = analyse_file(path, max_seconds=max_seconds)
    except (DecodeError, AnalysisError) as exc:
        return {"ok": False, "reason": str(exc)}
    fields = read_tag_fields(path)
    return {
        "ok": True,
        "tags": None if fields is None else dataclasses.asdict(fields),
        "features": features,
        "notes": notes,
    }


class _TimeoutError(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _TimeoutError


def _init_worker() -> None:
    """Pool worker start: one BLAS/OpenMP thread (the pool is the parallelism), decoder chatter on
    stderr (mpg123's "Note: Trying to resync") silenced, the alarm handler installed."""
    with contextlib.suppress(Exception):
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    signal.signal(signal.SIGALRM, _alarm)


def _task(
    path: str,
    digest: str | None,
    version: str,
    max_seconds: float,
    timeout: float,
    analyser: Callable[[str, float], dict],
) -> tuple[str, str | None, dict | None, str]:
    """Runs in a worker: (status, digest, payload, reason), status "ok" (payload to cache) or
    "failed" (reason; not cached: the content may be fine)."""
    signal.alarm(max(1, int(timeout)))
    try:
        digest = digest or file_digest(path)
        return "ok", digest, analyser(path, max_seconds), ""
    except _TimeoutError:
        return "failed", digest, None, f"analysis took longer than {timeout:.0f} s (gave up)"
    except PermissionError:
        return "failed", digest, None, "permission denied"
    except MemoryError:
        return "failed", digest, None, "out of memory while analysing"
    except OSError as exc:
        return "failed", digest, None, f"cannot be read ({exc.strerror or exc})"
    except Exception as exc:  # a bug or an odd file: one line, never the end of the run
        return "failed", digest, None, f"analysis failed ({type(exc).__name__}: {str(exc)[:120]})"
    finally:
        signal.alarm(0)


# ---------------------------------------------------------------------------------------------- run


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # Warm the forkserver once (libraries loaded, numba compiled): workers fork ready to go.
        # Takes effect when the forkserver starts, i.e. if nothing else in the process started it first.
        context.set_forkserver_preload(["core.audio._preload"])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker)


def _kill(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes (one of them hangs); the pool then reports itself broken."""
    for process in list(getattr(pool, "_processes", {}).values()):  # no public API for this
        with contextlib.suppress(Exception):
            process.kill()


@dataclass
class _Job:
    file: LibraryFile
    digest: str | None
    solo: bool = False
    started: float = 0.0


def _row(file: LibraryFile, digest: str, payload: dict) -> dict:
    raw = payload.get("tags")
    tags = complete_tags(None if raw is None else Tags(**raw), file.relative.rsplit("/", 1)[-1])
    row = {"id": digest[:ID_HEX], **dataclasses.asdict(tags), "path": file.relative}
    row.update({name: float(payload["features"][name]) for name in AUDIO_FEATURES})
    return row


def _run_pool(
    jobs: list[_Job],
    workers: int,
    version: str,
    max_seconds: float,
    timeout: float,
    analyser: Callable[[str, float], dict],
    finish: Callable[[_Job, str, str | None, dict | None, str], None],
) -> None:
    """Analyse ``jobs`` in a pool, calling ``finish(job, status, digest, payload, reason)`` once per
    job, whatever happens to the workers (see the module docstring)."""
    pending, solo = deque(jobs), deque()
    in_flight: dict[Future, _Job] = {}
    pool = _pool(workers)
    try:
        while pending or solo or in_flight:
            # Suspects of a crash run alone; otherwise at most ``workers`` files are in flight.
            while (solo and not in_flight) or (not solo and pending and len(in_flight) < workers):
                queue = solo if solo else pending
                job = queue.popleft()
                job.started = time.monotonic()
                args = (str(job.file.path), job.digest, version, max_seconds, timeout, analyser)
                try:
                    in_flight[pool.submit(_task, *args)] = job
                except BrokenProcessPool:  # a worker died since the last wait: its files say so next
                    queue.appendleft(job)
                    if not in_flight:  # nothing left to report it: start afresh
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = _pool(workers)
                    break
            done, _ = wait(list(in_flight), timeout=1.0, return_when=FIRST_COMPLETED)
            broken: list[_Job] = []
            for future in done:
                job = in_flight.pop(future)
                try:
                    finish(job, *future.result())
                except BrokenProcessPool:
                    broken.append(job)
            overdue = [j for j in in_flight.values() if time.monotonic() - j.started > timeout + HARD_TIMEOUT_MARGIN_S]
            if overdue and not broken:
                _kill(pool)
            if broken or overdue:
                for future, job in list(in_flight.items()):
                    try:
                        finish(job, *future.result(timeout=30))
                    except Exception:  # BrokenProcessPool, or still running in a killed pool
                        broken.append(job)
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _pool(workers)
                for job in broken:
                    if job.solo:
                        hung = time.monotonic() - job.started > timeout + HARD_TIMEOUT_MARGIN_S
                        reason = "analysis hung (killed)" if hung else "the analysis crashed on this file"
                        finish(job, "failed", job.digest, None, reason)
                    else:
                        job.solo = True
                        solo.append(job)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def extract_library(
    music_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    max_seconds: float = ANALYSIS_SECONDS,
    timeout: float = FILE_TIMEOUT_S,
    analyser: Callable[[str, float], dict] = analyse_one,
) -> ExtractResult:
    """Analyse every audio file under ``music_dir`` (see the module docstring): returns the table,
    the failures and the notes. ``workers``: processes (default os.cpu_count()); ``progress(done,
    total, current)`` after each file; ``analyser``: a top-level function (path, max_seconds) ->
    payload as analyse_one's, for tests. Raises FileNotFoundError / NotADirectoryError when the
    folder is not one; every problem with a file is a Failure."""
    from core.audio.features import EXTRACTOR_VERSION

    started = time.monotonic()
    root = Path(music_dir).resolve(strict=True)
    files, failures = find_audio_files(root)
    workers = max(1, workers or os.cpu_count() or 1)
    total = len(files)
    notes: list[Note] = []
    rows: dict[str, dict] = {}
    paths: dict[str, Path] = {}
    owner: dict[str, str] = {}  # digest -> relative path of the file whose row it is
    counts = {"analysed": 0, "cached": 0, "done": 0}
    cache = FeatureCache(None if cache_dir is None else Path(cache_dir))

    def tick(file: LibraryFile) -> None:
        counts["done"] += 1
        if progress is not None:
            progress(counts["done"], total, file.relative)

    def take(file: LibraryFile, digest: str, payload: dict) -> None:
        if not payload["ok"]:
            failures.append(Failure(file.relative, payload["reason"]))
        elif digest in owner:
            failures.append(Failure(file.relative, f"same content as {owner[digest]} (listed once)"))
        else:
            owner[digest] = file.relative
            rows[file.relative] = _row(file, digest, payload)
            paths[digest[:ID_HEX]] = file.path
            notes.extend(Note(file.relative, text) for text in payload.get("notes", []))

    def finish(job: _Job, status: str, digest: str | None, payload: dict | None, reason: str) -> None:
        if status == "ok" and digest is not None and payload is not None:
            known = cache.result(digest, EXTRACTOR_VERSION)  # the same content analysed meanwhile
            cache.store(job.file, digest, EXTRACTOR_VERSION, payload)
            counts["cached" if known is not None else "analysed"] += 1
            take(job.file, digest, payload)
        else:
            failures.append(Failure(job.file.relative, reason))
        tick(job.file)

    jobs: list[_Job] = []
    if progress is not None:
        progress(0, total, "")
    try:
        for file in files:
            if file.size == 0:
                failures.append(Failure(file.relative, "empty file"))
                tick(file)
                continue
            digest = cache.digest_of(file)
            payload = None if digest is None else cache.result(digest, EXTRACTOR_VERSION)
            if digest is not None and payload is not None:
                counts["cached"] += 1
                take(file, digest, payload)
                tick(file)
            else:
                jobs.append(_Job(file, digest))
        if jobs:
            _run_pool(jobs, min(workers, len(jobs)), EXTRACTOR_VERSION, max_seconds, timeout, analyser, finish)
    finally:
        cache.close()
    table = pd.DataFrame([rows[key] for key in sorted(rows)], columns=[*TEXT_COLUMNS, *AUDIO_FEATURES])
    table[list(AUDIO_FEATURES)] = table[list(AUDIO_FEATURES)].astype("float64")
    return ExtractResult(
        table=table,
        failures=sorted(failures, key=lambda f: f.path),
        notes=sorted(notes, key=lambda n: n.path),
        files=paths,
        total=total,
        analysed=counts["analysed"],
        cached=counts["cached"],
        seconds=time.monotonic() - started,
    )


def write_features_csv(result: ExtractResult, path: str | Path) -> None:
    """Write ``result.table`` as a UTF-8 catalog CSV (formula-like text cells neutralised, as every
    export): core.catalog.load_catalog reads it back (id, title, artist, genre and the features)."""
    from core.export import to_csv_bytes

    Path(path).write_bytes(to_csv_bytes(result.table))


def iter_lines(result: ExtractResult) -> Iterator[str]:
    """The report of a run as lines: the summary, then every failure and note."""
    yield result.summary()
    for failure in result.failures:
        yield f"  failed: {failure.line()}"
    for note in result.notes:
        yield f"  note: {note.line()}"
