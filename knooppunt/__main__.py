"""``python -m knooppunt``: the same as the ``knooppunt`` command."""

from __future__ import annotations

from knooppunt.cli import main

if __name__ == "__main__":
    main()
