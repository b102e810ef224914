"""The site navigation's one tag: mark the link of the section the page belongs to."""

from django import template
from django.utils.safestring import SafeString

register = template.Library()
CURRENT = SafeString(' aria-current="page"')  # constant markup: nothing of the request goes into it
NOT_CURRENT = SafeString("")


@register.simple_tag(takes_context=True)
def nav_current(context, name: str) -> SafeString:
    """` aria-current="page"` when the request's view is `name` (a url name such as "dashboard") or belongs
    to the namespace `name` names with a trailing colon ("signals:"); empty otherwise."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = match is not None and (match.namespace == name[:-1] if name.endswith(":") else match.view_name == name)
    return CURRENT if current else NOT_CURRENT
