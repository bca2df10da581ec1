"""Where the contract lives on disk: the repository root and ``schemas/`` (in an installed wheel, the copy
setup.py puts beside this module)."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGED_SCHEMAS = Path(__file__).resolve().parent / "schemas"
SCHEMAS_DIR = REPO_ROOT / "schemas" if (REPO_ROOT / "schemas").is_dir() else PACKAGED_SCHEMAS
