"""PostgreSQL's binary COPY format for bars, written by the import and read by the latest-bars
selector: a header, then per row a field count and (length, value) pairs in network byte order,
then a trailer. numpy structured arrays build and read it without formatting or parsing text, and
carry each float64 exactly.
"""

from __future__ import annotations

from market.arrays import PRICE_COLUMNS

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" * 2  # signature, flags, no header extension
TRAILER = b"\xff\xff"
EPOCH = 946_684_800  # 2000-01-01 UTC: a binary timestamptz counts microseconds from it
PRICE_FIELDS = [item for c in PRICE_COLUMNS for item in ((f"{c}_len", ">i4"), (c, ">f8"))]
