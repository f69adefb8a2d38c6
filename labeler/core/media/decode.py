"""Display decoding of images and DICOM frames into numpy arrays, without Qt.

Every decoder here reads the image size from the header first and rejects the
file when width * height exceeds the caller's `max_pixels`, before any pixel
memory is allocated. Pixels come out in the displayed orientation: the EXIF
orientation tag (or the PNG/AVIF equivalent that Pillow maps to it) is applied.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Final

import cv2
import numpy as np
import pydicom
import pydicom.errors
import simplejpeg
from PIL import ExifTags, Image, UnidentifiedImageError, features
from pydicom.multival import MultiValue
from pydicom.pixels import apply_color_lut, pixel_array

from labeler.core.errors import MediaError

logger = logging.getLogger(__name__)

# Pillow's global limit warns at 89 Mpx and raises at 179 Mpx whatever the
# caller's budget is, and its DecompressionBombWarning is a RuntimeWarning that
# nothing here could act on. Each open in this package checks `max_pixels`
# right after Pillow's lazy header read instead.
# NOTE: the setting is process-wide, so other code that opens images with
# Pillow must check its own limit, for example with `check_pixel_cap`.
Image.MAX_IMAGE_PIXELS = None

PILLOW_FORMATS: Final[tuple[str, ...]] = (
    "JPEG",
    "PNG",
    "GIF",
    "TIFF",
    "BMP",
    "WEBP",
) + (("AVIF",) if features.check("avif") else ())
"""Pillow decoders that may run on untrusted files; Pillow tries no others.

The JPEG entry also opens multi-picture (MPO) files, which Pillow reports as
format "MPO".
"""

ORIENTATION_TAG: Final = ExifTags.Base.Orientation
_HIGH_BIT_DEPTH_MODES: Final = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
_ALPHA_MODES: Final = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_SIMPLEJPEG_COLORSPACES: Final = {"Gray": "GRAY", "YCbCr": "RGB", "RGB": "RGB"}
# Exceptions Pillow and its plugins raise for damaged or truncated data.
_DECODE_ERRORS: Final = (OSError, SyntaxError, ValueError, EOFError, struct.error)
_PIXEL_CAP_ADVICE: Final = "reduce the image before import or raise the pixel limit"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_MAX_PNG_EXIF_BYTES: Final = 16 * 1024 * 1024
_XMP_ORIENTATION: Final = re.compile(rb'tiff:Orientation(="|>)([0-9])')


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """Pixels ready for display, plus the values behind them for high bit depths.

    `pixels` is uint8, height x width x 3 (RGB) or x 4 (RGBA), in the displayed
    orientation. `raw` contains the values before windowing (the same orientation,
    one channel or RGB) for 16-bit, float and DICOM images, and is None
    otherwise. `window` is the default (centre, width) applied to `raw`.
    """

    pixels: np.ndarray
    width: int
    height: int
    source_mode: str
    notes: tuple[str, ...] = ()
    is_high_bit_depth: bool = False
    raw: np.ndarray | None = None
    window: tuple[float, float] | None = None


def check_pixel_cap(
    name: str, width: int, height: int, max_pixels: int, *, advice: str = ""
) -> None:
    """Raise MediaError when a width x height image is empty or over `max_pixels`."""
    if width <= 0 or height <= 0:
        raise MediaError(f"{name}: image size {width}x{height} is invalid")
    if width * height > max_pixels:
        raise MediaError(
            f"{name}: image is {width}x{height} pixels"
            f" ({width * height / 1e6:.1f} megapixels), over the limit of"
            f" {max_pixels / 1e6:.1f} megapixels; {advice or _PIXEL_CAP_ADVICE}"
        )


def damaged_image_error(name: str, error: BaseException) -> MediaError:
    """Return the MediaError for image data that a decoder failed on."""
    detail = str(error) or type(error).__name__
    lowered = detail.lower()
    if (
        isinstance(error, EOFError)
        or "truncat" in lowered
        or "premature end" in lowered
    ):
        return MediaError(
            f"{name}: image data ends early (truncated file); re-copy it from the"
            " source"
        )
    return MediaError(
        f"{name}: image data is damaged ({detail}); re-copy it from the source"
    )


def open_image(fp: IO[bytes], name: str) -> Image.Image:
    """Open an image lazily (header only) with the allowlisted Pillow decoders.

    Raises:
        MediaError: the format is not one of `PILLOW_FORMATS`, or the header is
            damaged.
    """
    try:
        return Image.open(fp, formats=PILLOW_FORMATS)
    except UnidentifiedImageError as error:
        raise MediaError(
            f"{name}: not an image format Labeler can open"
            f" ({', '.join(PILLOW_FORMATS)}); convert it to PNG or JPEG"
        ) from error
    except _DECODE_ERRORS as error:
        raise damaged_image_error(name, error) from error


def read_orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1 to 8) of an image, or 1 if absent or invalid.

    For PNG the eXIf chunk is read straight from the file, because Pillow's
    PngImageFile.getexif() decodes the whole image to reach a chunk stored after
    the pixel data. XMP `tiff:Orientation` is used when EXIF has none.
    """
    try:
        if image.format == "PNG" and "exif" not in image.info:
            value = _read_png_orientation(image)
        else:
            value = image.getexif().get(ORIENTATION_TAG)
    except _DECODE_ERRORS as error:
        logger.debug("Ignoring unreadable EXIF data: %s", type(error).__name__)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _read_png_orientation(image: Image.Image) -> object:
    exif = Image.Exif()
    if image.fp is not None:
        exif.load(_read_png_exif_chunk(image.fp))
    value = exif.get(ORIENTATION_TAG)
    if value is None:
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        if isinstance(xmp, str):
            xmp = xmp.encode("utf-8", "replace")
        match = _XMP_ORIENTATION.search(xmp) if xmp else None
        value = int(match[2]) if match else None
    return value


def _read_png_exif_chunk(fp: IO[bytes]) -> bytes:
    """Return the payload of the eXIf chunk, or b"" when there is none."""
    position = fp.tell()
    try:
        fp.seek(0)
        if fp.read(8) != _PNG_SIGNATURE:
            return b""
        while len(header := fp.read(8)) == 8:
            length, chunk_type = struct.unpack(">I4s", header)
            if chunk_type == b"eXIf":
                return fp.read(min(length, _MAX_PNG_EXIF_BYTES))
            if chunk_type == b"IEND":
                break
            fp.seek(length + 4, io.SEEK_CUR)
        return b""
    finally:
        fp.seek(position)


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """Return the (width, height) shown after applying an EXIF orientation."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def orient_array(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Flip or rotate pixels as EXIF `orientation` specifies, like exif_transpose."""
    if orientation == 2:
        oriented = pixels[:, ::-1]
    elif orientation == 3:
        oriented = pixels[::-1, ::-1]
    elif orientation == 4:
        oriented = pixels[::-1]
    elif orientation == 5:
        oriented = pixels.swapaxes(0, 1)
    elif orientation == 6:
        oriented = np.rot90(pixels, -1)
    elif orientation == 7:
        oriented = pixels.swapaxes(0, 1)[::-1, ::-1]
    elif orientation == 8:
        oriented = np.rot90(pixels, 1)
    else:
        return pixels
    return np.ascontiguousarray(oriented)


def apply_window(raw: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Map values linearly so that [centre - width/2, centre + width/2] becomes 0..255.

    Values outside the window are clipped. The result has the shape of `raw`.

    Raises:
        ValueError: `width` is not positive.
    """
    if not width > 0:
        raise ValueError(f"window width must be positive, got {width}")
    low = centre - width / 2
    scaled = (raw.astype(np.float32) - np.float32(low)) * np.float32(255.0 / width)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    scaled += 0.5
    return scaled.astype(np.uint8)


def default_window(raw: np.ndarray) -> tuple[float, float]:
    """Return a (centre, width) window spanning the 0.5th to 99.5th percentile."""
    values = raw.reshape(-1)
    step = max(1, values.size // 1_000_000)  # a sample keeps this fast on big images
    sample = values[::step].astype(np.float64)
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 0.0, 1.0
    low, high = (float(value) for value in np.percentile(sample, [0.5, 99.5]))
    if high <= low:
        low, high = float(sample.min()), float(sample.max())
    if high <= low:
        return low, 1.0  # a constant image
    return (low + high) / 2, high - low


def decode_image(data: bytes, *, max_pixels: int, name: str = "") -> DecodedImage:
    """Decode a whole image or the first DICOM frame for display.

    Args:
        data: the file's bytes.
        max_pixels: the largest width * height accepted; checked before decoding.
        name: the file name used in error messages.

    Raises:
        MediaError: the data is empty, over the pixel limit, in an unsupported
            format, or damaged.
    """
    name = name or "image"
    if not data:
        raise MediaError(f"{name}: empty file (0 bytes); re-copy it from the source")
    if is_dicom(data):
        return _decode_dicom(data, max_pixels, name)
    if data[:3] == b"\xff\xd8\xff":
        decoded = _decode_jpeg_fast(data, max_pixels, name)
        if decoded is not None:
            return decoded
    return _decode_with_pillow(data, max_pixels, name)


def decode_image_reduced(
    data: bytes, *, max_side: int, max_pixels: int, name: str = ""
) -> DecodedImage:
    """Decode an image scaled down so that its longer side is at most `max_side`.

    JPEG is decoded at a DCT scale of 1/2, 1/4 or 1/8, so a huge JPEG never
    allocates its full size, and `max_pixels` applies to the scaled size. Other
    formats decode at full size, so `max_pixels` applies to the full size.

    Raises:
        MediaError: as `decode_image`; for non-JPEG images over `max_pixels` the
            message explains that a reduced view needs a JPEG.
        ValueError: `max_side` is less than 1.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")
    name = name or "image"
    if data[:3] == b"\xff\xd8\xff":
        return _decode_jpeg_reduced(data, max_side, max_pixels, name)
    if not data:
        raise MediaError(f"{name}: empty file (0 bytes); re-copy it from the source")

    advice = "a reduced view is only available for JPEG, so convert it to JPEG"
    if is_dicom(data):
        decoded = _decode_dicom(data, max_pixels, name)
    else:
        decoded = _decode_with_pillow(data, max_pixels, name, advice=advice)
    return _shrink(decoded, max_side)


def is_dicom(data: bytes) -> bool:
    """Return whether the bytes start like a DICOM file (preamble and "DICM")."""
    return data[128:132] == b"DICM"


def _decode_jpeg_fast(data: bytes, max_pixels: int, name: str) -> DecodedImage | None:
    """Decode a plain JPEG with simplejpeg; None means Pillow should decode it."""
    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError:
        return None  # Pillow gives a more specific error for this header
    check_pixel_cap(name, width, height, max_pixels)
    output_space = _SIMPLEJPEG_COLORSPACES.get(colorspace)
    if output_space is None:
        return None  # CMYK and YCCK: Pillow handles Adobe's inverted CMYK

    with open_image(io.BytesIO(data), name) as image:
        orientation = read_orientation(image)
        notes = _frame_notes(image)
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace=output_space)
    except ValueError as error:
        raise damaged_image_error(name, error) from error
    if output_space == "GRAY":
        pixels = cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    return _oriented(
        pixels, orientation, "L" if output_space == "GRAY" else "RGB", notes
    )


def _decode_with_pillow(
    data: bytes, max_pixels: int, name: str, *, advice: str = ""
) -> DecodedImage:
    with open_image(io.BytesIO(data), name) as image:
        check_pixel_cap(name, image.width, image.height, max_pixels, advice=advice)
        orientation = read_orientation(image)
        notes = _frame_notes(image)
        mode = image.mode
        try:
            image.load()
            if _is_16bit_rgb_tiff(image):
                return _decode_16bit_rgb(data, image, orientation, notes, name)
            if mode in _HIGH_BIT_DEPTH_MODES:
                return _decode_high_bit_grey(image, orientation, notes)
            converted = image.convert("RGBA" if _has_alpha(image) else "RGB")
        except _DECODE_ERRORS as error:
            raise damaged_image_error(name, error) from error
    return _oriented(np.asarray(converted), orientation, mode, notes)


def _decode_jpeg_reduced(
    data: bytes, max_side: int, max_pixels: int, name: str
) -> DecodedImage:
    with open_image(io.BytesIO(data), name) as image:
        orientation = read_orientation(image)
        stored_size = image.size
        scale = max_side / max(stored_size)
        if scale < 1 and image.format in ("JPEG", "MPO"):
            # draft() picks the smallest DCT scale (1/2, 1/4 or 1/8) that stays
            # at least this size, and changes image.size before any decoding.
            target = (math.ceil(image.width * scale), math.ceil(image.height * scale))
            image.draft(image.mode, target)
        check_pixel_cap(
            name, image.width, image.height, max_pixels,
            advice="even its 1/8-scale JPEG decode is too large; reduce it first",
        )  # fmt: skip
        notes = _frame_notes(image) + _scale_note(stored_size, image.size)
        mode = image.mode
        try:
            converted = image.convert("RGB")
        except _DECODE_ERRORS as error:
            raise damaged_image_error(name, error) from error
    decoded = _oriented(np.asarray(converted), orientation, mode, notes)
    return _shrink(decoded, max_side)


def _scale_note(stored: tuple[int, int], decoded: tuple[int, int]) -> tuple[str, ...]:
    if decoded == stored:
        return ()
    return (f"reduced view: decoded at 1/{round(stored[0] / decoded[0])} scale",)


def _shrink(decoded: DecodedImage, max_side: int) -> DecodedImage:
    scale = max_side / max(decoded.width, decoded.height)
    if scale >= 1:
        return decoded
    size = (max(1, round(decoded.width * scale)), max(1, round(decoded.height * scale)))
    pixels = cv2.resize(decoded.pixels, size, interpolation=cv2.INTER_AREA)
    raw = decoded.raw
    if raw is not None:
        raw = cv2.resize(raw.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return DecodedImage(
        pixels=pixels,
        width=size[0],
        height=size[1],
        source_mode=decoded.source_mode,
        notes=decoded.notes,
        is_high_bit_depth=decoded.is_high_bit_depth,
        raw=raw,
        window=decoded.window,
    )


def _oriented(
    pixels: np.ndarray,
    orientation: int,
    source_mode: str,
    notes: tuple[str, ...],
    *,
    raw: np.ndarray | None = None,
    window: tuple[float, float] | None = None,
) -> DecodedImage:
    pixels = orient_array(pixels, orientation)
    return DecodedImage(
        pixels=pixels,
        width=pixels.shape[1],
        height=pixels.shape[0],
        source_mode=source_mode,
        notes=notes,
        is_high_bit_depth=raw is not None,
        raw=None if raw is None else orient_array(raw, orientation),
        window=window,
    )


def _frame_notes(image: Image.Image) -> tuple[str, ...]:
    frame_count = getattr(image, "n_frames", 1)
    if frame_count <= 1:
        return ()
    if image.format == "TIFF":
        return (f"multipage TIFF: the first of {frame_count} pages is shown",)
    if image.format == "MPO":
        return (f"multi-picture JPEG: the first of {frame_count} pictures is shown",)
    return (f"animated image: the first of {frame_count} frames is shown",)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def _is_16bit_rgb_tiff(image: Image.Image) -> bool:
    if image.format != "TIFF" or image.mode not in ("RGB", "RGBA"):
        return False
    bits = image.tag_v2.get(258)  # BitsPerSample; Pillow reduces 16-bit RGB to 8
    return isinstance(bits, tuple) and bool(bits) and bits[0] == 16


def _decode_high_bit_grey(
    image: Image.Image, orientation: int, notes: tuple[str, ...]
) -> DecodedImage:
    raw = np.asarray(image)
    raw = raw.astype(raw.dtype.newbyteorder("="), copy=False)  # I;16B is big-endian
    window = default_window(raw)
    grey = apply_window(raw, *window)
    transparent = image.info.get("transparency")
    if isinstance(transparent, int):
        alpha = np.where(raw == transparent, 0, 255).astype(np.uint8)
        pixels = np.dstack([grey, grey, grey, alpha])
    else:
        pixels = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    return _oriented(pixels, orientation, image.mode, notes, raw=raw, window=window)


def _decode_16bit_rgb(
    data: bytes,
    image: Image.Image,
    orientation: int,
    notes: tuple[str, ...],
    name: str,
) -> DecodedImage:
    """Decode a 16-bit RGB TIFF with OpenCV, which keeps all 16 bits.

    The caller has checked the pixel limit on the header, so OpenCV's own
    limit of 2^30 pixels is never what stops a bomb here.
    """
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.dtype != np.uint16 or decoded.ndim != 3:
        # No file name: names can carry personal data, and logs are plaintext.
        logger.warning("OpenCV could not decode a 16-bit RGB image; showing 8 bits")
        converted = image.convert("RGB")
        return _oriented(np.asarray(converted), orientation, "RGB;16", notes)
    raw = cv2.cvtColor(decoded[..., :3], cv2.COLOR_BGR2RGB)
    window = default_window(raw)
    pixels = apply_window(raw, *window)
    if decoded.shape[2] == 4:
        pixels = np.dstack([pixels, (decoded[..., 3] >> 8).astype(np.uint8)])
    return _oriented(pixels, orientation, "RGB;16", notes, raw=raw, window=window)


# DICOM ------------------------------------------------------------------------


def read_dicom_dataset(
    source: str | IO[bytes], name: str, **options: object
) -> pydicom.Dataset:
    """Read a DICOM data set, also without the 128-byte preamble and "DICM".

    Raises:
        MediaError: the file is not DICOM or its header is damaged.
    """
    try:
        return pydicom.dcmread(source, **options)  # type: ignore[arg-type]
    except pydicom.errors.InvalidDicomError:
        pass
    except (OSError, ValueError, EOFError, struct.error, KeyError) as error:
        raise _damaged_dicom_error(name, error) from error
    if not isinstance(source, str):
        source.seek(0)
    try:
        dataset = pydicom.dcmread(
            source,  # type: ignore[arg-type]
            force=True,
            **options,  # type: ignore[arg-type]
        )
    except (OSError, ValueError, EOFError, struct.error, KeyError) as error:
        raise _damaged_dicom_error(name, error) from error
    # Forced reading turns almost any bytes into elements; real data sets have
    # known attributes beyond the command group (0000) and file meta (0002).
    if not any(element.keyword and element.tag.group >= 8 for element in dataset):
        raise MediaError(
            f"{name}: not a DICOM file (no DICM marker and no known data elements)"
        )
    return dataset


def _damaged_dicom_error(name: str, error: BaseException) -> MediaError:
    return MediaError(
        f"{name}: DICOM data is damaged or truncated ({error}); re-copy it from"
        " the source"
    )


def dicom_geometry(dataset: pydicom.Dataset, name: str) -> tuple[int, int, int]:
    """Return (columns, rows, frames) of a DICOM image.

    Raises:
        MediaError: the data set has no pixel data or no valid Rows/Columns.
    """
    if len(dataset) == 0:
        # pydicom returns an empty data set when undefined-length data runs
        # past the end of the file.
        raise MediaError(
            f"{name}: DICOM data set is empty or ends early (truncated file);"
            " re-copy it from the source"
        )
    try:
        rows = int(dataset.get("Rows") or 0)
        columns = int(dataset.get("Columns") or 0)
        frames = int(dataset.get("NumberOfFrames") or 1)
    except (TypeError, ValueError) as error:
        raise _damaged_dicom_error(name, error) from error
    if rows <= 0 or columns <= 0:
        raise MediaError(
            f"{name}: DICOM file contains no image (no Rows and Columns); only"
            " DICOM images can be opened"
        )
    return columns, rows, max(frames, 1)


def _decode_dicom(data: bytes, max_pixels: int, name: str) -> DecodedImage:
    header = read_dicom_dataset(io.BytesIO(data), name, stop_before_pixels=True)
    columns, rows, frames = dicom_geometry(header, name)
    check_pixel_cap(name, columns, rows, max_pixels)
    frame = _read_dicom_frame(data, header, name)

    photometric = str(header.get("PhotometricInterpretation", "MONOCHROME2"))
    bits = int(header.get("BitsAllocated") or 8)
    mode = f"{photometric} {bits}-bit"
    notes = (f"multi-frame DICOM: the first of {frames} frames is shown",)
    notes = notes if frames > 1 else ()
    if photometric == "PALETTE COLOR":
        return _dicom_palette_image(frame, header, mode, notes)
    if frame.ndim == 3:
        return _dicom_colour_image(frame, mode, notes)
    return _dicom_grey_image(frame, header, mode, notes)


def _read_dicom_frame(data: bytes, header: pydicom.Dataset, name: str) -> np.ndarray:
    try:
        return pixel_array(io.BytesIO(data), index=0)
    except (RuntimeError, NotImplementedError) as error:
        file_meta = getattr(header, "file_meta", None)
        syntax = getattr(file_meta, "TransferSyntaxUID", None)
        syntax_name = getattr(syntax, "name", "this transfer syntax")
        raise MediaError(
            f"{name}: DICOM pixel data in {syntax_name} cannot be decoded by this"
            " build; convert it to uncompressed DICOM"
        ) from error
    except (
        ValueError,
        AttributeError,
        KeyError,
        TypeError,
        EOFError,
        OSError,
    ) as error:
        raise _damaged_dicom_error(name, error) from error
    except zlib.error as error:
        raise _damaged_dicom_error(name, error) from error


def _dicom_grey_image(
    frame: np.ndarray, header: pydicom.Dataset, mode: str, notes: tuple[str, ...]
) -> DecodedImage:
    slope = float(header.get("RescaleSlope") or 1.0)
    intercept = float(header.get("RescaleIntercept") or 0.0)
    raw = frame.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    window = _dicom_window(header) or default_window(raw)
    grey = apply_window(raw, *window)
    if mode.startswith("MONOCHROME1"):
        grey = 255 - grey  # MONOCHROME1: the lowest value is shown white
    pixels = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    return _oriented(pixels, 1, mode, notes, raw=raw, window=window)


def _dicom_window(header: pydicom.Dataset) -> tuple[float, float] | None:
    centre, width = header.get("WindowCenter"), header.get("WindowWidth")
    if centre is None or width is None:
        return None
    try:
        centre_value = float(centre[0] if isinstance(centre, MultiValue) else centre)
        width_value = float(width[0] if isinstance(width, MultiValue) else width)
    except (TypeError, ValueError, IndexError):
        return None
    return (centre_value, width_value) if width_value > 0 else None


def _dicom_colour_image(
    frame: np.ndarray, mode: str, notes: tuple[str, ...]
) -> DecodedImage:
    if frame.dtype == np.uint8:
        return _oriented(np.ascontiguousarray(frame[..., :3]), 1, mode, notes)
    raw = frame[..., :3]
    window = default_window(raw)
    return _oriented(apply_window(raw, *window), 1, mode, notes, raw=raw, window=window)


def _dicom_palette_image(
    frame: np.ndarray, header: pydicom.Dataset, mode: str, notes: tuple[str, ...]
) -> DecodedImage:
    rgb = apply_color_lut(frame, header)
    if rgb.dtype != np.uint8:
        rgb = (rgb >> 8).astype(np.uint8)  # palette entries are 16-bit
    return _oriented(np.ascontiguousarray(rgb), 1, mode, notes)
