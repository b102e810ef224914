"""Writes of billing data."""

from __future__ import annotations

from django.db import transaction

from billing.catalogue import PLAN_CATALOGUE
from billing.models import Plan


@transaction.atomic
def plan_catalogue_seed() -> list[Plan]:
    """Create the catalogue's plans that do not exist yet; never overwrite what staff edited."""
    plans = []
    for spec in PLAN_CATALOGUE:
        fields = {k: v for k, v in spec.items() if k != "code"}
        plan, _ = Plan.objects.get_or_create(code=spec["code"], defaults=fields)
        plans.append(plan)
    return plans
