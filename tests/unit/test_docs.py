"""The design pages in docs/ against the code and the contract, so that they cannot drift.

- docs/topics.md lists every topic of ``schemas/topics.json`` (and no other) with its key,
  partitions, value schema, producers and consumers, in the right section, and every signed topic
  with who signs it;
- docs/schemas.md lists every CaseEvent type with its one producer (``producers.json``) and every
  released schema version with its fingerprint (``fingerprints.lock``) and the official avro library's
  (``accepted-fingerprints.lock``);
- docs/rules.md lists every value of the triage rule file;
- every ``REMEDY_*`` variable the pages name is a setting (it is in the README's settings table),
  and every repository path the pages or the README name in backticks exists;
- no tracked file points at a design document outside the repository.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from remedy.contract.paths import REPO_ROOT
from remedy.contract.topics import load_registry

DOCS = REPO_ROOT / "docs"
README = REPO_ROOT / "README.md"


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    """``## heading`` → the text under it, up to the next ``## ``."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in ``text`` (header and separator rows included)."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.lstrip().startswith("|")]


def names(cell: str) -> set[str]:
    return {n.strip() for n in cell.split(",") if n.strip()}


# ---------------------------------------------------------------- topics.md

def topic_rows() -> dict[str, dict[str, list[str]]]:
    """Section title → topic name → the row's cells."""
    found: dict[str, dict[str, list[str]]] = {}
    for title, body in sections(page("topics.md")).items():
        for cells in table_rows(body):
            match = re.fullmatch(r"`([^`]+)`", cells[0])
            if match and len(cells) >= 6 and cells[0] != "`topic`":
                found.setdefault(title, {})[match.group(1)] = cells
    return found


def test_topics_page_lists_every_topic_with_its_producers_and_consumers():
    registry = load_registry()
    rows = topic_rows()
    for topic in registry.values():
        section = "Internal topics" if topic.internal else "Contract topics"
        cells = rows.get(section, {}).get(topic.name)
        assert cells is not None, f"docs/topics.md: {topic.name} is not in its table under '## {section}'"
        _, key, value, partitions, producers, consumers = cells[:6]
        assert key == f"`{topic.key}`", f"{topic.name}: key {key} in the page, {topic.key!r} in the registry"
        assert partitions == str(topic.partitions), f"{topic.name}: {partitions} partitions in the page"
        if topic.schema:
            assert f"`{topic.schema}`" in value, f"{topic.name}: the page does not name its schema {topic.schema}"
        assert names(producers) == set(topic.producers), f"{topic.name}: producers {producers!r} in the page"
        assert names(consumers) == set(topic.consumers), f"{topic.name}: consumers {consumers!r} in the page"


def test_topics_page_lists_no_topic_the_registry_lacks():
    registry = load_registry()
    listed = [name for rows in topic_rows().values() for name in rows]
    assert sorted(set(listed) - set(registry)) == []
    assert len(listed) == len(set(listed)), "a topic is listed twice"


def test_topics_page_lists_every_signed_topic_with_its_signers():
    body = sections(page("topics.md"))["Signed topics"]
    rows = {m.group(1): cells for cells in table_rows(body) if (m := re.fullmatch(r"`([^`]+)`", cells[0]))}
    signed = {name: topic for name, topic in load_registry().items() if topic.signed_by is not None}
    assert set(rows) == set(signed)
    for name, topic in signed.items():
        _, signers, fields, gateway = rows[name]
        signers, fields = signers.split(";"), fields.split(";")
        assert len(signers) == len(fields) == len(topic.signed_by), f"{name}: {signers!r} in the page"
        for (kind, must_equal), signer, field in zip(topic.signed_by, map(str.strip, signers), map(str.strip, fields)):
            assert signer.startswith(kind), f"{name}: signed by {signer!r} in the page, {kind} in the registry"
            assert (field == f"`{must_equal}`") if must_equal else field.startswith("any"), f"{name}: {field!r}"
        assert gateway.startswith("yes") == ("gateway" in topic.producers), f"{name}: gateway {gateway!r}"


# ---------------------------------------------------------------- schemas.md

def producers() -> dict[str, str]:
    data = json.loads((REPO_ROOT / "schemas" / "CaseEvent" / "producers.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def event_rows() -> dict[str, list[str]]:
    body = sections(page("schemas.md"))["CaseEvent"]
    rows = {}
    for cells in table_rows(body):
        match = re.fullmatch(r"`([A-Z][A-Za-z]+)`", cells[0])
        if match and len(cells) >= 4:
            rows[match.group(1)] = cells
    return rows


def test_schemas_page_lists_every_event_type_with_its_producer():
    rows = event_rows()
    for event_type, producer in producers().items():
        assert event_type in rows, f"docs/schemas.md: CaseEvent type {event_type} is not in the event table"
        assert rows[event_type][1] == producer, (
            f"docs/schemas.md: {event_type} is produced by {producer}, the page says {rows[event_type][1]!r}")
    assert sorted(set(rows) - set(producers())) == [], "the page lists event types producers.json lacks"


def test_schemas_page_lists_every_released_fingerprint():
    lock = json.loads((REPO_ROOT / "schemas" / "fingerprints.lock").read_text(encoding="utf-8"))
    body = sections(page("schemas.md"))["Fingerprints"]
    listed = {(c[0].strip("`"), c[1]): c[2].strip("`") for c in table_rows(body) if len(c) >= 3 and c[1].isdigit()}
    expected = {(name, version): fp for name, versions in lock.items() for version, fp in versions.items()}
    assert listed == expected, "docs/schemas.md's fingerprint table differs from schemas/fingerprints.lock"
    accepted = json.loads((REPO_ROOT / "schemas" / "accepted-fingerprints.lock").read_text(encoding="utf-8"))
    listed = {(c[0].strip("`"), c[1]): c[3].strip("`") for c in table_rows(body) if len(c) >= 4 and c[1].isdigit()}
    expected = {(name, version): fps["avro-python"] for name, versions in accepted.items() for version, fps in versions.items()}
    assert listed == expected, "docs/schemas.md's avro-python column differs from schemas/accepted-fingerprints.lock"


# ---------------------------------------------------------------- rules.md

def leaves(obj: dict, prefix: str = ""):
    for key, value in obj.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            yield from leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_rules_page_lists_every_triage_rule_value():
    rule_files = sorted((REPO_ROOT / "services" / "triage" / "rules").glob("v*.json"), key=lambda p: int(p.stem[1:]))
    rules = json.loads(rule_files[-1].read_text(encoding="utf-8"))
    listed = {c[0].strip("`"): c[1] for c in table_rows(page("rules.md")) if len(c) == 2}
    for key, value in leaves(rules):
        assert key in listed, f"docs/rules.md does not list the triage rule {key}"
        assert listed[key] == f"`{json.dumps(value)}`", f"docs/rules.md: {key} is {listed[key]}, the file says {value!r}"


# ---------------------------------------------------------------- settings and paths named

def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def test_every_setting_the_docs_name_is_in_the_readme_settings_table():
    readme = README.read_text(encoding="utf-8")
    named = {m for m in re.findall(r"REMEDY_[A-Z0-9_]+", docs_text()) if not m.endswith("_")}
    missing = sorted(v for v in named if f"`{v}`" not in readme)
    assert not missing, f"docs/ name settings the README's settings table lacks: {missing}"


PATH = re.compile(r"`((?:remedy|services|sim|schemas|tests|bench|deploy|docs)/[^`\s]*)`")


def exists(path: str) -> bool:
    """A file or folder, or a name in a module (``services/analytics/stages.visit_outcome``)."""
    if (REPO_ROOT / path).exists():
        return True
    return any((REPO_ROOT / (path[:i] + ".py")).is_file() for i, c in enumerate(path) if c == ".")


@pytest.mark.parametrize("name", ["README.md", *sorted(p.name for p in DOCS.glob("*.md"))])
def test_every_path_named_exists(name):
    text = (README if name == "README.md" else DOCS / name).read_text(encoding="utf-8")
    paths = {p for p in PATH.findall(text) if not re.search(r"[<>*{}…]", p)}
    missing = sorted(p for p in paths if not exists(p))
    assert not missing, f"{name} names paths that do not exist: {missing}"


# ---------------------------------------------------------------- nothing points outside

# Spelled in pieces so that this file does not match itself.
OUTSIDE = [("DESIGN" + ".md").encode(), ("../" + "shared").encode(), ("/work/" + "shared").encode()]


def test_no_tracked_file_mentions_a_design_document_outside_the_repository():
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    offenders = []
    for rel in filter(None, listed.decode("utf-8", "surrogateescape").split("\0")):
        path = REPO_ROOT / rel
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        offenders += [f"{rel}: {needle.decode()}" for needle in OUTSIDE if needle in data]
    assert not offenders, "files that point outside the repository (point at docs/ instead):\n" + "\n".join(offenders)
