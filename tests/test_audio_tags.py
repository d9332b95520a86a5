"""core.audio.tags: tags written by soundfile (FLAC, Ogg, WAV) and by hand (ID3v2) come back; file
names stand in for missing tags; text that is not UTF-8 never raises."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("tinytag")

from core.audio import synth  # noqa: E402
from core.audio.tags import Tags, clean_text, display_name, read_tag_fields, read_tags, tags_from_name  # noqa: E402

SR = 22_050


def _id3_frame(frame_id: str, encoding: int, payload: bytes) -> bytes:
    body = bytes([encoding]) + payload
    return frame_id.encode("ascii") + struct.pack(">I", len(body)) + b"\x00\x00" + body


def _id3v23(frames: list[bytes]) -> bytes:
    """An ID3v2.3 tag: header with a syncsafe size, then the frames."""
    body = b"".join(frames)
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + body


def _mp3_bytes(tmp_path: Path) -> bytes:
    plain = tmp_path / "plain.mp3"
    sf.write(plain, synth.tone(440, 2), SR, format="MP3", subtype="MPEG_LAYER_III")
    return plain.read_bytes()


@pytest.mark.parametrize(("suffix", "fmt", "subtype"), [(".flac", "FLAC", "PCM_16"), (".ogg", "OGG", "VORBIS")])
def test_tags_written_with_soundfile_round_trip(tmp_path: Path, suffix: str, fmt: str, subtype: str) -> None:
    path = tmp_path / f"whatever{suffix}"
    with sf.SoundFile(path, "w", SR, 1, format=fmt, subtype=subtype) as out:
        out.title, out.artist, out.album, out.genre = "Blåbær Song", "Ünïcode Artist", "An Album", "Ambient"
        out.write(synth.tone(440, 2))
    assert read_tags(path) == Tags("Blåbær Song", "Ünïcode Artist", "An Album", "Ambient")


def test_hand_made_id3_tags_are_read(tmp_path: Path) -> None:
    """ID3v2.3 frames in Latin-1 (é as byte 0xE9) and UTF-16 come back as text."""
    tag = _id3v23(
        [
            _id3_frame("TIT2", 0, "Café".encode("latin-1")),
            _id3_frame("TPE1", 1, "Ærtist".encode("utf-16")),
            _id3_frame("TALB", 0, b"Album"),
            _id3_frame("TCON", 0, b"Jazz"),
        ]
    )
    path = tmp_path / "x.mp3"
    path.write_bytes(tag + _mp3_bytes(tmp_path))
    assert read_tags(path) == Tags("Café", "Ærtist", "Album", "Jazz")


def test_broken_tag_text_never_raises(tmp_path: Path) -> None:
    """A frame that claims UTF-8 but holds invalid bytes, control characters and a frame size past
    the end of the tag: tags are read with replacement characters or fall back to the file name."""
    tag = _id3v23([_id3_frame("TIT2", 3, b"Bad \xff\xfe\xc3 title\x01"), _id3_frame("TPE1", 3, b"\xe9\xe8")])
    path = tmp_path / "Someone - Fallback.mp3"
    path.write_bytes(tag + _mp3_bytes(tmp_path))
    tags = read_tags(path)
    assert tags.title.startswith("Bad ") and "\x01" not in tags.title
    (tmp_path / "Someone - Broken.mp3").write_bytes(b"ID3\x03\x00\x00\x7f\x7f\x7f\x7fTIT2\xff\xff\xff\xff")
    assert read_tags(tmp_path / "Someone - Broken.mp3") in (Tags("Broken", "Someone"), Tags("", "Someone"))
    assert read_tags(tmp_path / "Someone - Broken.mp3").title == "Broken"


def test_missing_tags_fall_back_to_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "03 - Nina Simone - Feeling Good.wav"
    sf.write(path, synth.tone(440, 1), SR)
    assert read_tags(path) == Tags("Feeling Good", "Nina Simone")
    assert tags_from_name("Daft Punk - One More Time.flac") == Tags("One More Time", "Daft Punk")
    assert tags_from_name("07. Intro.mp3") == Tags("Intro")
    assert tags_from_name("1999.mp3") == Tags("1999")
    assert tags_from_name(".mp3").title  # never empty


def test_title_tag_without_artist_takes_the_artist_from_the_name(tmp_path: Path) -> None:
    path = tmp_path / "Portishead - Roads.flac"
    with sf.SoundFile(path, "w", SR, 1, format="FLAC") as out:
        out.title = "Roads (Live)"
        out.write(synth.tone(440, 1))
    assert read_tags(path) == Tags("Roads (Live)", "Portishead")


@pytest.mark.skipif(os.name != "posix", reason="bytes file names are a POSIX thing")
def test_non_utf8_file_names_are_read_and_shown_with_replacement(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/Bj\xf6rk - J\xf3ga.wav"  # Latin-1 bytes, not UTF-8
    sf.write(raw, synth.tone(440, 1), SR)
    path = Path(os.fsdecode(raw))
    tags = read_tags(path, display_name=display_name(path.name))
    assert tags == Tags("J\ufffdga", "Bj\ufffdrk")
    assert tags.title.encode("utf-8")  # encodable: goes into a UTF-8 CSV
    assert read_tag_fields(path) is not None
    assert clean_text(b"caf\xe9\x00") == "caf\ufffd"
