"""Download the reference dataset: checksum-verified, never half-written, clear offline.

The URL and checksum come from settings (AUDIOSPACE_DATA_URL, AUDIOSPACE_DATA_SHA256),
so a mirror, or a test server on 127.0.0.1, can stand in for the public copy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

#: The public copy the original Streamlit app published, and its sha256.
REFERENCE_URL = "https://raw.githubusercontent.com/TheInvadr/song-clustering/main/data/spotify.csv"
REFERENCE_SHA256 = "6c3207debea7ff14c31d18cec6b6edb47f314b9d36be56cce2bdbdeeecf5f870"
MAX_BYTES = 512 * 2**20
_CHUNK = 2**16


class DownloadError(RuntimeError):
    """The dataset could not be fetched or did not match its checksum; the message says which."""


def download_dataset(url: str, destination: Path, sha256: str | None, timeout_s: float = 20.0) -> Path:
    """Fetch ``url`` into ``destination`` atomically; verify ``sha256`` when given.

    The file appears at ``destination`` only once complete and verified: a failed or
    interrupted download leaves nothing behind (and an existing file untouched).
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise DownloadError(f"{url} is over {MAX_BYTES // 2**20} MB: not a dataset this app expects.")
                digest.update(chunk)
                out.write(chunk)
        if sha256 and digest.hexdigest() != sha256.lower():
            raise DownloadError(
                f"The file at {url} does not match its checksum (expected sha256 {sha256}, got "
                f"{digest.hexdigest()}); it was not saved."
            )
        os.replace(temp, destination)
        return destination
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"Could not download {url}: the server answered HTTP {exc.code} ({exc.reason}).") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadError(
            f"Could not download {url}: {reason}. If this machine is offline, copy a CSV to {destination} "
            "or set AUDIOSPACE_DATA to one."
        ) from None
    finally:
        temp.unlink(missing_ok=True)
