"""`remedy run`'s progress: every bar reaches its total, or its last line says why it did not."""
from remedy.ops.progress import bars

DASH = {"summary": {"cases": 95, "open": 7, "closed": 88},
        "backlog": [{"stage": "LITIGATION", "cases": 5}, {"stage": "ENFORCEMENT", "cases": 2}],
        "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": 95}, {"stage": "LITIGATION", "entered": 30},
                   {"stage": "ENFORCEMENT", "entered": 9}, {"stage": "CLOSED", "entered": 88}]}


def test_the_opened_bar_counts_valid_defaults_against_the_valid_part_of_the_batch():
    (opened, *_) = bars(DASH, expected=100, refused=5, day=40, horizon=120)
    assert (opened.label, opened.done, opened.total) == ("opened (5 refused)", 95, 95)


def test_a_stage_bar_counts_the_cases_that_left_it_and_closed_is_not_a_stage():
    shown = {b.label.strip(): (b.done, b.total) for b in bars(DASH, 100, 5, 40, 120)}
    assert shown["left PEOPLES_MEDIATION"] == (95, 95)
    assert shown["left LITIGATION"] == (25, 30) and shown["left ENFORCEMENT"] == (7, 9)
    assert "left CLOSED" not in shown and shown["closed"] == (88, 95) and shown["simulated day"] == (40, 120)


def test_while_running_no_bar_makes_excuses():
    assert all(b.note == "" for b in bars(DASH, 100, 5, 40, 120))


def test_at_the_end_every_bar_short_of_its_total_says_why():
    final = bars(DASH, 100, 5, 120, 120, final=True)
    short = [b for b in final if b.done < b.total]
    assert short and all(b.note for b in short)
    assert "5 still in it when the run stopped on day 120" in next(b.line for b in final if "LITIGATION" in b.label)
    assert "7 open when the run stopped on day 120 of 120" in next(b.line for b in final if b.label == "closed")
    assert all(not b.note for b in final if b.done >= b.total)


def test_a_run_that_closes_every_case_early_says_so_on_the_day_bar():
    done = {"summary": {"cases": 95, "open": 0, "closed": 95}, "backlog": [],
            "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": 95}]}
    day = bars(done, 100, 5, 61, 120, final=True)[-1]
    assert (day.done, day.total, day.note) == (61, 120, "every case closed before the horizon")
