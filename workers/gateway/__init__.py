"""HTTP gateway: caseworker systems talk HTTP, the gateway talks Temporal."""

from workers.gateway.app import create_app

__all__ = ["create_app"]
