"""The operator's command: ``remedy [--lang zh|en] <subcommand>``.

It speaks Simplified Chinese, or English with ``--lang en`` (anywhere on the line), ``REMEDY_LANG=en`` or an
English locale (remedy/ops/terminal.py); ``remedy report`` writes its report in that language too. Its options
and their help (in the catalogue's ``help.*`` keys) are in remedy/ops/cli_parser.py.

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
from remedy.ops.cli_parser import build_parser, language
from remedy.ops.research import command as research
from remedy.ops.settings import PlatformSettings
from remedy.ops.terminal import LanguageError, choose, text


def interrupt(*_) -> None:
    """A SIGTERM handler that stops a command as Ctrl-C does (its ``finally`` blocks run)."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    platform = PlatformSettings.from_env()
    args = build_parser(language(argv, platform.shared.lang)).parse_args(argv)
    try:
        lang = choose(args.lang, platform.shared.lang)
    except LanguageError as exc:
        for lang in ("zh", "en"):   # no language chosen yet: say it in both
            print(text("error", lang, message=text("error.lang", lang, value=exc)), file=sys.stderr)
        return 2
    # one language for the whole command: whatever reads the settings (the stack, the run, the report) speaks it
    args.lang, platform = lang, dataclasses.replace(platform, shared=dataclasses.replace(platform.shared, lang=lang))
    if args.command in ("up", "run"):
        signal.signal(signal.SIGTERM, interrupt)  # `kill` stops the stack as cleanly as Ctrl-C
    return COMMANDS[args.command](args, platform)


def _broker(args, platform: PlatformSettings) -> int:
    from remedy.runtime import broker
    return broker.main(["run" if args.command == "broker" else "topics"], args.lang)


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
        stack = Stack(platform, scale=args.scale, nice=args.nice)
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
