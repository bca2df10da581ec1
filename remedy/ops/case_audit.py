"""``remedy case CASE_ID``: a case's whole history as a readable timeline (Chinese first), or ``--json``.

It asks the gateway (``GET /v1/cases/{case_id}/audit``): the join of the case log with the inputs, the notices
and the triage rule is made there, once (services/gateway/audit.py); this module only prints it. The key is
``--key``, else ``$REMEDY_AUDIT_KEY``, else the dev auditor key the gateway wrote beside its keys file."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime, timezone

from remedy.kernel.clock import CHINA_TZ
from services.gateway.keys import shared_keys_path

CAUSES = {"input": "输入 input", "event": "事件 event", "withheld": "不予展示（含债务人个人信息）withheld: debtor PII",
          "not_kept": "未保存（服务内部主题）not kept: a service's work topic", "missing": "网关未收到 not received",
          "unknown": "无法解析 unparsed", "unrecorded": "未记录（旧读模型）not recorded by an older read model"}


class AuditUnavailable(Exception):
    pass


def dev_key(data_dir: str) -> str | None:
    """The auditor key of a one-machine platform (keys.dev_keys wrote it in dev-keys.txt), if any."""
    path = shared_keys_path(data_dir).with_name("dev-keys.txt")
    if not path.exists():
        return None
    return next((line.split()[1] for line in path.read_text().splitlines() if line.startswith("auditor:")), None)


def fetch(base_url: str, case_id: str, key: str, timeout: float = 10.0) -> dict:
    req = urllib.request.Request(f"{base_url.rstrip('/')}/v1/cases/{case_id}/audit", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        words = {401: "密钥缺失或错误 missing or wrong key", 403: "此密钥无权查看审计记录 this key may not read audits",
                 404: "无此案件 no such case for this key"}
        raise AuditUnavailable(words.get(exc.code, f"HTTP {exc.code}")) from None
    except OSError as exc:
        raise AuditUnavailable(f"网关无法连接 gateway unreachable at {base_url}: {exc}") from None


def _when(at_ms: int | None) -> str:
    if at_ms is None:
        return "?"
    return datetime.fromtimestamp(at_ms / 1000, timezone.utc).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def render(audit: dict) -> str:
    out = [f"案件 case {audit['case_id']}  出借人 lender {audit['lender_id']}  当前阶段 stage {audit['stage']}", ""]
    for e in audit["events"]:
        out.append(f"#{e['seq']:<3} {_when(e['occurred_at_ms'])}  {e['type']}  ({e['producer']}) → {e['stage_after']}")
        if e["detail"]:
            out.append(f"     内容 detail: {_compact(e['detail'])}")
        cause = e["cause"]
        where = f"事件 #{cause['event_seq']}" if cause["kind"] == "event" else cause.get("ref") or "—"
        out.append(f"     起因 cause: {CAUSES.get(cause['kind'], cause['kind'])}  {where}")
        if cause.get("record") is not None:
            out.append(f"     输入记录 record: {_compact(cause['record'])}")
        if e["rule"] is not None:
            out.append(f"     规则 rule: 版本 version {e['rule']['rule_version']}  哈希 hash {e['rule']['rule_hash'] or '（未记录 not recorded）'}")
        for n in e["notices"]:
            out.append(f"     通知 notice {n['kind']} {n['status']}  文书号 document {n.get('document_no') or '—'}  "
                       f"哈希 hash {n.get('content_hash') or '—'}  ({len(n['history'])} 条记录 entries)")
    for n in audit.get("notices_before_any_event", []):
        out.append(f"通知 notice (无对应事件 before any event) {n['kind']} {n['status']} {n.get('content_hash') or '—'}")
    return "\n".join(out)


def run(case_id: str, base_url: str, key: str | None, data_dir: str, as_json: bool) -> int:
    key = key or os.environ.get("REMEDY_AUDIT_KEY") or dev_key(data_dir)
    if not key:
        print("错误 error: 需要审计密钥 an auditor key is needed (--key or REMEDY_AUDIT_KEY)")
        return 2
    try:
        audit = fetch(base_url, case_id, key)
    except AuditUnavailable as exc:
        print(f"错误 error: {exc}")
        return 1
    print(json.dumps(audit, ensure_ascii=False, indent=1) if as_json else render(audit))
    return 0
