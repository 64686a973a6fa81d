from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "common.accounts"
    label = "accounts"
    verbose_name = "Accounts and API tokens"

    def ready(self):
        from common.accounts import schema  # noqa: F401  (registers the OpenAPI security schemes)
