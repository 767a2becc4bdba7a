"""`python -m audiotour` and the `audiotour` command.

The command line takes a second or so to import; a Ctrl-C or SIGTERM in that
time ends the process quietly (nothing has begun), with the same line and exit
status as later, rather than with a traceback from deep inside an import.
"""
from __future__ import annotations

import os
import signal
import sys


def _stopped_while_starting(signum: int, frame: object) -> None:
    word = "Terminated" if signum == signal.SIGTERM else "Interrupted"
    sys.stderr.write(f"{word}; run the same command again to resume.\n")
    sys.stderr.flush()
    os._exit(128 + signum)


def run() -> None:
    signal.signal(signal.SIGINT, _stopped_while_starting)
    signal.signal(signal.SIGTERM, _stopped_while_starting)
    from .cli import main

    try:
        main()
    finally:
        # The command is over: a Ctrl-C while Python winds down (workers joined, files closed) stops
        # nothing any more, and Python would meet it with the default action, ending the process with
        # no word. Ignored handlers survive the interpreter's shutdown; Python functions do not.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    run()
