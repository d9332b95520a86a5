"""Title, artist, album and genre of an audio file: from its tags (tinytag, MIT), else its name.

A file without a title tag is named after its file: ``Artist - Title.mp3`` gives both (the
first " - " splits; a leading track number such as ``03 `` or ``03. `` is dropped), any other
name gives the title and leaves the artist to the tag or empty. Text that is not valid UTF-8
(tags in a legacy encoding tinytag could not tell, file names in bytes from another system) is
decoded with replacement characters, never an error; control characters are removed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: Text longer than this is cut (the catalog would cut it to 300 anyway).
MAX_CHARS = 300
#: A leading track number: "03 ", "03 - ", "1. ", "A2 " (vinyl side) — not "2 Unlimited" or "1999".
_TRACK_NUMBER = re.compile(r"^\s*(?:(?:\d{2,3}|[A-Da-d]\d{1,2})(?:\s*[-._)]\s*|\s+)|\d\s*[-._)]\s*)(?=\S)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Tags:
    """Plain text, "" when unknown; ``title`` is never empty (the file name stands in)."""

    title: str
    artist: str = ""
    album: str = ""
    genre: str = ""


def clean_text(value: object) -> str:
    """Tag or name text as safe str: bytes decoded as UTF-8 with replacement, lone surrogates
    (undecodable file-name bytes) replaced, control characters removed, cut at MAX_CHARS."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, list | tuple):
        text = "; ".join(clean_text(v) for v in value if v)
    else:
        text = str(value)
    text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    text = _CONTROL.sub("", text).replace("\n", " ").replace("\t", " ")
    return text.strip()[:MAX_CHARS].strip()


def display_name(path: str | os.PathLike[str]) -> str:
    """A file or relative path as text people can read, whatever bytes its name holds."""
    return clean_text(os.fsencode(os.fspath(path)))


def tags_from_name(name: str) -> Tags:
    """Tags guessed from a file name: ``Artist - Title.ext`` → both, else the stem as the title."""
    stem = clean_text(Path(name).stem) or clean_text(name) or "untitled"
    bare = _TRACK_NUMBER.sub("", stem).strip() or stem
    if " - " in bare:
        artist, title = (part.strip() for part in bare.split(" - ", 1))
        if artist and title:
            return Tags(title=title, artist=artist)
    return Tags(title=bare)


def read_tag_fields(path: str | Path) -> Tags | None:
    """What the file's own tags say (title may be empty), or None when tinytag cannot parse them.
    Depends on the file's bytes alone, so it may be cached by content."""
    try:
        from tinytag import TinyTag

        tag = TinyTag.get(os.fspath(path), duration=False, image=False)
        return Tags(
            title=clean_text(tag.title),
            artist=clean_text(tag.artist) or clean_text(tag.albumartist),
            album=clean_text(tag.album),
            genre=clean_text(tag.genre),
        )
    except Exception:  # tinytag raises many kinds on odd files; tags are a courtesy, never a failure
        return None


def complete_tags(fields: Tags | None, name: str) -> Tags:
    """``fields`` (from read_tag_fields) with a missing title or artist taken from the file ``name``."""
    fallback = tags_from_name(name)
    if fields is None:
        return fallback
    return Tags(fields.title or fallback.title, fields.artist or fallback.artist, fields.album, fields.genre)


def read_tags(path: str | Path, *, display_name: str | None = None) -> Tags:
    """The file's tags (title, artist, album, genre), missing ones taken from the file name
    (``display_name``, default the path's name). Never raises for bad tags."""
    return complete_tags(read_tag_fields(path), display_name or os.fsdecode(Path(path).name))
