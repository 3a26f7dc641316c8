"""Photos in an S3-compatible store (KAPOK_MEDIA_STORAGE=s3): a real S3 HTTP server on this
machine (moto's), photos saved through kapok.web.photos and the needs' actions, read back
through the storage API and Kapok's own photo view; and the settings failing loudly."""

import io
import os
import subprocess
import sys

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from kapok.media_storage import S3_BACKEND, media_storage
from kapok.needs.actions import accept_need, report_need, resolve_need
from kapok.web.photos import read_photo
from tests.factories import PersonFactory

BUCKET = "kapok-photos"
KEYS = {"KAPOK_S3_ACCESS_KEY_ID": "testing", "KAPOK_S3_SECRET_ACCESS_KEY": "testing-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3_storage(settings, monkeypatch, s3_endpoint, s3_client):
    """STORAGES["default"] as the environment makes it for s3, against the local server."""
    for name, value in {
        "KAPOK_MEDIA_STORAGE": "s3",
        "KAPOK_S3_BUCKET": BUCKET,
        "KAPOK_S3_ENDPOINT_URL": s3_endpoint,
        "KAPOK_S3_REGION": "us-east-1",
        "KAPOK_S3_PREFIX": "/media/",
        **KEYS,
    }.items():
        monkeypatch.setenv(name, value)
    config = media_storage()
    # override_settings resets django.core.files.storage.storages and default_storage.
    with override_settings(STORAGES={**settings.STORAGES, "default": config}):
        yield default_storage


def photo_upload(name="现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 40)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_a_needs_result_photo_goes_to_the_bucket_and_comes_back(s3_storage, s3_client, personas):
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    assert isinstance(storages["default"], S3Storage)
    need = report_need(
        person=PersonFactory(), kind="FOOD", urgency="normal", actor=personas.community
    )
    need = accept_need(need, actor=personas.community, version=need.version)
    resolve_need(
        need,
        actor=personas.community,
        version=need.version,
        result="已送米面油",
        photos=[read_photo(photo_upload())],
    )
    photo = need.photos.get()
    keys = [item["Key"] for item in s3_client.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"media/{photo.image.name}"]
    assert photo.image.name.startswith("needs/")
    assert "现场" not in keys[0]  # the phone's name for it is not kept
    acl = s3_client.get_object_acl(Bucket=BUCKET, Key=keys[0])
    assert all(grant["Grantee"].get("URI") is None for grant in acl["Grants"])  # not public
    with photo.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "JPEG"
    assert stored.size == (64, 48)


@pytest.mark.django_db
def test_kapok_serves_a_photo_from_the_bucket_through_its_own_view(s3_storage, client, personas):
    need = report_need(
        person=PersonFactory(), kind="FOOD", urgency="normal", actor=personas.community
    )
    need = accept_need(need, actor=personas.community, version=need.version)
    resolve_need(
        need,
        actor=personas.community,
        version=need.version,
        result="已送米面油",
        photos=[read_photo(photo_upload())],
    )
    photo = need.photos.get()
    client.force_login(personas.street)
    response = client.get(reverse("needs:photo", args=[need.pk, photo.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff"  # a JPEG, read from the bucket
    client.force_login(personas.outsider)
    assert client.get(reverse("needs:photo", args=[need.pk, photo.pk])).status_code == 404


def test_a_file_saved_and_deleted_through_the_storage_api(s3_storage, s3_client):
    content = read_photo(photo_upload())
    name = s3_storage.save(f"visits/{content.name}", content)
    assert s3_storage.exists(name)
    assert s3_client.head_object(Bucket=BUCKET, Key=f"media/{name}")["ContentLength"] > 0
    s3_storage.delete(name)
    assert not s3_storage.exists(name)


def test_local_disk_is_the_default(monkeypatch):
    monkeypatch.delenv("KAPOK_MEDIA_STORAGE", raising=False)
    assert media_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_options_are_read_from_the_environment_with_secrets_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "s3_secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("KAPOK_MEDIA_STORAGE", "s3")
    monkeypatch.setenv("KAPOK_S3_BUCKET", "photos")
    monkeypatch.setenv("KAPOK_S3_ENDPOINT_URL", "https://minio.mz.gz.gov.cn:9000")
    monkeypatch.setenv("KAPOK_S3_ACCESS_KEY_ID", "kapok")
    monkeypatch.setenv("KAPOK_S3_SECRET_ACCESS_KEY_FILE", str(secret))
    monkeypatch.delenv("KAPOK_S3_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("KAPOK_S3_PREFIX", raising=False)
    config = media_storage()
    assert config["BACKEND"] == S3_BACKEND
    options = config["OPTIONS"]
    assert options["bucket_name"] == "photos"
    assert options["endpoint_url"] == "https://minio.mz.gz.gov.cn:9000"
    assert options["addressing_style"] == "path"
    assert options["secret_key"] == "from-a-file"
    assert options["default_acl"] == "private"
    assert options["location"] == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAPOK_MEDIA_STORAGE": "ftp"}, "KAPOK_MEDIA_STORAGE must be one of local, s3"),
        ({"KAPOK_MEDIA_STORAGE": "s3"}, "KAPOK_S3_BUCKET is required"),
        (
            {"KAPOK_MEDIA_STORAGE": "s3", "KAPOK_S3_BUCKET": "p", "KAPOK_S3_ENDPOINT_URL": "minio"},
            "KAPOK_S3_ENDPOINT_URL must be an http(s) address",
        ),
        (
            {"KAPOK_MEDIA_STORAGE": "s3", "KAPOK_S3_BUCKET": "p", "KAPOK_S3_ACCESS_KEY_ID": "k"},
            "go together",
        ),
    ],
)
def test_bad_storage_settings_fail_loudly(monkeypatch, env, message):
    for name in [name for name in os.environ if name.startswith("KAPOK_S3_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        media_storage()


def test_kapok_refuses_to_start_with_s3_and_no_bucket(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAPOK_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "kapok.settings", "KAPOK_MEDIA_STORAGE": "s3"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "KAPOK_S3_BUCKET is required when KAPOK_MEDIA_STORAGE is s3" in result.stderr
