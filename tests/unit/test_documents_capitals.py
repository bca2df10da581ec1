"""Money on documents: figures with thousands separators and Chinese capitals (大写) with the 零 and 整 rules."""
from __future__ import annotations

import pytest

from services.notify.capitals import capitals, figures


@pytest.mark.parametrize("fen, text", [
    (1_234_567, "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
    (0, "人民币零元整"),
    (5, "人民币伍分"),
    (50, "人民币伍角整"),
    (100, "人民币壹元整"),
    (105, "人民币壹元零伍分"),
    (1_050, "人民币壹拾元伍角整"),
    (100_001, "人民币壹仟元零壹分"),
    (10_010_000, "人民币壹拾万零壹佰元整"),
    (100_000_000, "人民币壹佰万元整"),
    (200_000_100, "人民币贰佰万零壹元整"),
    (10_000_000_000, "人民币壹亿元整"),
    (10_000_000_100, "人民币壹亿零壹元整"),
    (10_100_000_000, "人民币壹亿零壹佰万元整"),
    (123_456_789_012, "人民币壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
    (1_000_000_000_005, "人民币壹佰亿元零伍分"),
    (-1_234, "人民币负壹拾贰元叁角肆分"),
])
def test_capitals(fen, text):
    assert capitals(fen) == text


@pytest.mark.parametrize("fen, text", [(1_234_567, "¥12,345.67"), (0, "¥0.00"), (5, "¥0.05"),
                                       (123_456_789_012, "¥1,234,567,890.12"), (-1_234, "-¥12.34")])
def test_figures(fen, text):
    assert figures(fen) == text


def test_every_amount_up_to_a_million_yuan_round_trips_through_the_capitals():
    digits = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
    units = {"拾": 10, "佰": 100, "仟": 1000}

    def parse(text: str) -> int:   # a reader of capitals, independent of the writer
        body = text.removeprefix("人民币").removesuffix("整")
        yuan_part, _, rest = body.partition("元") if "元" in body else ("", "", body)
        total, section, digit = 0, 0, 0
        for c in yuan_part:
            if c in digits:
                digit = digits[c]
            elif c in units:
                section, digit = section + digit * units[c], 0
            elif c == "万":
                total, section, digit = (section + digit) * 10_000, 0, 0
        fen = (total + section + digit) * 100
        rest = rest.lstrip("零")
        if "角" in rest:
            fen += digits[rest[0]] * 10
            rest = rest.split("角")[1]
        if "分" in rest:
            fen += digits[rest.lstrip("零")[0]]
        return fen

    for fen in [*range(0, 20_000, 7), *range(99_999_000, 100_000_001, 13), 1_000_000, 10_000_100]:
        assert parse(capitals(fen)) == fen, (fen, capitals(fen))
