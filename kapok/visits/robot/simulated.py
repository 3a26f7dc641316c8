"""The simulated vendor (模拟机器人外呼（演示）, ``is_simulated``): a stand-in for the demo that
"calls" the people of a batch and posts made-up results back, signed with its secret, through
the webhook's own code path (kapok.visits.robot.results.receive), so the demo shows the whole
loop: batch, results, visits and needs, the review queue, and now and then an emergency with its
call-back and alert.

The mix (per task, drawn from a generator seeded with the task, so a run can be repeated):
reached and fine, reached with needs, answers in Cantonese, not reached (phone off, no answer,
a carrier message), an answer too unclear to read (reviewed by a human), and rarely an
emergency. No transcript names a real person.
"""

import json
import math
import random
from collections import Counter

from django.utils import timezone

from kapok.visits.models import CallTask, RobotBatch
from kapok.visits.robot.results import receive
from kapok.visits.robot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from kapok.visits.robot.vendors import vendor_secret

FINE = (
    "没什么困难，吃的用的都有，谢谢关心。",
    "都好，不缺什么，社区昨天刚送了菜。",
    "我这边一切正常，不用担心，谢谢。",
    "不缺米，不缺油，药也够。",
    "谢谢，我女儿会送东西过来，不需要。",
)
NEEDS = (
    "家里的米吃完了，想请社区帮忙买一袋。",
    "降压药只剩两天了，出不去买。",
    "食用油用完了，其他都还有。",
    "青菜和肉都没有了，只剩米。",
    "家里的纸巾和洗洁精用完了。",
    "我下不了楼，能不能上门做核酸？",
    "心情很差，想找人聊聊。",
)
CANTONESE = (
    "乜都唔缺，多谢关心。",
    "屋企冇油冇菜，米仲有。",
    "我啲药食晒喇，唔该帮下手。",
)
UNREACHED = (
    ("powered_off", "您拨打的电话已关机。"),
    ("no_answer", ""),
    ("answered", "您拨打的电话暂时无人接听，请稍后再拨。"),
    ("busy", ""),
)
UNCLEAR = ("喂？喂？听不清，你说什么？",)
EMERGENCY = (
    "老伴摔倒了起不来，叫也不应。",
    "胸口很痛，喘不上气。",
)
# (weight, kind): the share of each kind of answer.
MIX = (
    (40, "fine"),
    (22, "needs"),
    (12, "cantonese"),
    (18, "unreached"),
    (5, "unclear"),
    (3, "emergency"),
)


def simulated_call(task: CallTask) -> dict:
    """A made-up result for ``task``'s current attempt."""
    rng = random.Random(f"{task.pk}-{task.attempts}")  # noqa: S311 (a demo, not a secret)
    kind = rng.choices([kind for _w, kind in MIX], weights=[w for w, _kind in MIX])[0]
    if kind == "unreached":
        call_status, transcript = rng.choice(UNREACHED)
    else:
        pool = {
            "fine": FINE,
            "needs": NEEDS,
            "cantonese": CANTONESE,
            "unclear": UNCLEAR,
            "emergency": EMERGENCY,
        }[kind]
        call_status, transcript = "answered", rng.choice(pool)
    answered = call_status == "answered" and kind != "unreached"
    return {
        "task_id": task.pk,
        "call_status": call_status,
        "duration_seconds": rng.randint(25, 140) if answered else 0,
        "transcript": transcript,
        "called_at": timezone.now().isoformat(),
    }


def answer_batch(batch: RobotBatch, *, share: float = 1.0) -> Counter:
    """Post results for the batch's tasks still waiting for one — all of them, or the first
    ``share`` of them (a day in progress) — and count what Kapok did with them."""
    vendor = batch.vendor
    secret = vendor_secret(vendor)
    waiting = list(
        batch.tasks.filter(status=CallTask.Status.CLAIMED, claimed_by__isnull=True)
        .select_related("person")
        .order_by("pk")
    )
    counts: Counter = Counter()
    for task in waiting[: math.ceil(len(waiting) * max(0.0, min(share, 1.0)))]:
        payload = {"result_id": f"sim-{batch.pk}-{task.pk}", **simulated_call(task)}
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers(secret, body)
        answer = receive(
            vendor_code=vendor.code,
            timestamp=headers[TIMESTAMP_HEADER],
            signature=headers[SIGNATURE_HEADER],
            body=body,
        )
        counts[answer.body.get("handling") or f"HTTP {answer.status}"] += 1
    return counts
