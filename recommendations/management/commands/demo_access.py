import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from recommendations.generation import generation_changed
from recommendations.models import ApiKey, Scope
from recommendations.services.api_keys import api_key_create

DEMO_KEY_NAME = "demo app"


class Command(BaseCommand):
    help = (
        "For the local demo: (re)create the 'admin' superuser with a fresh random password and a fresh "
        "'demo app' API key with every scope (earlier demo keys are revoked), and print both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: object, **options: object) -> None:
        username = options["username"]
        password = secrets.token_urlsafe(12)
        user, _created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked=False).update(revoked=True)
        generation_changed()  # workers forget the keys they had verified
        _key, plain = api_key_create(name=DEMO_KEY_NAME, scopes=list(Scope.values), created_by=user)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  Admin:    http://127.0.0.1:8000/admin/",
                    f"  Username: {username}",
                    f"  Password: {password}",
                    "  API docs: http://127.0.0.1:8000/api/docs/",
                    f"  API key for the demo app (all scopes): {plain}",
                    f"    curl -H 'Authorization: Api-Key {plain}' \\",
                    "      http://127.0.0.1:8000/api/v1/users/demo-user-00001/recommendations/items?limit=5",
                    "",
                ]
            )
        )
