"""Teach drf-spectacular how our API key authentication appears in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from recommendations.models.catalog import EXTERNAL_ID_MAX_LENGTH


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "recommendations.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):  # noqa: ANN001, ANN201 - signature set by drf-spectacular
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Authorization: Api-Key <key>`. Keys are created by staff in the admin.",
        }


# Answers every authenticated operation can give besides its own, each in the error shape.
COMMON_ERRORS = {
    "401": "No API key, or one that is unknown, revoked or expired.",
    "403": "The key lacks the operation's scope (the message names it).",
    "429": "Over the key's rate; the Retry-After header says how many seconds to wait.",
    "503": "The database cannot be reached; nothing was changed. Retry after the Retry-After header's seconds.",
}


def common_errors(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: document the shared error answers on every operation."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(status, {"description": description, "content": error})
    return result


def path_id_bounds(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: a marketplace id in a path is 1 to 128 characters, as in bodies."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"].endswith("_id"):
                    parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX_LENGTH}
    return result


def closed_request_bodies(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: request bodies take only the fields they list (a misspelt field
    is refused with a 400 naming it, not ignored), so their objects say additionalProperties: false."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
