"""Regions appear to people by name (GB/T 2260), not by code."""
from services.analytics.queries import region_name


def test_a_county_code_reads_as_province_city_and_county():
    assert region_name("350503") == "福建省泉州市丰泽区"
    assert region_name("110101") == "北京市东城区"


def test_a_city_without_counties_is_not_named_twice():
    assert region_name("441900") == "广东省东莞市"


def test_an_unknown_code_is_shown_as_it_is():
    assert region_name("999999") == "999999"
