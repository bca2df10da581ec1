"""The operator's command: ``remedy <subcommand>``.

  remedy broker          run Tansu on 127.0.0.1:$REMEDY_BROKER_PORT until Ctrl-C
  remedy topics          provision every registry topic (idempotent)
  remedy publish FILE    publish LoanDefaults from CSV or JSON lines to loan.defaults
  remedy sample FILE     write a sample batch (JSON lines) to FILE
  remedy run             the one-machine demo: broker, topics, services, a sample batch, its outcome
"""
from __future__ import annotations

import argparse
import sys

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
    p = sub.add_parser("run", help="the one-machine demo")
    p.add_argument("--valid", type=int, default=1000)
    p.add_argument("--invalid", type=int, default=50)
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
    from remedy.demo import run_demo
    return run_demo(settings, args.valid, args.invalid)


if __name__ == "__main__":
    sys.exit(main())
