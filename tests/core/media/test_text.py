"""Tests for text decoding."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from labeler.core.media.text import FALLBACK_ENCODINGS, decode_text


@pytest.mark.parametrize(
    ("data", "expected_text", "expected_encoding"),
    [
        (b"plain", "plain", "utf-8"),
        (codecs.BOM_UTF8 + "naïve".encode(), "naïve", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "ŁÓDŹ".encode("utf-16-le"), "ŁÓDŹ", "utf-16-le"),
        (codecs.BOM_UTF16_BE + "ŁÓDŹ".encode("utf-16-be"), "ŁÓDŹ", "utf-16-be"),
        (codecs.BOM_UTF32_LE + "x€".encode("utf-32-le"), "x€", "utf-32-le"),
        ("café €5".encode("cp1252"), "café €5", "cp1252"),
        (b"\x81\x8d byte", "\x81\x8d byte", "latin-1"),
    ],
)
def test_decode_text_encodings(
    data: bytes, expected_text: str, expected_encoding: str
) -> None:
    text, encoding = decode_text(data)

    assert text == expected_text
    assert encoding == expected_encoding


def test_decode_text_keeps_crlf_and_lone_cr() -> None:
    text, _ = decode_text(b"one\r\ntwo\rthree\n")

    assert text == "one\r\ntwo\rthree\n"


def test_decode_text_keeps_nfd() -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Åström")

    text, _ = decode_text(nfd.encode())

    assert text == nfd
    assert text != unicodedata.normalize("NFC", nfd)


def test_decode_text_fallback_is_reported() -> None:
    _, encoding = decode_text("naïve".encode("cp1252"))

    assert encoding in FALLBACK_ENCODINGS


def test_decode_text_invalid_after_bom_raises() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_text(codecs.BOM_UTF8 + b"\xff\xfe\xfd")
