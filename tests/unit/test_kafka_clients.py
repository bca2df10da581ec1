"""Production clients authenticate with SASL/SCRAM over TLS (remedy.runtime.clients): the configuration each
client library is handed. No broker with SASL exists here (Tansu has none), so only the configuration is checked."""
from __future__ import annotations

import ssl

import faust
import pytest

from remedy.kernel.settings import Settings, SettingsError
from remedy.runtime.app import create_app
from remedy.runtime.clients import aiokafka_security, faust_credentials, kafka_python_security


def production(tmp_path, **extra) -> Settings:
    (tmp_path / "password").write_text("s3cret\n")
    return Settings.from_env({"REMEDY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "REMEDY_KAFKA_USERNAME": "intake",
                              "REMEDY_KAFKA_PASSWORD_FILE": str(tmp_path / "password"), "REMEDY_DATA_DIR": str(tmp_path),
                              **extra})


def test_the_dev_broker_needs_nothing():
    settings = Settings.from_env({})
    assert aiokafka_security(settings) == {} and kafka_python_security(settings) == {}
    assert faust_credentials(settings) is None


def test_scram_over_tls_for_aiokafka_and_kafka_python(tmp_path):
    settings = production(tmp_path)
    aio = aiokafka_security(settings)
    assert {k: v for k, v in aio.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "intake",
        "sasl_plain_password": "s3cret"}
    assert isinstance(aio["ssl_context"], ssl.SSLContext) and aio["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert kafka_python_security(settings) == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "intake",
        "sasl_plain_password": "s3cret", "ssl_cafile": None, "ssl_check_hostname": True}


def test_a_faust_worker_is_given_its_principal(tmp_path):
    credentials = faust_credentials(production(tmp_path, REMEDY_KAFKA_SASL_MECHANISM="SCRAM-SHA-256"))
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password, credentials.mechanism.value, credentials.protocol.value) == (
        "intake", "s3cret", "SCRAM-SHA-256", "SASL_SSL")
    app = create_app("intake", production(tmp_path), web_port=6066)
    assert app.conf.broker_credentials.username == "intake"


def test_each_instance_is_its_services_principal():
    from remedy.ops.procs import instance_env

    sasl = {"REMEDY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}
    assert instance_env("triage", 2, 6070, "/d", sasl)["REMEDY_KAFKA_USERNAME"] == "triage"
    assert "REMEDY_KAFKA_USERNAME" not in instance_env("triage", 2, 6070, "/d", {})


def test_incomplete_security_settings_are_refused(tmp_path):
    with pytest.raises(SettingsError, match="REMEDY_KAFKA_USERNAME"):
        aiokafka_security(Settings.from_env({"REMEDY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}))
    with pytest.raises(SettingsError, match="MECHANISM"):
        kafka_python_security(production(tmp_path, REMEDY_KAFKA_SASL_MECHANISM="GSSAPI"))
    with pytest.raises(SettingsError, match="PROTOCOL"):
        aiokafka_security(Settings.from_env({"REMEDY_KAFKA_SECURITY_PROTOCOL": "TLS"}))


def test_a_worker_binds_its_web_pages_where_remedy_worker_host_says(tmp_path):
    """127.0.0.1 on one machine; 0.0.0.0 in a container, for Prometheus and the probes (deploy/)."""
    local = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    container = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path), "REMEDY_WORKER_HOST": "0.0.0.0"})
    assert create_app("intake", local, web_port=6066).conf.web_bind == "127.0.0.1"
    assert create_app("triage", container, web_port=6067).conf.web_bind == "0.0.0.0"
