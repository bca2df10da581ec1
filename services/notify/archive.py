"""Where notify keeps every legal document it sent, by document number (``<data dir>/documents/<no>.pdf``)."""
from __future__ import annotations

from pathlib import Path


class Archive:
    def __init__(self, directory: Path):
        self.directory = directory

    def __call__(self, document_no: str, pdf: bytes) -> None:
        path = self.directory / f"{document_no}.pdf"
        try:
            path.write_bytes(pdf)
        except FileNotFoundError:  # the first document (or the directory was removed): made once, not per notice
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
