"""The column type of a secret sealed by the vault, so that rotation finds every such column by its type."""

from django.db import models


class SealedTextField(models.TextField):
    """A secret as `vault1.<data key version>.<ciphertext>` (vault.crypto), bound to its row's tenant and
    to this column: read and write it with vault.services.sealed_read / sealed_write, never directly."""

    description = "A secret sealed by the vault"
