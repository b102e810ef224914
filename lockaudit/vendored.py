"""The advisories vendored in deploy/advisories: the PyPA advisory database's files for our pins.

`vulns/<package>/<id>.yaml` are the database's own files, unchanged; `snapshot.json` says which
commit of the database they were copied from and its date; `LICENSE` is the database's (CC BY 4.0).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from lockaudit.advisories import Advisory

ROOT = Path(__file__).resolve().parents[1]
ADVISORIES_DIR = ROOT / "deploy" / "advisories"
LOCK_FILE = ROOT / "requirements.lock"


@dataclass(frozen=True)
class Snapshot:
    repository: str
    commit: str
    date: str  # the commit's date, ISO 8601


def advisories_read(directory: Path) -> list[Advisory]:
    """Every advisory under `directory`/vulns, parsed, in path order."""
    return [advisory_read(path) for path in sorted(directory.glob("vulns/*/*.yaml"))]


def advisory_read(path: Path) -> Advisory:
    advisory = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    if not isinstance(advisory, dict) or "id" not in advisory:
        raise ValueError(f"{path}: not an OSV advisory")
    return advisory


def snapshot_read(directory: Path) -> Snapshot:
    return Snapshot(**json.loads((directory / "snapshot.json").read_text(encoding="utf-8")))


# libyaml's safe loader where PyYAML was built with it: the refresh parses some 2,700 files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
