class RateLimitHeadersMiddleware:
    """Adds X-RateLimit-Limit, -Remaining and -Reset to API responses the throttle measured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        measured = getattr(request, "ratelimit_headers", None)
        if measured is not None:
            limit, remaining, reset = measured
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
            response["X-RateLimit-Reset"] = str(int(reset))
        return response
