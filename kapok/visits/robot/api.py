"""The robot-call webhook: ``POST /api/v1/robot/results`` (the protocol is in
kapok.visits.robot.results and kapok.visits.robot.signing).

Vendors are not users: the view is public to the login machinery (login_not_required, which
the region-scoping middleware also takes as "shows no records") and exempt from CSRF; the
signature is its authentication. The body is read up to MAX_BODY bytes and no further.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kapok.visits.robot.results import MAX_BODY, receive
from kapok.visits.robot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, VENDOR_HEADER


@csrf_exempt
@login_not_required
@never_cache
@require_POST
def robot_results(request):
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return JsonResponse({"error": f"the body is over {MAX_BODY} bytes"}, status=413)
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return JsonResponse({"error": f"the body is over {MAX_BODY} bytes"}, status=413)
    answer = receive(
        vendor_code=request.headers.get(VENDOR_HEADER),
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        body=body,
    )
    return JsonResponse(
        answer.body, status=answer.status, json_dumps_params={"ensure_ascii": False}
    )
