"""Settings from environment variables, with documented defaults.

| variable | default | meaning |
| --- | --- | --- |
| AUDIOSPACE_DATA | data/spotify.csv | the dataset the app serves |
| AUDIOSPACE_CACHE_DIR | .cache/models | the on-disk model cache shared by all workers |
| AUDIOSPACE_LOCK_LEASE | 20 | seconds a fit's lock outlives a worker that died holding it (renewed while it fits) |
| AUDIOSPACE_JOB_REDELIVERY | 300 | with Redis: seconds after which a job whose worker vanished runs on another worker |
| AUDIOSPACE_REDIS_URL | (none) | Redis for models, locks, previews and the Celery job queue; none: all on disk |
| AUDIOSPACE_DEFAULT_K | 5 | K when the URL names none |
| AUDIOSPACE_K_MAX | 12 | largest K offered and swept (smallest is 2) |
| AUDIOSPACE_SEED | 42 | seed for every random step, so results repeat |
| AUDIOSPACE_PREVIEWS_DIR | data/previews | local audio previews: ``<song id>.mp3`` or ``<artist> - <title>.mp3`` |
| AUDIOSPACE_PREVIEWS_ONLINE | 1 | 0 turns off iTunes and Deezer lookups |
| AUDIOSPACE_ITUNES_URL | https://itunes.apple.com/search | iTunes Search API base URL |
| AUDIOSPACE_DEEZER_URL | https://api.deezer.com/search | Deezer search API base URL |
| AUDIOSPACE_DATA_URL | the original app's public copy | where `make data` downloads the reference dataset |
| AUDIOSPACE_DATA_SHA256 | its sha256 | checksum the download must match (empty: no check) |
| AUDIOSPACE_URL_PREFIX | / | serve the app under this path, e.g. /music/ behind a proxy |
| AUDIOSPACE_DATASETS_DIR | .cache/datasets | where uploaded datasets are kept (share it between hosts) |
| AUDIOSPACE_UPLOAD_MB | 200 | largest CSV an upload may hold (after unzipping a .gz) |
| AUDIOSPACE_UPLOAD_ROWS | 2000000 | most songs an upload may hold |
| AUDIOSPACE_UPLOAD_COLUMNS | 1000 | most columns an upload may have |
| AUDIOSPACE_DATASETS_MB | 5000 | total size of kept uploads; the least recently used go beyond it |
| AUDIOSPACE_UPLOAD_DAYS | 30 | uploads nobody opened for this many days are removed |
| AUDIOSPACE_SHARED_DATASETS | (none) | a folder whose CSV files every visitor can open (never removed) |
| AUDIOSPACE_CATALOGS_IN_MEMORY | 4 | uploaded catalogs each worker keeps loaded (least recently used go) |
| AUDIOSPACE_JOB_SLOTS | CPU count | background jobs computing at once on this host (embedded only; others wait) |
| AUDIOSPACE_MUSIC_DIR | (none) | a folder of audio files, analysed and served instead of AUDIOSPACE_DATA |

Relative paths are taken from the project folder, so ``make run`` works from anywhere.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.datasets import StoreLimits
from core.download import REFERENCE_SHA256, REFERENCE_URL
from core.music_library import library_csv
from core.previews import PreviewSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
K_MIN = 2


class ConfigError(ValueError):
    """An environment variable holds a value the app cannot use; says which and why."""


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(env.get(name) or default).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _number(env: Mapping[str, str], name: str, default: float, cast: type, minimum: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} must be 1 or 0")


_PREFIX_SAFE = re.compile(r"^(/[A-Za-z0-9._~-]+)*/$")


def url_prefix(raw: str) -> str:
    """``raw`` as a path prefix that starts and ends with "/" ("music" -> "/music/");
    ConfigError unless it is plain path segments."""
    prefix = "/" + raw.strip().strip("/") + "/" if raw.strip().strip("/") else "/"
    if not _PREFIX_SAFE.match(prefix):
        raise ConfigError(f"AUDIOSPACE_URL_PREFIX={raw!r} must be a path such as /music/")
    return prefix


@dataclass(frozen=True)
class Settings:
    """Where the data and the cache live, and the knobs every worker must agree on."""

    data_path: Path
    cache_dir: Path
    lock_lease_s: float = 20.0
    #: Redis shared by every host (model cache, locks, previews, Celery's queue); None: embedded.
    redis_url: str | None = None
    #: With Redis: seconds after which a job whose worker vanished is delivered to another one.
    job_redelivery_s: float = 300.0
    default_k: int = 5
    k_max: int = 12
    seed: int = 42
    data_url: str = REFERENCE_URL
    data_sha256: str = REFERENCE_SHA256
    previews_dir: Path | None = None
    #: Constructed directly (tests, embedding) nothing reaches the internet unless asked;
    #: ``from_env`` turns lookups on unless AUDIOSPACE_PREVIEWS_ONLINE=0.
    previews_online: bool = False
    itunes_url: str = PreviewSettings.itunes_url
    deezer_url: str = PreviewSettings.deezer_url
    #: The path the app is served under, "/" or e.g. "/music/" behind a proxy (always ends in "/").
    url_prefix: str = "/"
    #: Uploaded datasets (core.datasets); None: ``<cache_dir>/datasets``.
    datasets_dir: Path | None = None
    store_limits: StoreLimits = field(default_factory=StoreLimits)
    catalogs_in_memory: int = 4
    #: Background jobs computing at once on this host (embedded deployment; core.slots).
    job_slots: int = field(default_factory=lambda: os.cpu_count() or 2)
    #: A folder whose CSV files are offered to every visitor (core.datasets.share_folder).
    shared_datasets_dir: Path | None = None
    #: A folder of music files analysed in the background (core.music_library); its table is
    #: then ``data_path`` and its files are the previews.
    music_dir: Path | None = None
    #: Compile the map code (UMAP's numba functions, about 4 s of one core) in each job process
    #: before a user asks for a map: off when constructed directly (tests build many apps),
    #: ``from_env`` turns it on unless AUDIOSPACE_WARM_MAPS=0.
    warm_maps: bool = False

    @property
    def datasets_folder(self) -> Path:
        return self.datasets_dir or self.cache_dir / "datasets"

    def preview_settings(self) -> PreviewSettings:
        folder = self.previews_dir or self.data_path.parent / "previews"
        return PreviewSettings(
            folder=folder, online=self.previews_online, itunes_url=self.itunes_url, deezer_url=self.deezer_url
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``AUDIOSPACE_*`` variables; raises ConfigError on unusable values."""
        env = os.environ if env is None else env
        k_max = int(_number(env, "AUDIOSPACE_K_MAX", 12, int, K_MIN + 1))
        default_k = int(_number(env, "AUDIOSPACE_DEFAULT_K", 5, int, K_MIN))
        cache_dir = _path(env, "AUDIOSPACE_CACHE_DIR", ".cache/models")
        music_dir = _path(env, "AUDIOSPACE_MUSIC_DIR", "") if env.get("AUDIOSPACE_MUSIC_DIR") else None
        data_path = _path(env, "AUDIOSPACE_DATA", "data/spotify.csv")
        if music_dir is not None and not env.get("AUDIOSPACE_DATA"):
            data_path = library_csv(cache_dir)
        return cls(
            data_path=data_path,
            cache_dir=cache_dir,
            lock_lease_s=float(_number(env, "AUDIOSPACE_LOCK_LEASE", 20.0, float, 1.0)),
            redis_url=(env.get("AUDIOSPACE_REDIS_URL") or "").strip() or None,
            job_redelivery_s=float(_number(env, "AUDIOSPACE_JOB_REDELIVERY", 300.0, float, 1.0)),
            default_k=min(default_k, k_max),
            k_max=k_max,
            seed=int(_number(env, "AUDIOSPACE_SEED", 42, int, 0)),
            data_url=env.get("AUDIOSPACE_DATA_URL") or REFERENCE_URL,
            data_sha256=env.get("AUDIOSPACE_DATA_SHA256", REFERENCE_SHA256),
            previews_dir=music_dir or _path(env, "AUDIOSPACE_PREVIEWS_DIR", "data/previews"),
            previews_online=_flag(env, "AUDIOSPACE_PREVIEWS_ONLINE", True),
            itunes_url=env.get("AUDIOSPACE_ITUNES_URL") or PreviewSettings.itunes_url,
            deezer_url=env.get("AUDIOSPACE_DEEZER_URL") or PreviewSettings.deezer_url,
            url_prefix=url_prefix(env.get("AUDIOSPACE_URL_PREFIX") or "/"),
            datasets_dir=_path(env, "AUDIOSPACE_DATASETS_DIR", ".cache/datasets"),
            store_limits=StoreLimits(
                upload_bytes=int(_number(env, "AUDIOSPACE_UPLOAD_MB", 200, float, 0.001) * 2**20),
                rows=int(_number(env, "AUDIOSPACE_UPLOAD_ROWS", 2_000_000, int, 3)),
                columns=int(_number(env, "AUDIOSPACE_UPLOAD_COLUMNS", 1000, int, 2)),
                store_bytes=int(_number(env, "AUDIOSPACE_DATASETS_MB", 5000, float, 0.001) * 2**20),
                max_age_days=float(_number(env, "AUDIOSPACE_UPLOAD_DAYS", 30, float, 0.0)),
            ),
            catalogs_in_memory=int(_number(env, "AUDIOSPACE_CATALOGS_IN_MEMORY", 4, int, 1)),
            job_slots=int(_number(env, "AUDIOSPACE_JOB_SLOTS", os.cpu_count() or 2, int, 1)),
            shared_datasets_dir=(
                _path(env, "AUDIOSPACE_SHARED_DATASETS", "") if env.get("AUDIOSPACE_SHARED_DATASETS") else None
            ),
            music_dir=music_dir,
            warm_maps=_flag(env, "AUDIOSPACE_WARM_MAPS", True),
        )
