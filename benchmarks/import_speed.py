"""Import throughput against `cp -r` and plain sqlite3, in one run on one disk.

    python -m benchmarks.import_speed [--gigabytes 1.0] [--work DIR]

Generates (once, cached in the work folder) about 1 GB of 24-megapixel JPEGs
from the corpus photos, adds the corpus images, then times on the same disk:
`cp -r` of the folder, plain sqlite3 storing the same bytes as 1 MiB blobs
(WAL, synchronous=FULL, a commit every 16 files, as the import does), and
`labeler import` through the core API. Every contender runs on a warm page
cache: the folder is read once before the first timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.ingest import run_import
from labeler.core.model.ontology import parse_ontology
from labeler.core.policy.fields import parse_field_policy
from labeler.core.session import Session

CORPUS = Path(os.environ.get("LABELER_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "data"))


def generate_jpegs(folder: Path, gigabytes: float) -> None:
    """Write 6000x4000 JPEGs made from corpus photos plus noise until the folder is large enough."""
    folder.mkdir(parents=True, exist_ok=True)
    target = int(gigabytes * 1e9)
    sources = sorted((CORPUS / "images" / "photos").glob("*.jpg")) + sorted(
        (CORPUS / "images" / "photos").glob("*.png"))
    rng = np.random.default_rng(7)
    total = sum(p.stat().st_size for p in folder.glob("*.jpg"))
    index = len(list(folder.glob("*.jpg")))
    while total < target:
        with Image.open(sources[index % len(sources)]) as source:
            base = source.convert("RGB").resize((6000, 4000))
        pixels = np.asarray(base, dtype=np.int16) + rng.integers(-12, 12, (4000, 6000, 3))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        path = folder / f"generated-{index:04d}.jpg"
        image.save(path, quality=92)
        total += path.stat().st_size
        index += 1


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def warm(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.read_bytes()


def settle() -> None:
    os.sync()
    time.sleep(1.0)


def time_cp(source: Path, work: Path) -> float:
    target = work / "cp-copy"
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    subprocess.run(["sync"], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    return elapsed


def time_sqlite(source: Path, work: Path) -> float:
    path = work / "plain.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE blobs (file TEXT, idx INTEGER, data BLOB)")
    connection.execute("BEGIN")
    for count, file in enumerate(sorted(p for p in source.rglob("*") if p.is_file()), 1):
        with open(file, "rb") as stream:
            index = 0
            while piece := stream.read(1024 * 1024):
                connection.execute("INSERT INTO blobs VALUES (?, ?, ?)", (str(file), index, piece))
                index += 1
        if count % 16 == 0:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
    connection.execute("COMMIT")
    connection.close()
    elapsed = time.perf_counter() - started
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return elapsed


ROLES = ["admin", "annotator", "reviewer"]
# Every role sees every embedded field: each file is stored once.
OPEN_POLICY = {"default": {role: "visible" for role in ROLES}}
# Annotators may not see embedded fields: each photo is stored twice, as the
# original under a class key and as a copy without its metadata.
HIDING_POLICY = {"default": {"admin": "visible", "reviewer": "visible"}}


def time_labeler(source: Path, work: Path, policy_table: dict) -> tuple[float, int]:
    root = work / "workspace"
    shutil.rmtree(root, ignore_errors=True)
    admin = Session.create_workspace(root, "admin", "benchmark-password", TEST_KDF_COST)
    ontology = parse_ontology({"labels": [{"name": "object"}]})
    policy = parse_field_policy(policy_table, ROLES)
    project_id = admin.create_project("bench", ontology, policy)
    bucket_id = admin.add_bucket(project_id, source)
    project = admin.open_project(project_id)
    started = time.perf_counter()
    report = run_import(project, bucket_id)
    elapsed = time.perf_counter() - started
    admin.lock()
    shutil.rmtree(root)
    return elapsed, report.added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/.cache/import"))
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    work = arguments.work.resolve()
    source = work / "bucket"
    generate_jpegs(source / "generated", arguments.gigabytes)
    if not (source / "images").exists():
        shutil.copytree(CORPUS / "images", source / "images")
    size = folder_bytes(source)
    warm(source)
    runs = {"cp -r (then sync)": [], "sqlite3, 1 MiB blobs": [],
            "labeler import, every role sees embedded fields": [],
            "labeler import, annotators may not (display copies)": []}
    added = 0
    for _ in range(arguments.repeats):
        # Each contender starts with no dirty pages left by the one before it,
        # whose write-back would otherwise slow it down.
        settle()
        runs["cp -r (then sync)"].append(time_cp(source, work))
        settle()
        runs["sqlite3, 1 MiB blobs"].append(time_sqlite(source, work))
        settle()
        seconds, added = time_labeler(source, work, OPEN_POLICY)
        runs["labeler import, every role sees embedded fields"].append(seconds)
        settle()
        seconds, _ = time_labeler(source, work, HIDING_POLICY)
        runs["labeler import, annotators may not (display copies)"].append(seconds)
    megabytes = size / 1e6
    cp_median = statistics.median(runs["cp -r (then sync)"])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    print(f"folder: {megabytes:.0f} MB in {sum(1 for p in source.rglob('*') if p.is_file())} files "
          f"({added} imported); medians of {arguments.repeats} runs")
    print("| contender | seconds | MB/s | ratio to cp -r |")
    print("|---|---|---|---|")
    for name, times in runs.items():
        seconds = statistics.median(times)
        print(f"| {name} | {seconds:.2f} | {megabytes / seconds:.0f} | "
              f"{cp_median / seconds:.2f}x |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
