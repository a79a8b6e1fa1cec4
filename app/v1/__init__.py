"""The /v1 contract: typed request and answer models, the source of validation, serialization and
the OpenAPI document alike."""
