"""The site navigation's one tag: mark the link of the section the page belongs to."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context, name: str) -> SafeString:
    """` aria-current="page"` when the request's view is `name` (a url name such as "dashboard") or belongs
    to the namespace `name` names with a trailing colon ("signals:"); empty otherwise."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return mark_safe("")
    current = name.endswith(":") and match.namespace == name[:-1] or match.view_name == name
    return mark_safe(' aria-current="page"' if current else "")
