"""The research export (``remedy export research``, docs/research-export.md): one anonymised row per case.

Pure parts: ``bands`` (the generalisation hierarchies of the quasi-identifiers), ``cases`` (a case's
facts → its research row), ``anonymise`` (re-keyed pseudonyms, k-anonymity by generalisation then
suppression), ``dictionary`` (the data dictionary). I/O: ``source`` (ClickHouse), ``write`` (the files).
"""
