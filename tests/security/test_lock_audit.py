"""The lock's known vulnerabilities, as found in the vendored PyPA advisories (lockaudit.advisories)."""

from __future__ import annotations

import pytest
import yaml

from lockaudit.advisories import lock_findings, pins_parse
from lockaudit.vendored import ADVISORIES_DIR, LOCK_FILE, advisories_read, advisory_read

VULNS = ADVISORIES_DIR / "vulns"


def findings_for(lock_text, advisories):
    findings = lock_findings(pins=pins_parse(lock_text), advisories=advisories)
    return [(finding.package, finding.version, finding.advisory_id) for finding in findings]


def test_django_4_2_14_is_affected_by_pysec_2024_70_with_its_cve_and_fixes():
    findings = lock_findings(pins=pins_parse("Django==4.2.14\n"), advisories=advisories_read(ADVISORIES_DIR))
    [finding] = [finding for finding in findings if finding.advisory_id == "PYSEC-2024-70"]

    assert (finding.package, finding.version) == ("django", "4.2.14")
    assert finding.aliases == ("CVE-2024-42005",)
    assert finding.fixed == ("4.2.15", "5.0.8")


def test_the_releases_that_fix_it_and_those_before_the_range_are_not_affected():
    advisory = advisory_read(VULNS / "django" / "PYSEC-2024-70.yaml")

    # The range's events are 5.0, 5.0.8, 4.2, 4.2.15, in that order: walked in version order.
    assert findings_for("django==5.0.7\n", [advisory]) == [("django", "5.0.7", "PYSEC-2024-70")]
    assert findings_for("django==4.2.15\n", [advisory]) == []
    assert findings_for("django==5.0.8\n", [advisory]) == []
    assert findings_for("django==4.1.13\n", [advisory]) == []


def test_a_version_in_a_range_is_affected_even_when_the_versions_list_lacks_it():
    advisory = advisory_read(VULNS / "django" / "PYSEC-2024-70.yaml")
    ranges_only = {**advisory, "affected": [{**advisory["affected"][0], "versions": []}]}

    assert findings_for("django==4.2.14\n", [ranges_only]) == [("django", "4.2.14", "PYSEC-2024-70")]


def test_last_affected_is_the_last_version_affected():
    # The range of PYSEC-2022-42969 (py), which has no fix.
    advisory = yaml.safe_load("""
id: PYSEC-2022-42969
aliases: [CVE-2022-42969]
affected:
- package: {name: py, ecosystem: PyPI}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: '0'}, {last_affected: '1.11.0'}]
""")

    [finding] = lock_findings(pins=pins_parse("py==1.11.0\n"), advisories=[advisory])
    assert finding.fixed == ()
    assert findings_for("py==0.9.0\n", [advisory]) == [("py", "0.9.0", "PYSEC-2022-42969")]
    assert findings_for("py==1.11.1\n", [advisory]) == []


def test_a_withdrawn_advisory_is_ignored():
    # PYSEC-2023-73 was withdrawn: it is about a Redis server, yet "introduced: 0" with no fix names every redis-py.
    advisory = advisory_read(VULNS / "redis" / "PYSEC-2023-73.yaml")
    assert advisory["withdrawn"]

    assert findings_for("redis==8.1.0\n", [advisory]) == []
    not_withdrawn = {key: value for key, value in advisory.items() if key != "withdrawn"}
    assert findings_for("redis==8.1.0\n", [not_withdrawn]) == [("redis", "8.1.0", "PYSEC-2023-73")]


def test_package_names_are_compared_normalised():
    advisory = {"id": "X-1", "affected": [{"package": {"name": "Markdown_It.py", "ecosystem": "PyPI"},
                                           "versions": ["3.0.0"]}]}

    assert findings_for("markdown-it-py==3.0.0\n", [advisory]) == [("markdown-it-py", "3.0.0", "X-1")]


def test_our_lock_has_no_known_vulnerability():
    pins = pins_parse(LOCK_FILE.read_text())

    assert len(pins) > 150
    assert {"django", "pip-audit"} <= {pin.name for pin in pins}
    assert lock_findings(pins=pins, advisories=advisories_read(ADVISORIES_DIR)) == []


def test_a_lock_line_that_is_not_an_exact_pin_is_refused():
    with pytest.raises(ValueError, match="not an exact pin"):
        pins_parse("django>=5.2\n")
