"""Metadata fields of assets: EXIF, DICOM tags, JSON sidecars and CSV tables.

Fields are `dict[str, str]` with names in a namespace per source ("exif.Make",
"dicom.PatientName", "sidecar.site.id", "csv.patient"), so project policy can
give each field a visibility per role. Values may be personal data: nothing in
this module logs them.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path, PurePosixPath
from typing import Final

from PIL import ExifTags, Image, TiffImagePlugin
from pydicom.dataelem import DataElement
from pydicom.multival import MultiValue

from labeler.core.errors import MediaError
from labeler.core.media.decode import (
    _DECODE_ERRORS,
    _read_png_exif_chunk,
    open_image,
    read_dicom_dataset,
)
from labeler.core.media.text import decode_text

logger = logging.getLogger(__name__)

MAX_SIDECAR_BYTES: Final = 1024 * 1024

# Tags whose values are binary blobs, offsets into the file or pointers to
# other IFDs: none of them is a readable field.
_SKIPPED_EXIF_TAGS: Final = frozenset(
    {
        ExifTags.Base.MakerNote,
        ExifTags.Base.PrintImageMatching,
        ExifTags.Base.XMLPacket,
        ExifTags.Base.IPTCNAA,
        ExifTags.Base.InterColorProfile,
        ExifTags.Base.StripOffsets,
        ExifTags.Base.StripByteCounts,
        ExifTags.Base.TileOffsets,
        ExifTags.Base.TileByteCounts,
        ExifTags.Base.JpegIFOffset,
        ExifTags.Base.JpegIFByteCount,
        ExifTags.Base.ExifOffset,
        ExifTags.Base.GPSInfo,
        ExifTags.IFD.Interop,
        ExifTags.Base.ColorMap,
        ExifTags.Base.TransferFunction,
    }
)
_MAX_EXIF_TUPLE: Final = 64
_BINARY_VRS: Final = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "SQ"})

# Attribute keywords of the Basic Application Level Confidentiality Profile,
# DICOM PS3.15 Annex E, Table E.1-1: attributes that may identify the patient
# or other people and that de-identification removes, empties or replaces.
# NOTE: written from the standard's table, not extracted from it by a script,
# and the table grows with each edition; repeating groups (overlays, curves)
# and private tags are left out. A test checks each keyword against pydicom's
# data dictionary.
DICOM_CONFIDENTIALITY_ATTRIBUTES: Final[frozenset[str]] = frozenset(
    """
    AccessionNumber AcquisitionComments AcquisitionContextSequence AcquisitionDate
    AcquisitionDateTime AcquisitionDeviceProcessingDescription
    AcquisitionProtocolDescription AcquisitionTime ActualHumanPerformersSequence
    AdditionalPatientHistory AdmissionID AdmittingDate AdmittingDiagnosesCodeSequence
    AdmittingDiagnosesDescription AdmittingTime AffectedSOPInstanceUID Allergies
    AuthorObserverSequence BranchOfService CassetteID
    CommentsOnThePerformedProcedureStep ConcatenationUID
    ConfidentialityConstraintOnPatientDataDescription ContentCreatorName
    ContentCreatorIdentificationCodeSequence ContentDate ContentTime ContentSequence
    ContextGroupExtensionCreatorUID ContrastBolusAgent ContributionDescription
    CountryOfResidence CreatorVersionUID CurrentPatientLocation CurveDate CurveTime
    CustodialOrganizationSequence DataSetTrailingPadding DerivationDescription
    DetectorID DeviceSerialNumber DeviceUID DigitalSignatureUID
    DigitalSignaturesSequence DimensionOrganizationUID DischargeDiagnosisDescription
    DistributionAddress DistributionName DoseReferenceUID EthnicGroup
    FailedSOPInstanceUIDList FiducialUID FillerOrderNumberImagingServiceRequest
    FrameComments FrameOfReferenceUID GantryID GeneratorID GraphicAnnotationSequence
    HumanPerformerName HumanPerformerOrganization IconImageSequence
    IdentifyingComments ImageComments ImagePresentationComments
    ImagingServiceRequestComments Impressions InstanceCreatorUID InstitutionAddress
    InstitutionCodeSequence InstitutionName InstitutionalDepartmentName
    InsurancePlanIdentification IntendedRecipientsOfResultsIdentificationSequence
    InterpretationApproverSequence InterpretationAuthor
    InterpretationDiagnosisDescription InterpretationIDIssuer InterpretationRecorder
    InterpretationText InterpretationTranscriber IrradiationEventUID
    IssuerOfAdmissionID IssuerOfPatientID IssuerOfServiceEpisodeID
    LargePaletteColorLookupTableUID MAC MediaStorageSOPInstanceUID MedicalAlerts
    MedicalRecordLocator MilitaryRank ModifiedAttributesSequence
    ModifiedImageDescription ModifyingDeviceID ModifyingDeviceManufacturer
    NameOfPhysiciansReadingStudy NamesOfIntendedRecipientsOfResults Occupation
    OperatorIdentificationSequence OperatorsName OriginalAttributesSequence
    OrderCallbackPhoneNumber OrderEnteredBy OrderEntererLocation OtherPatientIDs
    OtherPatientIDsSequence OtherPatientNames PaletteColorLookupTableUID
    ParticipantSequence PatientAddress PatientComments PatientID PatientSexNeutered
    PatientState PatientTransportArrangements PatientAge PatientBirthDate
    PatientBirthName PatientBirthTime PatientInstitutionResidence
    PatientInsurancePlanCodeSequence PatientMotherBirthName PatientName
    PatientPrimaryLanguageCodeSequence PatientPrimaryLanguageModifierCodeSequence
    PatientReligiousPreference PatientSex PatientSize PatientTelephoneNumbers
    PatientWeight PerformedLocation PerformedProcedureStepDescription
    PerformedProcedureStepID PerformedProcedureStepStartDate
    PerformedProcedureStepStartTime PerformedStationAETitle
    PerformedStationGeographicLocationCodeSequence PerformedStationName
    PerformedStationNameCodeSequence PerformingPhysicianIdentificationSequence
    PerformingPhysicianName PersonAddress PersonIdentificationCodeSequence PersonName
    PersonTelephoneNumbers PhysicianApprovingInterpretation
    PhysiciansReadingStudyIdentificationSequence PhysiciansOfRecord
    PhysiciansOfRecordIdentificationSequence PlacerOrderNumberImagingServiceRequest
    PlateID PreMedication PregnancyStatus ProtocolName
    ReasonForTheImagingServiceRequest ReasonForStudy
    ReferencedDigitalSignatureSequence ReferencedFrameOfReferenceUID
    ReferencedGeneralPurposeScheduledProcedureStepTransactionUID
    ReferencedImageSequence ReferencedPatientAliasSequence ReferencedPatientSequence
    ReferencedPerformedProcedureStepSequence ReferencedSOPInstanceMACSequence
    ReferencedSOPInstanceUID ReferencedSOPInstanceUIDInFile ReferencedStudySequence
    ReferringPhysicianAddress ReferringPhysicianIdentificationSequence
    ReferringPhysicianName ReferringPhysicianTelephoneNumbers RegionOfResidence
    RelatedFrameOfReferenceUID RequestAttributesSequence RequestedContrastAgent
    RequestedProcedureComments RequestedProcedureDescription RequestedProcedureID
    RequestedProcedureLocation RequestedSOPInstanceUID RequestingPhysician
    RequestingService ResponsibleOrganization ResponsiblePerson ResultsComments
    ResultsDistributionListSequence ResultsIDIssuer ReviewerName
    ScheduledHumanPerformersSequence ScheduledPatientInstitutionResidence
    ScheduledPerformingPhysicianIdentificationSequence
    ScheduledPerformingPhysicianName ScheduledProcedureStepEndDate
    ScheduledProcedureStepEndTime ScheduledProcedureStepDescription
    ScheduledProcedureStepLocation ScheduledProcedureStepStartDate
    ScheduledProcedureStepStartTime ScheduledStationAETitle
    ScheduledStationGeographicLocationCodeSequence ScheduledStationName
    ScheduledStationNameCodeSequence ScheduledStudyLocation
    ScheduledStudyLocationAETitle SeriesDate SeriesDescription SeriesInstanceUID
    SeriesTime ServiceEpisodeDescription ServiceEpisodeID SmokingStatus
    SOPInstanceUID SourceImageSequence SpecialNeeds StationName
    StorageMediaFileSetUID StudyComments StudyDate StudyDescription StudyID
    StudyIDIssuer StudyInstanceUID StudyTime SynchronizationFrameOfReferenceUID
    TemplateExtensionCreatorUID TemplateExtensionOrganizationUID TextComments
    TextString TimezoneOffsetFromUTC TopicAuthor TopicKeywords TopicSubject
    TopicTitle TransactionUID UID VerifyingObserverIdentificationCodeSequence
    VerifyingObserverName VerifyingObserverSequence VerifyingOrganization
    VisitComments
    """.split()
)


# EXIF ------------------------------------------------------------------------


def read_exif_fields(path: Path) -> dict[str, str]:
    """Read the EXIF fields of an image as "exif.<tag name>" text.

    Reads headers only, never pixels. GPS latitude and longitude become signed
    decimal degrees ("exif.GPSLatitude"); when they cannot be computed, the GPS
    directory is kept as text in "exif.GPSInfo". Binary values (MakerNote,
    thumbnails, ICC and XMP packets) are skipped.

    Raises:
        MediaError: the file cannot be read or is not a supported image.
    """
    try:
        with path.open("rb") as file, open_image(file, path.name) as image:
            exif = _load_exif(image)
            if exif is None:
                return {}
            fields = _exif_directory_fields(exif)
            fields.update(_exif_directory_fields(exif.get_ifd(ExifTags.IFD.Exif)))
            fields.update(_gps_fields(exif.get_ifd(ExifTags.IFD.GPSInfo)))
    except OSError as error:
        raise MediaError(f"{path.name}: cannot be read ({error.strerror})") from error
    return fields


def _load_exif(image: Image.Image) -> Image.Exif | None:
    try:
        if image.format == "PNG" and "exif" not in image.info:
            # PngImageFile.getexif() would decode the pixels to find eXIf.
            exif = Image.Exif()
            if image.fp is not None:
                exif.load(_read_png_exif_chunk(image.fp))
            return exif
        return image.getexif()
    except _DECODE_ERRORS as error:
        logger.warning("Skipping unreadable EXIF data: %s", type(error).__name__)
        return None


def _exif_directory_fields(directory: object) -> dict[str, str]:
    fields = {}
    for tag, value in dict(directory).items():  # type: ignore[call-overload]
        if tag in _SKIPPED_EXIF_TAGS:
            continue
        text = _exif_value_text(tag, value)
        if text is not None:
            fields[f"exif.{ExifTags.TAGS.get(tag, f'Tag0x{tag:04X}')}"] = text
    return fields


def _exif_value_text(tag: int, value: object) -> str | None:
    """Return a value as text, or None for binary and structured values."""
    if tag == ExifTags.Base.UserComment and isinstance(value, bytes):
        if value.startswith(b"ASCII\x00\x00\x00"):
            return value[8:].decode("ascii", "replace").strip("\x00 ") or None
        return None
    if isinstance(value, str):
        return value.strip("\x00").strip() or None
    if isinstance(value, TiffImagePlugin.IFDRational):
        return _rational_text(value)
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, tuple) and 0 < len(value) <= _MAX_EXIF_TUPLE:
        parts = [_exif_value_text(tag, item) for item in value]
        return None if None in parts else ", ".join(p for p in parts if p is not None)
    return None


def _rational_text(value: TiffImagePlugin.IFDRational) -> str:
    if value.denominator == 0:
        return f"{value.numerator}/0"
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _gps_fields(directory: object) -> dict[str, str]:
    named = {
        ExifTags.GPSTAGS.get(tag, f"Tag0x{tag:04X}"): value
        for tag, value in dict(directory).items()  # type: ignore[call-overload]
    }
    if not named:
        return {}
    latitude = _decimal_degrees(named.get("GPSLatitude"), named.get("GPSLatitudeRef"))
    longitude = _decimal_degrees(
        named.get("GPSLongitude"), named.get("GPSLongitudeRef")
    )
    if latitude is None or longitude is None:
        return {"exif.GPSInfo": "; ".join(f"{k}={v!r}" for k, v in named.items())}

    fields = {
        "exif.GPSLatitude": f"{latitude:.7f}",
        "exif.GPSLongitude": f"{longitude:.7f}",
    }
    for name, value in named.items():
        text = _exif_value_text(-1, value)
        if name not in ("GPSLatitude", "GPSLongitude") and text is not None:
            fields[f"exif.{name}"] = text
    return fields


def _decimal_degrees(value: object, reference: object) -> float | None:
    """Convert (degrees, minutes, seconds) and a N/S/E/W reference to signed degrees."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if isinstance(reference, bytes):
        reference = reference.decode("ascii", "replace")
    reference = str(reference or "").strip("\x00 ").upper()
    if reference not in ("N", "S", "E", "W") or not 0 <= minutes < 60:
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > 180 or decimal != decimal:  # NaN fails the comparison with itself
        return None
    return -decimal if reference in ("S", "W") else decimal


# DICOM -----------------------------------------------------------------------


def read_dicom_fields(path: Path) -> dict[str, str]:
    """Read every top-level DICOM attribute with a keyword as "dicom.<keyword>" text.

    Sequences, binary values (OB, OW, UN, ...), pixel data and private tags are
    skipped; multiple values are joined with a backslash, as DICOM stores them.
    Person names keep DICOM's "Family^Given" form.

    Raises:
        MediaError: the file is not DICOM or its header is damaged.
    """
    dataset = read_dicom_dataset(str(path), path.name, stop_before_pixels=True)
    fields = {}
    for element in dataset:
        text = _dicom_value_text(element)
        if text is not None:
            fields[f"dicom.{element.keyword}"] = text
    return fields


def _dicom_value_text(element: DataElement) -> str | None:
    if not element.keyword or element.VR in _BINARY_VRS:
        return None
    value = element.value
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(item) for item in value)
    if isinstance(value, bytes):
        return None
    return str(value)


# Sidecar JSON ----------------------------------------------------------------


def read_sidecar_fields(path: Path) -> dict[str, str]:
    """Read the JSON sidecar `<file>.json` beside an asset as "sidecar.<key>" fields.

    Nested objects become dotted names ("sidecar.site.id"); numbers and booleans
    become their JSON text ("3", "2.5", "true"); arrays become JSON text; null
    values are left out.

    Args:
        path: the asset; the sidecar is the same name with ".json" appended.

    Returns:
        The fields, or an empty dict when there is no sidecar.

    Raises:
        MediaError: the sidecar is over 1 MiB, not valid JSON, not a JSON
            object, or has a key twice (also after flattening).
    """
    sidecar = path.with_name(path.name + ".json")
    try:
        size = sidecar.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_SIDECAR_BYTES:
        raise MediaError(
            f"{sidecar.name}: sidecar is {size} bytes, over the 1 MiB limit; move"
            " bulky values out of it"
        )
    document = _parse_sidecar(sidecar)
    fields: dict[str, str] = {}
    _flatten_into(fields, "sidecar", document, sidecar.name)
    return fields


def _parse_sidecar(sidecar: Path) -> dict[str, object]:
    try:
        text = sidecar.read_bytes().decode("utf-8-sig")
        document = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except UnicodeDecodeError as error:
        raise MediaError(
            f"{sidecar.name}: sidecar is not UTF-8; save it as UTF-8"
        ) from error
    except json.JSONDecodeError as error:
        raise MediaError(
            f"{sidecar.name}: sidecar is not valid JSON ({error.msg} at line"
            f" {error.lineno}, column {error.colno})"
        ) from error
    except (ValueError, RecursionError) as error:
        raise MediaError(f"{sidecar.name}: sidecar is invalid: {error}") from error
    if not isinstance(document, dict):
        raise MediaError(
            f"{sidecar.name}: sidecar must be a JSON object ({{...}}), not"
            f" {type(document).__name__}"
        )
    return document


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'key "{key}" appears twice in one object')
        result[key] = value
    return result


def _flatten_into(
    fields: dict[str, str], prefix: str, value: object, file_name: str
) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(fields, f"{prefix}.{key}", item, file_name)
        return
    if value is None:
        return
    if prefix in fields:
        raise MediaError(
            f'{file_name}: field "{prefix}" is given twice (a dotted key and a'
            " nested object name the same field); rename one of them"
        )
    fields[prefix] = value if isinstance(value, str) else json.dumps(value)


# CSV -------------------------------------------------------------------------


def read_csv_fields(
    csv_path: Path,
) -> tuple[dict[str, dict[str, str]], list[MediaError]]:
    """Read a metadata table that has one row per asset.

    The path column is the one named "path" (any case), else the first column.
    Paths are relative POSIX paths as written in the file; backslashes become
    slashes and a leading "./" is dropped. Every other column becomes a
    "csv.<column>" field. The text may be UTF-8 (with or without BOM), UTF-16
    with BOM, or Windows-1252.

    Returns:
        The fields keyed by path, and one MediaError per rejected row (empty
        path, absolute path or "..", duplicate path, too many values), each
        naming the line. Rows with errors are left out; a duplicate keeps the
        first row.

    Raises:
        MediaError: the file cannot be read, has no header, or its header has
            empty or repeated column names.
    """
    try:
        text, _ = decode_text(csv_path.read_bytes())
    except OSError as error:
        raise MediaError(
            f"{csv_path.name}: cannot be read ({error.strerror})"
        ) from error
    except UnicodeDecodeError as error:
        raise MediaError(
            f"{csv_path.name}: text is not valid in the encoding its byte order"
            " mark names; save it as UTF-8"
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    columns, path_index = _read_csv_header(reader, csv_path.name)
    return _read_csv_rows(reader, columns, path_index, csv_path.name)


def _read_csv_header(reader: csv._reader, name: str) -> tuple[list[str], int]:
    try:
        columns = [column.strip() for column in next(reader)]
    except StopIteration:
        raise MediaError(f"{name}: CSV file is empty; it needs a header row") from None
    except csv.Error as error:
        raise MediaError(f"{name}: CSV header is invalid ({error})") from error
    if "" in columns:
        position = columns.index("") + 1
        raise MediaError(f"{name}: CSV header has an empty name in column {position}")
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise MediaError(f"{name}: CSV header repeats the column {repeated[0]!r}")
    lowered = [column.casefold() for column in columns]
    return columns, lowered.index("path") if "path" in lowered else 0


def _read_csv_rows(
    reader: csv._reader, columns: list[str], path_index: int, name: str
) -> tuple[dict[str, dict[str, str]], list[MediaError]]:
    rows: dict[str, dict[str, str]] = {}
    first_lines: dict[str, int] = {}
    errors: list[MediaError] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(MediaError(f"{name}: line {line}: invalid CSV ({error})"))
            break  # the csv module cannot resume after a syntax error
        if any(cell.strip() for cell in cells):
            _add_csv_row(
                rows, first_lines, errors, cells, columns, path_index, name, line
            )
        line = reader.line_num + 1
    return rows, errors


def _add_csv_row(
    rows: dict[str, dict[str, str]],
    first_lines: dict[str, int],
    errors: list[MediaError],
    cells: list[str],
    columns: list[str],
    path_index: int,
    name: str,
    line: int,
) -> None:
    if len(cells) > len(columns):
        errors.append(
            MediaError(
                f"{name}: line {line} has {len(cells)} values but the header has"
                f" {len(columns)} columns; quote values that contain commas"
            )
        )
        return
    if 1 < len(cells) < len(columns):
        # The row is still applied: its missing fields are simply not stored.
        errors.append(
            MediaError(
                f"{name}: line {line} has {len(cells)} values but the header has"
                f" {len(columns)} columns; its last {len(columns) - len(cells)} fields"
                " are left out"
            )
        )
    short = 1 < len(cells) < len(columns)
    cells = cells + [""] * (len(columns) - len(cells))
    relative = _csv_relative_path(cells[path_index], name, line)
    if isinstance(relative, MediaError):
        errors.append(relative)
        return
    if relative in first_lines:
        errors.append(
            MediaError(
                f"{name}: line {line} repeats the path of line"
                f" {first_lines[relative]}; keep one row per file"
            )
        )
        return
    first_lines[relative] = line
    rows[relative] = {
        f"csv.{column}": cell
        for index, (column, cell) in enumerate(zip(columns, cells, strict=True))
        if index != path_index and not (short and cell == "")
    }


def _csv_relative_path(cell: str, name: str, line: int) -> str | MediaError:
    text = cell.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    if not text:
        return MediaError(
            f"{name}: line {line} has an empty path; fill in the file path"
        )
    pure = PurePosixPath(text)
    if pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        return MediaError(
            f"{name}: line {line} has a path outside the folder (absolute or with"
            ' ".."); use a path relative to the folder'
        )
    return text
