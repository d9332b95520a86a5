"""Settings from AUDIOSPACE_* environment variables: defaults, overrides, clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, ConfigError, Settings


def test_defaults() -> None:
    """No variables: the documented defaults, paths under the project folder."""
    settings = Settings.from_env({})
    assert settings.data_path == PROJECT_ROOT / "data" / "spotify.csv"
    assert settings.cache_dir == PROJECT_ROOT / ".cache" / "models"
    assert (settings.lock_lease_s, settings.default_k, settings.k_max, settings.seed) == (20.0, 5, 12, 42)
    assert settings.redis_url is None and settings.url_prefix == "/"
    assert settings.warm_maps, "a served app compiles its map code before anyone asks for a map"


def test_overrides(tmp_path: Path) -> None:
    """Each variable overrides its setting; relative paths are taken from the project folder."""
    settings = Settings.from_env(
        {
            "AUDIOSPACE_DATA": str(tmp_path / "songs.csv"),
            "AUDIOSPACE_CACHE_DIR": "elsewhere/cache",
            "AUDIOSPACE_LOCK_LEASE": "30.5",
            "AUDIOSPACE_REDIS_URL": "redis://127.0.0.1:6390/2",
            "AUDIOSPACE_URL_PREFIX": "music",
            "AUDIOSPACE_DEFAULT_K": "7",
            "AUDIOSPACE_K_MAX": "9",
            "AUDIOSPACE_SEED": "3",
            "AUDIOSPACE_WARM_MAPS": "0",
        }
    )
    assert settings.data_path == tmp_path / "songs.csv"
    assert settings.cache_dir == PROJECT_ROOT / "elsewhere" / "cache"
    assert (settings.lock_lease_s, settings.default_k, settings.k_max, settings.seed) == (30.5, 7, 9, 3)
    assert (settings.redis_url, settings.url_prefix) == ("redis://127.0.0.1:6390/2", "/music/")
    assert not settings.warm_maps


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mapping, from_env reads os.environ; empty values mean the default."""
    for name in [n for n in os.environ if n.startswith("AUDIOSPACE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AUDIOSPACE_DEFAULT_K", "4")
    monkeypatch.setenv("AUDIOSPACE_SEED", "")
    settings = Settings.from_env()
    assert settings.default_k == 4
    assert settings.seed == 42


def test_default_k_is_capped_by_k_max() -> None:
    """A default K above the largest offered K falls back to that largest K."""
    settings = Settings.from_env({"AUDIOSPACE_DEFAULT_K": "20", "AUDIOSPACE_K_MAX": "8"})
    assert (settings.default_k, settings.k_max) == (8, 8)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("AUDIOSPACE_K_MAX", "twelve", "AUDIOSPACE_K_MAX='twelve' is not a number"),
        ("AUDIOSPACE_DEFAULT_K", "5.5", "AUDIOSPACE_DEFAULT_K='5.5' is not a number"),
        ("AUDIOSPACE_DEFAULT_K", "1", "AUDIOSPACE_DEFAULT_K='1' must be at least 2"),
        ("AUDIOSPACE_K_MAX", "2", "AUDIOSPACE_K_MAX='2' must be at least 3"),
        ("AUDIOSPACE_SEED", "-1", "AUDIOSPACE_SEED='-1' must be at least 0"),
        ("AUDIOSPACE_LOCK_LEASE", "0", "AUDIOSPACE_LOCK_LEASE='0' must be at least 1"),
        ("AUDIOSPACE_LOCK_LEASE", "nan", "AUDIOSPACE_LOCK_LEASE='nan' is not a finite number"),
        ("AUDIOSPACE_LOCK_LEASE", "inf", "AUDIOSPACE_LOCK_LEASE='inf' is not a finite number"),
    ],
)
def test_bad_values_raise_config_error(name: str, value: str, message: str) -> None:
    """A value the app cannot use is a ConfigError naming the variable, the value and why."""
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(message)
