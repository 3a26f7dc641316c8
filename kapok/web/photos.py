"""Photos uploaded from phones (home visits; needs' results later): checked, then re-encoded.

    content = read_photo(upload)   # a JPEG ContentFile with a random name, or PhotoError
    VisitPhoto(visit=visit).image.save(content.name, content)

What is accepted is decided by the content, never by the file's name or the browser's type:
Pillow must recognise a JPEG, PNG or WebP image (HEIC/HEIF too when a Pillow plug-in such as
pillow-heif is installed). Refused with the reason, in the user's language: anything else, a file
larger than ``settings.KAPOK_UPLOAD_MAX_BYTES`` (KAPOK_UPLOAD_MAX_BYTES, 10 MB by default), an
image of more than MAX_PIXELS pixels (a decompression bomb: a small file that unpacks into
gigabytes), and a damaged file.

Every accepted photo is re-encoded: turned upright by its EXIF orientation, converted to sRGB,
its long side capped at LONG_SIDE pixels, saved as a JPEG without any metadata — no EXIF, so no
GPS position, no camera serial, no time. Stored through Django's default storage (the file
system now; an S3-compatible store by configuration), under a random name: the name the phone
gave it is not kept.
"""

import io
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:
    from PIL import ImageCms
except ImportError:  # pragma: no cover - Pillow built without littlecms
    ImageCms = None

try:  # HEIC, as iPhones take them, if the optional plug-in is installed.
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - depends on the installation
    pass
else:  # pragma: no cover
    register_heif_opener()

# The long side of a stored photo, in pixels: enough to read a label or a meter.
LONG_SIDE = 2048
# Images with more pixels than this are refused before they are decoded (a 200-megapixel phone
# camera stores 50-megapixel photos by default).
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85
# The most photos one form takes at once (a visit, a need's result).
MAX_PHOTOS = 5
# Pillow's format names; HEIF only when a plug-in made Pillow able to read it.
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")


class PhotoError(ValidationError):
    pass


def accepted_formats() -> list[str]:
    Image.init()
    return [name for name in FORMATS if name in Image.OPEN]


def accepted_types() -> str:
    """For the file input's ``accept`` attribute (a hint to the phone; the content decides)."""
    types = ["image/jpeg", "image/png", "image/webp"]
    if "HEIF" in accepted_formats():
        types += ["image/heic", "image/heif"]
    return ",".join(types)


def read_photo(upload, *, name: str | None = None) -> ContentFile:
    """Check an uploaded file and return it re-encoded as a JPEG, or raise PhotoError."""
    name = name or getattr(upload, "name", "") or _("the photo")
    limit = settings.KAPOK_UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise PhotoError(
            _("“%(name)s” is too large (%(size)s MB): a photo may be at most %(limit)s MB.")
            % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
            code="too_large",
        )
    formats = accepted_formats()
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Our own pixel limit below is lower than Pillow's; its warning is not needed.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=formats)
    except Image.DecompressionBombError:
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise _not_a_photo(name, formats) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels(name)
        try:
            content = _reencoded(image)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise PhotoError(
                _("“%(name)s” could not be read: the file is damaged or incomplete.")
                % {"name": name},
                code="damaged",
            ) from None
    return ContentFile(content, name=f"{uuid.uuid4().hex}.jpg")


def _not_a_photo(name: str, formats: list[str]) -> PhotoError:
    kinds = "、".join("HEIC" if kind == "HEIF" else kind for kind in formats)
    return PhotoError(
        _("“%(name)s” is not a photo: only %(kinds)s images are accepted.")
        % {"name": name, "kinds": kinds},
        code="not_a_photo",
    )


def _too_many_pixels(name: str) -> PhotoError:
    return PhotoError(
        _("“%(name)s” has too many pixels: a photo may have at most %(limit)s million.")
        % {"name": name, "limit": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def _reencoded(image: Image.Image) -> bytes:
    if image.format == "JPEG":
        # Decode a large JPEG at a reduced scale straight away: far less memory.
        image.draft("RGB", (LONG_SIDE, LONG_SIDE))
    image.load()
    upright = ImageOps.exif_transpose(image)
    rgb = _srgb(upright)
    rgb.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, no icc_profile=: the JPEG carries no metadata at all.
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _srgb(image: Image.Image) -> Image.Image:
    """An RGB image in sRGB: transparency on white, a colour profile (a phone's Display P3)
    converted rather than dropped."""
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    if profile and ImageCms is not None and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (OSError, ValueError, ImageCms.PyCMSError):
            pass  # an unreadable profile: the colours stay as they are
    return image.convert("RGB")


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from a phone, each checked by its content and re-encoded (read_photo); the
    cleaned value is the list of JPEG files to store. At most ``max_photos`` at once."""

    widget = MultiplePhotoInput

    def __init__(self, *args, max_photos: int = MAX_PHOTOS, **kwargs):
        self.max_photos = max_photos
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            uploads = []
        elif isinstance(data, list | tuple):
            uploads = [upload for upload in data if upload]
        else:
            uploads = [data]
        if len(uploads) > self.max_photos:
            raise forms.ValidationError(
                _("At most %(max)s photos.") % {"max": self.max_photos}, code="too_many"
            )
        photos, errors = [], []
        for upload in uploads:
            try:
                photos.append(read_photo(upload))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return photos
