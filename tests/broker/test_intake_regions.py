"""intake on a real Tansu: a region code that names no real county is refused with the precise reason."""
from __future__ import annotations

import pytest

from remedy.runtime.publish import Publisher
from sim.defaults import batch, utc
from tests.conftest import read_topic

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}


def test_a_default_from_region_119999_is_rejected_as_an_unknown_county_and_opens_no_case(broker, services, codec):
    services("intake", **CLOCK)
    (real, fake, prefecture), _ = batch("LENDER-RG", "B-REGION", 3, 0, NOW)
    fake["debtor"]["region_code"] = "119999"           # Beijing has no district 9999: there is no court CT-119999
    prefecture["debtor"]["region_code"] = "350500"     # 泉州市 itself: real, but no single basic court
    pub = Publisher(broker, codec)
    pub.publish_defaults([real, fake, prefecture])
    pub.close()

    rejected = {r["loan_id"]: r for _, r in read_topic(broker, "loan.defaults.rejected", codec, until=2, timeout=60)}
    assert rejected[fake["loan_id"]]["reason_codes"] == ["REGION_CODE_UNKNOWN_COUNTY"]
    assert "不是县级行政区划代码" in rejected[fake["loan_id"]]["message"]
    assert rejected[prefecture["loan_id"]]["reason_codes"] == ["REGION_CODE_NOT_COUNTY"]
    opened = [e for _, e in read_topic(broker, "case.events", codec, until=1, idle=2)]
    assert [e["event"]["facts"]["loan_id"] for e in opened] == [real["loan_id"]]
