"""Where uploaded files (photos of visits and of needs' results) are kept, from the environment:
on the local disk by default (KAPOK_MEDIA_ROOT), or in an S3-compatible object store (MinIO,
Ceph, a cloud's S3) with KAPOK_MEDIA_STORAGE=s3.

    STORAGES = {"default": media_storage(), ...}   # in kapok.settings

Files are private either way: objects are written with the "private" ACL, and Kapok serves them
through its own views (kapok.needs.views.photo), which check who may see them and read the file
through the storage API — never through a public or pre-signed address handed to the browser.

For s3, KAPOK_S3_BUCKET is required (a missing one fails at start-up, not at the first upload);
KAPOK_S3_ENDPOINT_URL names a store other than AWS (then addressed by path, as MinIO expects);
the keys (KAPOK_S3_ACCESS_KEY_ID, KAPOK_S3_SECRET_ACCESS_KEY, each also as *_FILE) may be left
out when the machine has credentials of its own (boto3's usual chain: an instance role, …).
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from kapok.environment import env_choice, env_optional_secret, env_str

LOCAL, S3 = "local", "s3"
S3_BACKEND = "storages.backends.s3.S3Storage"


def media_storage() -> dict:
    """The STORAGES["default"] entry the environment asks for."""
    kind = env_choice("KAPOK_MEDIA_STORAGE", LOCAL, (LOCAL, S3))
    if kind == LOCAL:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {"BACKEND": S3_BACKEND, "OPTIONS": s3_options()}


def s3_options() -> dict:
    bucket = (env_str("KAPOK_S3_BUCKET") or "").strip()
    if not bucket:
        raise ImproperlyConfigured(
            "KAPOK_S3_BUCKET is required when KAPOK_MEDIA_STORAGE is s3: the bucket photos go to"
        )
    endpoint = (env_str("KAPOK_S3_ENDPOINT_URL") or "").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(
                "KAPOK_S3_ENDPOINT_URL must be an http(s) address like https://minio.example:9000,"
                f" not {endpoint!r}"
            )
    access_key = env_optional_secret("KAPOK_S3_ACCESS_KEY_ID")
    secret_key = env_optional_secret("KAPOK_S3_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "KAPOK_S3_ACCESS_KEY_ID and KAPOK_S3_SECRET_ACCESS_KEY go together: give both, or "
            "neither (to use the machine's own credentials)"
        )
    prefix = (env_str("KAPOK_S3_PREFIX") or "").strip().strip("/")
    options = {
        "bucket_name": bucket,
        "location": prefix,
        "default_acl": "private",
        # Names are random (kapok.web.photos): never overwrite, never guess a neighbour's name.
        "file_overwrite": False,
        # Should anything ask for a URL, it is signed and short-lived, never public.
        "querystring_auth": True,
        "querystring_expire": 300,
        "signature_version": "s3v4",
        "region_name": (env_str("KAPOK_S3_REGION") or "").strip() or None,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
        options["addressing_style"] = "path"
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    ca_bundle = (env_str("KAPOK_S3_CA_BUNDLE") or "").strip()
    if ca_bundle:  # an intranet store whose certificate a private authority signed
        options["verify"] = ca_bundle
    return options
