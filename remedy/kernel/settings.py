"""Settings: one frozen object built from ``REMEDY_*`` environment variables at start-up.

Every default works on one machine. ``SETTINGS_DOC`` is the table the README prints.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from remedy.contract.paths import REPO_ROOT



@dataclass(frozen=True)
class Settings:
    broker_port: int = 9092
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_replication: int = 1
    producer_linger_ms: int = 5
    commit_interval_seconds: float = 2.8
    lag_sample_seconds: float = 5.0
    clickhouse_url: str = "chdb:///./.remedy/clickhouse"
    data_dir: str = "./.remedy"
    clock_scale: float = 1.0
    clock_epoch: str = ""
    clock_anchor: float = 0.0
    clock_file: str = ""
    pseudonym_key: str = "dev-only-pseudonym-key-change-me"
    pii_key: str = "ZGV2LW9ubHktcGlpLWtleS0zMmJ5dGVzLWNoYW5nZSE="
    schemas_dir: str = str(REPO_ROOT / "schemas")
    log_level: str = "warning"
    intake_port: int = 6101
    triage_port: int = 6102
    mediation_port: int = 6103
    enforcement_port: int = 6104
    notify_port: int = 6105
    repair_port: int = 6106
    objections_port: int = 6107
    analytics_port: int = 6108
    analytics_tokens: str = "dev-ops-token=ops"
    analytics_flush_rows: int = 20000
    analytics_flush_ms: int = 1000
    gateway_port: int = 8080
    gateway_keys: str = ""
    gateway_replay_window_seconds: int = 300
    gateway_portal_max_failures: int = 5
    gateway_portal_lock_minutes: int = 15
    gateway_portal_rate_per_minute: int = 30
    portal_secret: str = "dev-only-portal-secret-change-me"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_sender: str = "notices@remedy.example"
    sms_url: str = "http://127.0.0.1:8025"
    sms_callback_url: str = ""
    notify_quiet_start_hour: int = 22
    notify_quiet_end_hour: int = 8
    notify_daily_contacts: int = 3
    notify_sweep_seconds: float = 1.0
    notify_concurrent_sends: int = 16
    triage_rules_path: str = str(REPO_ROOT / "services" / "triage" / "rules" / "v1.json")
    mediation_roster_path: str = str(REPO_ROOT / "services" / "mediation" / "roster.json")
    mediation_tier_days: int = 30
    mediation_confirmation_days: int = 30
    mediation_reminder_days: int = 3
    mediation_grace_days: int = 5
    mediation_sweep_seconds: float = 1.0

    enforcement_sweep_seconds: float = 1.0
    repair_sweep_seconds: float = 1.0
    repair_due_working_days: int = 3
    repair_processing_working_days: int = 1
    repair_record_keep_years: int = 5
    repair_pre_report_notice_days: int = 7
    repair_pboc_max_cents: int = 1_000_000
    repair_pboc_overdue_from: str = "2020-01-01"
    repair_pboc_overdue_to: str = "2025-12-31"
    repair_pboc_repaid_by: str = "2026-03-31"
    objections_sweep_seconds: float = 1.0
    objections_answer_days: int = 20
    objections_complaint_department: str = "PBOC Financial Consumer Rights Protection Bureau"
    sim_seed: int = 2026
    sim_cases: int = 8539
    sim_lenders: int = 12
    sim_malformed: int = -1
    sim_group: str = "remedy-sim"
    sim_lag_file: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for field in dataclasses.fields(cls):
            raw = env.get("REMEDY_" + field.name.upper())
            if raw is None:
                continue
            kind = type(field.default)
            try:
                values[field.name] = kind(raw)
            except ValueError as exc:
                raise SettingsError(f"REMEDY_{field.name.upper()}={raw!r}: expected {kind.__name__}") from exc
        if "broker_port" in values and "kafka_bootstrap" not in values:
            values["kafka_bootstrap"] = f"127.0.0.1:{values['broker_port']}"
        if "data_dir" in values and "clickhouse_url" not in values:
            values["clickhouse_url"] = "chdb://" + str(Path(values["data_dir"]).resolve() / "clickhouse")
        return cls(**values)

    def port_for(self, service: str) -> int:
        return getattr(self, f"{service}_port")


class SettingsError(ValueError):
    """A REMEDY_* variable could not be read."""


SETTINGS_DOC = {
    "broker_port": "Port `make broker` binds Tansu to on 127.0.0.1.",
    "kafka_bootstrap": "Kafka bootstrap host:port list (defaults to 127.0.0.1:$REMEDY_BROKER_PORT).",
    "producer_linger_ms": "How long a worker's producer waits to fill a batch (>= 5 on Tansu: unbatched it serves ~10k requests/s).",
    "commit_interval_seconds": "How often workers commit processed offsets.",
    "lag_sample_seconds": "How often a worker refreshes its `consumer_lag` and `records_waiting` gauges and its `/records-waiting` page (`remedy run`'s pacer reads it: 0.25).",
    "topic_replication": "Replication factor `remedy topics` gives new topics (1 on Tansu, 3 in production).",
    "clickhouse_url": "(defaults to `$REMEDY_DATA_DIR/clickhouse`) `chdb:///path` (embedded) or `http(s)://user:pass@host:port/db` (server).",
    "data_dir": "Local state: logs, pid files, the embedded ClickHouse.",
    "clock_scale": "Simulated seconds per real second (1 = real time).",
    "clock_epoch": "ISO-8601 instant the simulated clock shows at `clock_anchor` (empty = now).",
    "clock_anchor": "Unix time (real) at which the simulated clock shows `clock_epoch` (0 = process start).",
    "clock_file": "A paced clock's shared file (`remedy run` writes it and slows time while services lag); "
                  "when set, it replaces clock_scale/epoch/anchor.",
    "pseudonym_key": "Secret for `debtor_ref` = HMAC-SHA256(key, national ID). Change in production.",
    "pii_key": "Base64 AES-256 key sealing debtor contact details in `sealed_contact`. Change in production.",
    "schemas_dir": "Where the Avro schemas (all versions) live.",
    "log_level": "Worker log level.",
    "intake_port": "intake's HTTP port (/metrics, faust web).",
    "triage_port": "triage's HTTP port.",
    "mediation_port": "mediation's HTTP port.",
    "enforcement_port": "enforcement's HTTP port.",
    "notify_port": "notify's HTTP port.",
    "repair_port": "repair's HTTP port.",
    "objections_port": "objections' HTTP port.",
    "analytics_port": "analytics' HTTP port (dashboard, JSON API, /metrics).",
    "analytics_tokens": "Dashboard tokens: `token=LENDER_ID` or `token=ops` pairs, comma-separated, or `@/path/file` "
                        "with one pair a line. A lender token sees only its own cases; ops sees all.",
    "analytics_flush_rows": "The analytics sink inserts into ClickHouse once this many rows are buffered...",
    "analytics_flush_ms": "...or once the oldest buffered row is this old (ms); offsets are committed after the insert.",
    "gateway_port": "gateway's HTTP port.",
    "gateway_keys": "gateway: the keys file (JSON; see services/gateway/keys.py): sha256 of each lender's, mediator's and "
                    "payment processor's API key, and each court's HMAC secret. Empty = `$REMEDY_DATA_DIR/gateway/keys.json`, "
                    "generated with dev keys when absent. Never commit real keys.",
    "gateway_replay_window_seconds": "gateway: a court webhook's timestamp must be within this many seconds of now.",
    "gateway_portal_max_failures": "gateway: wrong verification codes for one case before the portal locks it...",
    "gateway_portal_lock_minutes": "gateway: ...for this many minutes (injectable clock).",
    "gateway_portal_rate_per_minute": "gateway: debtor portal requests allowed per client address per minute.",
    "portal_secret": "Secret for the debtor portal's verification code printed on notices (remedy/kernel/portal.py). Change in production.",
    "smtp_host": "notify: SMTP server for email notices.",
    "smtp_port": "notify: SMTP server port.",
    "smtp_sender": "notify: From address of email notices.",
    "sms_url": "notify: base URL of the SMS provider's HTTP API (POST /v1/messages).",
    "sms_callback_url": "notify: where the SMS provider posts delivery receipts (empty = notify's own /sms/receipts).",
    "notify_quiet_start_hour": "notify: no contact from this hour, debtor local time (UTC+8).",
    "notify_quiet_end_hour": "notify: ... until this hour; deferred notices go out then.",
    "notify_daily_contacts": "notify: at most this many contacts per debtor per local day, across all lenders.",
    "notify_sweep_seconds": "notify: the longest the waker sleeps, and how often it checks whether every debtor's due wake-up must be re-read (after recovery or a rebalance, and every 30 s); wake-ups themselves are timed to the due instant.",
    "notify_concurrent_sends": "notify: notices being sent at once (each waits on its channel's round trips; the "
                               "debtor's state is still changed by one agent only).",
    "triage_rules_path": "The versioned triage rule file (floor, thresholds, limitation, hardship, scorecard).",
    "mediation_roster_path": "The mediator roster loaded at start (changed at run time on `mediation.roster`).",
    "mediation_tier_days": "Days each mediation tier lasts before it fails on its own (extendable once by consent).",
    "mediation_confirmation_days": "Days after a settlement within which judicial confirmation is due.",
    "mediation_reminder_days": "Days before an instalment's due date that `InstalmentDue` is sent.",
    "mediation_grace_days": "Days after an instalment's due date before it counts as missed.",
    "mediation_sweep_seconds": "Real seconds between mediation's deadline sweeps and queue drains.",
    "enforcement_sweep_seconds": "Real seconds between enforcement's deadline sweeps (performance periods).",
    "repair_sweep_seconds": "Real seconds between repair's deadline sweeps.",
    "repair_due_working_days": "Working days (Mon-Fri) after full performance by which credit repair is due.",
    "repair_processing_working_days": "Working days the credit-record correction takes before `CreditRepairDone` (capped at the due date).",
    "repair_record_keep_years": "Years a negative credit record is kept after the overdue behaviour ends.",
    "repair_pre_report_notice_days": "Days between `NegativeReportPlanned` (the pre-report notice) and the earliest `NegativeReportFiled`.",
    "repair_pboc_max_cents": "PBOC one-off repair: largest single overdue amount, in fen (10,000 CNY).",
    "repair_pboc_overdue_from": "PBOC one-off repair: first overdue date covered (ISO date).",
    "repair_pboc_overdue_to": "PBOC one-off repair: last overdue date covered (ISO date).",
    "repair_pboc_repaid_by": "PBOC one-off repair: full repayment needed by this date (ISO date).",
    "objections_sweep_seconds": "Real seconds between objections' sweeps for unanswered objections.",
    "objections_answer_days": "Days within which an objection must be answered before `ObjectionOverdue`.",
    "objections_complaint_department": "The consumer-protection department complaints are forwarded to.",
    "sim_seed": "Simulator: seed of every draw (batch, mediators, courts, debtors, baseline); same seed, same run.",
    "sim_cases": "Simulator: valid defaults in the batch the simulated lenders publish (the source document's 8,539).",
    "sim_lenders": "Simulator: how many lenders share the batch (one batch each, in several regions; at most 14).",
    "sim_malformed": "Simulator: malformed rows added to the batch (-1 = 0.5% of sim_cases). Every rate and delay of "
                     "the simulated world is `REMEDY_SIM_<FIELD>` of `sim.world.WorldConfig`.",
    "sim_group": "Simulator: its consumer group on case.events.",
    "sim_lag_file": "Simulator: a file it keeps its own lag in (records on case.events not yet read), for `remedy run`'s pacer.",
}


def settings_table() -> str:
    """The README's settings table, from the dataclass defaults and SETTINGS_DOC."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in dataclasses.fields(Settings):
        default = str(field.default).replace(str(REPO_ROOT) + "/", "")
        rows.append(f"| `REMEDY_{field.name.upper()}` | `{default}` | {SETTINGS_DOC.get(field.name, '')} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
