"""AmplifyBackend (``amplifybackend``): apps, backend environments, their resources and jobs."""

from .backend import AmplifyBackendBackend

__all__ = ["AmplifyBackendBackend"]
