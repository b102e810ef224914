"""`make audit`: pip-audit on requirements.lock, or, where its service cannot be reached, the vendored advisories.

pip-audit's PyPI service asks `<service>/<name>/<version>/json` for each pin. Before running it, one
such request for pip-audit's own release (which is on PyPI) says whether that can work here: a
refused or timed-out connection, or a 404 for that release (a registry that does not serve the
per-version JSON), sends the check to deploy/advisories; any other answer but 200 is an error.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import requests

from lockaudit.advisories import Finding, lock_findings, pins_parse
from lockaudit.vendored import ADVISORIES_DIR, LOCK_FILE, advisories_read, snapshot_read

PYPI_SERVICE = "https://pypi.org/pypi"  # what pip-audit's PyPI service asks (pip_audit/_service/pypi.py)


def service_unreachable(*, service: str, timeout: float) -> str | None:
    """Why pip-audit's PyPI service cannot be used from here, or None when it answers."""
    url = f"{service}/pip-audit/{installed_version('pip-audit')}/json"
    try:
        # One plain request, no retry: a probe, not a provider (config/outbound is for those).
        response = requests.get(url, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as error:
        return f"{url} cannot be reached ({type(error).__name__})"
    if response.status_code == 404:
        return f"{url} answers 404: per-version data is not served here"
    response.raise_for_status()
    return None


def finding_line(finding: Finding) -> str:
    aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
    fixed = ", ".join(finding.fixed) or "none"
    return f"{finding.package}=={finding.version}: {finding.advisory_id}{aliases}; fixed in: {fixed}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lockaudit", description="Known vulnerabilities in a lock file.")
    parser.add_argument("--lock", type=Path, default=LOCK_FILE)
    parser.add_argument("--advisories", type=Path, default=ADVISORIES_DIR)
    parser.add_argument("--service", default=PYPI_SERVICE, help="pip-audit's PyPI service, to probe")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds the probe waits")
    args = parser.parse_args(argv)

    reason = service_unreachable(service=args.service, timeout=args.timeout)
    if reason is None:
        print("pip-audit's service answers: running pip-audit", flush=True)
        return subprocess.call([sys.executable, "-m", "pip_audit", "-r", str(args.lock),  # noqa: S603 (our arguments)
                                "--no-deps", "--disable-pip", "--strict"])

    pins = pins_parse(args.lock.read_text(encoding="utf-8"))
    snapshot = snapshot_read(args.advisories)
    findings = lock_findings(pins=pins, advisories=advisories_read(args.advisories))
    print(f"pip-audit cannot run: {reason}")
    print(f"Checked {args.lock.name} against the PyPA advisory database of {snapshot.date[:10]} "
          f"(commit {snapshot.commit[:12]}, vendored in {os.path.relpath(args.advisories)})")
    print(f"packages checked: {len(pins)}")
    print(f"known vulnerabilities: {len(findings)}")
    for finding in findings:
        print(finding_line(finding))
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
