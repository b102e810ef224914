from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("app/alerts/", views.alert_index, name="index"),
    path("app/alerts/<int:rule_id>/", views.alert_rule_change, name="rule_change"),
    path("alerts/channels/", views.channels, name="channels"),
    path("alerts/channels/email/", views.digest_update, name="digest_update"),
    path("alerts/channels/webhooks/", views.webhook_create, name="webhook_create"),
    path("alerts/channels/discord/", views.discord_create, name="discord_create"),
    path("alerts/channels/telegram/code/", views.telegram_code_create, name="telegram_code"),
    path("alerts/channels/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("alerts/channels/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("alerts/channels/<int:destination_id>/", views.destination_detail, name="destination"),
    path("alerts/channels/<int:destination_id>/test/", views.destination_test, name="destination_test"),
    path("alerts/channels/<int:destination_id>/enable/", views.destination_enable, name="destination_enable"),
    path("alerts/channels/<int:destination_id>/rotate-secret/", views.webhook_secret_rotate,
         name="webhook_secret_rotate"),
    path("alerts/channels/<int:destination_id>/delete/", views.destination_delete, name="destination_delete"),
    path("alerts/deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
    path("alerts/notifications/", views.notification_list, name="notifications"),
    path("alerts/notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("alerts/notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("alerts/telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
]
