"""Reads of the confidence models: every version's out-of-sample figures, which one is active and why.

What the model report command, the admin and the track record say comes from here, so they say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from signals.engine.skill import skill_verdict
from signals.models import ModelVersion, Strategy


@dataclass(frozen=True)
class ModelVersionRow:
    version: ModelVersion
    active: bool
    why: str  # the activation rule's reason, with the figures


def model_version_why(version: ModelVersion, *, chosen: ModelVersion | None) -> str:
    """Why `version` is or is not the active one, given the version the rule chose (if any)."""
    verdict = skill_verdict(version.skill)
    if chosen is not None and version.pk == chosen.pk:
        return f"Active. {verdict} The highest skill score among the versions with proven skill."
    if version.skill.proven and chosen is None:
        return f"Not active yet. {verdict} The next training's activation will make it active."
    if version.skill.proven and chosen is not None:
        return f"Not active. {verdict} v{chosen.version} has the higher skill score ({chosen.oos_bss:+.4f})."
    return f"Not active. {verdict}"


def model_version_rows(*, strategy: Strategy) -> list[ModelVersionRow]:
    """Every version of the strategy, newest first, with whether it is active and why."""
    versions = list(ModelVersion.objects.filter(strategy=strategy).defer("artifact").order_by("-version"))
    chosen = next((v for v in versions if v.is_active), None)
    return [ModelVersionRow(version=v, active=v.is_active, why=model_version_why(v, chosen=chosen))
            for v in versions]


def confidence_status(*, strategy: Strategy) -> str:
    """Whether signals carry a confidence and why, in one sentence with the figures."""
    versions = list(ModelVersion.objects.filter(strategy=strategy).defer("artifact"))
    if not versions:
        return "Signals carry no confidence: no confidence model has been trained yet."
    active = next((v for v in versions if v.is_active), None)
    if active is not None:
        return (f"Signals carry the confidence of model v{active.version} ({active.get_kind_display()}): out of "
                f"sample, Brier skill score {active.oos_bss:+.4f} (95% interval {active.oos_bss_low:+.4f} to "
                f"{active.oos_bss_high:+.4f}) against the base rate {active.base_rate:.1%} over "
                f"{active.oos_samples} predictions.")
    scored = [v for v in versions if v.oos_bss is not None]
    if not scored:
        return "Signals carry no confidence: no model version has an out-of-sample skill score."
    best = max(scored, key=lambda v: (v.oos_bss, v.version))
    return (f"Signals carry no confidence: no model has beaten the base rate out of sample with its 95% interval "
            f"above zero. The best, v{best.version} ({best.get_kind_display()}), has a Brier skill score of "
            f"{best.oos_bss:+.4f} (95% interval {best.oos_bss_low:+.4f} to {best.oos_bss_high:+.4f}) over "
            f"{best.oos_samples} predictions, base rate {best.base_rate:.1%}.")
