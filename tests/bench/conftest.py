"""The benchmark is run by `make bench`, never collected by pytest."""

from __future__ import annotations

collect_ignore_glob = ["*.py"]
