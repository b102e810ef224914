"""Account settings: profile and password."""

from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from accounts import services
from accounts.forms import ProfileForm, form_add_domain_error
from config.errors import InvalidInput


@login_required
def profile(request):
    initial = {"full_name": request.user.full_name, "time_zone": request.user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except InvalidInput as error:
            form_add_domain_error(form, error)
        else:
            messages.info(request, "Profile saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "time_zones": sorted(available_timezones())})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(action="password.changed", actor=self.request.user, request=self.request)
        messages.info(self.request, "Password changed.")
        return response
