"""triage written in quixstreams, for bench/bench_peer.py only: the peer Remedy's triage worker is measured against.

The same two steps as services/triage/worker.py, with the same pure decisions (services/triage/decide.py) and
the same codec: ``case.events`` (keyed by case_id) → per-case state → forwards to ``triage.by-debtor`` (JSON,
keyed by debtor_ref) → per-debtor state → CaseTriaged | CaseRejected back on ``case.events``. State in
quixstreams' RocksDB stores with their changelog topics, at-least-once (Tansu has no transactions), committing
as often as a Remedy worker does. Written as a quixstreams user would: every case event is decoded by the
topic's deserializer. Dead letters and metrics are left out (Remedy's worker pays for both).

    python -m bench.peer_quix BOOTSTRAP STATE_DIR NOW_ISO
"""
from __future__ import annotations

import sys
from datetime import datetime

from quixstreams import Application
from quixstreams.models.serializers import Deserializer, Serializer

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT, Settings
from services.triage.decide import BY_DEBTOR, Forward, on_case_event, on_debtor_message
from services.triage.ruleset import load_rules
from services.triage.settings import TriageSettings

GROUP = "triage-peer"


class CaseEvents(Deserializer, Serializer):
    """Avro single-object CaseEvents through Remedy's codec, both ways."""

    def __init__(self, codec: Codec, decode: bool):
        super().__init__()
        self.codec, self.decode = codec, decode

    def __call__(self, value, ctx):
        if self.decode:
            return self.codec.decode(value, expect="CaseEvent")[1]
        return self.codec.encode("CaseEvent", value)


def build(bootstrap: str, state_dir: str, now: datetime) -> Application:
    codec = Codec(REPO_ROOT / "schemas")
    rules = load_rules(TriageSettings.from_env().rules_path)
    app = Application(broker_address=bootstrap, consumer_group=GROUP, auto_offset_reset="earliest",
                      commit_interval=Settings.from_env().commit_interval_seconds, state_dir=state_dir,
                      processing_guarantee="at-least-once", loglevel="INFO")
    case_events = app.topic("case.events", key_deserializer="str", value_deserializer=CaseEvents(codec, True),
                            key_serializer="str", value_serializer=CaseEvents(codec, False))
    by_debtor = app.topic(BY_DEBTOR, key_deserializer="str", value_deserializer="json", key_serializer="str",
                          value_serializer="json")

    def per_case(event: dict, state) -> list[dict]:
        step = on_case_event(state.get("case"), event)
        if step.state is not None:
            state.set("case", step.state)
        return [out.record for out in step.internal]

    def per_debtor(message: dict, state) -> list[dict]:
        step = on_debtor_message(state.get("debtor"), Forward(**message), rules, now)
        if step.state is not None:
            state.set("debtor", step.state)
        return [out.record for out in step.emits]

    app.dataframe(case_events).apply(per_case, stateful=True, expand=True) \
        .to_topic(by_debtor, key=lambda forward: forward["debtor_ref"])
    app.dataframe(by_debtor).apply(per_debtor, stateful=True, expand=True) \
        .to_topic(case_events, key=lambda event: event["case_id"])
    return app


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])).run()
