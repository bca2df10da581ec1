"""The one message catalogue: every message in both languages, and the shared formats of money and dates."""
from datetime import date

import pytest

from remedy.contract import i18n


@pytest.mark.parametrize("domain", i18n.domains())
def test_every_message_has_chinese_and_english_text(domain):
    messages = i18n.Messages.load(domain)
    assert messages.entries, f"{domain} holds no message"
    for key, texts in messages.entries.items():
        assert set(texts) == set(i18n.LANGUAGES), f"{domain}.{key}: {sorted(texts)}"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in texts["zh"]) or texts["zh"] == texts["en"] or key == "language.switch", \
            f"{domain}.{key}: the Chinese text has no Chinese in it"


def test_chinese_is_the_default_and_english_a_switch():
    messages = i18n.Messages.load("common")
    assert messages.text("no_data", None) == "暂无数据"
    assert messages.text("no_data", "en-GB") == "no data"
    assert messages.text("not_found.region", "zh", code="9999") == "未知地区：9999"
    assert i18n.from_accept_language("en-US,en;q=0.9,zh;q=0.5") == "en"
    assert i18n.from_accept_language("zh-CN,zh;q=0.9") == "zh"
    assert i18n.from_accept_language(None) == "zh"


def test_an_unknown_key_is_named_with_its_domain():
    with pytest.raises(i18n.UnknownMessage, match="common: no message 'nope'"):
        i18n.Messages.load("common").text("nope", "zh")


def test_money_is_yuan_with_thousands_separators_from_integer_fen():
    assert i18n.money(123456789) == "¥1,234,567.89"
    assert i18n.money(-5) == "-¥0.05"
    assert i18n.money(123456789, cents=False) == "¥1,234,568"
    assert i18n.money(10**17 + 1) == "¥1,000,000,000,000,000.01"   # exact: never through floats


def test_days_read_the_chinese_way_and_the_english_way():
    assert i18n.day(date(2026, 12, 4)) == "2026年12月4日"
    assert i18n.day("2026-12-04T10:00:00Z", "en") == "4 Dec 2026"
    assert i18n.instant(1_764_806_400_000, "zh") == "2025年12月4日 08:00"
    assert i18n.days(86400 * 12.5, "en") == "12.5 days"
    assert i18n.days(None) == "-"
