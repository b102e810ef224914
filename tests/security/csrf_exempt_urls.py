"""A URL conf with one route that forgot CSRF: the CSRF walk must report it."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def forgeable(request):
    return HttpResponse("done")


urlpatterns = [path("forgeable/", forgeable, name="forgeable")]
