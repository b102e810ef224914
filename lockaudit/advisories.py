"""Which pins of a lock file the advisories of the PyPA advisory database affect.

Pure: takes the lock file's text and the advisories as parsed from their OSV-format YAML, returns
findings; no files, no network. A pinned version is affected when an advisory lists it in
`affected[].versions`, or when it falls in one of the advisory's `ECOSYSTEM` ranges: the range's
`introduced` / `fixed` / `last_affected` events walked in version order, the last event at or below
the version deciding (OSV's rule). Withdrawn advisories affect nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Advisory = Mapping[str, Any]  # one advisory file, as yaml.safe_load returns it


@dataclass(frozen=True)
class Pin:
    name: str  # normalised (PEP 503): lower case, runs of "-", "_" and "." as one "-"
    version: str


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory_id: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]  # the versions that fix it, in version order; empty when none does


def pins_parse(lock_text: str) -> list[Pin]:
    """The `name==version` pins of a pip-compile lock file; comments and pip options are skipped."""
    pins = []
    for raw in lock_text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
            raise ValueError(f"not an exact pin: {raw!r}")
        pins.append(Pin(name=canonicalize_name(requirement.name), version=specifiers[0].version))
    return pins


def lock_findings(*, pins: Iterable[Pin], advisories: Iterable[Advisory]) -> list[Finding]:
    """One finding per pin and advisory that affects it, ordered by package then advisory id."""
    versions = {pin.name: pin.version for pin in pins}
    findings = []
    for advisory in advisories:
        if advisory.get("withdrawn"):
            continue
        for package, affected in _affected_by_package(advisory).items():
            version = versions.get(package)
            if version is not None and any(_affects(version, entry, advisory["id"]) for entry in affected):
                findings.append(Finding(
                    package=package, version=version, advisory_id=advisory["id"],
                    aliases=tuple(advisory.get("aliases") or ()), fixed=_fixed_versions(affected),
                ))
    return sorted(findings, key=lambda finding: (finding.package, finding.advisory_id))


def advisory_packages(advisory: Advisory) -> set[str]:
    """The normalised names of the PyPI packages an advisory is about."""
    return set(_affected_by_package(advisory))


def _affected_by_package(advisory: Advisory) -> dict[str, list[Mapping[str, Any]]]:
    by_package: dict[str, list[Mapping[str, Any]]] = {}
    for entry in advisory.get("affected") or ():
        package = entry.get("package") or {}
        if package.get("ecosystem") == "PyPI":
            by_package.setdefault(canonicalize_name(package["name"]), []).append(entry)
    return by_package


def _affects(version: str, entry: Mapping[str, Any], advisory_id: str) -> bool:
    pinned = Version(version)
    if any(_same_version(listed, pinned) for listed in entry.get("versions") or ()):
        return True
    return any(_in_range(pinned, range_["events"], advisory_id)
               for range_ in entry.get("ranges") or () if range_.get("type") == "ECOSYSTEM")


def _same_version(listed: object, pinned: Version) -> bool:
    try:
        return Version(str(listed)) == pinned
    except InvalidVersion:  # a pre-PEP 440 release in the list: no pin can be that version
        return False


_EVENT_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2}  # at one version: open before closing
_FIRST = Version("0.dev0")  # the lowest version PEP 440 can write: OSV's `introduced: "0"`


def _in_range(pinned: Version, events: Iterable[Mapping[str, object]], advisory_id: str) -> bool:
    walk = sorted(_range_events(events, advisory_id), key=lambda event: (event[1], _EVENT_ORDER[event[0]]))
    affected = False
    for kind, at in walk:
        if kind == "introduced" and pinned >= at:
            affected = True
        elif (kind == "fixed" and pinned >= at) or (kind == "last_affected" and pinned > at):
            affected = False
    return affected


def _range_events(events: Iterable[Mapping[str, object]], advisory_id: str) -> list[tuple[str, Version]]:
    found = []
    for event in events:
        for kind, at in event.items():
            if kind not in _EVENT_ORDER:  # "limit" bounds git ranges only
                continue
            try:
                found.append((kind, _FIRST if kind == "introduced" and str(at) == "0" else Version(str(at))))
            except InvalidVersion as error:
                raise ValueError(f"{advisory_id}: a range's version {at!r} is not a PEP 440 version") from error
    return found


def _fixed_versions(affected: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    fixed = {str(event["fixed"]) for entry in affected for range_ in entry.get("ranges") or ()
             if range_.get("type") == "ECOSYSTEM" for event in range_["events"] if "fixed" in event}
    return tuple(sorted(fixed, key=Version))
