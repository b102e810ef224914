from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from accounts.views import auth, keys, pages, profile, team, two_factor

account_patterns = [
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("logout/", auth.logout_view, name="logout"),
    path("verify/<str:token>/", auth.verify_email, name="verify_email"),
    path("verify-resend/", auth.verify_email_resend, name="verify_email_resend"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset_form.html", email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("invite/<str:token>/", team.invitation_accept, name="invitation_accept"),
    path("settings/profile/", profile.profile, name="profile"),
    path("settings/password/", profile.PasswordChangeView.as_view(), name="password_change"),
    path("settings/2fa/", two_factor.two_factor_settings, name="two_factor"),
    path("settings/2fa/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("settings/2fa/backup-codes/", two_factor.backup_codes_regenerate, name="backup_codes"),
    path("settings/2fa/disable/", two_factor.two_factor_disable, name="two_factor_disable"),
    path("tenants/<int:tenant_id>/switch/", team.tenant_switch, name="tenant_switch"),
    path("team/", team.team, name="team"),
    path("team/invitations/", team.invitation_create, name="invitation_create"),
    path("team/invitations/<int:invitation_id>/revoke/", team.invitation_revoke, name="invitation_revoke"),
    path("team/members/<int:membership_id>/role/", team.member_role_change, name="member_role"),
    path("team/members/<int:membership_id>/remove/", team.member_remove, name="member_remove"),
    path("team/audit/", team.audit_log, name="audit_log"),
    path("team/api-keys/", keys.api_keys, name="api_keys"),
    path("team/api-keys/<int:key_id>/revoke/", keys.api_key_revoke, name="api_key_revoke"),
]

urlpatterns = [
    path("", pages.landing, name="landing"),
    path("robots.txt", pages.robots, name="robots"),
    path("accounts/", include((account_patterns, "accounts"))),
]
