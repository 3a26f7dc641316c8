"""Home and video visits by community workers (kapok.visits.views_home): the area's home-visit
tasks, the one outcome form with the gas-safety check and photos, visits without a task; and the
photo checks (kapok.web.photos)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from kapok.accounts.roles import Role
from kapok.audit.models import LogEntry
from kapok.needs.models import Need
from kapok.visits.calling import VisitError, record_free_visit
from kapok.visits.models import CallTask, Visit, VisitPhoto
from kapok.web.photos import LONG_SIDE, PhotoError, read_photo
from tests.factories import PersonFactory, UserFactory, region, unit_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def home_task(person, *, days_ago=0, status=CallTask.Status.OPEN, unit=None):
    return CallTask.objects.create(
        day=timezone.localdate() - dt.timedelta(days=days_ago),
        kind=CallTask.Kind.HOME,
        person=person,
        unit=unit,
        status=status,
        region_code=person.residence_region_id,
        max_attempts=1,
    )


@pytest.fixture
def liwan_worker(personas):
    return UserFactory(
        username="hongmian",
        unit=unit_for("荔湾区茶滘街红棉", parent=personas.outsider_unit),
        roles=[Role.COMMUNITY_WORKER],
    )


def form_data(outcome="", *, channel="HOME", gas="not_checked", difficulty="", needs=(), **extra):
    data = {
        "outcome": outcome,
        "channel": channel,
        "gas_safety": gas,
        "difficulty": difficulty,
        "notes": "",
        "needs-TOTAL_FORMS": str(max(len(needs), 1)),
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "10",
    }
    for index, (kind, urgency, description) in enumerate(needs):
        data.update(
            {
                f"needs-{index}-kind": kind,
                f"needs-{index}-urgency": urgency,
                f"needs-{index}-description": description,
            }
        )
    data.update(extra)
    return data


def phone_photo(size=(3000, 2000), orientation=6) -> bytes:
    """A JPEG as a phone takes it: sideways with an orientation tag, a GPS position, a camera."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, size[0] // 3, size[1]))  # blue on the left
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 12.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 16.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_list_shows_the_areas_home_visits_today_first_then_the_overdue(personas, login):
    today = home_task(PersonFactory(name="今天甲"))
    older = home_task(PersonFactory(name="前天乙"), days_ago=2)
    old = home_task(PersonFactory(name="昨天丙"), days_ago=1)
    home_task(PersonFactory(name="已访丁"), status=CallTask.Status.DONE)
    home_task(PersonFactory(name="荔湾戊", residence_region=region("荔湾区茶滘街红棉")))
    CallTask.objects.create(  # a phone call, not a home visit
        day=timezone.localdate(),
        person=PersonFactory(name="电访己"),
        region_code=personas.community_unit.region_id,
    )
    response = login(personas.community).get(reverse("visits:home_list"))
    assert response.status_code == 200
    assert [task.pk for task in response.context["page"]] == [today.pk, older.pk, old.pk]
    html = response.content.decode()
    assert "今天甲" in html
    assert "荔湾戊" not in html
    assert "已访丁" not in html


def test_a_worker_of_another_district_gets_a_404_and_the_attempt_is_logged(
    personas, liwan_worker, client
):
    person = PersonFactory(name="陈伯")
    task = home_task(person)
    client.force_login(liwan_worker)
    assert list(client.get(reverse("visits:home_list")).context["page"]) == []
    response = client.get(reverse("visits:home_task", args=[task.pk]))
    assert response.status_code == 404
    attempt = LogEntry.objects.get(action="access.out_of_scope")
    assert (attempt.actor, attempt.object_id) == (liwan_worker, str(task.pk))
    response = client.post(reverse("visits:home_task", args=[task.pk]), form_data("REACHED"))
    assert response.status_code == 404
    url = reverse("visits:home_person_new", args=[person.pk])
    assert client.post(url, form_data("REACHED", difficulty="none")).status_code == 404
    assert not Visit.objects.exists()
    task.refresh_from_db()
    assert task.status == CallTask.Status.OPEN


def test_a_home_visit_with_gas_check_needs_and_photos_re_encoded_without_exif(personas, login):
    person = PersonFactory(name="陈伯", phones=["13800000001"])
    task = home_task(person, unit=personas.community_unit)
    client = login(personas.community)
    page = client.get(reverse("visits:home_task", args=[task.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "13800000001" not in html.replace('href="tel:13800000001"', "")
    assert LogEntry.objects.filter(action="registry.person.viewed", actor=personas.community)

    png = io.BytesIO()
    Image.new("RGBA", (800, 600), (0, 0, 0, 0)).save(png, "PNG")
    response = client.post(
        reverse("visits:home_task", args=[task.pk]),
        form_data(
            "REACHED",
            channel="HOME",
            gas="problem",
            difficulty="some",
            needs=[("NECESSITIES", "normal", "燃气灶漏气，需要换软管"), ("CARE", "urgent", "")],
            notes="燃气软管老化",
            photos=[upload(phone_photo()), upload(png.getvalue(), "kitchen.png", "image/png")],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("visits:home_list")
    visit = Visit.objects.get(task=task)
    assert (visit.channel, visit.outcome, visit.has_difficulty) == ("HOME", "REACHED", True)
    assert visit.checks == {"gas_safety": "problem"}
    assert (visit.made_by, visit.unit) == (personas.community, personas.community_unit)
    assert sorted(Need.objects.filter(visit=visit).values_list("kind", flat=True)) == [
        "CARE",
        "NECESSITIES",
    ]
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE

    photos = list(VisitPhoto.objects.filter(visit=visit))
    assert len(photos) == 2
    with photos[0].image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        # Turned upright (the phone held it sideways), the long side capped.
        assert image.size == (round(2000 * LONG_SIDE / 3000), LONG_SIDE)
        assert image.getpixel((image.width // 2, 10))[2] > 150  # blue now on top
        assert not image.getexif()  # no orientation, no camera, no GPS
        assert "exif" not in image.info
    assert photos[0].image.name.startswith("visits/")
    assert "photo" not in photos[0].image.name  # not the phone's file name
    with photos[1].image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.getpixel((10, 10)) >= (250, 250, 250)  # transparency on white
    assert LogEntry.objects.filter(
        action="visits.visit.photos_added", actor=personas.community
    ).exists()


def test_a_text_file_named_jpg_is_refused_with_the_reason_and_nothing_is_recorded(personas, login):
    task = home_task(PersonFactory(name="陈伯"))
    response = login(personas.community).post(
        reverse("visits:home_task", args=[task.pk]),
        form_data(
            "REACHED",
            difficulty="none",
            notes="老人精神不错",
            photos=[upload(b"meter reading: 1234\n", "meter.jpg")],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“meter.jpg”不是照片：只接受 JPEG、PNG、WEBP 格式的图片。" in html
    assert "老人精神不错" in html  # what was typed is kept
    assert not Visit.objects.exists()
    assert not VisitPhoto.objects.exists()
    task.refresh_from_db()
    assert task.status == CallTask.Status.OPEN


def test_a_photo_over_the_size_limit_is_refused(personas, login, settings):
    settings.KAPOK_UPLOAD_MAX_BYTES = 1024 * 1024
    task = home_task(PersonFactory(name="陈伯"))
    response = login(personas.community).post(
        reverse("visits:home_task", args=[task.pk]),
        form_data("NOT_HOME", photos=[upload(b"\xff\xd8" + b"0" * 1_572_862, "big.jpg")]),
    )
    assert response.status_code == 200
    assert "“big.jpg”太大（1.5 MB）：每张照片不能超过 1 MB。" in response.content.decode()
    assert not Visit.objects.exists()


def test_nobody_at_home_finishes_the_task_unreached(personas, login):
    task = home_task(PersonFactory(name="陈伯"))
    response = login(personas.community).post(
        reverse("visits:home_task", args=[task.pk]), form_data("NOT_HOME")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == CallTask.Status.UNREACHED
    assert Visit.objects.get(task=task).checks == {"gas_safety": "not_checked"}
    # Recorded: no longer listed, and not recorded twice.
    client = login(personas.community)
    assert list(client.get(reverse("visits:home_list")).context["page"]) == []
    again = client.post(reverse("visits:home_task", args=[task.pk]), form_data("REACHED"))
    assert again.status_code == 302
    assert Visit.objects.filter(task=task).count() == 1


def test_a_video_visit_without_a_task_is_recorded_from_the_person(personas, login):
    person = PersonFactory(name="陈伯")
    client = login(personas.community)
    url = reverse("visits:home_person_new", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(
            "REACHED",
            channel="VIDEO",
            difficulty="some",
            needs=[("PSYCHOLOGICAL", "normal", "一个人在家很闷")],
        ),
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.task, visit.channel, visit.person, visit.made_by) == (
        None,
        "VIDEO",
        person,
        personas.community,
    )
    assert visit.region_code == person.residence_region_id
    need = Need.objects.get(visit=visit)
    assert (need.kind, need.reported_by) == ("PSYCHOLOGICAL", personas.community)
    entry = LogEntry.objects.get(action="visits.visit.recorded")
    assert (entry.actor, entry.data["channel"]) == (personas.community, "VIDEO")


def test_the_free_visit_form_points_to_the_persons_open_home_visit_task(personas, login):
    person = PersonFactory(name="陈伯")
    task = home_task(person)
    html = (
        login(personas.community)
        .get(reverse("visits:home_person_new", args=[person.pk]))
        .content.decode()
    )
    assert reverse("visits:home_task", args=[task.pk]) in html


def test_the_list_finds_a_person_to_visit_without_a_task(personas, login):
    person = PersonFactory(name="陈桂英")
    PersonFactory(name="陈桂英", residence_region=region("荔湾区茶滘街红棉"))
    response = login(personas.community).get(reverse("visits:home_list"), {"q": "陈桂"})
    assert response.context["found"] == [person]


def test_only_community_workers_of_the_area_record_free_visits(personas, liwan_worker):
    person = PersonFactory(name="陈伯")
    with pytest.raises(PermissionDenied):
        record_free_visit(person, actor=liwan_worker, outcome="REACHED")
    with pytest.raises(PermissionDenied):
        record_free_visit(person, actor=personas.street, outcome="REACHED")
    with pytest.raises(VisitError):
        record_free_visit(person, actor=personas.community, outcome="REACHED", channel="PHONE")
    assert not Visit.objects.exists()


# kapok.web.photos: by content, never by name.


def test_photo_types_are_told_by_content():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "WEBP")
    assert read_photo(upload(out.getvalue(), "a.txt", "text/plain")).name.endswith(".jpg")
    gif = io.BytesIO()
    Image.new("P", (40, 30)).save(gif, "GIF")
    with pytest.raises(PhotoError) as refused:
        read_photo(upload(gif.getvalue(), "a.jpg"))
    assert refused.value.code == "not_a_photo"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(bomb, "PNG")  # 80 million pixels in a few kilobytes
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(PhotoError) as refused:
        read_photo(upload(bomb.getvalue(), "bomb.png", "image/png"))
    assert refused.value.code == "too_many_pixels"


def test_a_truncated_photo_is_refused_as_damaged():
    whole = phone_photo(size=(800, 600), orientation=1)
    with pytest.raises(PhotoError) as refused:
        read_photo(upload(whole[: len(whole) // 2]))
    assert refused.value.code == "damaged"
