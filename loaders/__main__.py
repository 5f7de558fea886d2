"""`python -m loaders export|inspect ...`: export tables to files, or print what a logdir holds."""

from __future__ import annotations

from loaders.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
