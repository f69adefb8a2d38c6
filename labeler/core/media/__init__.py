"""Media probing, decoding and metadata, free of Qt."""

from labeler.core.media.decode import (
    DecodedImage,
    apply_window,
    decode_image,
    decode_image_reduced,
)
from labeler.core.media.kinds import AssetKind, detect_kind
from labeler.core.media.metadata import (
    DICOM_CONFIDENTIALITY_ATTRIBUTES,
    read_csv_fields,
    read_dicom_fields,
    read_exif_fields,
    read_sidecar_fields,
)
from labeler.core.media.probe import ProbeResult, probe_file
from labeler.core.media.text import decode_text

__all__ = [
    "DICOM_CONFIDENTIALITY_ATTRIBUTES",
    "AssetKind",
    "DecodedImage",
    "ProbeResult",
    "apply_window",
    "decode_image",
    "decode_image_reduced",
    "decode_text",
    "detect_kind",
    "probe_file",
    "read_csv_fields",
    "read_dicom_fields",
    "read_exif_fields",
    "read_sidecar_fields",
]
