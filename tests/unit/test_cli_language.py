"""The `remedy` command speaks Simplified Chinese unless told otherwise: `--lang en` (before or after the subcommand),
`REMEDY_LANG=en` or an English locale. Real commands that need no broker, their output captured."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.ops import terminal
from remedy.ops.cli import main
from remedy.ops.report_text import lines

LOCALE = ("LANG", "LC_ALL", "LC_MESSAGES", "REMEDY_LANG")


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(autouse=True)
def no_locale(monkeypatch, tmp_path):
    for name in LOCALE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize("option, setting, env, expected", [
    (None, "", {}, "zh"),
    (None, "", {"LANG": "en_US.UTF-8"}, "en"),
    (None, "", {"LANG": "C.UTF-8"}, "zh"),
    (None, "", {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
    (None, "zh", {"LANG": "en_US.UTF-8"}, "zh"),
    (None, "en-US", {}, "en"),
    ("zh", "en", {"LANG": "en_US.UTF-8"}, "zh"),
    ("en", "", {}, "en"),
])
def test_the_option_then_remedy_lang_then_the_locale_then_chinese(option, setting, env, expected):
    assert terminal.choose(option, setting, env) == expected


def test_a_language_it_does_not_speak_is_refused_in_both(monkeypatch, capsys):
    monkeypatch.setenv("REMEDY_LANG", "fr")
    assert main(["down"]) == 2
    err = capsys.readouterr().err
    assert "错误：REMEDY_LANG=fr：不支持的语言" in err and "error: REMEDY_LANG=fr: no such language" in err


def test_sample_says_what_it_wrote_in_chinese_by_default_and_english_on_the_switch(tmp_path, capsys):
    target = tmp_path / "batch.jsonl"
    assert main(["sample", str(target), "--valid", "1200", "--invalid", "3"]) == 0
    assert capsys.readouterr().out == f"已写入 1,203 笔违约到 {target}\n"
    assert main(["--lang", "en", "sample", str(target), "--valid", "2", "--invalid", "1"]) == 0
    assert capsys.readouterr().out == f"wrote 3 defaults to {target}\n"
    assert main(["sample", str(target), "--valid", "2", "--invalid", "1", "--lang", "en"]) == 0, "the same option after it"
    assert capsys.readouterr().out == f"wrote 3 defaults to {target}\n"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_publish_of_a_missing_file_is_a_clear_error_not_a_traceback(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "none.csv"
    assert main(["publish", str(missing)]) == 1
    out = capsys.readouterr()
    assert out.err.startswith(f"错误：无法读取 {missing}：") and "Traceback" not in out.err and out.out == ""
    monkeypatch.setenv("REMEDY_LANG", "en")
    assert main(["publish", str(missing)]) == 1
    assert capsys.readouterr().err.startswith(f"error: cannot read {missing}: ")


def test_acls_stay_machine_text_and_a_bad_registry_is_said_in_the_terminal_s_language(tmp_path, capsys, monkeypatch):
    assert main(["acls"]) == 0
    acls = json.loads(capsys.readouterr().out)
    assert {"principal": "User:intake", "operation": "Read", "resource_type": "topic", "resource": "loan.defaults"} in acls
    bad = tmp_path / "parties.json"
    bad.write_text('{"parties": [{"kind": "lender"}]}')
    assert main(["acls", "--parties", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"错误：无法读取参与方密钥登记 {bad}：ValueError")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["acls", "--format", "commands", "--parties", str(tmp_path / "none.json")]) == 1
    out = capsys.readouterr()
    assert out.err.startswith("error: cannot read the parties' key registry") and out.out == ""


def test_the_help_is_in_the_terminal_s_language(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "Remedy 运营命令" in out and "remedy case CASE_ID    从网关审计接口读取案件完整历史" in out
    with pytest.raises(SystemExit):
        main(["report", "--lang", "en", "--help"])
    out = capsys.readouterr().out
    assert "where to write the HTML, the PDF beside it" in out and not chinese(out)
    monkeypatch.setenv("REMEDY_LANG", "en")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "stop after the report instead" in capsys.readouterr().out


def test_down_with_nothing_running(capsys, tmp_path):
    assert main(["down"]) == 0
    assert capsys.readouterr().out == f"无需停止：{(tmp_path / 'data').resolve()} 中没有 stack.json\n"
    assert main(["down", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("nothing to stop: no stack.json in")


def test_the_installed_command_follows_an_english_locale(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "REMEDY_DATA_DIR": str(tmp_path), "LANG": "en_US.UTF-8"}
    run = lambda extra: subprocess.run([sys.executable, "-m", "remedy.ops.cli", "down"], env={**env, **extra},  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    assert run({}).stdout.startswith("nothing to stop:")
    assert run({"REMEDY_LANG": "zh"}).stdout.startswith("无需停止："), "REMEDY_LANG wins over the locale"


DASH = {"summary": {"cases": 1200, "open": 200, "closed": 1000, "claimed_cents": 1_000_000_000, "recovered_cents": 680_000_050,
                    "recovery": 0.68, "cycle_p50_seconds": 45 * 86400, "cycle_p90_seconds": 80 * 86400},
        "funnel": [{"stage": "COURT_MEDIATION", "entered": 900, "settled": 600, "escalated": 250, "settle_rate": 600 / 900,
                    "p50_seconds": 20 * 86400, "p90_seconds": None}],
        "compliance": {"notices": [{"status": "DEFERRED", "rule": "QUIET_HOURS", "notices": 4200}]},
        "rejections": [{"lender_id": "L1", "reason": "NATIONAL_ID_CHECKSUM", "rejections": 7}]}


def test_the_report_s_terminal_lines_in_each_language():
    zh = lines(DASH, 0.4)
    assert zh[:4] == ["案件 1,200  未结 200  已结 1,000", "诉请金额 ¥10,000,000  已回收 ¥6,800,001  回收率 68.0%",
                      "传统催收基线 40.0%  →  本平台回收为其 1.70 倍（+70%）", "结案周期（已结案件）：中位数 45.0 天  90%分位 80.0 天"]
    (head, row) = zh[5:7]
    assert head.split() == ["阶段", "进入", "和解", "升级", "和解率", "中位数", "90%分位"]
    assert row.split() == ["法院诉前调解", "900", "600", "250", "66.7%", "20.0", "天", "-"]
    assert zh[-2:] == ["通知：延后/夜间免打扰 4,200 条", "不予受理的违约记录：身份证号码的校验码不符合 GB 11643 7 条"]
    en = lines(DASH, None, "en")
    assert en[:3] == ["cases 1,200  open 200  closed 1,000", "claimed ¥10,000,000  recovered ¥6,800,001  recovery 68.0%",
                      "case cycle (closed cases): p50 45.0 days  p90 80.0 days"]
    assert en[-2] == "notices: Deferred/quiet hours (4,200)" and not any(chinese(line) for line in en)


def test_up_on_a_port_in_use_says_so_and_starts_nothing(tmp_path):
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "REMEDY_DATA_DIR": str(tmp_path),
               "REMEDY_BROKER_PORT": str(port)}
        for extra, said in (({}, "错误：端口已被占用："), ({"REMEDY_LANG": "en"}, "error: ports already in use: ")):
            done = subprocess.run([sys.executable, "-m", "remedy.ops.cli", "up"], env={**env, **extra}, capture_output=True,
                                  text=True, timeout=60)
            assert done.returncode == 1 and done.stdout.startswith(said), done.stdout + done.stderr
            assert f"broker {port}" in done.stdout, "(other ports this machine holds may be named too)"
            assert "Traceback" not in done.stderr and not (tmp_path / "stack.json").exists()
