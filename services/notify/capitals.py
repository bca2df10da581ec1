"""Money as a court document prints it: figures (¥12,345.67) and Chinese capitals (人民币壹万贰仟叁佰肆拾伍元陆角柒分). Pure.

Capitals follow the usual rules for financial writing: one 零 for any run of zero digits inside the
number (壹万零伍元, 壹仟零壹拾元), none at the end of a section or before 元 when the yuan are whole
(壹拾万元整); 零 between 元 and 分 when there are fen but no jiao (壹元零伍分); 整 when there are no fen
(壹元整, 壹元伍角整); 人民币零元整 for nothing. Integer fen only, never floats.
"""
from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
SECTIONS = ("", "万", "亿", "万亿")


def figures(fen: int) -> str:
    """Integer fen → '¥12,345.67' (a minus sign before ¥ when negative)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _section(n: int) -> str:
    """0 < n < 10000 in capitals, with 零 for inner zero runs and none trailing."""
    out, zero = "", False
    for place in range(3, -1, -1):
        d = n // 10 ** place % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + PLACES[place]
    return out


def _yuan(n: int) -> str:
    """The whole yuan (n > 0) in capitals, sections of four digits joined by 万 / 亿."""
    sections = []
    while n:
        n, low = divmod(n, 10_000)
        sections.append(low)
    if len(sections) > len(SECTIONS):
        raise ValueError("amount too large for Chinese capitals")
    out, pending_zero = "", False
    for i in range(len(sections) - 1, -1, -1):
        low = sections[i]
        if low == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or low < 1000):
            out += "零"
        out += _section(low) + SECTIONS[i]
        pending_zero = False
    return out


def capitals(fen: int) -> str:
    """Integer fen → '人民币壹万贰仟叁佰肆拾伍元陆角柒分' (负 after 人民币 when negative)."""
    fen = int(fen)
    sign = "负" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    jiao, fen_ = divmod(cents, 10)
    head = _yuan(yuan) + "元" if yuan else ""
    if not cents:
        return f"人民币{sign}{head or '零元'}整"
    tail = (DIGITS[jiao] + "角" if jiao else ("零" if yuan else "")) + (DIGITS[fen_] + "分" if fen_ else "整")
    return f"人民币{sign}{head}{tail}"
