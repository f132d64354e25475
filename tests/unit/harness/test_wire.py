"""The raw success body as the output schema sees it (harness/wire.py)."""

from __future__ import annotations

import pytest

from harness.wire import BodyError, decode_success_body
from specs.loader import load_service

_IE = load_service("importexport")
_LIST_JOBS = _IE.operation("ListJobs")


def _list_jobs(item_tag: str) -> bytes:
    return (f'<ListJobsResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/"><ListJobsResult>'
            f"<Jobs><{item_tag}><JobId>ABCDE</JobId><CreationDate>2026-12-04T21:53:14.803Z</CreationDate>"
            f"<IsCanceled>false</IsCanceled><JobType>Import</JobType></{item_tag}></Jobs>"
            f"<IsTruncated>false</IsTruncated></ListJobsResult></ListJobsResponse>").encode()


def test_query_lists_hold_their_items() -> None:
    body = decode_success_body(_LIST_JOBS, _IE, _list_jobs("member"))
    assert body == {"Jobs": [{"JobId": "ABCDE", "CreationDate": "2026-12-04T21:53:14.803Z", "IsCanceled": "false",
                              "JobType": "Import"}], "IsTruncated": "false"}


def test_a_query_list_item_under_another_tag_is_refused() -> None:
    # botocore reads any child of a list as an item; SDKs that read <member> only would see none
    with pytest.raises(BodyError, match=r"<Jobs> holds a <Job> element: its items are <member> elements"):
        decode_success_body(_LIST_JOBS, _IE, _list_jobs("Job"))
