from django.urls import path

from billing import views

urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("billing/", views.billing, name="billing"),
    path("billing/checkout/<slug:plan_code>/", views.checkout, name="billing_checkout"),
    path("billing/portal/", views.portal, name="billing_portal"),
    path("billing/usage/", views.usage, name="billing_usage"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
