"""Seek latency, stepping rate and import memory of video frames.

Generates a synthetic video (default 3 minutes of 1080p at 30 fps, MPEG-4
Part 2 in MP4) whose frames carry their index as a block code, imports it
into a fresh encrypted workspace in a child process, then measures:

- random seeks through `read_frame` (median and 99th percentile) against
  OpenCV seeking the source file with CAP_PROP_POS_FRAMES, and how often each
  returned the wrong frame (read back from the code);
- sequential stepping rate through `read_frame` against `VideoCapture.read`;
- peak resident memory (ru_maxrss) of the import child process, for the main
  video and a shorter one, to show whether memory grows with length.

Run from the repository root:

    .venv/bin/python -m benchmarks.video_seek [--minutes 3] [--fps 30]

Everything is written under a temporary folder that is deleted afterwards.
The numbers depend on the machine; record them with its description.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tests.core.video import build_video_workspace, draw_frame, read_index

REPO = Path(__file__).resolve().parents[1]


def write_benchmark_video(path: Path, seconds: float, fps: int, size: tuple[int, int]) -> int:
    """Write a coded video with a drifting blurred texture; return the frame count."""
    width, height = size
    random_state = np.random.default_rng(1)
    texture = cv2.GaussianBlur(random_state.integers(0, 256, (height, width * 2, 3),
                                                     dtype=np.uint8), (0, 0), 2)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    count = int(seconds * fps)
    for index in range(count):
        shift = (index * 4) % width
        frame = texture[:, shift:shift + width].copy()
        code = draw_frame(index, width, height)
        mask = code != 64  # draw_frame's background is grey 64; keep the blocks only
        frame[mask] = code[mask]
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return count


_IMPORT_CHILD = """
import json, resource, sys, time
from pathlib import Path
from tests.core.video import VideoWorkspace
from labeler.core.ingest import run_import
workspace = VideoWorkspace(Path(sys.argv[1]), sys.argv[2])
project = workspace.open()
started = time.perf_counter()
report = run_import(project, next(iter(project.record["buckets"])))
seconds = time.perf_counter() - started
project.session.lock()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "finished": report.finished, "peak_kib": peak_kib}))
"""


def import_in_child(workspace_root: Path, project_id: str) -> dict[str, Any]:
    """Run the import in a child process; return its time and peak RSS."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_CHILD, str(workspace_root),
                             project_id], cwd=REPO, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure_read_frame(workspace_root: Path, project_id: str, count: int, seeks: int,
                       steps: int) -> dict[str, Any]:
    from labeler.core.video.index import clear_frame_cache, read_frame
    from tests.core.video import VideoWorkspace

    project = VideoWorkspace(workspace_root, project_id).open()
    asset = project.list_assets()[0]
    targets = random.Random(2).sample(range(count), seeks)
    latencies, wrong = [], 0
    clear_frame_cache(project)
    for target in targets:
        started = time.perf_counter()
        frame = read_frame(project, asset, target)
        latencies.append(time.perf_counter() - started)
        wrong += read_index(frame) != target
    clear_frame_cache(project)
    started = time.perf_counter()
    for n in range(steps):
        read_frame(project, asset, n)
    stepping = steps / (time.perf_counter() - started)
    project.session.lock()
    return {"median_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99), "wrong": wrong,
            "steps_per_second": stepping}


def measure_opencv(path: Path, count: int, seeks: int, steps: int) -> dict[str, Any]:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    targets = random.Random(2).sample(range(count), seeks)
    latencies, wrong = [], 0
    for target in targets:
        started = time.perf_counter()
        capture.set(cv2.CAP_PROP_POS_FRAMES, target)
        ok, frame = capture.read()
        latencies.append(time.perf_counter() - started)
        wrong += not ok or read_index(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)) != target
    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
    started = time.perf_counter()
    for _ in range(steps):
        capture.read()
    stepping = steps / (time.perf_counter() - started)
    capture.release()
    return {"median_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99), "wrong": wrong,
            "steps_per_second": stepping}


def import_video(folder: Path, name: str, seconds: float, fps: int,
                 size: tuple[int, int]) -> tuple[Path, str, Path, int, dict[str, Any]]:
    bucket = folder / f"bucket-{name}"
    bucket.mkdir()
    source = bucket / f"{name}.mp4"
    started = time.perf_counter()
    count = write_benchmark_video(source, seconds, fps, size)
    print(f"wrote {count} frames in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    workspace = build_video_workspace(folder / f"ws-{name}", bucket)
    imported = import_in_child(workspace.root, workspace.project_id)
    return workspace.root, workspace.project_id, source, count, imported


def machine() -> str:
    cpu = "unknown processor"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()},"
            f" OpenCV {cv2.__version__}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the main video")
    parser.add_argument("--short-minutes", type=float, default=0.5,
                        help="length of the second video, for the memory comparison")
    parser.add_argument("--fps", type=int, default=30, help="frames per second")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--seeks", type=int, default=300, help="random seeks to time")
    parser.add_argument("--steps", type=int, default=600, help="sequential frames to time")
    options = parser.parse_args()
    size = (options.width, options.height)

    with tempfile.TemporaryDirectory(prefix="labeler-bench-") as temp:
        folder = Path(temp)
        short = import_video(folder, "short", options.short_minutes * 60, options.fps, size)
        root, project_id, source, count, imported = import_video(
            folder, "main", options.minutes * 60, options.fps, size)
        ours = measure_read_frame(root, project_id, count, options.seeks, options.steps)
        opencv = measure_opencv(source, count, min(options.seeks, 100), options.steps)
        results = {
            "machine": machine(),
            "video": {"frames": count, "fps": options.fps, "size": list(size),
                      "source_mib": source.stat().st_size / 2**20},
            "import": {"seconds": imported["seconds"], "peak_rss_mib": imported["peak_kib"] / 1024,
                       "frames_per_second": count / imported["seconds"]},
            "import_short": {"frames": short[3], "peak_rss_mib": short[4]["peak_kib"] / 1024},
            "read_frame": ours,
            "opencv_pos_frames": opencv,
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
