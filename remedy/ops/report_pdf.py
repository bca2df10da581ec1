"""The report's HTML printed to PDF by headless Chromium (Debian ``chromium``, ``make system-deps``), the CJK
font (``fonts-wqy-microhei``) embedded by Chromium's printer. Without Chromium there is no PDF, said so."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")
NO_BROWSER = "headless Chromium not installed (Debian package `chromium`, `make system-deps`)"


def browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def print_pdf(html_file: Path, pdf: Path, timeout: float = 120) -> str | None:
    """Print ``html_file`` to ``pdf``; None on success, else why there is no PDF."""
    exe = browser()
    if exe is None:
        return NO_BROWSER
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="remedy-pdf-") as profile:
        try:
            done = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf.resolve()}",
                                   html_file.resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"Chromium failed: {exc}"
    if not pdf.exists() or pdf.stat().st_size == 0:
        return f"Chromium wrote no PDF (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return None
