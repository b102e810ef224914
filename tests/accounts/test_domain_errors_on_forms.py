from accounts.forms import ApiKeyForm, form_add_domain_error
from config.errors import InvalidInput


def _bound_form() -> ApiKeyForm:
    form = ApiKeyForm({"name": "ci", "scope": "read"})
    assert form.is_valid()
    return form


def test_a_refusal_with_field_messages_shows_each_on_its_field():
    form = _bound_form()

    form_add_domain_error(form, InvalidInput("Unknown scope.", fields={"scope": ["Choose read or write."],
                                                                        "name": ["Too long."]}))

    assert form.errors == {"scope": ["Choose read or write."], "name": ["Too long."]}


def test_a_refusal_without_fields_or_with_a_field_the_form_lacks_shows_on_the_form():
    form = _bound_form()

    form_add_domain_error(form, InvalidInput("Keys are paused for this organisation."))
    form_add_domain_error(form, InvalidInput("Bad.", fields={"tenant": ["Not yours."]}))

    assert form.non_field_errors() == ["Keys are paused for this organisation.", "Not yours."]
    assert not form.has_error("name") and not form.has_error("scope")


def test_signup_with_a_registered_email_says_so_on_the_email_field(client, alice, password):
    response = client.post("/accounts/signup/", {"email": "alice@example.com", "password": password})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Already registered."]
