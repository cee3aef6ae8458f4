"""`python -m toolkit.engine.ensure`: make sure PostgreSQL server binaries exist (used by `make`).

As root on Debian/Ubuntu it installs them with apt-get; anywhere else it prints the exact command
to run and exits 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from toolkit.engine.binaries import INSTALL_HINT, find_binaries
from toolkit.errors import EngineError


def _apt_install() -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("supakit: installing PostgreSQL server binaries (apt-get install -y postgresql)", file=sys.stderr)
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            return False
    return True


def main() -> int:
    try:
        bins = find_binaries()
    except EngineError:
        if os.geteuid() == 0 and shutil.which("apt-get") and _apt_install():
            try:
                bins = find_binaries()
            except EngineError:
                pass
            else:
                print(f"supakit: PostgreSQL {bins.version} ready in {bins.bindir}", file=sys.stderr)
                return 0
        print(f"supakit: error: {INSTALL_HINT}", file=sys.stderr)
        return 2
    if os.environ.get("SUPAKIT_VERBOSE"):
        print(f"supakit: PostgreSQL {bins.version} in {bins.bindir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
