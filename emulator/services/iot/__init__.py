"""IoT: the job part of the control plane (``iot``) and the Jobs data plane (``iot-jobs-data``)."""

from .backend import IotBackend

__all__ = ["IotBackend"]
