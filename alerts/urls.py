from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("channels/", views.channels, name="channels"),
    path("channels/email/", views.digest_update, name="digest_update"),
    path("channels/webhooks/", views.webhook_create, name="webhook_create"),
    path("channels/discord/", views.discord_create, name="discord_create"),
    path("channels/telegram/code/", views.telegram_code_create, name="telegram_code"),
    path("channels/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("channels/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("channels/<int:destination_id>/", views.destination_detail, name="destination"),
    path("channels/<int:destination_id>/test/", views.destination_test, name="destination_test"),
    path("channels/<int:destination_id>/enable/", views.destination_enable, name="destination_enable"),
    path("channels/<int:destination_id>/rotate-secret/", views.webhook_secret_rotate, name="webhook_secret_rotate"),
    path("channels/<int:destination_id>/delete/", views.destination_delete, name="destination_delete"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
]
