"""The operator's command: ``remedy <subcommand>``.

  remedy broker          run Tansu on 127.0.0.1:$REMEDY_BROKER_PORT until Ctrl-C
  remedy topics          provision every registry topic (idempotent)
  remedy publish FILE    publish LoanDefaults from CSV or JSON lines to loan.defaults
  remedy sample FILE     write a sample batch (JSON lines) to FILE
  remedy up              start the whole platform on one machine; Ctrl-C (or `remedy down`) stops it
  remedy down            stop a platform started by `remedy up`
  remedy simulate        play the outside world (lenders publish, then react) against a running platform
  remedy run             up + simulate + progress + report, dashboard kept up until Ctrl-C
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

from remedy.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="remedy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("broker", help="run Tansu until Ctrl-C")
    sub.add_parser("topics", help="provision every registry topic")
    p = sub.add_parser("publish", help="publish LoanDefaults from a CSV or JSON-lines file")
    p.add_argument("file")
    p = sub.add_parser("sample", help="write a sample batch as JSON lines")
    p.add_argument("file")
    p.add_argument("--valid", type=int, default=1000)
    p.add_argument("--invalid", type=int, default=50)
    sub.add_parser("up", help="start the platform until Ctrl-C")
    sub.add_parser("down", help="stop a platform started by `remedy up`")
    sub.add_parser("simulate", help="publish the sample batch and play the outside world")
    p = sub.add_parser("run", help="the one-machine demo")
    p.add_argument("--no-wait", action="store_true", help="stop after the report instead of keeping the dashboard up")
    p.add_argument("--horizon-days", type=int, default=120, help="simulated days to run before reporting")
    p.add_argument("--cases", type=int, default=1000,
                   help="defaults in the batch (the source document's 8,539 is heavier than this 2-core machine "
                        "keeps up with at the demo's clock scale: see the README)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command in ("broker", "topics"):
        from remedy import broker
        return broker.main(["run" if args.command == "broker" else "topics"])
    if args.command == "publish":
        from remedy.loadfile import publish_file
        n = publish_file(args.file, settings)
        print(f"published {n} defaults from {args.file} to loan.defaults")
        return 0
    if args.command == "sample":
        from remedy.loadfile import write_sample
        write_sample(args.file, args.valid, args.invalid)
        print(f"wrote {args.valid + args.invalid} defaults to {args.file}")
        return 0
    if args.command == "up":
        from remedy.stack import Stack, StackError
        stack = Stack(settings)
        try:
            stack.start()
            print("up: Ctrl-C stops everything")
            while True:
                time.sleep(2)
                stack.check()
        except StackError as exc:
            print(f"error: {exc}")
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            stack.stop()
    if args.command == "down":
        from remedy.stack import down
        return down(settings)
    if args.command == "simulate":
        from sim.__main__ import main as simulate
        return simulate(["--publish"])
    from remedy.demo import run_demo
    if "REMEDY_SIM_CASES" not in os.environ:
        settings = dataclasses.replace(settings, sim_cases=args.cases)
    return run_demo(settings, wait=not args.no_wait, horizon_days=args.horizon_days)


if __name__ == "__main__":
    sys.exit(main())
