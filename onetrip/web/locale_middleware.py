"""Simplified Chinese first: pages speak Chinese unless the person chose English."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Programs say which language they read in Accept-Language, and get it.
PROGRAM_PATHS = ("/api/", "/open311/")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that pages ignore the browser's Accept-Language.

    A county's system is Chinese by default whatever language a browser was
    installed in; English is one click away (the switch in the header sets the
    language cookie, which wins). The JSON API and Open311 still follow
    Accept-Language, as programs expect.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(PROGRAM_PATHS):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
