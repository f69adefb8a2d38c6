"""Display copies of media files with their embedded metadata removed.

When a project's policy hides some embedded metadata (EXIF, DICOM tags) from
a role, that role must not receive the original file either, because the
file carries those values. Import then stores two copies: the original,
encrypted under the key of the roles cleared for every embedded field, and
this display copy, encrypted under the content key every project member has.

The display copy keeps what rendering needs and nothing else:

* JPEG: the segments are copied without APP1 (EXIF, XMP), APP3 to APP13
  (IPTC and vendor data), APP15 and comments; JFIF (APP0), the ICC profile
  (APP2) and Adobe's colour transform (APP14, needed for CMYK) stay, and the
  EXIF orientation is written back alone. The compressed image data is
  copied byte for byte.
* PNG: text, time and eXIf chunks are dropped; the orientation is written
  back in a minimal eXIf chunk.
* DICOM: only the image pixel module (group 0028, which holds the window and
  rescale values) and the pixel data stay, with a fresh SOP Instance UID.
* Other images (TIFF, WebP, AVIF, GIF, BMP, MPO): the first frame is decoded
  and stored as a PNG, already turned to its displayed orientation; 16-bit
  grey stays 16-bit so window and level still work.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Final

import numpy as np
import pydicom
from PIL import Image
from pydicom.uid import generate_uid

from labeler.core.errors import MediaError
from labeler.core.media.decode import decode_image, read_dicom_dataset

_KEPT_JPEG_MARKERS: Final = frozenset({0xE0, 0xE2, 0xEE})  # APP0 JFIF, APP2 ICC, APP14 Adobe
_DROPPED_PNG_CHUNKS: Final = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def minimal_exif(orientation: int) -> bytes:
    """Return a little-endian TIFF/EXIF block holding only the Orientation tag."""
    entry = struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + b"\x00" * 4


def strip_jpeg(data: bytes, orientation: int, name: str) -> bytes:
    """Copy a JPEG without its metadata segments; raise MediaError if it does not parse."""
    if not data.startswith(b"\xff\xd8"):
        raise MediaError(f"{name}: not a JPEG file")
    out = [b"\xff\xd8"]
    if orientation != 1:
        exif = b"Exif\x00\x00" + minimal_exif(orientation)
        out.append(b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise MediaError(f"{name}: damaged JPEG segment at byte {position}")
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        segment_end = position + 2 + length
        if marker == 0xDA:  # start of scan: the rest is image data
            out.append(data[position:])
            return b"".join(out)
        is_metadata = (0xE1 <= marker <= 0xEF and marker not in _KEPT_JPEG_MARKERS) \
            or marker == 0xFE
        if not is_metadata:
            out.append(data[position:segment_end])
        position = segment_end
    raise MediaError(f"{name}: the JPEG has no image data")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def strip_png(data: bytes, orientation: int, name: str) -> bytes:
    """Copy a PNG without text, time and EXIF chunks; raise MediaError if it does not parse."""
    if not data.startswith(_PNG_SIGNATURE):
        raise MediaError(f"{name}: not a PNG file")
    out = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data):
            raise MediaError(f"{name}: damaged PNG chunk at byte {position}")
        if kind not in _DROPPED_PNG_CHUNKS:
            out.append(data[position:end])
        if kind == b"IHDR" and orientation != 1:
            out.append(_png_chunk(b"eXIf", minimal_exif(orientation)))
        position = end
        if kind == b"IEND":
            return b"".join(out)
    raise MediaError(f"{name}: the PNG has no end chunk")


def render_png(data: bytes, *, max_pixels: int, name: str) -> bytes:
    """Decode the first frame in its displayed orientation and store it as a PNG."""
    decoded = decode_image(data, max_pixels=max_pixels, name=name)
    raw = decoded.raw
    if raw is not None and raw.ndim == 2 and raw.dtype == np.uint16:
        image = Image.fromarray(raw)
    else:
        image = Image.fromarray(decoded.pixels)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# Attributes a renderer needs besides group 0028: none. Everything else, even
# Modality, can be hidden by a policy and is left out.
def strip_dicom(data: bytes, name: str) -> bytes:
    """Write a DICOM file holding only the image pixel module and pixel data."""
    source = read_dicom_dataset(io.BytesIO(data), name)
    kept = pydicom.Dataset()
    for element in source:
        if element.tag.group == 0x0028 or element.tag == 0x7FE00010:
            kept.add(element)
    uid = generate_uid()
    kept.SOPInstanceUID = uid
    if "SOPClassUID" in source:
        kept.SOPClassUID = source.SOPClassUID
    kept.file_meta = pydicom.dataset.FileMetaDataset()
    kept.file_meta.TransferSyntaxUID = source.file_meta.TransferSyntaxUID
    kept.file_meta.MediaStorageSOPClassUID = source.get("SOPClassUID", "1.2.840.10008.5.1.4.1.1.7")
    kept.file_meta.MediaStorageSOPInstanceUID = uid
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, kept, enforce_file_format=True)
    return buffer.getvalue()


def display_copy(data: bytes, *, name: str, image_format: str, kind: str,
                 orientation: int, max_pixels: int) -> bytes | None:
    """Return the metadata-free display copy of a file, or None for kinds shown otherwise.

    Videos are shown from frames decoded at import and text has no embedded
    metadata, so neither gets a copy; nor do files Labeler cannot display.
    """
    if kind == "dicom":
        return strip_dicom(data, name)
    if kind != "image":
        return None
    if image_format == "JPEG":
        return strip_jpeg(data, orientation, name)
    if image_format == "PNG":
        return strip_png(data, orientation, name)
    return render_png(data, max_pixels=max_pixels, name=name)
