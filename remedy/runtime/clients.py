"""How Remedy's Kafka clients authenticate to the broker: SASL/SCRAM over TLS in production, nothing on the
dev broker (Tansu has no SASL or TLS). The ``kafka_*`` settings, read once, as each client library takes them:
faust (``faust_credentials``), aiokafka (``aiokafka_security``) and kafka-python (``kafka_python_security``).
Each service runs as its own principal (``REMEDY_KAFKA_USERNAME``), whose ACLs ``remedy acls`` prints."""
from __future__ import annotations

import ssl
from functools import lru_cache
from pathlib import Path
from typing import Any

from remedy.kernel.settings import Settings, SettingsError

PROTOCOLS = ("PLAINTEXT", "SASL_SSL", "SASL_PLAINTEXT", "SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def _checked(settings: Settings) -> str:
    protocol = settings.kafka_security_protocol.strip().upper()
    if protocol not in PROTOCOLS:
        raise SettingsError(f"REMEDY_KAFKA_SECURITY_PROTOCOL={protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if protocol.startswith("SASL") and settings.kafka_sasl_mechanism not in MECHANISMS:
        raise SettingsError(f"REMEDY_KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism!r}: expected one of "
                            f"{', '.join(MECHANISMS)}")
    if protocol.startswith("SASL") and not (settings.kafka_username and settings.kafka_password_file):
        raise SettingsError(f"{protocol} needs REMEDY_KAFKA_USERNAME and REMEDY_KAFKA_PASSWORD_FILE")
    return protocol


def password(settings: Settings) -> str:
    """The password file's first line (the file, not the environment, holds it: mode 0600)."""
    return Path(settings.kafka_password_file).read_text(encoding="utf-8").splitlines()[0].strip()


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """TLS that checks the broker's certificate against ``REMEDY_KAFKA_CA_FILE`` (the system's CAs without it)."""
    return ssl.create_default_context(cafile=settings.kafka_ca_file or None)


def _sasl(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The protocol, and the arguments aiokafka and kafka-python spell alike (none on PLAINTEXT)."""
    protocol = _checked(settings)
    if protocol == "PLAINTEXT":
        return protocol, {}
    out: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL"):
        out.update(sasl_mechanism=settings.kafka_sasl_mechanism, sasl_plain_username=settings.kafka_username,
                   sasl_plain_password=password(settings))
    return protocol, out


def aiokafka_security(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer``/``Consumer``/``AdminClient``: none on PLAINTEXT."""
    protocol, out = _sasl(settings)
    if protocol.endswith("SSL"):
        out["ssl_context"] = ssl_context(settings)
    return out


def kafka_python_security(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's ``KafkaProducer``/``KafkaConsumer``/``KafkaAdminClient``."""
    protocol, out = _sasl(settings)
    if protocol.endswith("SSL"):
        out.update(ssl_cafile=settings.kafka_ca_file or None, ssl_check_hostname=True)
    return out


@lru_cache(maxsize=1)
def process_security() -> dict[str, Any]:
    """``kafka_python_security`` of this process's settings, for the kafka-python clients made deep inside the
    runtime and the tools (the end-offset probe, provisioning, replay, the simulator), where no settings are passed."""
    return kafka_python_security(Settings.from_env())


def faust_credentials(settings: Settings):
    """``broker_credentials`` for a faust app: None on PLAINTEXT."""
    import faust

    protocol = _checked(settings)
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return faust.SSLCredentials(ssl_context(settings))
    context = ssl_context(settings) if protocol == "SASL_SSL" else None
    return faust.SASLCredentials(username=settings.kafka_username, password=password(settings), ssl_context=context,
                                 mechanism=settings.kafka_sasl_mechanism)
