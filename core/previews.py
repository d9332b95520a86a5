"""Find a 30-second preview for a song, and decide which URLs may reach an ``<audio src>``.

Resolution, first hit wins:

1. the dataset's own preview URL (``preview_url`` / ``preview`` column);
2. a local audio file in the previews folder, named ``<song id>.<ext>`` or
   ``<artist> - <title>.<ext>`` (mp3, m4a, ogg, wav), served by the app's own
   ``/previews/<song id>`` route;
3. the iTunes Search API (``previewUrl``), choosing the result whose title and artist
   match the song, not merely the first; at most ``itunes_per_minute`` requests a
   minute across all workers (Apple allows about 20);
4. the Deezer search API (``preview``).

Online answers, "none" included, are kept in a shared store (core.shared) read by every worker, so a
song is looked up at most once across workers and restarts; "none" expires after
``miss_ttl_s`` and a failed lookup (error, timeout, rate limit) after ``retry_ttl_s``.
After a connection failure a service is skipped for ``retry_ttl_s``, so an offline
machine answers at once. Dash does not sanitise ``html.Audio.src``: only https URLs on
the hosts below, or the app's own route, are ever returned.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import urlsplit

from core.search import normalise
from core.shared import SharedStore

log = logging.getLogger(__name__)

#: Exact hosts, and suffixes (leading dot) of hosts, that serve 30-second previews.
ALLOWED_PREVIEW_HOSTS = (
    "p.scdn.co",  # Spotify
    "audio-ssl.itunes.apple.com",  # Apple Music / iTunes
    ".mzstatic.com",  # Apple Music / iTunes
    ".dzcdn.net",  # Deezer
)
LOCAL_PREFIX = "/previews/"
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
}
#: A song's own file plays this many seconds from its middle (a media fragment, ``#t=a,b``);
#: a link beside the player plays the whole file.
EXCERPT_S = 30
#: Both title and artist must be at least this similar (0..1) for an online result to count.
MATCH_THRESHOLD = 0.8
_DECORATIONS = re.compile(r"\s*[(\[].*?[)\]]|\s+-\s+.*$|\s+feat\..*$")
_SCHEMA = "v1"


def safe_preview_url(url: object) -> str | None:
    """``url`` when it may be played, else None (javascript:, http:, other hosts, junk)."""
    if not isinstance(url, str) or not url or len(url) > 2048 or any(c in url for c in "\"'<> \n\r\t\\"):
        return None
    if url.startswith(LOCAL_PREFIX) and ".." not in url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or parts.username or parts.password or port not in (None, 443):
        return None
    allowed = any(host == h or (h.startswith(".") and host.endswith(h)) for h in ALLOWED_PREVIEW_HOSTS)
    return url if allowed else None


def preview_source(url: str) -> str:
    """Plain name of where a preview comes from, shown next to the player."""
    host = (urlsplit(url).hostname or "").lower()
    if url.startswith(LOCAL_PREFIX):
        return "local file"
    if host.endswith("dzcdn.net"):
        return "Deezer"
    if host.endswith("scdn.co"):
        return "Spotify"
    return "Apple Music"


@dataclass(frozen=True)
class Preview:
    """A playable preview: an allow-listed URL and where it came from, in plain words."""

    url: str
    source: str


@dataclass(frozen=True)
class PreviewSettings:
    """Where previews come from. Base URLs are settings so tests can use local servers."""

    folder: Path
    online: bool = True
    itunes_url: str = "https://itunes.apple.com/search"
    deezer_url: str = "https://api.deezer.com/search"
    timeout_s: float = 4.0
    itunes_per_minute: int = 20
    miss_ttl_s: float = 7 * 24 * 3600.0
    retry_ttl_s: float = 300.0


def _core_title(text: str) -> str:
    """Title without decorations that services add or drop: (feat. …), [Remastered], - Live."""
    return normalise(_DECORATIONS.sub("", text)) or normalise(text)


def _similar(a: str, b: str) -> float:
    a, b = normalise(a), normalise(b)
    if not a or not b:
        return 0.0
    if a == b or a in b or b in a:
        return 1.0
    return SequenceMatcher(None, a, b).ratio()


def best_match(title: str, artist: str, candidates: list[tuple[str, str, str]]) -> str | None:
    """The preview URL of the candidate (title, artist, url) that matches the song best.

    Both the title (decorations aside) and the artist must be at least MATCH_THRESHOLD
    similar; among those, the highest combined score wins, the earlier on ties. Only
    allow-listed URLs count.
    """
    best, best_score = None, 0.0
    for found_title, found_artist, url in candidates:
        if safe_preview_url(url) is None:
            continue
        title_score = max(_similar(_core_title(title), _core_title(found_title)), _similar(title, found_title))
        artist_score = _similar(artist, found_artist) if artist else 1.0
        if title_score < MATCH_THRESHOLD or artist_score < MATCH_THRESHOLD:
            continue
        score = title_score * 2 + artist_score
        if score > best_score:
            best, best_score = url, score
    return best


def excerpt_fragment(duration_ms: float | None) -> str:
    """``#t=<start>,<end>``: the middle EXCERPT_S seconds of a song ``duration_ms`` long, for
    an ``<audio>`` source; "" (the whole file) when it is not much longer than that or unknown."""
    if duration_ms is None or not math.isfinite(duration_ms) or duration_ms < 1500 * EXCERPT_S:
        return ""
    start = int(duration_ms / 2000 - EXCERPT_S / 2)
    return f"#t={start},{start + EXCERPT_S}"


class ServiceUnavailableError(Exception):
    """A service could not answer now (network, HTTP error, bad JSON, rate limit)."""


class PreviewFinder:
    """Resolves previews for songs; shares its answers with every worker through ``cache``."""

    def __init__(self, settings: PreviewSettings, cache: SharedStore) -> None:
        self.settings = settings
        self.cache = cache
        self._files: dict[str, Path] = {}
        self._files_read_at = float("-inf")

    # -- offline sources -------------------------------------------------------------
    def _local_files(self) -> dict[str, Path]:
        """Lower-case file stem -> audio file inside the folder (re-read every 30 s)."""
        if time.monotonic() - self._files_read_at > 30:
            folder = self.settings.folder
            files: dict[str, Path] = {}
            if folder.is_dir():
                root = folder.resolve()
                for path in sorted(folder.iterdir()):
                    if path.suffix.lower() in AUDIO_TYPES and path.is_file() and path.resolve().is_relative_to(root):
                        files.setdefault(path.stem.casefold(), path.resolve())
            self._files, self._files_read_at = files, time.monotonic()
        return self._files

    def library_file(self, relative: str) -> Path | None:
        """The audio file at ``relative`` (POSIX, from a catalog's ``path`` column) inside the
        folder; None when it is missing, not audio, or leads outside (``..``, a symlink out)."""
        root = self.settings.folder.resolve()
        try:
            path = (root / relative).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
            return None
        if not path.is_relative_to(root) or path.suffix.lower() not in AUDIO_TYPES or not path.is_file():
            return None
        return path

    def local_file(self, song_id: str, title: str, artist: str, path: str | None = None) -> Path | None:
        """The song's audio file in the previews folder, never a path outside it: the file at
        its catalog ``path`` when it has one (a music library), else one named after it."""
        if path:
            return self.library_file(path)
        files = self._local_files()
        return files.get(song_id.casefold()) or files.get(f"{artist} - {title}".casefold())

    def known(
        self,
        song_id: str,
        title: str,
        artist: str,
        dataset_url: str | None,
        path: str | None = None,
        duration_ms: float | None = None,
    ) -> Preview | None:
        """A preview found without the network: the dataset's URL, or a local file. A file
        in the previews folder is a preview and plays whole; a music library's file (``path``)
        is the song itself, ``duration_ms`` long, and plays its middle EXCERPT_S seconds."""
        url = safe_preview_url(dataset_url)
        if url:
            return Preview(url, preview_source(url))
        if not self.local_file(song_id, title, artist, path):
            return None
        own = LOCAL_PREFIX + urllib.parse.quote(song_id, safe="")
        if path:
            return Preview(own + excerpt_fragment(duration_ms), "the song's own file")
        return Preview(own, "local file")

    def resolve_now(
        self, song_id: str, title: str, artist: str, path: str | None = None, duration_ms: float | None = None
    ) -> tuple[Preview | None, bool]:
        """(preview, pending) for a song without a usable dataset URL, without waiting on
        the network: pending means an online lookup may still find one, so a page shows
        a placeholder and asks later."""
        preview = self.known(song_id, title, artist, None, path, duration_ms)
        if preview:
            return preview, False
        known, preview = self.cached(title, artist)
        return preview, not known and self.settings.online

    # -- online sources --------------------------------------------------------------
    def _key(self, title: str, artist: str) -> str:
        return f"preview:{_SCHEMA}:{normalise(title)}|{normalise(artist)}"

    def cached(self, title: str, artist: str) -> tuple[bool, Preview | None]:
        """(known, preview): known is False when the song was never looked up (or expired)."""
        answer = self.cache.get(self._key(title, artist))
        if answer is None:
            return False, None
        return True, (Preview(*answer) if answer else None)

    def look_up(self, title: str, artist: str) -> Preview | None:
        """An online preview for the song, from the cache or the services (may take seconds)."""
        known, preview = self.cached(title, artist)
        if known or not self.settings.online:
            return preview
        failed = False
        for source, query in (("Apple Music", self._itunes), ("Deezer", self._deezer)):
            try:
                url = query(title, artist)
            except ServiceUnavailableError as exc:
                log.info("preview lookup on %s failed for %r: %s", source, title, exc)
                failed = True
                continue
            if url:
                self.cache.set(self._key(title, artist), (url, source))
                return Preview(url, source)
        ttl = self.settings.retry_ttl_s if failed else self.settings.miss_ttl_s
        self.cache.set(self._key(title, artist), (), expire=ttl)
        return None

    def _get_json(self, service: str, url: str) -> dict:
        if self.cache.get(f"preview-down:{service}"):
            raise ServiceUnavailableError(f"{service} unreachable a moment ago; not retried yet")
        try:
            with urllib.request.urlopen(url, timeout=self.settings.timeout_s) as response:
                return json.loads(response.read(2**20).decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise ServiceUnavailableError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            self.cache.set(f"preview-down:{service}", True, expire=self.settings.retry_ttl_s)
            raise ServiceUnavailableError(str(getattr(exc, "reason", exc))) from None
        except ValueError as exc:
            raise ServiceUnavailableError(f"not JSON: {exc}") from None

    def _take_itunes_token(self) -> bool:
        """One of this minute's iTunes requests, shared by every worker through the cache."""
        bucket = f"preview-rate:itunes:{int(time.time() // 60)}"
        used = self.cache.incr(bucket, expire=120)
        return used <= self.settings.itunes_per_minute

    def _itunes(self, title: str, artist: str) -> str | None:
        if not self._take_itunes_token():
            raise ServiceUnavailableError("rate limit: this minute's requests are used")
        term = urllib.parse.urlencode({"term": f"{title} {artist}".strip(), "entity": "song", "limit": 10})
        data = self._get_json("itunes", f"{self.settings.itunes_url}?{term}")
        results = data.get("results") if isinstance(data, dict) else None
        candidates = [
            (str(r.get("trackName", "")), str(r.get("artistName", "")), str(r.get("previewUrl", "")))
            for r in results or []
            if isinstance(r, dict)
        ]
        return best_match(title, artist, candidates)

    def _deezer(self, title: str, artist: str) -> str | None:
        query = urllib.parse.urlencode({"q": f'track:"{title}" artist:"{artist}"' if artist else title, "limit": 10})
        data = self._get_json("deezer", f"{self.settings.deezer_url}?{query}")
        results = data.get("data") if isinstance(data, dict) else None
        candidates = [
            (str(r.get("title", "")), str((r.get("artist") or {}).get("name", "")), str(r.get("preview", "")))
            for r in results or []
            if isinstance(r, dict) and isinstance(r.get("artist") or {}, dict)
        ]
        return best_match(title, artist, candidates)
