"""Handing pages the process no longer uses back to the system, beyond what embedded chDB's allocator returns.

- The engine's shared library (``_chdb.abi3.so``, 555 MB) leaves about 170 MiB of its code and read-only data
  resident once the engine has started (registering every function, format and engine touches most of it), while
  inserting, merging and querying use about 60 MiB of it. Those pages are clean copies of the file: dropping them
  from this process (``MADV_DONTNEED``) costs nothing but a minor fault, from the page cache, for a page used again.
  Only mappings that are read-only and hold no page of their own are dropped (a relocated or written page exists
  nowhere else).
- glibc keeps the heap pages Python freed (decoded batches, insert payloads) for reuse: ``malloc_trim`` returns them.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import re

MADV_DONTNEED = 4
_MAPPING = re.compile(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)")
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def clean_mappings(smaps: str, library: str) -> list[tuple[int, int, int]]:
    """``(start, end, resident kB)`` of each of ``library``'s mappings that is read-only and holds only pages of
    the file (no anonymous, no dirty page), from ``/proc/<pid>/smaps`` text."""
    found, current = [], None
    for line in smaps.splitlines():
        if match := _MAPPING.fullmatch(line):
            start, end, perms, path = match.groups()
            current = None
            if path.endswith("/" + library) and "w" not in perms:
                current = {"start": int(start, 16), "end": int(end, 16)}
                found.append(current)
        elif current is not None:
            key, _, value = line.partition(":")
            if key in ("Rss", "Anonymous", "Private_Dirty", "Shared_Dirty"):
                current[key] = int(value.split()[0])
    return [(m["start"], m["end"], m.get("Rss", 0)) for m in found
            if not (m.get("Anonymous") or m.get("Private_Dirty") or m.get("Shared_Dirty"))]


def drop_library_pages(library: str = "_chdb.abi3.so") -> int:
    """Drop ``library``'s clean pages from this process's resident set; returns the kB dropped."""
    try:
        with open("/proc/self/smaps") as smaps:
            mappings = clean_mappings(smaps.read(), library)
    except OSError:   # not Linux
        return 0
    return sum(kb for start, end, kb in mappings if _libc.madvise(start, end - start, MADV_DONTNEED) == 0)


def trim_heap() -> None:
    """Return the C heap's free pages to the system (glibc; nothing elsewhere)."""
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:
        trim(0)
