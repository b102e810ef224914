"""A plan's hidden fields are sent as null and named in `hidden_fields`, decided in one place."""

from dataclasses import replace

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from api.masking import TierMaskedSerializer, mask_fields
from billing.entitlements import tenant_entitlements
from billing.models import Plan, Subscription

SIGNAL = {"instrument": "BTCUSD", "direction": "long", "confidence": 0.71, "reasoning": "Trend and volume agree.",
          "contributions": {"trend": 0.4}}


@pytest.fixture
def free(tenant_a):
    return tenant_entitlements(tenant=tenant_a)


@pytest.fixture
def pro(tenant_b):
    Subscription.objects.create(tenant=tenant_b, plan=Plan.objects.get(code="pro"), status="active")
    return tenant_entitlements(tenant=tenant_b)


def test_a_plan_that_shows_everything_hides_nothing(pro):
    assert mask_fields(SIGNAL, pro) == (SIGNAL, [])


def test_a_plan_without_confidence_or_reasoning_gets_them_as_null_and_named(free):
    payload, hidden = mask_fields(SIGNAL, free)

    assert payload == {"instrument": "BTCUSD", "direction": "long", "confidence": None, "reasoning": None,
                       "contributions": None}
    assert hidden == ["confidence", "reasoning", "contributions"]
    assert SIGNAL["confidence"] == 0.71  # the caller's payload is left as it was


def test_confidence_and_reasoning_are_decided_by_their_own_entitlements(pro):
    payload, hidden = mask_fields(SIGNAL, replace(pro, shows_reasoning=False))

    assert hidden == ["reasoning", "contributions"]
    assert payload["confidence"] == 0.71 and payload["reasoning"] is None


def test_only_fields_the_payload_has_are_named(free):
    assert mask_fields({"symbol": "GOOG", "confidence": 0.5}, free) == ({"symbol": "GOOG", "confidence": None},
                                                                        ["confidence"])


class SignalOut(TierMaskedSerializer):
    instrument = serializers.CharField()
    confidence = serializers.FloatField()
    reasoning = serializers.CharField()


def test_a_tier_masked_serializer_reads_the_plan_of_the_requests_tenant_once_per_list(
        tenant_a, django_assert_num_queries):
    request = APIRequestFactory().get("/api/v1/signals/")
    request.tenant = tenant_a

    with django_assert_num_queries(2):  # the subscription, then the default plan
        data = SignalOut([SIGNAL] * 3, many=True, context={"request": request}).data

    assert data[0] == {"instrument": "BTCUSD", "confidence": None, "reasoning": None,
                       "hidden_fields": ["confidence", "reasoning"]}
    assert len(data) == 3


def test_a_tier_masked_serializer_takes_the_plan_from_its_context(pro):
    data = SignalOut(SIGNAL, context={"entitlements": pro}).data

    assert data == {"instrument": "BTCUSD", "confidence": 0.71, "reasoning": "Trend and volume agree.",
                    "hidden_fields": []}
