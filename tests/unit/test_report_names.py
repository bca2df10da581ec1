"""Regions and courts by name in the report's two languages, the English GB/T 2260 names, and the baseline per
opening day that `remedy run` keeps in run.json."""
from __future__ import annotations

from datetime import datetime, timezone

from remedy.contract import regions
from remedy.contract.regions_en import NAMES_EN, english
from remedy.ops.regions_english import romanise, without_peoples
from remedy.ops.report_baseline import by_opening_day, from_run, opening_day
from remedy.ops.report_names import Names


def test_every_gbt2260_division_has_an_english_name_in_latin_letters():
    assert set(NAMES_EN) == set(regions.NAMES)
    assert all(name.replace("ü", "u").isascii() and name[:1].isupper() for name in NAMES_EN.values())


def test_english_names_read_county_first_with_the_kind_of_division():
    assert english("350503") == "Fengze District, Quanzhou, Fujian"
    assert english("110105") == "Chaoyang District, Beijing", "a place name's reading, not the everyday one (zhaoyang)"
    assert english("441900") == "Dongguan, Guangdong", "a prefecture-level city without counties is named once"
    assert english("222401") == "Yanji City, Yanbian Autonomous Prefecture, Jilin"
    assert english("150000") == "Inner Mongolia" and english("999999") == "999999"


def test_romanising_keeps_syllables_apart_and_leaves_out_the_peoples_of_an_autonomous_name():
    assert romanise("西安") == "Xi'an" and romanise("泉州") == "Quanzhou" and romanise("长宁") == "Changning"
    assert without_peoples("延边朝鲜族") == "延边" and without_peoples("恩施土家族苗族") == "恩施"
    assert without_peoples("东乡族") == "东乡", "a division named after its people keeps the name"


def test_a_place_named_in_a_minority_language_has_its_customary_english_name_on_the_dashboard_and_report():
    from services.analytics.panels import city_name

    assert english("650100") == "Urumqi, Xinjiang" and english("650121") == "Urumqi County, Urumqi, Xinjiang"
    assert english("652801") == "Korla City, Bayingolin Autonomous Prefecture, Xinjiang"
    assert english("653101") == "Kashgar City, Kashgar Prefecture, Xinjiang"
    assert english("152502") == "Xilinhot City, Xilingol League, Inner Mongolia"
    assert english("150121") == "Tumed Left Banner, Hohhot, Inner Mongolia"
    assert english("540200") == "Shigatse, Xizang" and english("542500") == "Ngari Prefecture, Xizang"
    assert english("152200") == "Hinggan League, Inner Mongolia"
    assert english("450325") == "Xing'an County, Guilin, Guangxi", "兴安 is Hinggan in Inner Mongolia only"
    assert city_name("6501", "en") == "Urumqi, Xinjiang", "the dashboard's heat map and region filter"
    en = Names("en")
    assert en.region("650102") == "Tianshan District, Urumqi, Xinjiang"
    assert en.court("CT-650102") == "People's Court of Tianshan District, Urumqi, Xinjiang", "the report's court names"


def test_a_place_name_reads_its_characters_as_place_names_do():
    assert romanise("什邡") == "Shifang" and romanise("都兰") == "Dulan" and romanise("弥勒") == "Mile"
    assert english("510682") == "Shifang City, Deyang, Sichuan"


def test_names_in_each_language_and_ids_nothing_names_as_they_are():
    zh, en = Names("zh", {"CT-350503": "泉州市丰泽区人民法院"}.get), Names("en")
    assert zh.region("350503") == "福建省泉州市丰泽区" and zh.region("350503", "given") == "given"
    assert zh.court("CT-350503") == "泉州市丰泽区人民法院" and zh.court("CT-000000") == "CT-000000"
    assert en.region("350503", "福建省泉州市丰泽区") == "Fengze District, Quanzhou, Fujian"
    assert en.court("CT-350503") == "People's Court of Fengze District, Quanzhou, Fujian" and en.court("X-1") == "X-1"


def test_the_baseline_per_opening_day_sums_to_the_batchs_and_survives_run_json():
    from sim.baseline import baseline

    first, second = datetime(2026, 8, 1, 15, 59, tzinfo=timezone.utc), datetime(2026, 8, 1, 16, 0, tzinfo=timezone.utc)
    cases = [{"lender_id": "L1", "loan_id": f"N{i}", "principal_cents": 100_000 + i, "interest_cents": 10, "penalty_cents": 0,
              "debtor": {}, "published_at": first if i % 2 else second} for i in range(200)]
    days = by_opening_day(cases, seed=7)
    assert list(days) == ["2026-08-01", "2026-08-02"], "China's calendar: 16:00 UTC is the next day"
    whole = baseline(cases, 7)
    assert sum(c for c, _ in days.values()) == whole.claimed_cents
    assert sum(r for _, r in days.values()) == whole.recovered_cents > 0
    assert from_run({"baseline_by_day": {d: list(v) for d, v in days.items()}}) == days
    assert from_run({"baseline_recovery": 0.3}) is None
    assert opening_day({"published_at": "2026-08-01T16:30:00+00:00"}) == "2026-08-02"


def test_the_english_names_file_is_what_the_generator_makes_of_the_current_list():
    from remedy.ops.regions_english import english as generate

    stale = {code: (NAMES_EN.get(code), generate(code, name)) for code, name in regions.NAMES.items()
             if NAMES_EN.get(code) != generate(code, name)}
    assert not stale, f"run python -m remedy.ops.regions_english: {list(stale.items())[:5]}"


def test_courts_are_named_from_the_operators_directory_when_there_is_one(tmp_path):
    import json

    from remedy.ops.report import render
    from remedy.ops.report_names import directory_names

    own = tmp_path / "directory.json"
    own.write_text(json.dumps({"entries": {"CT-350503": {"name": "丰泽区人民法院（运营方目录）", "address": None}}}), encoding="utf-8")
    assert directory_names(str(own))("CT-350503") == "丰泽区人民法院（运营方目录）"
    assert directory_names()("CT-350503") == "泉州市丰泽区人民法院", "the shipped directory"
    assert directory_names(str(tmp_path / "missing.json"))("CT-350503") is None, "an unreadable file names nothing"
    dash = {"summary": {"cases": 1, "open": 1, "closed": 0, "claimed_cents": 1, "recovered_cents": 0, "recovery": 0.0,
                        "cycle_p50_seconds": None, "cycle_p90_seconds": None},
            "cross_region": [{"debtor_region": "350503", "lender_region": "350503", "court": "CT-350503", "cases": 1,
                              "cross_region_cases": 0, "claimed_cents": 1, "recovered_cents": 0}]}
    assert "丰泽区人民法院（运营方目录）" in render(dash, None, "t", "zh", directory=str(own))
    assert "福建省泉州市丰泽区" in render(dash, None, "t", "zh"), "a region by name when analytics gives only its code"
