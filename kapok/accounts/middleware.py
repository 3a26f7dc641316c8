from kapok.accounts.models import SecurityPolicy


class SessionPolicyMiddleware:
    """Signed-in sessions end after the idle time the security policy sets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            request.session.set_expiry(SecurityPolicy.current().session_idle_minutes * 60)
        return self.get_response(request)
