"""remedy.runtime.patches: every patch and reach-in into faust's private code is guarded; REMEDY_FAUST_PATCHES
chooses the patches, and the ones left out leave faust as shipped."""
from __future__ import annotations

import dataclasses
import re

import pytest
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from remedy.kernel.settings import REPO_ROOT, Settings, SettingsError
from remedy.runtime import patches
from remedy.runtime.app import REACH_INS, create_app
from remedy.runtime.patches import fastpath, fromstart, highwater
from remedy.runtime.patches.guard import Guard, PatchMismatch, check, original, source_sha256

ALL_GUARDS = [*patches.guards(frozenset(patches.PATCHES)), *REACH_INS]


@pytest.fixture(autouse=True)
def faust_as_shipped():
    yield
    patches.install(frozenset())


def faust_own(owner, name) -> bool:
    return getattr(owner, name) is original(owner, name) and getattr(owner, name).__module__.startswith("faust.")


class Dummy:
    annotated: int

    def __init__(self):
        self.assigned = 1

    def method(self):
        return self.assigned

    async def coroutine(self):
        return self.assigned


def test_the_real_guards_pass_on_the_pinned_versions():
    check(ALL_GUARDS)
    pinned = dict(re.findall(r'"([a-z-]+)==([0-9.]+)"', (REPO_ROOT / "pyproject.toml").read_text()))
    for guard in ALL_GUARDS:
        assert pinned[guard.distribution] in guard.versions, f"{guard.target}: not checked against the pinned version"


def test_the_guards_still_pass_once_the_patches_are_installed_and_hash_faust_own_code():
    patches.install(frozenset(patches.PATCHES))
    assert Consumer._drain_messages is fastpath._drain_messages
    check(ALL_GUARDS)  # a second create_app in one process checks faust's originals, not Remedy's replacements
    assert source_sha256(original(Consumer, "_drain_messages")) == fastpath.GUARD.sha256


def test_a_wrong_recorded_hash_refuses_with_a_clear_message():
    wrong = dataclasses.replace(fastpath.GUARD, sha256="0" * 64)
    with pytest.raises(PatchMismatch) as refused:
        check([wrong])
    message = str(refused.value)
    assert isinstance(refused.value, RuntimeError)
    assert "remedy.runtime.patches.fastpath" in message and "faust.transport.consumer:Consumer._drain_messages" in message
    assert "found faust-streaming 0.15.3" in message, "the version found"
    assert "0" * 64 in message and fastpath.GUARD.sha256 in message, "the hash recorded and the hash found"
    assert "REMEDY_FAUST_PATCHES=highwater,fromstart,nomonitor,fetchwait" in message, "how to run without it"


def test_a_wrong_recorded_version_refuses_and_names_both_versions():
    wrong = dataclasses.replace(highwater.GUARD, versions=("0.11.0", "0.12.1"))
    with pytest.raises(PatchMismatch) as refused:
        check([wrong, *REACH_INS])
    message = str(refused.value)
    assert len(refused.value.problems) == 1
    assert "checked against faust-streaming 0.11.0 or 0.12.1" in message and "found faust-streaming 0.15.3" in message
    assert "AIOKafkaConsumerThread._highwaters" in message
    assert "REMEDY_FAUST_PATCHES=fastpath,fromstart,nomonitor,fetchwait" in message and "loses" in message


def reach_in(target: str, kind: str) -> Guard:
    return Guard(module="remedy.runtime.example", use="reads", target=f"{__name__}:{target}", kind=kind,
                 distribution="faust-streaming", versions=("0.15.3",))


def test_a_reach_in_guard_passes_when_the_attribute_is_there_with_its_kind():
    check([reach_in("Dummy.annotated", "attribute"), reach_in("Dummy.assigned", "attribute"),
           reach_in("Dummy.method", "method"), reach_in("Dummy.coroutine", "coroutine method")])


def test_a_reach_in_guard_fails_when_the_attribute_is_missing():
    with pytest.raises(PatchMismatch) as refused:
        check([reach_in("Dummy._batches", "attribute")])
    message = str(refused.value)
    assert f"{__name__}:Dummy._batches" in message and "no such name" in message
    assert "remedy.runtime.example cannot run without it" in message and "faust-streaming==0.15.3" in message


def test_a_reach_in_guard_fails_when_the_kind_changed():
    with pytest.raises(PatchMismatch, match="method there, not a coroutine method"):
        check([reach_in("Dummy.method", "coroutine method")])
    with pytest.raises(PatchMismatch, match="no such name"):
        check([reach_in("Missing.method", "method")])


def test_none_installs_nothing_and_leaves_faust_own_methods(tmp_path):
    patches.install(frozenset(patches.PATCHES))  # as an earlier create_app in this process would have
    app = create_app("intake", Settings(data_dir=str(tmp_path), faust_patches="none"), web_port=6199)
    assert faust_own(Consumer, "_drain_messages") and faust_own(AIOKafkaConsumerThread, "_highwaters")
    assert faust_own(Consumer, "perform_seek")
    assert app.remedy_patches == frozenset()
    app.on_init_dependencies()
    assert app.monitor in set(app.sensors), "faust keeps its Monitor"


def test_all_installs_every_patch(tmp_path):
    app = create_app("intake", Settings(data_dir=str(tmp_path)), web_port=6199)
    assert Consumer._drain_messages is fastpath._drain_messages
    assert AIOKafkaConsumerThread._highwaters is highwater._checked_end_offsets
    assert Consumer.perform_seek is fromstart.perform_seek
    app.on_init_dependencies()
    assert app.monitor not in set(app.sensors)


async def test_a_worker_consumer_waits_at_most_the_fetch_wait_set_for_partitions_with_nothing_new(tmp_path):
    """With faust's 1.5 s, the partitions a worker has taken wait behind a fetch the broker holds (fetchwait.py)."""
    app = create_app("intake", Settings(data_dir=str(tmp_path), fetch_max_wait_ms=250), web_port=6199)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    assert consumer._fetch_max_wait_ms == 250
    await consumer.stop()
    app = create_app("intake", Settings(data_dir=str(tmp_path), fetch_max_wait_ms=250,
                                        faust_patches="fastpath,highwater,fromstart,nomonitor"), web_port=6199)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)
    assert consumer._fetch_max_wait_ms == 1500, "left out: faust's own wait"
    await consumer.stop()


def test_a_comma_list_installs_only_those(tmp_path):
    create_app("intake", Settings(data_dir=str(tmp_path), faust_patches="highwater"), web_port=6199)
    assert faust_own(Consumer, "_drain_messages")
    assert AIOKafkaConsumerThread._highwaters is highwater._checked_end_offsets


def test_a_left_out_patch_is_not_checked_a_chosen_one_is(tmp_path, monkeypatch):
    monkeypatch.setattr(fastpath, "GUARD", dataclasses.replace(fastpath.GUARD, versions=("0.1.0",)))
    with pytest.raises(PatchMismatch, match="fastpath"):
        create_app("intake", Settings(data_dir=str(tmp_path)), web_port=6199)
    assert faust_own(Consumer, "_drain_messages"), "nothing is patched before every guard has passed"
    create_app("intake", Settings(data_dir=str(tmp_path), faust_patches="highwater,nomonitor"), web_port=6199)


def test_the_setting_names_patches():
    assert patches.chosen("all") == {"fastpath", "highwater", "fromstart", "nomonitor", "fetchwait"}
    assert patches.chosen("none") == patches.chosen("") == frozenset()
    assert patches.chosen(" fastpath, highwater ") == {"fastpath", "highwater"}
    with pytest.raises(SettingsError, match="unknown patch.*fastpth"):
        patches.chosen("fastpth")
    assert Settings.from_env({"REMEDY_FAUST_PATCHES": "none"}).faust_patches == "none"
    assert Settings().faust_patches == "all"
