"""A judicial bureau's designation, checked before it reaches mediation.roster."""
import pytest

from services.gateway.routes.roster import bureau_area, designation
from services.gateway.validation import BadRequest
from services.mediation.roster import check


def test_a_bureau_id_names_the_area_it_administers():
    assert [bureau_area(b) for b in ("JB-35", "JB-3505", "JB-350502")] == ["35", "3505", "350502"]
    assert bureau_area("JB-*") is None and bureau_area("MC-350502") is None and bureau_area("JB-350") is None


def test_a_designation_becomes_an_entry_mediation_accepts_with_every_mode_by_default():
    entry = designation({"regions": ["3505"], "daily_capacity": 8}, "PM-9", "3505")
    assert entry["modes"] == ["ON_SITE", "PHONE", "VIDEO"] and entry["tier"] == "PEOPLES" and entry["active"]
    assert check({**entry, "designated_by": "JB-3505"})["daily_capacity"] == 8


@pytest.mark.parametrize("body, field", [
    ([], "body"), ({"daily_capacity": 1}, "regions"), ({"regions": "3505", "daily_capacity": 1}, "regions"),
    ({"regions": ["359999"], "daily_capacity": 1}, "regions"), ({"regions": ["3505x"], "daily_capacity": 1}, "regions"),
    ({"regions": ["3505"], "daily_capacity": True}, "daily_capacity"), ({"regions": ["3505"], "daily_capacity": 1001}, "daily_capacity"),
    ({"regions": ["3505"], "daily_capacity": 1, "modes": ["FAX"]}, "body"),
    ({"regions": ["3505"], "daily_capacity": 1, "tier": "NONE"}, "body"),
])
def test_a_malformed_designation_names_the_field(body, field):
    with pytest.raises(BadRequest) as refused:
        designation(body, "PM-9", "3505")
    assert refused.value.field == field and refused.value.problem
