"""Helpers shared by the GUI benchmarks: statistics, memory and child processes.

Each GUI benchmark measures in a child process per Qt platform, so that the
offscreen and the X11 (xcb under Xvfb) numbers come from fresh processes. The
child prints one JSON line as its last line of output.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parents[1]
XVFB_SCREEN: Final = "-screen 0 1600x1000x24"
PLATFORMS: Final = ("offscreen", "xcb")


def percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` quantile of `values`, interpolated between samples."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def summarize_ms(seconds: list[float]) -> dict[str, float]:
    """Return the median, 95th percentile and maximum of `seconds`, in milliseconds."""
    return {
        "median_ms": statistics.median(seconds) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "max_ms": max(seconds) * 1000,
        "count": len(seconds),
    }


def rss_mib() -> float:
    """Return this process's resident set size (VmRSS) in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def describe_machine() -> dict[str, Any]:
    """Return the CPU model, core count, OS and library versions of this machine."""
    from PySide6 import __version__ as pyside_version

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyside6": pyside_version,
    }


def run_child(module: str, qt_platform: str, arguments: list[str]) -> dict[str, Any]:
    """Run `python -m module arguments` on one Qt platform; return its JSON result.

    The xcb platform runs under `xvfb-run`, whose X server listens on a Unix
    socket only (xvfb-run passes `-nolisten tcp`).

    Raises:
        RuntimeError: xvfb-run is missing, or the child failed or printed no JSON.
    """
    command = [sys.executable, "-m", module, *arguments]
    environment = dict(os.environ, QT_QPA_PLATFORM=qt_platform)
    if qt_platform == "xcb":
        xvfb_run = shutil.which("xvfb-run")
        if xvfb_run is None:
            raise RuntimeError("xvfb-run not found; install the xvfb package or use "
                               "--platforms offscreen")
        command = [xvfb_run, "-a", "-s", XVFB_SCREEN, *command]
    completed = subprocess.run(command, env=environment, cwd=REPO, capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"{module} on {qt_platform} failed with exit code "
                           f"{completed.returncode}:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
