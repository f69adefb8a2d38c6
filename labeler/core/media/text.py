"""Text decoding that keeps every character as stored in the file.

Offsets of text annotations count code points of the decoded text, so nothing
here normalises newlines or Unicode: CRLF stays CRLF and NFD stays NFD. The only
change to the content is that a byte order mark is removed.
"""

from __future__ import annotations

import codecs
from typing import Final

# (BOM, codec). UTF-32 comes first because its little-endian BOM starts with
# the UTF-16 little-endian one.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 control characters that plain text commonly contains.
_TEXT_CONTROLS: Final = frozenset(b"\t\n\r\f\v\x1b")
_BINARY_BYTES: Final = frozenset(range(32)) - _TEXT_CONTROLS

ENCODING_LABELS: Final = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16-le": "UTF-16 LE with BOM",
    "utf-16-be": "UTF-16 BE with BOM",
    "utf-32-le": "UTF-32 LE with BOM",
    "utf-32-be": "UTF-32 BE with BOM",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
}
"""Names a view can show for each codec name that `decode_text` returns."""

FALLBACK_ENCODINGS: Final = frozenset({"cp1252", "latin-1"})
"""Encodings guessed because the bytes are neither UTF-8 nor marked by a BOM."""


def detect_bom(data: bytes) -> tuple[str, int] | None:
    """Return the codec named by a leading byte order mark and the mark's length."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole text file.

    The encoding is the one a BOM names, else UTF-8, else Windows-1252 (cp1252),
    else ISO-8859-1, which accepts any byte. A caller can tell a guess from a
    certain result by checking the name against `FALLBACK_ENCODINGS`.

    Returns:
        The text, without its BOM and otherwise unchanged, and the Python codec
        name used ("utf-8-sig", "utf-16-le", "cp1252", ...).

    Raises:
        UnicodeDecodeError: the file has a BOM but the bytes after it are invalid.
    """
    bom = detect_bom(data)
    if bom is not None:
        encoding, bom_length = bom
        codec = "utf-8" if encoding == "utf-8-sig" else encoding
        return data[bom_length:].decode(codec), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def looks_like_text(head: bytes, *, is_complete: bool) -> bool:
    """Guess whether the first bytes of a file are text.

    Args:
        head: the bytes to judge.
        is_complete: False when `head` is a prefix of a longer file, so a
            multi-byte character cut at its end is not an error.
    """
    bom = detect_bom(head)
    if bom is not None:
        decoder = codecs.getincrementaldecoder(bom[0])()
        try:
            decoder.decode(head[bom[1] :], final=is_complete)
        except UnicodeDecodeError:
            return False
        return True
    if not _BINARY_BYTES.isdisjoint(head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=is_complete)
    except UnicodeDecodeError:
        return _is_cp1252(head)
    return True


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True
