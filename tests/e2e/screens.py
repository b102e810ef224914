"""Screenshots of a page at a phone's and a desktop's width, kept as test artifacts: in
$E2E_SCREENSHOTS when it is set (to look at them), else in the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

WIDTHS = {"phone": 375, "desktop": 1280}


def screenshots(page, *, name: str, tmp_path: Path) -> list[Path]:
    """Full-page PNGs of the open page at each width of WIDTHS; their paths."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size({"width": 1280, "height": 900})
    return paths
