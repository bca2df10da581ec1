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

    def guard(self, topic: str, handle: Handler) -> Handler:
        """``handle`` itself for an unsigned topic; else ``handle`` behind the signature check."""
        signed = signed_topics().get(topic)
        if signed is None:
            return handle
        policy, schema = signed
        keys, decode, now, refused = self.keys, self.codec.decode, self.clock.now, self.metrics.records_refused
        children = {}

        def field_of(value: bytes | None, field: str) -> object:
            try:
                return decode(value, expect=schema)[1].get(field)
            except CodecError:
                return UNREADABLE

        async def checked(record: Input) -> None:
            try:
                check(policy, keys, record.key, record.value, record.headers,
                      lambda field: field_of(record.value, field), now())
            except Refused as exc:
                child = children.get(exc.reason) or children.setdefault(exc.reason, refused.labels(exc.reason))
                child.inc()
                raise
            await handle(record)

        return checked
