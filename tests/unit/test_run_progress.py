"""`remedy run`'s progress: every bar reaches its total, or its last line says why it did not — in Chinese by
default, in English with the switch."""
import pytest
from rich.cells import cell_len

from remedy.ops.progress import ProgressView, bars

DASH = {"summary": {"cases": 95, "open": 7, "closed": 88},
        "backlog": [{"stage": "LITIGATION", "cases": 5}, {"stage": "ENFORCEMENT", "cases": 2}],
        "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": 95}, {"stage": "LITIGATION", "entered": 30},
                   {"stage": "ENFORCEMENT", "entered": 9}, {"stage": "CLOSED", "entered": 88}]}


def test_the_opened_bar_counts_valid_defaults_against_the_valid_part_of_the_batch():
    (opened, *_) = bars(DASH, expected=100, refused=5, day=40, horizon=120)
    assert (opened.label, opened.done, opened.total) == ("已受理（5 笔不予受理）", 95, 95)
    (opened, *_) = bars(DASH, expected=100, refused=5, day=40, horizon=120, lang="en")
    assert (opened.label, opened.done, opened.total) == ("opened (5 refused)", 95, 95)


def test_a_stage_bar_counts_the_cases_that_left_it_by_the_stage_s_name_and_closed_is_not_a_stage():
    shown = {b.label.strip(): (b.done, b.total) for b in bars(DASH, 100, 5, 40, 120)}
    assert shown["已离开人民调解"] == (95, 95)
    assert shown["已离开诉讼"] == (25, 30) and shown["已离开强制执行"] == (7, 9)
    assert "已离开结案" not in shown and shown["已结案"] == (88, 95) and shown["模拟天数"] == (40, 120)
    english = {b.label.strip(): (b.done, b.total) for b in bars(DASH, 100, 5, 40, 120, lang="en")}
    assert english["left Litigation"] == (25, 30) and english["closed"] == (88, 95) and english["simulated day"] == (40, 120)


def test_while_running_no_bar_makes_excuses():
    assert all(b.note == "" for b in bars(DASH, 100, 5, 40, 120))


def test_at_the_end_every_bar_short_of_its_total_says_why():
    final = bars(DASH, 100, 5, 120, 120, final=True)
    short = [b for b in final if b.done < b.total]
    assert short and all(b.note for b in short)
    assert "运行于第 120 天停止时仍有 5 件在此阶段" in next(b.line() for b in final if "诉讼" in b.label)
    assert "运行于第 120 天停止时（共 120 天）仍有 7 件未结" in next(b.line() for b in final if b.label == "已结案")
    assert all(not b.note for b in final if b.done >= b.total)
    english = bars(DASH, 100, 5, 120, 120, final=True, lang="en")
    assert "5 still in it when the run stopped on day 120" in next(b.line() for b in english if "Litigation" in b.label)
    assert "7 open when the run stopped on day 120 of 120" in next(b.line() for b in english if b.label == "closed")


def test_a_run_that_closes_every_case_early_says_so_on_the_day_bar():
    done = {"summary": {"cases": 95, "open": 0, "closed": 95}, "backlog": [],
            "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": 95}]}
    assert bars(done, 100, 5, 61, 120, final=True)[-1].note == "所有案件均在期限前结案"
    day = bars(done, 100, 5, 61, 120, final=True, lang="en")[-1]
    assert (day.done, day.total, day.note) == (61, 120, "every case closed before the horizon")


def test_a_feed_of_polls_ends_with_aligned_final_lines_in_the_terminal_s_language(capsys):
    """The display fed three polls as `remedy run` feeds it (no terminal: a log), then its final lines: every bar
    starts in the same terminal column although Chinese characters take two cells each."""
    polls = [{"summary": {"cases": n, "open": n - c, "closed": c}, "backlog": [{"stage": "PEOPLES_MEDIATION", "cases": n - c}],
              "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": n}, {"stage": "COURT_MEDIATION", "entered": c // 3}]}
             for n, c in ((40, 0), (80, 30), (95, 60))]
    for lang, words in (("zh", ("已受理（5 笔不予受理）", "已离开法院诉前调解", "运行于第 30 天停止时（共 120 天）仍有 35 件未结")),
                        ("en", ("opened (5 refused)", "left Court pre-litigation mediation", "35 open when the run stopped on day 30 of 120"))):
        view = ProgressView(tty=False)
        for day, poll in enumerate(polls):
            view.show(bars(poll, 100, 5, day * 10, 120, lang=lang), "status")
        view.finish(bars(polls[-1], 100, 5, 30, 120, final=True, lang=lang))
        final = capsys.readouterr().out.splitlines()[-5:]
        assert final[0].startswith(words[0]), final
        assert any(words[1] in line for line in final) and any(line.endswith(words[2]) for line in final), final
        columns = {cell_len(line[:line.index("█" if "█" in line else "░")]) for line in final}
        assert len(columns) == 1, f"{lang}: the bars start in different columns: {final}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_bar_and_note_is_in_one_language(lang):
    chinese = lambda s: any("\u4e00" <= ch <= "\u9fff" for ch in s)   # noqa: E731
    final = bars(DASH, 100, 5, 120, 120, final=True, lang=lang)
    for b in final:
        assert chinese(b.label) == (lang == "zh") and (not b.note or chinese(b.note) == (lang == "zh")), b
