from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "kapok.zones"
    label = "zones"
    verbose_name = _("Risk zones")
