"""What every `python -m experiments.X` tool shares: one `error:` line and exit status 2 for
bad input (a flag, an argument, a workdir), never a traceback.

    if __name__ == "__main__":
        cli.main(main)                               # main(argv) reads sys.argv itself
        cli.main(main, define_flags=_define_flags)   # absl flags, parsed here

`main` may raise `ConfigError` (reported as one line) or call `fail`; what it returns, an
int or None, is the exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from experiments.errors import ConfigError


def fail(message) -> None:
    """Prints `error: message` on stderr and exits with status 2."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    print(f"error: {' '.join(lines) or 'invalid arguments'}", file=sys.stderr)
    sys.exit(2)


def _guarded(main: Callable, argv) -> None:
    try:
        code = main(argv)
    except ConfigError as e:
        fail(e)
    sys.exit(code or 0)


def main(main: Callable, define_flags: Callable | None = None, quiet: bool = True) -> None:
    """Runs `main(argv)` as a program (see the module docstring). With `define_flags`,
    absl defines and parses the flags (a bad one is one line, exit 2) and `quiet` keeps
    absl's logging to warnings."""
    if define_flags is None:
        _guarded(main, sys.argv)
        return
    from absl import app, flags, logging

    define_flags()
    if quiet:
        logging.set_verbosity(logging.WARNING)

    def parse(argv):
        try:
            return flags.FLAGS(argv)
        except flags.Error as e:
            fail(e)

    app.run(lambda argv: _guarded(main, argv), flags_parser=parse)
