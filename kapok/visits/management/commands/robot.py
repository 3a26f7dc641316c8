import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kapok.visits.models import RobotBatch, RobotVendor, Team
from kapok.visits.robot.batches import prepare_batch, send_batch, takes_posts
from kapok.visits.robot.simulated import answer_batch
from kapok.visits.robot.vendors import create_vendor, ensure_simulated_vendor


class Command(BaseCommand):
    help = (
        "Robot calls: vendors, sending the day's robot tasks, and the simulated vendor of the demo."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("vendors", help="list the robot-call vendors")
        add = sub.add_parser(
            "add-vendor", help="add a vendor; prints its shared secret, once and never again"
        )
        add.add_argument("name")
        add.add_argument("code", help="the vendor's code, sent in X-Kapok-Vendor")
        add.add_argument("--delivery", choices=RobotVendor.Delivery.values, default="HTTPS")
        add.add_argument("--url", default="", help="where batches are POSTed (HTTPS)")
        send = sub.add_parser(
            "send",
            help="send the robot tasks due now to every active vendor that takes POSTs, and "
            "send the day's failed batches again",
        )
        simulate = sub.add_parser(
            "simulate",
            help="the simulated vendor (made if missing) takes its robot tasks due now and "
            "answers them through the webhook's code path",
        )
        simulate.add_argument(
            "--share",
            type=float,
            default=1.0,
            help="answer this share (0–1) of the tasks waiting for an answer (default: all)",
        )
        for command in (send, simulate):
            command.add_argument("--day", help="the day, YYYY-MM-DD (default: today)")
            command.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, action, **options):
        if action == "vendors":
            return self.vendors()
        if action == "add-vendor":
            return self.add_vendor(**options)
        day = _day(options["day"])
        report = self.send(day) if action == "send" else self.simulate(day, options["share"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            for line in report["lines"]:
                self.stdout.write(line)

    def vendors(self):
        for vendor in RobotVendor.objects.all():
            flags = [vendor.delivery]
            if vendor.is_simulated:
                flags.append("simulated")
            if not vendor.is_active:
                flags.append("off")
            self.stdout.write(
                f"{vendor.code:<16} {vendor.name}  [{', '.join(flags)}] {vendor.batch_url}"
            )

    def add_vendor(self, *, name, code, delivery, url, **options):
        try:
            vendor, secret = create_vendor(
                actor=None, name=name, code=code, delivery=delivery, batch_url=url
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"vendor {vendor.code} added. Its secret (shown only now): {secret}")

    def send(self, day: dt.date) -> dict:
        report = {"day": day.isoformat(), "batches": [], "lines": []}
        for batch in RobotBatch.objects.filter(day=day, status=RobotBatch.Status.FAILED):
            RobotBatch.objects.filter(pk=batch.pk, status=RobotBatch.Status.FAILED).update(
                status=RobotBatch.Status.PENDING
            )
            self._send(batch, report, again=True)
        for vendor in RobotVendor.objects.filter(is_active=True):
            if not takes_posts(vendor):
                continue
            batch = prepare_batch(vendor, day=day, send=False)
            if batch is not None:
                self._send(batch, report)
        if not report["batches"]:
            report["lines"].append(f"{day}: no robot task is due")
        return report

    def _send(self, batch: RobotBatch, report: dict, *, again: bool = False) -> None:
        status = send_batch(batch.pk)
        batch.refresh_from_db()
        tasks = batch.tasks.count()
        report["batches"].append(
            {"batch": batch.pk, "vendor": batch.vendor.code, "tasks": tasks, "status": status}
        )
        line = f"batch {batch.pk} to {batch.vendor.code}: {tasks} tasks, {status}"
        if again:
            line += " (sent again)"
        if batch.error:
            line += f": {batch.error}"
        report["lines"].append(line)

    def simulate(self, day: dt.date, share: float) -> dict:
        vendor = ensure_simulated_vendor()
        report = {"day": day.isoformat(), "vendor": vendor.code, "answered": {}, "lines": []}
        if not Team.objects.filter(kind=Team.Kind.ROBOT, vendor=vendor, is_active=True).exists():
            report["lines"].append(
                f"no active robot team uses the simulated vendor ({vendor.name}): make one, and "
                "an assignment rule that gives it tasks"
            )
            return report
        batch = prepare_batch(vendor, day=day, send=False)
        if batch is not None:
            RobotBatch.objects.filter(pk=batch.pk).update(
                status=RobotBatch.Status.SENT, sent_at=timezone.now(), attempts=1
            )
        answered = {}
        for sent in RobotBatch.objects.filter(
            vendor=vendor, day=day, status=RobotBatch.Status.SENT
        ).order_by("pk"):
            for handling, count in answer_batch(sent, share=share).items():
                answered[handling] = answered.get(handling, 0) + count
        report["answered"] = answered
        made = f"batch {batch.pk}: {batch.tasks.count()} tasks; " if batch else ""
        report["lines"].append(
            f"{day}: {made}answered "
            + (", ".join(f"{count} {handling}" for handling, count in answered.items()) or "none")
        )
        return report


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a day: {text!r} (YYYY-MM-DD)") from None
