"""The simulated authorities staff mediation so a batch is seen within days, not months."""
from datetime import datetime, timezone

from services.mediation.roster import check, covers
from sim.defaults import demo_batch
from sim.staffing import mediation_region, roster_updates

NOW = datetime(2026, 11, 28, 4, tzinfo=timezone.utc)


def test_every_case_has_people_s_mediators_for_its_region_with_capacity_for_the_batch_within_five_days():
    defaults, bad = demo_batch(8539, 12, NOW, 2026, 0)
    updates = roster_updates(defaults, NOW, daily_capacity=20, clear_days=5)
    roster = [check(u) for u in updates]                     # valid RosterUpdates, as mediation reads them
    for prefix in {mediation_region(d) for d in defaults}:
        cases = sum(1 for d in defaults if mediation_region(d) == prefix)
        serving = [m for m in roster if m["tier"] == "PEOPLES" and covers(m, prefix + "02")]
        assert sum(m["daily_capacity"] for m in serving) * 5 >= cases
    court = sum(m["daily_capacity"] for m in roster if m["tier"] == "COURT")
    assert court * 5 >= 0.6 * len(defaults) and all(covers(m, "440305") for m in roster if m["tier"] == "COURT")
    assert len({u["mediator_id"] for u in updates}) == len(updates)
