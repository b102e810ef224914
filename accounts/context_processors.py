def tenant(request) -> dict:
    """The active tenant and membership for every template."""
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
    }
