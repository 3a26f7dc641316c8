"""Tasks that exist only for tests of the background machinery."""

from django.core.cache import cache
from django_tasks import task


@task()
def fails_until_fixed(key: str) -> str:
    if not cache.get(key):
        raise RuntimeError("the outside service is down (phone 13812345678)")
    return "done"
