"""The review queue of possible duplicates: two records side by side, merge or not the same
person; and undoing a merge. The people deciding must be able to see both records."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kapok.access.decorators import capability_required, region_safe
from kapok.access.policy import can_see, get_scoped_or_404, scoped
from kapok.accounts.roles import Capability
from kapok.registry.dedupe import DedupeError, mark_distinct, merge_people, undo_merge
from kapok.registry.models import DuplicateCandidate, PersonMerge

CANDIDATES = DuplicateCandidate.objects.select_related(
    "person_a__residence_region", "person_b__residence_region"
)


@region_safe
@capability_required(Capability.PERSON_EDIT)
def duplicate_list(request):
    candidates = scoped(CANDIDATES.filter(status=DuplicateCandidate.Status.PENDING), request.user)
    page = Paginator(candidates, 30).get_page(request.GET.get("page"))
    return render(request, "registry/duplicate_list.html", {"page": page, "query": ""})


def _candidate(request, pk) -> DuplicateCandidate:
    candidate = get_scoped_or_404(request.user, CANDIDATES, pk=pk)
    if not can_see(request.user, candidate.person_b):
        raise Http404  # half of the pair lives elsewhere: the level above decides
    return candidate


@region_safe
@capability_required(Capability.PERSON_EDIT)
def duplicate_detail(request, pk):
    candidate = _candidate(request, pk)
    sides = []
    for person in (candidate.person_a, candidate.person_b):
        memberships = person.memberships.select_related("category").filter(ended_on__isnull=True)
        sides.append((person, [m.category for m in memberships]))
    return render(
        request, "registry/duplicate_detail.html", {"candidate": candidate, "sides": sides}
    )


@region_safe
@capability_required(Capability.PERSON_EDIT)
@require_POST
def duplicate_decide(request, pk):
    candidate = _candidate(request, pk)
    try:
        if request.POST.get("decision") == "distinct":
            mark_distinct(candidate=candidate, actor=request.user)
            messages.success(request, _("Recorded: not the same person."))
        else:
            a, b = candidate.person_a, candidate.person_b
            kept, merged = (b, a) if request.POST.get("keep") == str(b.pk) else (a, b)
            merge_people(kept=kept, merged=merged, actor=request.user, candidate=candidate)
            messages.success(
                request, _("Merged into %(name)s. It can be undone.") % {"name": kept.name}
            )
            return redirect("registry:person_detail", pk=kept.pk)
    except DedupeError as error:
        messages.error(request, str(error))
        return redirect("registry:duplicate_detail", pk=candidate.pk)
    return redirect("registry:duplicate_list")


@region_safe
@capability_required(Capability.PERSON_EDIT)
@require_POST
def merge_undo(request, pk):
    merge = get_scoped_or_404(
        request.user, PersonMerge.objects.select_related("kept", "merged"), pk=pk
    )
    if not can_see(request.user, merge.merged):
        raise Http404
    try:
        undo_merge(merge=merge, actor=request.user)
    except DedupeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("registry:person_detail", pk=merge.kept_id)
