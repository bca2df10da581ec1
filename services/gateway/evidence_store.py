"""The evidence store: the files lenders upload, kept by their SHA-256 (content-addressed) under one directory,
``REMEDY_GATEWAY_EVIDENCE_DIR`` (in production a volume every gateway instance mounts: a file one instance took
is read by the one a court asks).

- A file lives at ``<dir>/sha256/<first 2 hex>/<hex>``; its name is its hash, so the same bytes are stored once
  and storing them again changes nothing (idempotent by hash).
- It is written atomically: into a temporary file in the same directory, flushed to disk, then renamed over its
  name, so a reader never sees half a file and a crash leaves at most a stray ``.part`` file.
- Every read verifies the hash: a file damaged on disk is refused (``EvidenceDamaged``), never served.

Blocking file work: the gateway calls it from a thread (``asyncio.to_thread``).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

HEX = re.compile(r"^[0-9a-f]{64}$")
# content type -> (the file's first bytes, the extension a package gives it)
KINDS = {"application/pdf": (b"%PDF-", "pdf"), "image/jpeg": (b"\xff\xd8\xff", "jpg"),
         "image/png": (b"\x89PNG\r\n\x1a\n", "png")}


class EvidenceDamaged(Exception):
    """A stored file whose bytes no longer have the hash it is stored under."""


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes say it is (PDF, JPEG or PNG), else None."""
    return next((ctype for ctype, (magic, _) in KINDS.items() if head.startswith(magic)), None)


def extension(content_type: str) -> str:
    return KINDS[content_type][1]


def store_of(settings, gateway) -> "EvidenceStore":
    """The gateway's store: ``REMEDY_GATEWAY_EVIDENCE_DIR``, else ``$REMEDY_DATA_DIR/evidence``."""
    return EvidenceStore(gateway.evidence_dir or Path(settings.data_dir) / "evidence")


class EvidenceStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not HEX.match(sha256):
            raise ValueError("not a SHA-256 in lower-case hex")
        return self.root / "sha256" / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return HEX.match(sha256 or "") is not None and self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256. A stored copy that is damaged is replaced."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            try:
                self.get(sha)
                return sha
            except EvidenceDamaged:
                pass
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=target.parent, prefix=f".{sha[:12]}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, target)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
        _sync_dir(target.parent)
        return sha

    def get(self, sha256: str) -> bytes:
        """The file's bytes, verified against its hash; FileNotFoundError when it is not stored."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise EvidenceDamaged(f"evidence file {sha256[:12]}… is damaged on disk (its bytes no longer match its hash)")
        return data


def _sync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory); where that is not possible, skip it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
