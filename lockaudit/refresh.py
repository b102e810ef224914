"""Refresh deploy/advisories from a checkout of the PyPA advisory database, for the pins of requirements.lock.

    git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database
    .venv/bin/python -m lockaudit.refresh /tmp/advisory-database

Copies, unchanged, each advisory whose PyPI package is pinned in the lock (names compared
normalised, PEP 503), the database's LICENSE, and writes snapshot.json and README.md with the
checkout's commit and date. What was vendored before is replaced, so packages that left the lock
leave with their advisories.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from lockaudit.advisories import advisory_packages, pins_parse
from lockaudit.vendored import ADVISORIES_DIR, LOCK_FILE, Snapshot, advisory_read

REPOSITORY = "https://github.com/pypa/advisory-database"

README = """\
# Vendored security advisories

The advisories of the PyPA advisory database ({repository})
for the packages pinned in `requirements.lock`, copied from its commit
`{commit}` of {date}.
`make audit` checks the lock against them when pip-audit's own service cannot be reached
(docs/security.md, V14).

`vulns/` holds {count} of the database's files, unchanged, for {packages} of the lock's packages.
The PyPA advisory database, by its contributors, is licensed under the Creative Commons
Attribution 4.0 International licence (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/),
whose text is in `LICENSE`.

Written by `lockaudit/refresh.py`. To refresh, with network:

    git clone --depth 1 {repository} /tmp/advisory-database
    .venv/bin/python -m lockaudit.refresh /tmp/advisory-database
"""


def advisories_refresh(*, checkout: Path, lock: Path, target: Path) -> Snapshot:
    """Replace `target`'s advisories with the checkout's for the lock's pins; returns the checkout's snapshot."""
    pinned = {pin.name for pin in pins_parse(lock.read_text(encoding="utf-8"))}
    chosen = [path for path in sorted(checkout.glob("vulns/*/*.yaml"))
              if advisory_packages(advisory_read(path)) & pinned]
    commit, date = _git(checkout, "log", "-1", "--format=%H %cI").split()
    snapshot = Snapshot(repository=REPOSITORY, commit=commit, date=date)

    shutil.rmtree(target / "vulns", ignore_errors=True)
    for path in chosen:
        copy = target / path.relative_to(checkout)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    shutil.copyfile(checkout / "LICENSE", target / "LICENSE")
    (target / "snapshot.json").write_text(json.dumps(snapshot.__dict__, indent=2) + "\n", encoding="utf-8")
    (target / "README.md").write_text(README.format(
        repository=REPOSITORY, commit=commit, date=date, count=len(chosen),
        packages=len({path.parent.name for path in chosen}),
    ), encoding="utf-8")
    return snapshot


def _git(checkout: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(checkout), *args],  # noqa: S603, S607 (git from the PATH, our arguments)
                          check=True, capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lockaudit.refresh",
                                     description="Refresh deploy/advisories from the PyPA advisory database.")
    parser.add_argument("checkout", type=Path, help="a clone of " + REPOSITORY)
    parser.add_argument("--lock", type=Path, default=LOCK_FILE)
    parser.add_argument("--target", type=Path, default=ADVISORIES_DIR)
    args = parser.parse_args(argv)
    snapshot = advisories_refresh(checkout=args.checkout, lock=args.lock, target=args.target)
    print(f"{args.target}: advisories of {snapshot.repository} at {snapshot.commit} ({snapshot.date})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
