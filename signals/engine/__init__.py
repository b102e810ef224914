"""The confluence engine: pure computation over numpy arrays and dataclasses. No Django here."""
