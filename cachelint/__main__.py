"""Run cachelint as `python -m cachelint`."""

from __future__ import annotations

import os
import sys

# `python -m` puts the working directory first on sys.path. That is usually the project being
# linted, and its own json.py or tokenize.py would then be imported (and run) in place of the
# standard library's. cachelint itself is already imported by now, so the entry can go.
if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

from cachelint.cli import main

if __name__ == "__main__":
    main()
