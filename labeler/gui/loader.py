"""Decrypt and decode images off the UI thread, with prefetch and thumbnails.

`ImageLoader` decodes the asset the user asked for and prefetches its
neighbours into a small in-memory cache; nothing decoded is ever written to
disk. A result for an asset the user has already left is cached (when it is a
prefetch) or dropped, never shown. `ThumbnailLoader` makes ~96 px thumbnails
for the rows the browser paints and keeps them in a bounded in-memory LRU.

Workers never use the UI thread's store connection, because using one
SQLCipher connection from several threads at once failed here with
OperationalError and SystemError. They read through a `ContentReader`, which
opens a second `Project` through the session (so `Session.lock()` closes it
too). One thread at a time reads from it, and decoding runs in parallel
outside that lock.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from labeler.core.errors import LabelerError, MediaError
from labeler.core.media.decode import DecodedImage, decode_image, decode_image_reduced
from labeler.core.project import Asset, Project
from labeler.gui.errors import describe_error
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

DISPLAYABLE_KINDS: Final = frozenset({"image", "dicom"})
CACHED_IMAGES: Final = 5
# Above this many pixels a reduced first paint is shown while the full decode
# runs. Measured with benchmarks/gui_latency.py on 2 cores: a 24 MP JPEG
# decodes in about 80 ms with simplejpeg, while the reduced paint (Pillow draft
# plus a resize) took 105-123 ms and delayed the full one, so only images well
# beyond that size get it.
FIRST_PAINT_PIXELS: Final = 64_000_000
# Neighbours up to this size are prefetched; a decoded 24 MP RGB image is 72 MB
# and the cache keeps CACHED_IMAGES of them.
PREFETCH_MAX_PIXELS: Final = 64_000_000
FIRST_PAINT_SIDE: Final = 2048
# Maximum side length of the reduced view of an image over the workspace pixel cap.
OVER_CAP_SIDE: Final = 4096
THUMBNAIL_SIDE: Final = 96
CACHED_THUMBNAILS: Final = 600
THUMBNAIL_WORKERS: Final = 2
QUEUED_THUMBNAILS: Final = 64


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded image ready for `AnnotationCanvas.show_image`.

    `full_size` is the (width, height) of the original in displayed
    orientation when `pixels` is a reduced copy, else None.
    """

    asset_id: int
    pixels: np.ndarray
    raw: np.ndarray | None
    window: tuple[float, float] | None
    notes: tuple[str, ...]
    full_size: tuple[int, int] | None
    is_preview: bool


class ContentReader:
    """Reads asset bytes for worker threads, one thread at a time, on its own connection."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._lock = threading.Lock()

    def read(self, asset_id: int) -> tuple[Asset, bytes]:
        """Return the asset row and its decrypted bytes."""
        with self._lock:
            asset = self._project.asset(asset_id)
            return asset, self._project.read_content(asset)

    def close(self) -> None:
        """Close the reader's connection once no worker is reading."""
        with self._lock:
            self._project.close()


def over_cap_side(full_size: tuple[int, int], max_pixels: int) -> int:
    """Return the maximum side length for a reduced view of an image over `max_pixels`.

    `decode_image_reduced` decodes a JPEG at a DCT scale of 1/2, 1/4 or 1/8 and
    checks `max_pixels` against that scaled size, so the side asked for is the
    largest of those scales whose size fits (at most `OVER_CAP_SIDE`). When
    even 1/8 is too large, the 1/8 side is returned, and the decoder raises
    MediaError for it.
    """
    width, height = full_size
    longest = max(width, height)
    for scale in (2, 4, 8):
        if math.ceil(width / scale) * math.ceil(height / scale) <= max_pixels:
            return min(OVER_CAP_SIDE, math.ceil(longest / scale))
    return min(OVER_CAP_SIDE, math.ceil(longest / 8))


def to_qimage(pixels: np.ndarray) -> QImage:
    """Copy an RGB or RGBA uint8 array into a QImage that owns its memory."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    formats = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
               4: QImage.Format.Format_RGBA8888}
    image = QImage(pixels.data, width, height, width * channels, formats[channels])
    return image.copy()


def _loaded(asset: Asset, decoded: DecodedImage, *, full_size: tuple[int, int] | None,
            is_preview: bool, extra_notes: tuple[str, ...] = ()) -> LoadedImage:
    return LoadedImage(asset.id, decoded.pixels, decoded.raw, decoded.window,
                       tuple(decoded.notes) + extra_notes, full_size, is_preview)


class ImageLoader(QObject):
    """Decodes the current asset and prefetches its neighbours."""

    image_ready = Signal(object)
    image_failed = Signal(int, str)

    def __init__(self, runner: TaskRunner, *, max_pixels: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._max_pixels = max_pixels
        self._project: Project | None = None
        self._reader: ContentReader | None = None
        self._current: int | None = None
        self._generation = 0
        self._cache: OrderedDict[int, LoadedImage] = OrderedDict()
        self._in_flight: set[int] = set()

    def set_project(self, project: Project | None, reader: ContentReader | None) -> None:
        """Use another project (or none, when locked); forget all decoded pixels.

        `project` serves lookups on the UI thread and `reader` the workers.
        """
        self._project = project
        self._reader = reader
        self.reset()

    def reset(self) -> None:
        """Drop the cache and make every running decode's result stale."""
        self._generation += 1
        self._cache.clear()
        self._in_flight.clear()
        self._current = None

    @property
    def current_asset_id(self) -> int | None:
        return self._current

    def cached_asset_ids(self) -> list[int]:
        return list(self._cache)

    def request(self, asset_id: int) -> None:
        """Show `asset_id` next: from the cache at once, else after decoding."""
        self._current = asset_id
        cached = self._cache.get(asset_id)
        if cached is not None:
            self._cache.move_to_end(asset_id)
            self.image_ready.emit(cached)
            return
        if self._project is None or self._reader is None:
            return
        try:
            asset = self._project.asset(asset_id)
        except LabelerError as error:
            self.image_failed.emit(asset_id, str(error))
            return
        if asset.kind not in DISPLAYABLE_KINDS:
            self.image_failed.emit(asset_id, self.tr(
                "This is a %s asset; this view shows images and DICOM only.") % asset.kind)
            return
        self._start(asset, prefetch=False)

    def prefetch(self, asset_ids: list[int]) -> None:
        """Decode these assets into the cache if they are not there yet."""
        if self._project is None:
            return
        for asset_id in asset_ids:
            if asset_id in self._cache or asset_id in self._in_flight:
                continue
            try:
                asset = self._project.asset(asset_id)
            except LabelerError:
                continue
            pixels = (asset.width or 0) * (asset.height or 0)
            if asset.kind in DISPLAYABLE_KINDS and pixels <= PREFETCH_MAX_PIXELS:
                self._start(asset, prefetch=True)

    def _start(self, asset: Asset, *, prefetch: bool) -> None:
        pixels = (asset.width or 0) * (asset.height or 0)
        full_size = (asset.width, asset.height) if asset.width and asset.height else None
        if pixels > self._max_pixels and full_size is not None:
            max_side = over_cap_side(full_size, self._max_pixels)
            note = self.tr(
                "Reduced view: the image is %d×%d pixels, over this workspace's limit of "
                "%.0f megapixels. Coordinates stay in full-size pixels."
            ) % (full_size[0], full_size[1], self._max_pixels / 1e6)
            self._submit(asset, max_side, full_size, is_preview=False, note=note)
            return
        if asset.id in self._in_flight:
            return  # a prefetch of this asset is running; its result will be shown
        if not prefetch and pixels > FIRST_PAINT_PIXELS and full_size is not None:
            self._submit(asset, FIRST_PAINT_SIDE, full_size, is_preview=True, note="")
        self._submit(asset, None, None, is_preview=False, note="")

    def _submit(self, asset: Asset, max_side: int | None,
                full_size: tuple[int, int] | None, *, is_preview: bool, note: str) -> None:
        reader = self._reader
        if reader is None:
            return
        generation = self._generation
        max_pixels = self._max_pixels
        extra_notes = (note,) if note else ()
        if not is_preview:
            self._in_flight.add(asset.id)

        def decode() -> LoadedImage:
            _asset, data = reader.read(asset.id)
            if max_side is None:
                decoded = decode_image(data, max_pixels=max_pixels, name=asset.path)
            else:
                decoded = decode_image_reduced(data, max_side=max_side,
                                               max_pixels=max_pixels, name=asset.path)
            return _loaded(asset, decoded, full_size=full_size, is_preview=is_preview,
                           extra_notes=extra_notes)

        self._runner.submit(
            decode,
            on_result=lambda loaded: self._on_decoded(generation, loaded),
            on_error=lambda error: self._on_error(generation, asset, is_preview, error))

    def _on_decoded(self, generation: int, loaded: LoadedImage) -> None:
        if generation != self._generation:
            return  # locked or project switched since: drop the pixels
        if loaded.is_preview:
            if loaded.asset_id == self._current and loaded.asset_id not in self._cache:
                self.image_ready.emit(loaded)
            return
        self._in_flight.discard(loaded.asset_id)
        self._cache[loaded.asset_id] = loaded
        self._cache.move_to_end(loaded.asset_id)
        while len(self._cache) > CACHED_IMAGES:
            self._cache.popitem(last=False)
        if loaded.asset_id == self._current:
            self.image_ready.emit(loaded)

    def _on_error(self, generation: int, asset: Asset, is_preview: bool,
                  error: BaseException) -> None:
        if generation != self._generation:
            return
        if not is_preview:
            self._in_flight.discard(asset.id)
        logger.warning("Asset %d could not be decoded: %s", asset.id, type(error).__name__)
        if asset.id == self._current and not is_preview:
            # Decoder messages are plain sentences naming the file; other
            # failures (damaged or missing content) get the family sentence.
            if isinstance(error, MediaError):
                message = str(error)
            else:
                message = describe_error(self.tr("Opening the image"), error).text
            self.image_failed.emit(asset.id, message)


class ThumbnailLoader(QObject):
    """Makes thumbnails on request, at most `THUMBNAIL_WORKERS` at a time.

    Requests wait in a LIFO queue of `QUEUED_THUMBNAILS`: the rows painted last
    are the ones on screen, and the oldest requests drop off when the user
    scrolls quickly.
    """

    thumbnail_ready = Signal(int)

    def __init__(self, runner: TaskRunner, *, max_pixels: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._max_pixels = max_pixels
        self._reader: ContentReader | None = None
        self._generation = 0
        self._images: OrderedDict[int, QImage | None] = OrderedDict()
        self._queue: OrderedDict[int, str] = OrderedDict()
        self._running: set[int] = set()
        self.decoded_ids: list[int] = []
        """Asset ids decoded since the last reset, in order; tests check this."""

    def set_reader(self, reader: ContentReader | None) -> None:
        """Read from another project (or none, when locked); forget every thumbnail."""
        self._reader = reader
        self._generation += 1
        self._images.clear()
        self._queue.clear()
        self._running.clear()
        self.decoded_ids = []

    def pending_count(self) -> int:
        """Thumbnails queued or being made."""
        return len(self._queue) + len(self._running)

    def thumbnail(self, asset_id: int, kind: str) -> QImage | None:
        """Return the cached thumbnail, or None after queueing it to be made."""
        if asset_id in self._images:
            self._images.move_to_end(asset_id)
            return self._images[asset_id]
        if kind in DISPLAYABLE_KINDS and asset_id not in self._running:
            self._queue[asset_id] = kind
            self._queue.move_to_end(asset_id)
            while len(self._queue) > QUEUED_THUMBNAILS:
                self._queue.popitem(last=False)
            self._start_next()
        return None

    def _start_next(self) -> None:
        reader = self._reader
        while reader is not None and self._queue and len(self._running) < THUMBNAIL_WORKERS:
            asset_id, _kind = self._queue.popitem(last=True)
            self._running.add(asset_id)
            generation = self._generation
            max_pixels = self._max_pixels

            def make(asset_id: int = asset_id) -> QImage:
                asset, data = reader.read(asset_id)
                decoded = decode_image_reduced(data, max_side=THUMBNAIL_SIDE,
                                               max_pixels=max_pixels, name=asset.path)
                return to_qimage(decoded.pixels)

            self._runner.submit(
                make,
                on_result=lambda image, a=asset_id, g=generation: self._store(g, a, image),
                on_error=lambda error, a=asset_id, g=generation: self._store(g, a, None))

    def _store(self, generation: int, asset_id: int, image: QImage | None) -> None:
        if generation != self._generation:
            return
        self._running.discard(asset_id)
        # A failed thumbnail is remembered as None so it is not retried on every paint.
        self._images[asset_id] = image
        self.decoded_ids.append(asset_id)
        while len(self._images) > CACHED_THUMBNAILS:
            self._images.popitem(last=False)
        self.thumbnail_ready.emit(asset_id)
        self._start_next()

