"""`labeler self-test`: check this installation and list the libraries it runs on.

The checks themselves live in `labeler.core.selftest`, which must not import
Qt, so the Qt version and platform-plugin check are added here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Final

from labeler.cli.output import ExitCode, Output
from labeler.core.selftest import CheckResult, SelfTestReport, run_self_test

# The platforms the frozen folder bundles: offscreen for machines without a
# display, xcb for X11 desktops, minimal for scripts that need a Qt event loop.
REQUIRED_QT_PLATFORMS: Final = ("offscreen", "xcb", "minimal")


def register(sub: Any) -> None:
    """Add `self-test` to the `labeler` subcommands."""
    parser = sub.add_parser(
        "self-test",
        help="check encryption, key separation, the network guard and the bundled "
             "libraries on a temporary workspace; exit status 0 only if all pass")
    parser.add_argument(
        "--temp-dir", type=Path, metavar="DIR",
        help="create the temporary workspace inside DIR "
             "(default: the system temporary folder, from TMPDIR)")
    parser.set_defaults(handler=self_test)


def self_test(arguments: argparse.Namespace, output: Output) -> int:
    """Run the self-test, print one line per check and the versions, return the exit code."""
    report = run_self_test(temp_parent=arguments.temp_dir)
    report.versions.append(("Qt (PySide6)", read_qt_version()))
    report.checks.append(check_qt_platform_plugins())
    print_report(report, output)
    return ExitCode.OK if report.passed else ExitCode.ERROR


def read_qt_version() -> str:
    try:
        import PySide6
        from PySide6 import QtCore
    except ImportError as error:
        return f"unavailable (ImportError: {error})"
    return f"Qt {QtCore.qVersion()}, PySide6 {PySide6.__version__}"


def find_qt_platform_plugins() -> set[str]:
    """Return the names of the Qt platform plugins found on Qt's plugin path."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    # libraryPaths() includes QT_PLUGIN_PATH, which PyInstaller's PySide6 runtime
    # hook sets in a frozen build.
    folders = [*QCoreApplication.libraryPaths(),
               QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)]
    return {
        plugin.name.removeprefix("libq").removesuffix(".so")
        for folder in folders
        for plugin in Path(folder, "platforms").glob("libq*.so")
    }


def check_qt_platform_plugins() -> CheckResult:
    """Fail when Qt does not load or a required platform plugin is missing."""
    name = "Qt platform plugins"
    try:
        found = find_qt_platform_plugins()
    except ImportError as error:
        return CheckResult(name, False, f"PySide6 does not load: {error}")
    missing = [platform for platform in REQUIRED_QT_PLATFORMS if platform not in found]
    if missing:
        return CheckResult(name, False, f"missing: {', '.join(missing)}; "
                                        f"found: {', '.join(sorted(found)) or 'none'}")
    return CheckResult(name, True, f"found {', '.join(REQUIRED_QT_PLATFORMS)}")


def print_report(report: SelfTestReport, output: Output) -> None:
    kind = "frozen folder" if getattr(sys, "frozen", False) else "Python environment"
    output.line(f"Labeler self-test ({kind}: {sys.executable})")
    width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        verdict = "PASS" if check.passed else "FAIL"
        output.line(f"{verdict}  {check.name:<{width}}  {check.detail} ({check.seconds:.1f} s)")
    output.line("")
    output.line("Libraries:")
    width = max(len(name) for name, _version in report.versions)
    for name, version in report.versions:
        output.line(f"  {name:<{width}}  {version}")
    output.line("")
    failed = sum(1 for check in report.checks if not check.passed)
    if failed:
        output.line(f"self-test failed: {failed} of {len(report.checks)} checks failed")
    else:
        output.line(f"self-test passed: {len(report.checks)} of {len(report.checks)} checks")
