def entitlements(request) -> dict:
    """The active tenant's entitlements for every template, so no template compares plan names."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"entitlements": None}
    from billing.entitlements import tenant_entitlements

    return {"entitlements": tenant_entitlements(tenant=tenant)}
