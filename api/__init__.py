"""The public REST API's conventions, written once (STYLE.md point 16).

Each app keeps its endpoints in its own `api.py` and uses what is here: `authentication` (API key or
the website's session; both set `request.tenant`), `permissions` (a key's scope), `throttling` (the
plan's rate limits and their headers), `pagination` (cursor, `limit`), `errors` (every error as JSON),
`masking` (the fields a plan hides) and `schema` (what OpenAPI says about errors). `urls` gathers
every route under /api/v1/.
"""
