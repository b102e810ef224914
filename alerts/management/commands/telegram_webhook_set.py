from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from alerts.channels.telegram import TelegramChannel
from config.outbound import TransportError


class Command(BaseCommand):
    help = ("Point the Telegram bot's webhook at this site (SITE_URL + /alerts/telegram/webhook/) with "
            "TELEGRAM_WEBHOOK_SECRET as its secret token; --delete removes it (for polling instead).")

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the webhook.")

    def handle(self, *args, **options):
        channel = TelegramChannel()
        try:
            if options["delete"]:
                channel.call("deleteWebhook", {})
                self.stdout.write(self.style.SUCCESS("Telegram webhook removed: poll with TELEGRAM_UPDATES_POLLING."))
                return
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("Set TELEGRAM_WEBHOOK_SECRET first: Telegram sends it with every update.")
            url = settings.SITE_URL.rstrip("/") + reverse("alerts:telegram_webhook")
            channel.call("setWebhook", {"url": url, "secret_token": settings.TELEGRAM_WEBHOOK_SECRET,
                                        "allowed_updates": ["message"]})
        except TransportError as error:
            raise CommandError(f"Telegram refused: {error.message}") from error
        self.stdout.write(self.style.SUCCESS(f"Telegram sends the bot's updates to {url}."))
