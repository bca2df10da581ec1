"""The one place records from outside parties are checked: every host (faust or in-memory) wraps the
handler of a signed topic with ``Verifier.guard``. A record whose signature does not hold is counted
(``remedy_<service>_records_refused_total{reason}``) and dead-lettered with its reason (``Refused``:
``UNSIGNED: ...``) by the host's usual path; the stage never sees it (docs/security.md)."""
from __future__ import annotations

from functools import lru_cache

from remedy.contract.codec import Codec, CodecError
from remedy.contract.partykeys import UNREADABLE, DevKeyRing, FileKeyRing, KeyRing, Policy, Refused, check
from remedy.contract.topics import load_registry
from remedy.kernel.clock import Clock
from remedy.kernel.settings import Settings, SettingsError
from remedy.kernel.stage import Handler, Input
from remedy.runtime.metrics import ServiceMetrics


@lru_cache(maxsize=8)
def _file_keys(path: str) -> FileKeyRing:
    return FileKeyRing.read(path)


@lru_cache(maxsize=1)
def _dev_keys() -> DevKeyRing:
    return DevKeyRing()


def party_keys(settings: Settings) -> KeyRing:
    """The parties' public keys: ``REMEDY_PARTY_KEYS``; without it the development keys, in dev only."""
    if settings.party_keys:
        return _file_keys(settings.party_keys)
    if not settings.dev:
        raise SettingsError("REMEDY_PARTY_KEYS: outside dev (REMEDY_ENV) the registry of the parties' public keys is "
                            "required; development keys are refused")
    return _dev_keys()


@lru_cache(maxsize=1)
def signed_topics() -> dict[str, tuple[Policy, str]]:
    """{topic: (who may sign it, its value schema)} for every signed topic of the registry."""
    return {name: (t.policy, t.schema) for name, t in load_registry().items() if t.policy is not None}


class Verifier:
    def __init__(self, keys: KeyRing, codec: Codec, clock: Clock, metrics: ServiceMetrics):
        self.keys, self.codec, self.clock, self.metrics = keys, codec, clock, metrics
        self._refused: dict[str, object] = {}

    def check(self, topic: str, key: bytes | None, value: bytes | None, headers) -> None:
        """Nothing for a record that may be acted on (any record of an unsigned topic); else ``Refused``, counted."""
        signed = signed_topics().get(topic)
        if signed is None:
            return
        policy, schema = signed
        try:
            check(policy, self.keys, key, value, headers, lambda field: self._field(value, schema, field), self.clock.now())
        except Refused as exc:
            child = self._refused.get(exc.reason)
            if child is None:
                child = self._refused[exc.reason] = self.metrics.records_refused.labels(exc.reason)
            child.inc()
            raise

    def _field(self, value: bytes | None, schema: str, field: str) -> object:
        try:
            return self.codec.decode(value, expect=schema)[1].get(field)
        except CodecError:
            return UNREADABLE

    def guard(self, topic: str, handle: Handler) -> Handler:
        """``handle`` itself for an unsigned topic; else ``handle`` behind the signature check."""
        if topic not in signed_topics():
            return handle
        check_ = self.check

        async def checked(record: Input) -> None:
            check_(topic, record.key, record.value, record.headers)
            await handle(record)

        return checked
