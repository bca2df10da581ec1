"""The operator's command: ``remedy [--lang zh|en] <subcommand>``.

It speaks Simplified Chinese, or English with ``--lang en`` (anywhere on the line), ``REMEDY_LANG=en`` or an
English locale (remedy/ops/terminal.py); ``remedy report`` writes its report in that language too.

  remedy broker          run Tansu on 127.0.0.1:$REMEDY_BROKER_PORT until Ctrl-C
  remedy topics          provision every registry topic (idempotent)
  remedy publish FILE    publish LoanDefaults from CSV or JSON lines to loan.defaults
  remedy sample FILE     write a sample batch (JSON lines) to FILE
  remedy up              start the whole platform on one machine; Ctrl-C (or `remedy down`) stops it;
                         --scale triage=3 runs more instances of a service; workers that die are restarted
  remedy down            stop a platform started by `remedy up`
  remedy simulate        play the outside world (lenders publish, then react) against a running platform
  remedy run             up + simulate + progress + report, dashboard kept up until Ctrl-C
  remedy report          print the report from the running analytics service, write it as HTML and PDF
  remedy replay          re-run triage rules (--rules FILE) over the cases in case.events; compare routing and recovery
  remedy export research the anonymised one-row-per-case data set for researchers (k-anonymous; CSV and Parquet)
  remedy case CASE_ID    a case's whole history from the gateway's audit endpoint: events, their inputs, notices, rules
  remedy acls            the production Kafka ACLs, per principal, from schemas/topics.json (JSON or kafka-acls.sh)
  remedy party-key ...   a new signing key pair for an outside party (docs/security.md)
"""
from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import time
from typing import Callable

from remedy.ops.replay_cli import fail, replay
from remedy.ops.report_cli import report
from remedy.ops.research import command as research
from remedy.ops.settings import PlatformSettings
from remedy.ops.terminal import LanguageError, choose, text


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


SCALE_HELP = ("run N instances of a stage service in its consumer group, e.g. --scale triage=3,notify=2: instance n "
              "serves on REMEDY_<SERVICE>_PORT+100*(n-1), keeps its state in $REMEDY_DATA_DIR/<service>-<n> and logs to "
              "logs/<service>-<n>.log; at most as many as the service's topics have partitions (gateways: 8; analytics "
              "only with a ClickHouse server). A worker that exits is restarted (back-off 1 s "
              "doubling to 30 s); Ctrl-C stops everything")


def _scale(text: str) -> dict[str, int]:
    from remedy.ops.stack import ScaleError, parse_scale
    try:
        return parse_scale(text)
    except ScaleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


LANG_HELP = ("the language of what the command prints (and of `remedy report`'s report): zh, Simplified Chinese, or en, "
             "English (default: $REMEDY_LANG, else the locale's, else Chinese)")


class _Sub:
    """Every subcommand accepts ``--lang`` too, as the same option: ``remedy report --lang en`` = ``remedy --lang en report``."""

    def __init__(self, sub):
        self.sub = sub
        self.common = argparse.ArgumentParser(add_help=False)
        self.common.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS, help=LANG_HELP)

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        return self.sub.add_parser(name, parents=[self.common], **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="remedy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help=LANG_HELP)
    sub = _Sub(parser.add_subparsers(dest="command", required=True))
    sub.add_parser("broker", help="run Tansu until Ctrl-C")
    sub.add_parser("topics", help="provision every registry topic")
    p = sub.add_parser("publish", help="publish LoanDefaults from a CSV or JSON-lines file")
    p.add_argument("file")
    p = sub.add_parser("sample", help="write a sample batch as JSON lines")
    p.add_argument("file")
    p.add_argument("--valid", type=int, default=1000)
    p.add_argument("--invalid", type=int, default=50)
    p = sub.add_parser("up", help="start the platform until Ctrl-C; workers that die are restarted")
    p.add_argument("--scale", type=_scale, default=None, metavar="SERVICE=N[,SERVICE=N...]", help=SCALE_HELP)
    sub.add_parser("down", help="stop a platform started by `remedy up`")
    sub.add_parser("simulate", help="publish the sample batch and play the outside world")
    p = sub.add_parser("run", help="the one-machine demo")
    p.add_argument("--no-wait", action="store_true", help="stop after the report instead of keeping the dashboard up")
    p.add_argument("--horizon-days", type=int, default=120, help="simulated days to run before reporting")
    p.add_argument("--cases", type=int, default=None,
                   help="defaults in the batch (default: $REMEDY_SIM_CASES, else the source document's 8,539)")
    p.add_argument("--scale", type=_scale, default=None, metavar="SERVICE=N[,SERVICE=N...]", help=SCALE_HELP)
    p = sub.add_parser("report", help="the report from the running analytics service, as text, HTML and PDF")
    p.add_argument("--html", metavar="FILE", help="where to write the HTML, the PDF beside it (default: $REMEDY_DATA_DIR/report.html, "
                   "report.en.html in English)")
    p = sub.add_parser("replay", help="re-run triage rules over the cases in case.events and compare")
    p.add_argument("--rules", metavar="FILE", help="triage rule file (default: $REMEDY_TRIAGE_RULES_PATH, what triage loads)")
    p.add_argument("--limit", type=int, default=20, help="list at most this many cases whose route changes")
    research.add_parser(sub)
    p = sub.add_parser("case", help="a case's whole history (audit trail), from the gateway")
    p.add_argument("case_id")
    p.add_argument("--json", action="store_true", help="the gateway's answer as JSON, for machines")
    p.add_argument("--gateway", metavar="URL", help="the gateway (default: http://127.0.0.1:$REMEDY_GATEWAY_PORT)")
    p.add_argument("--key", help="an auditor's or the case's lender's API key (default: $REMEDY_AUDIT_KEY, else the dev key)")
    p = sub.add_parser("acls", help="the Kafka ACLs per principal, from schemas/topics.json")
    p.add_argument("--format", choices=("json", "commands"), default="json")
    p.add_argument("--parties", metavar="FILE", help="the parties' key registry: one principal per party")
    p = sub.add_parser("party-key", help="a new signing key pair for an outside party")
    p.add_argument("kind")
    p.add_argument("id")
    p.add_argument("key_id")
    p.add_argument("--out", required=True, help="the private key file to create")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    platform = PlatformSettings.from_env()
    try:
        lang = choose(args.lang, platform.shared.lang)
    except LanguageError as exc:
        for lang in ("zh", "en"):   # no language chosen yet: say it in both
            print(text("error", lang, message=text("error.lang", lang, value=exc)), file=sys.stderr)
        return 2
    # one language for the whole command: whatever reads the settings (the stack, the run, the report) speaks it
    args.lang, platform = lang, dataclasses.replace(platform, shared=dataclasses.replace(platform.shared, lang=lang))
    if args.command in ("up", "run"):
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the stack as cleanly as Ctrl-C
    return COMMANDS[args.command](args, platform)


def _broker(args, platform: PlatformSettings) -> int:
    from remedy.runtime import broker
    return broker.main(["run" if args.command == "broker" else "topics"])


def _publish(args, platform: PlatformSettings) -> int:
    from remedy.contract.lenderfile import FileFormatError
    from remedy.ops.loadfile import publish_file
    try:
        n = publish_file(args.file, platform.shared)
    except (OSError, FileFormatError) as exc:
        return fail(text("publish.unreadable", args.lang, file=args.file, why=exc), args.lang)
    print(text("publish.done", args.lang, count=f"{n:,}", file=args.file))
    return 0


def _sample(args, platform: PlatformSettings) -> int:
    from remedy.ops.loadfile import write_sample
    try:
        write_sample(args.file, args.valid, args.invalid)
    except OSError as exc:
        return fail(text("sample.cannot_write", args.lang, file=args.file, why=exc), args.lang)
    print(text("sample.done", args.lang, count=f"{args.valid + args.invalid:,}", file=args.file))
    return 0


def _up(args, platform: PlatformSettings) -> int:
    from remedy.ops.stack import Stack, StackError
    try:
        stack = Stack(platform, scale=args.scale)
    except StackError as exc:
        print(text("error", args.lang, message=exc))
        return 1
    try:
        stack.start()
        print(text("up.running", args.lang))
        while True:
            time.sleep(2)
            stack.check()
    except StackError as exc:
        print(text("error", args.lang, message=exc))
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def _down(args, platform: PlatformSettings) -> int:
    from remedy.ops.stack import down
    return down(platform.shared)


def _simulate(args, platform: PlatformSettings) -> int:
    from sim.__main__ import main as simulate
    return simulate(["--publish"])


def _run(args, platform: PlatformSettings) -> int:
    from remedy.ops.demo import run_demo
    if args.cases is not None:
        platform = dataclasses.replace(platform, sim=dataclasses.replace(platform.sim, cases=args.cases))
    return run_demo(platform, wait=not args.no_wait, horizon_days=args.horizon_days, instances=args.scale)


COMMANDS: dict[str, Callable[[argparse.Namespace, PlatformSettings], int]] = {
    "broker": _broker, "topics": _broker, "publish": _publish, "sample": _sample, "up": _up, "down": _down,
    "simulate": _simulate, "run": _run,
    "report": lambda args, platform: report(platform.shared, platform.analytics, args.html, args.lang,
                                            platform.notify.directory),
    "replay": lambda args, platform: replay(platform.shared, args.rules or platform.triage.rules_path, args.limit, args.lang),
    "export": research.run,
    "case": lambda args, platform: _case(args, platform),
    "acls": lambda args, platform: _acls(args),
    "party-key": lambda args, platform: _party_key(args),
}


def _acls(args) -> int:
    from remedy.ops.acls import main as acls
    return acls(["--format", args.format, "--lang", args.lang] + (["--parties", args.parties] if args.parties else []))


def _party_key(args) -> int:
    from remedy.ops.partykey import main as party_key
    return party_key([args.kind, args.id, args.key_id, "--out", args.out])


def _case(args, platform: PlatformSettings) -> int:
    from remedy.ops.case_audit import run
    url = args.gateway or f"http://127.0.0.1:{platform.gateway.port}"
    return run(args.case_id, url, args.key, platform.shared.data_dir, args.json, args.lang)


if __name__ == "__main__":
    sys.exit(main())
