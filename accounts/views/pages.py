from django.http import HttpResponse
from django.shortcuts import render


def landing(request):
    return render(request, "landing.html")


def ratelimited(request, exception=None):
    """django-ratelimit's view for a blocked request: a clear message, status 429."""
    response = render(request, "ratelimited.html", status=429)
    response["Retry-After"] = "60"
    return response


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /app/\n", content_type="text/plain")
