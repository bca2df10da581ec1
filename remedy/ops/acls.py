"""``remedy acls`` (``python -m remedy.ops.acls``): the Kafka ACLs of a production cluster, generated from
``schemas/topics.json``, so that each principal may do exactly what the registry says and nothing more.

- a service (``User:<service>``): Read on the topics it consumes and on its consumer group, Write on the
  topics it produces (its changelogs, work and dead-letter topics included);
- an outside party: Write on the topics whose producers list names its kind (``parties`` in the registry),
  one principal per kind (``User:<kind>``), or with ``--parties`` (the registry of their public keys,
  ``REMEDY_PARTY_KEYS``) one per party (``User:<kind>.<id>``);
- ``User:operators``: Read on the dead-letter topics.

The signatures (docs/security.md) still decide whose record it is: an ACL only keeps the others out.
Output: a JSON list, or ``--format commands`` for ``kafka-acls.sh``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass

from remedy.contract.topics import Topic, load_registry, parties

OPERATORS = "operators"
GROUPLESS = frozenset({"gateway"})  # reads with no consumer group (its own offsets, in its read model)


@dataclass(frozen=True, order=True)
class Acl:
    principal: str
    operation: str        # Read | Write
    resource_type: str    # topic | group
    resource: str

    def command(self) -> str:
        return (f"kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config \"$ADMIN_CONFIG\" --add "
                f"--allow-principal {self.principal} --operation {self.operation} --{self.resource_type} {self.resource}")


def actor(name: str) -> str:
    """A producers/consumers entry as the principal's name: ``mediation (desk)`` is mediation."""
    return re.sub(r"\s*\(.*\)$", "", name).strip()


def party_principals(kinds: dict[str, str], registry: dict | None) -> dict[str, list[str]]:
    """{producers-list name: its principals}: one per kind, or one per party of the key registry."""
    out: dict[str, list[str]] = {}
    for kind, listed in kinds.items():
        if registry is None:
            out[listed] = [f"User:{kind}"]
        else:
            ids = sorted({e["id"] for e in registry["parties"] if e["kind"] == kind})
            out[listed] = [f"User:{kind}.{pid}" for pid in ids]
    return out


def acls(topics: dict[str, Topic], kinds: dict[str, str], registry: dict | None = None) -> list[Acl]:
    by_party = party_principals(kinds, registry)
    out: set[Acl] = set()
    for topic in topics.values():
        for producer in map(actor, topic.producers):
            for principal in by_party.get(producer, [f"User:{producer}"]):
                out.add(Acl(principal, "Write", "topic", topic.name))
        for consumer in map(actor, topic.consumers):
            out.add(Acl(f"User:{consumer}", "Read", "topic", topic.name))
            if consumer not in GROUPLESS and consumer != OPERATORS:
                out.add(Acl(f"User:{consumer}", "Read", "group", consumer))
    return sorted(out)


def read_registry(path: str) -> dict:
    """The parties' key registry, its entries checked for the kind and id the principals are named by."""
    registry = json.loads(open(path, encoding="utf-8").read())
    entries = registry.get("parties") if isinstance(registry, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("kind"), str)
                                                and isinstance(e.get("id"), str) for e in entries):
        raise ValueError("expected {\"parties\": [{\"kind\": ..., \"id\": ...}, ...]}")
    return registry


def main(argv: list[str] | None = None) -> int:
    from remedy.ops.terminal import choose, text

    parser = argparse.ArgumentParser(prog="remedy acls", description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=("json", "commands"), default="json")
    parser.add_argument("--parties", metavar="FILE", help="the parties' key registry: one principal per party")
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help="the language of an error (the ACLs are machine text)")
    args = parser.parse_args(argv)
    try:
        registry = read_registry(args.parties) if args.parties else None
    except (OSError, ValueError) as exc:   # a missing, unreadable or malformed registry
        lang = choose(args.lang)
        why = f"{type(exc).__name__}: {exc}"
        print(text("error", lang, message=text("acls.unreadable", lang, file=args.parties, why=why)), file=sys.stderr)
        return 1
    found = acls(load_registry(), parties(), registry)
    if args.format == "json":
        json.dump([asdict(a) for a in found], sys.stdout, indent=1)
        print()
    else:
        print("\n".join(a.command() for a in found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
