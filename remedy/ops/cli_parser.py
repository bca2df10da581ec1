"""The ``remedy`` command's options, their help in the terminal's language (the catalogue's ``help.*`` keys).

``--lang`` is one option, accepted before the subcommand or after it (``remedy --lang en report`` =
``remedy report --lang en``); the language the help is written in is chosen before parsing (``language``)."""
from __future__ import annotations

import argparse
import sys

from remedy.contract.i18n import DEFAULT
from remedy.ops.research import command as research
from remedy.ops.terminal import LanguageError, choose, text

SCALE = "SERVICE=N[,SERVICE=N...]"


def language(argv: list[str] | None, setting: str) -> str:
    """The language asked for on the command line (``--lang X`` or ``--lang=X`` anywhere), else ``setting``'s or the
    locale's (``terminal.choose``); an unknown ``--lang`` is left for the parser to refuse."""
    args = list(sys.argv[1:] if argv is None else argv)
    asked = None
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            asked = args[i + 1]
        elif arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
    for option, configured in ((asked, setting), (None, setting), (None, "")):   # a bad value is refused later
        try:
            return choose(option, configured)
        except LanguageError:
            continue
    return DEFAULT


def scale_option(value: str) -> dict[str, int]:
    from remedy.ops.stack import ScaleError, parse_scale
    try:
        return parse_scale(value)
    except ScaleError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def nice_option(value: str) -> dict[str, int]:
    from remedy.ops.priority import PriorityError, parse_nice
    try:
        return parse_nice(value)
    except PriorityError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Sub:
    """The subcommands, each accepting ``--lang`` too, as the same option (the same ``dest``, no default of its own)."""

    def __init__(self, sub, lang: str):
        self.sub = sub
        self.common = argparse.ArgumentParser(add_help=False)
        self.common.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS, help=text("help.lang", lang))

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        return self.sub.add_parser(name, parents=[self.common], **kwargs)


def build_parser(lang: str = DEFAULT) -> argparse.ArgumentParser:
    h = lambda key: text(f"help.{key}", lang)   # noqa: E731
    parser = argparse.ArgumentParser(prog="remedy", description=h("description"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help=h("lang"))
    sub = _Sub(parser.add_subparsers(dest="command", required=True), lang)
    sub.add_parser("broker", help=h("broker"))
    sub.add_parser("topics", help=h("topics"))
    p = sub.add_parser("publish", help=h("publish"))
    p.add_argument("file")
    p = sub.add_parser("sample", help=h("sample"))
    p.add_argument("file")
    p.add_argument("--valid", type=int, default=1000, help=h("sample.valid"))
    p.add_argument("--invalid", type=int, default=50, help=h("sample.invalid"))
    p = sub.add_parser("up", help=h("up"))
    p.add_argument("--scale", type=scale_option, default=None, metavar=SCALE, help=h("scale"))
    p.add_argument("--nice", type=nice_option, default=None, metavar=SCALE, help=h("nice"))
    sub.add_parser("down", help=h("down"))
    sub.add_parser("simulate", help=h("simulate"))
    p = sub.add_parser("run", help=h("run"))
    p.add_argument("--no-wait", action="store_true", help=h("run.no_wait"))
    p.add_argument("--horizon-days", type=int, default=120, help=h("run.horizon"))
    p.add_argument("--cases", type=int, default=None, help=h("run.cases"))
    p.add_argument("--scale", type=scale_option, default=None, metavar=SCALE, help=h("scale"))
    p = sub.add_parser("report", help=h("report"))
    p.add_argument("--html", metavar="FILE", help=h("report.html"))
    p = sub.add_parser("replay", help=h("replay"))
    p.add_argument("--rules", metavar="FILE", help=h("replay.rules"))
    p.add_argument("--limit", type=int, default=20, help=h("replay.limit"))
    research.add_parser(sub)
    p = sub.add_parser("case", help=h("case"))
    p.add_argument("case_id")
    p.add_argument("--json", action="store_true", help=h("case.json"))
    p.add_argument("--gateway", metavar="URL", help=h("case.gateway"))
    p.add_argument("--key", help=h("case.key"))
    p = sub.add_parser("acls", help=h("acls"))
    p.add_argument("--format", choices=("json", "commands"), default="json", help=h("acls.format"))
    p.add_argument("--parties", metavar="FILE", help=h("acls.parties"))
    p = sub.add_parser("party-key", help=h("party_key"))
    p.add_argument("kind")
    p.add_argument("id")
    p.add_argument("key_id")
    p.add_argument("--out", required=True, help=h("party_key.out"))
    return parser
