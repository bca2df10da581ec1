"""``python -m sim``: play the outside world against a running Remedy, with settings from the environment.

    python -m sim              # mediators, courts, debtors, reviewers, lenders react to case.events
    python -m sim --publish    # first the lenders publish the batch (REMEDY_SIM_CASES from REMEDY_SIM_LENDERS)
    python -m sim --baseline   # print the batch's traditional-collection baseline and the world's expected
                               # pre-litigation settlement recovery, and exit (no broker needed)
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from remedy.kernel.clock import clock_from_settings
from remedy.contract.codec import Codec
from remedy.kernel.settings import Settings
from remedy.runtime import logs
from sim.settings import SimSettings
from sim.world import WorldConfig


def sample_batch(simulator: SimSettings, clock) -> tuple[list[dict], dict[str, str]]:
    from sim.defaults import demo_batch

    return demo_batch(simulator.cases, simulator.lenders, clock.now(), simulator.seed, simulator.malformed_rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__.splitlines()[0])
    parser.add_argument("--publish", action="store_true", help="publish the sample batch before playing the world")
    parser.add_argument("--baseline", action="store_true", help="print the baseline and expected recovery, then exit")
    args = parser.parse_args(argv)
    settings, simulator = Settings.from_env(), SimSettings.from_env()
    cfg = WorldConfig.from_env(os.environ)
    clock = clock_from_settings(settings)
    logs.configure(settings.log_level, settings.log_format, "sim")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    if args.baseline:
        from sim.baseline import baseline
        from sim.calibrate import settlements

        defaults, bad = sample_batch(simulator, clock)
        cases = [d for d in defaults if d["loan_id"] not in bad]
        base, funnel = baseline(cases, simulator.seed, cfg), settlements(cases, simulator.seed, clock.now(), cfg)
        print(f"{len(cases)} cases, claimed {base.claimed_cents / 100:,.0f} CNY")
        print(f"traditional collection: {base.recovered_cents / 100:,.0f} CNY ({base.recovery_rate:.1%})")
        print(f"mediated settlements (expected): {funnel.recovered_cents / 100:,.0f} CNY ({funnel.recovery_rate:.1%}), "
              f"{funnel.recovered_cents / max(1, base.recovered_cents):.2f}x the baseline")
        return 0

    from remedy.runtime.publish import Publisher
    from sim.runner import Runner, World

    codec = Codec(settings.schemas_dir)
    publisher = Publisher(settings.kafka_bootstrap, codec)
    if args.publish:
        defaults, bad = sample_batch(simulator, clock)
        from sim.staffing import roster_updates

        for update in roster_updates(defaults, clock.now()):  # staffed before the cases arrive
            publisher.send("mediation.roster", update["mediator_id"], "RosterUpdate", update)
        publisher.publish_defaults(defaults)
        print(f"published {len(defaults)} defaults ({len(bad)} malformed) from {simulator.lenders} lenders", flush=True)
    runner = Runner(settings.kafka_bootstrap, codec, clock, World(simulator.seed, cfg), publisher, simulator.group,
                    settings.commit_interval_seconds, lag_file=simulator.lag_file or None)
    signal.signal(signal.SIGTERM, lambda *_: runner.stopping.set())
    try:
        runner.run()
    except KeyboardInterrupt:
        pass
    finally:
        publisher.close()
    print(f"simulator stopped: {dict(runner.world.counts)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
