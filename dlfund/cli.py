"""Command line: `python -m dlfund COMMAND ...`.

Each command lives in its own module exposing `add_arguments(parser)` and `run(args) -> int`.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "quiz": ("dlfund.interview.flashcards", "interview flash cards with spaced repetition"),
    "grade": ("dlfund.grading.batch", "batch-grade submitted exercise notebooks"),
    "progress": ("dlfund.grading.progress", "show your exercise progress per chapter"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlfund", description="Deep Learning Fundamentals tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that command is not part of this installation
            raise
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
