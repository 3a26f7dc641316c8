from django.conf import settings

from kapok.audit.context import RequestContext, current_request


def client_ip(request) -> str | None:
    if settings.KAPOK_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(RequestContext(ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
