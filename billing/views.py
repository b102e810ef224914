from django.shortcuts import render

from billing.selectors import plan_list_public


def pricing(request):
    return render(request, "billing/pricing.html", {"plans": plan_list_public()})
