"""The API's JSON parser: DRF's, with a body nested beyond what Python can parse answered as a 400."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # thousands of nested brackets: no recsite body is more than a few deep
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
