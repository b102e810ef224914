"""The ledger verification page's range: `from` and `to`, checked as the API checks its own."""

from __future__ import annotations

from django import forms

from signals.ledger_selectors import LEDGER_VERIFY_MAX_ENTRIES

MAX_SEQ = 2**62


class LedgerRangeForm(forms.Form):
    from_seq = forms.IntegerField(label="From entry", min_value=1, max_value=MAX_SEQ, required=False)
    to_seq = forms.IntegerField(label="To entry", min_value=1, max_value=MAX_SEQ, required=False)

    def __init__(self, query, *, head_seq: int):
        # The page's parameters are ?from=&to=; the form's fields cannot be named `from`.
        super().__init__({"from_seq": query.get("from", ""), "to_seq": query.get("to", "")})
        self.head_seq = head_seq

    def clean(self):
        """Without a range: the newest 1,000 entries. `to` defaults to `from` + 999, at most the newest."""
        data = super().clean()
        if self.errors:
            return data
        first, last = data.get("from_seq"), data.get("to_seq")
        if first is None and last is None:
            last = max(self.head_seq, 1)
            first = max(last - 999, 1)
        elif first is None:
            first = max(last - 999, 1)
        elif last is None:
            last = max(first, min(first + 999, self.head_seq))
        if last < first:
            self.add_error("to_seq", "Must be at least the first entry.")
        elif last - first >= LEDGER_VERIFY_MAX_ENTRIES:
            self.add_error("to_seq", f"A page verifies at most {LEDGER_VERIFY_MAX_ENTRIES:,} entries; "
                                     "ask for the rest in further ranges.")
        data["from_seq"], data["to_seq"] = first, last
        return data
