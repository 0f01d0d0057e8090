"""The command line: parse arguments, run one command, turn errors into one line.

`inboxfollow.cli:main` is the console script and what `python -m inboxfollow` runs.
The commands live in `commands` (mail and loops) and `service` (run, digest, setup);
`parser` holds the command table.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

from inboxfollow.app import forget_shared_messages
from inboxfollow.cli.context import Context, config_location, example_config, parse_now
from inboxfollow.cli.parser import BY_NAME, build_parser
from inboxfollow.errors import InboxfollowError

__all__ = ["build_parser", "config_location", "example_config", "main"]

LOG = logging.getLogger(__name__)
PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head -1`


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that closed the pipe early (`| head`) ends it quietly."""
    try:
        try:
            return _main(argv)
        finally:
            forget_shared_messages()
            sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return PIPE_CLOSED


def _stdout_to_devnull() -> None:
    """As the Python docs advise for SIGPIPE: what is still buffered goes nowhere, so the
    interpreter's last flush raises nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        parse_now(args.now)  # a bad --now is a usage error whatever the command reads
        return BY_NAME[args.command].run(Context(args))
    except InboxfollowError as err:
        if args.debug:
            traceback.print_exc()
        print(f"inboxfollow: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("inboxfollow: interrupted", file=sys.stderr)
        return 130
