"""``remedy case CASE_ID``: a case's whole history as a readable timeline in the terminal's language, or ``--json``.

It asks the gateway (``GET /v1/cases/{case_id}/audit``): the join of the case log with the inputs, the notices
and the triage rule is made there, once (services/gateway/audit.py); this module only prints it. The key is
``--key``, else ``$REMEDY_AUDIT_KEY``, else the dev auditor key the gateway wrote beside its keys file."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

from remedy.contract.i18n import DEFAULT
from remedy.kernel.clock import CHINA_TZ
from remedy.ops.terminal import CLI, text
from services.gateway.keys import shared_keys_path


class AuditUnavailable(Exception):
    pass


def dev_key(data_dir: str) -> str | None:
    """The auditor key of a one-machine platform (keys.dev_keys wrote it in dev-keys.txt), if any."""
    path = shared_keys_path(data_dir).with_name("dev-keys.txt")
    if not path.exists():
        return None
    return next((line.split()[1] for line in path.read_text().splitlines() if line.startswith("auditor:")), None)


def fetch(base_url: str, case_id: str, key: str, timeout: float = 10.0, lang: str = DEFAULT) -> dict:
    req = urllib.request.Request(f"{base_url.rstrip('/')}/v1/cases/{case_id}/audit", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        known = f"case.http.{exc.code}" in CLI.entries
        raise AuditUnavailable(text(f"case.http.{exc.code}", lang) if known else text("case.http", lang, code=exc.code)) from None
    except OSError as exc:
        raise AuditUnavailable(text("case.unreachable", lang, url=base_url, why=exc)) from None


def _when(at_ms: int | None) -> str:
    if at_ms is None:
        return "?"
    return datetime.fromtimestamp(at_ms / 1000, timezone.utc).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _cause(kind: str, lang: str) -> str:
    key = f"case.cause.{kind}"
    return text(key, lang) if key in CLI.entries else kind


def render(audit: dict, lang: str = DEFAULT) -> str:
    t = lambda key, **values: text(key, lang, **values)   # noqa: E731
    out = [t("case.header", case=audit["case_id"], lender=audit["lender_id"], stage=audit["stage"]), ""]
    for e in audit["events"]:
        out.append(f"#{e['seq']:<3} {_when(e['occurred_at_ms'])}  {e['type']}  ({e['producer']}) → {e['stage_after']}")
        if e["detail"]:
            out.append("     " + t("case.detail", detail=_compact(e["detail"])))
        cause = e["cause"]
        if cause["kind"] == "event":
            out.append("     " + t("case.cause.after", seq=cause["event_seq"]))
        else:
            out.append("     " + t("case.cause", cause=_cause(cause["kind"], lang), where=cause.get("ref") or "—"))
        if cause.get("record") is not None:
            out.append("     " + t("case.record", record=_compact(cause["record"])))
        if e["rule"] is not None:
            out.append("     " + t("case.rule", version=e["rule"]["rule_version"],
                                   hash=e["rule"]["rule_hash"] or t("case.not_recorded")))
        for n in e["notices"]:
            out.append("     " + t("case.notice", kind=n["kind"], status=n["status"], document=n.get("document_no") or "—",
                                   hash=n.get("content_hash") or "—", entries=len(n["history"])))
    for n in audit.get("notices_before_any_event", []):
        out.append(t("case.notice_before", kind=n["kind"], status=n["status"], hash=n.get("content_hash") or "—"))
    return "\n".join(out)


def run(case_id: str, base_url: str, key: str | None, data_dir: str, as_json: bool, lang: str = DEFAULT) -> int:
    key = key or os.environ.get("REMEDY_AUDIT_KEY") or dev_key(data_dir)
    if not key:
        print(text("error", lang, message=text("case.no_key", lang)), file=sys.stderr)
        return 2
    try:
        audit = fetch(base_url, case_id, key, lang=lang)
    except AuditUnavailable as exc:
        print(text("error", lang, message=exc), file=sys.stderr)
        return 1
    print(json.dumps(audit, ensure_ascii=False, indent=1) if as_json else render(audit, lang))
    return 0
