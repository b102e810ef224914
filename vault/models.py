"""Each tenant's data keys, stored only wrapped by a master key from the environment (docs/vault.md)."""

from django.db import models
from django.utils import timezone


class TenantKey(models.Model):
    """One version of a tenant's data key (AES-256), wrapped (AES-256-GCM) by the master key `master_key_id`.

    Secrets are sealed with the newest version; older versions stay until nothing sealed with them is left
    (`manage.py vault_rotate --new-data-keys` re-seals and removes them)."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    wrapped = models.BinaryField(help_text="nonce | AES-GCM(master key, data key): never the key itself.")
    master_key_id = models.CharField(max_length=64, help_text="The id of the master key in VAULT_MASTER_KEYS.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "version"], name="tenant_key_one_per_version")]

    def __str__(self) -> str:
        return f"data key {self.version} of tenant {self.tenant_id} (under {self.master_key_id})"
