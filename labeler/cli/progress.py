"""A one-line progress bar for imports, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import time

from labeler.cli.output import Output
from labeler.core.ingest import ImportProgress


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:d}:{rest:02d}"


class ProgressPrinter:
    """Callable progress sink: a bar on a terminal, a line every 10 s otherwise."""

    def __init__(self, output: Output, width: int = 30) -> None:
        self.output = output
        self.width = width
        self._last = 0.0
        self._drawn = False
        self._finished = False

    def __call__(self, progress: ImportProgress) -> None:
        now = time.monotonic()
        interval = 0.1 if self.output.is_interactive else 10.0
        is_last = progress.files_done >= progress.files_total
        if is_last and self._finished:
            return  # video frame steps report again after the last file
        if now - self._last < interval and not is_last:
            return
        self._finished = is_last
        self._last = now
        fraction = progress.bytes_done / progress.bytes_total if progress.bytes_total else 1.0
        filled = int(fraction * self.width)
        text = (f"[{'#' * filled}{'.' * (self.width - filled)}] "
                f"{progress.files_done}/{progress.files_total} files, "
                f"{progress.bytes_done / 1e6:.1f}/{progress.bytes_total / 1e6:.1f} MB, "
                f"{progress.bytes_per_second / 1e6:.1f} MB/s, ETA {_format_seconds(progress.eta_seconds)}")
        if self.output.is_interactive:
            self.output.stderr.write("\r" + text)
            self.output.stderr.flush()
            self._drawn = True
        else:
            self.output.status(text)

    def finish(self) -> None:
        if self._drawn:
            self.output.stderr.write("\n")
            self.output.stderr.flush()
