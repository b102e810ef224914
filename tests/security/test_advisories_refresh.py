"""`python -m lockaudit.refresh CHECKOUT` vendors the advisory database's files for the lock's pins, unchanged."""

from __future__ import annotations

import json
import subprocess

from lockaudit.refresh import main
from lockaudit.vendored import ADVISORIES_DIR

DJANGO_ADVISORY = (ADVISORIES_DIR / "vulns" / "django" / "PYSEC-2024-70.yaml").read_text()
OTHER_ADVISORY = "id: PYSEC-0000-1\naffected:\n- package: {name: leftpad, ecosystem: PyPI}\n  versions: ['1.0']\n"


def checkout_of_the_database(path):
    """A git repository laid out as the PyPA advisory database: LICENSE and vulns/<package>/<id>.yaml."""
    (path / "vulns" / "Django").mkdir(parents=True)
    (path / "vulns" / "leftpad").mkdir()
    (path / "vulns" / "Django" / "PYSEC-2024-70.yaml").write_text(DJANGO_ADVISORY)
    (path / "vulns" / "leftpad" / "PYSEC-0000-1.yaml").write_text(OTHER_ADVISORY)
    (path / "LICENSE").write_text("Attribution 4.0 International\n")
    for command in (["init", "-q"], ["add", "."],
                    ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "advisories"]):
        subprocess.run(["git", "-C", str(path), *command], check=True)
    return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_only_the_pinned_packages_advisories_are_copied_with_the_snapshot_and_licence(tmp_path):
    commit = checkout_of_the_database(tmp_path / "db")
    lock = tmp_path / "requirements.lock"
    lock.write_text("django==5.2.19\n    # via beacon (pyproject.toml)\n")
    target = tmp_path / "advisories"
    (target / "vulns" / "gone").mkdir(parents=True)
    (target / "vulns" / "gone" / "OLD-1.yaml").write_text("id: OLD-1\n")

    assert main([str(tmp_path / "db"), "--lock", str(lock), "--target", str(target)]) == 0

    copied = sorted(path.relative_to(target).as_posix() for path in target.rglob("*.yaml"))
    assert copied == ["vulns/Django/PYSEC-2024-70.yaml"]
    assert (target / "vulns" / "Django" / "PYSEC-2024-70.yaml").read_text() == DJANGO_ADVISORY
    assert (target / "LICENSE").read_text() == "Attribution 4.0 International\n"
    snapshot = json.loads((target / "snapshot.json").read_text())
    assert snapshot["commit"] == commit
    assert snapshot["repository"] == "https://github.com/pypa/advisory-database"
    readme = (target / "README.md").read_text()
    assert commit in readme
    assert "CC BY 4.0" in readme
