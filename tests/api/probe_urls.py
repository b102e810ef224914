"""The site's URLs plus a probe endpoint under /api/v1/ that reads and writes, with every API default
(authentication, permissions, throttling): for tests of the conventions before the real write
endpoints exist. Use with @pytest.mark.urls("tests.api.probe_urls")."""

from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import AuditEvent
from accounts.services import audit_record
from config.urls import urlpatterns as site_urlpatterns


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def probe(request):
    """Whom the request acts for, and how; a write method first writes one audit event for the tenant."""
    if request.method != "GET":
        audit_record(action="probe.written", tenant=request.tenant)
    return Response({"tenant": request.tenant.slug, "through": "key" if request.auth else "session",
                     "membership": request.membership.pk if request.membership else None,
                     "writes": AuditEvent.objects.filter(action="probe.written").count()})


urlpatterns = [path("api/v1/probe/", probe), *site_urlpatterns]
