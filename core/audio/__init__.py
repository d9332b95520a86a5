"""Audio files in, a feature table out: the extraction half of "your own music".

Everything here is importable without Dash. The heavy libraries (librosa, soundfile,
pyloudnorm, tinytag: the ``audio`` optional-dependency group) are imported by the modules that
need them, so ``import core.audio`` and :func:`missing_libraries` work without them.

API (see each module for details)::

    core.audio.decode
        SAMPLE_RATE = 22_050                     # Hz, every decoded signal
        ANALYSIS_SECONDS = 60.0                  # at most this much is decoded, from the middle
        AUDIO_EXTENSIONS: frozenset[str]         # ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ...
        class DecodeError(Exception)             # str(exc) is a plain reason ("not audio / cannot decode")
        @dataclass(frozen=True) class Decoded:   # samples (float32 mono), sr, duration_s, offset_s, backend
        def decode(path, *, sr=SAMPLE_RATE, max_seconds=ANALYSIS_SECONDS, offset=None) -> Decoded
        def ffmpeg_available() -> bool

    core.audio.features
        EXTRACTOR_VERSION: str                   # part of every cache key
        AUDIO_FEATURES, AUDIO_FEATURE_DEFINITIONS (re-exported from core.features)
        MIN_SECONDS = 1.0                        # shorter files fail with "too short (0.2 s)"
        class AnalysisError(Exception)           # str(exc) is a plain reason ("silent", "too short (0.2 s)")
        def analyse_signal(samples, sr, *, duration_s=None) -> dict[str, float]
        def analyse_file(path, *, max_seconds=ANALYSIS_SECONDS) -> tuple[dict[str, float], list[str]]

    core.audio.tags
        @dataclass(frozen=True) class Tags:      # title, artist, album, genre (str, "" when unknown)
        def read_tags(path, *, display_name=None) -> Tags
        def read_tag_fields(path) -> Tags | None;  def complete_tags(fields, name) -> Tags

    core.audio.library
        ProgressCallback = Callable[[int, int, str], None]       # (done, total, current relative path)
        FILE_TIMEOUT_S = 300.0; CACHE_FILE = "audio-features.sqlite"; TEXT_COLUMNS; ID_HEX = 16
        @dataclass(frozen=True) class LibraryFile:   # path (absolute, real, inside), relative, size, stat_key
        @dataclass(frozen=True) class Failure:       # path (relative, POSIX; "dir/" for folders), reason; .line()
        @dataclass(frozen=True) class Note:          # path, note: a remark on a file that *was* analysed
        @dataclass class ExtractResult:              # table: DataFrame (id, title, artist, album, genre, path,
                                                     #   *AUDIO_FEATURES), failures, notes, files: {id: Path},
                                                     #   total, analysed, cached, seconds; .summary()
        def find_audio_files(music_dir) -> tuple[list[LibraryFile], list[Failure]]
        def extract_library(music_dir, *, cache_dir=None, workers=None, progress=None,
                            max_seconds=ANALYSIS_SECONDS, timeout=FILE_TIMEOUT_S,
                            analyser=analyse_one) -> ExtractResult
        def analyse_one(path: str, max_seconds: float) -> dict      # the cacheable payload of one file
        def file_digest(path) -> str                                # blake2b-160 hex of the bytes
        def write_features_csv(result, path) -> None                # a catalog CSV (core.export.to_csv_bytes)
        def iter_lines(result) -> Iterator[str]                     # summary + "failed: ..." / "note: ..."

    core.audio.synth     click_track, tone, noise, song: test and benchmark signals (numpy only)

Command line: ``python -m core extract MUSIC_DIR -o features.csv [--workers N] [--cache-dir D]``.
"""

from __future__ import annotations

import importlib.util

#: The import names of the ``audio`` optional-dependency group.
REQUIRED_LIBRARIES = ("librosa", "soundfile", "pyloudnorm", "tinytag")

#: What to tell a person who lacks them.
INSTALL_HINT = "pip install 'audio-space-explorer[audio]' (librosa, soundfile, pyloudnorm, tinytag)"


def missing_libraries() -> list[str]:
    """The import names of the ``audio`` group that are not installed (empty when all are)."""
    return [name for name in REQUIRED_LIBRARIES if importlib.util.find_spec(name) is None]
