"""Pull the list out of a batch body such as {"events": [...]}, with a clear error when it is missing."""

from typing import Any

from recommendations.errors import FieldError, ValidationFailed


def batch_rows(body: Any, key: str) -> Any:
    """Return body[key], or raise ValidationFailed naming the expected shape."""
    if not isinstance(body, dict) or key not in body:
        raise ValidationFailed(
            f'The body must be a JSON object like {{"{key}": [...]}}.',
            [FieldError(None, key, "this field is required")],
        )
    extra = sorted(set(body) - {key})
    if extra:
        raise ValidationFailed(
            "The body has unexpected fields.",
            [FieldError(None, name, f'unknown field; only "{key}" is expected') for name in extra],
        )
    return body[key]
