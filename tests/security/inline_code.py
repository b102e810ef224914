"""What in a page the Content-Security-Policy would block: inline script, inline style, handlers."""

from __future__ import annotations

from html.parser import HTMLParser

# <script> elements of these types are data, never run (json_script's), so the CSP does not touch them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class _InlineCodeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and (named.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            handler = name.startswith(("on", "hx-on", "data-hx-on"))
            script_url = name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:")
            if name == "style" or handler or script_url:
                self.found.append(f'{name}="{value}" on <{tag}> at line {self.getpos()[0]}')


def inline_code_found(html: str) -> list[str]:
    """Each inline script, <style>, style="" attribute, on*="" handler or javascript: URL in `html`."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found
