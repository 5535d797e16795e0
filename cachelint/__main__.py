"""Run cachelint as `python -m cachelint`."""

from __future__ import annotations

from cachelint.cli import main

if __name__ == "__main__":
    main()
