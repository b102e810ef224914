"""Watchlists: a tenant's named lists of instruments, shared with the whole tenant or private to their creator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel


class Watchlist(TenantOwnedModel):
    """A named list of instruments. A shared list is seen by every member of the tenant (and its API
    keys); a private one only by the member who created it."""

    name = models.CharField(max_length=80)
    is_shared = models.BooleanField(default=True, help_text="Seen by the whole team; otherwise only by its creator.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self) -> str:
        return self.name


class WatchlistItem(models.Model):
    """An instrument in a watchlist, at a position (0 first), with the member's note."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="items")
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=240, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "instrument"], name="watchlist_item_once")]

    def __str__(self) -> str:
        return f"{self.instrument_id} in {self.watchlist_id}"
