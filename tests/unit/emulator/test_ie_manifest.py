"""Import/Export manifest parsing and validation: every documented manifest error."""

from __future__ import annotations

import pytest
import yaml

from emulator.core import ServiceError
from emulator.services.ie_manifest import parse_manifest, validate_manifest

KEY = "test-primary-key-id"
ADDRESS = {"name": "Jane Doe", "street1": "1 Main Street", "city": "Seattle", "stateOrProvince": "WA",
           "postalCode": "98101", "country": "USA", "phoneNumber": "206-555-1000"}
IMPORT = {"manifestVersion": 2.0, "accessKeyId": KEY, "deviceId": 532404500021, "bucket": "jobfuzz-import",
          "eraseDevice": True, "returnAddress": ADDRESS}
EXPORT = {"manifestVersion": 2.0, "accessKeyId": KEY, "deviceId": "DEV1", "fileSystem": "NTFS",
          "logBucket": "logs", "operations": [{"exportBucket": "data", "prefix": "a/"}],
          "returnAddress": ADDRESS}
CUSTOMS = {"dataDescription": "Medical test results.", "encryptedData": True,
           "encryptionClassification": "5D992", "exportCertifierName": "John Doe",
           "requiresExportLicense": True, "deviceValue": 250.0,
           "deviceCountryOfOrigin": "China", "deviceType": "externalStorageDevice", "typeOfExport": "return"}

OVERLAY_EXAMPLE = f"""manifestVersion: 2.0
accessKeyId: {KEY}
deviceId: 532404500021
bucket: jobfuzz-import
eraseDevice: yes
returnAddress:
  name: Jane Doe
  street1: 1 Main Street
  city: Seattle
  stateOrProvince: WA
  postalCode: "98101"
  country: USA
  phoneNumber: 206-555-1000
"""


def check(doc: dict | str, job_type: str = "Import", buckets: frozenset[str] | None = None,
          op: str = "CreateJob"):
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc)
    return validate_manifest(text, job_type=job_type, access_key=KEY, operation=op, buckets=buckets)


def fails(doc: dict | str, job_type: str = "Import", buckets: frozenset[str] | None = None,
          op: str = "CreateJob") -> ServiceError:
    with pytest.raises(ServiceError) as info:
        check(doc, job_type, buckets, op)
    assert info.value.status == 400
    assert info.value.message.startswith(f"{op}: ")
    return info.value


def without(doc: dict, *path: str) -> dict:
    out = yaml.safe_load(yaml.safe_dump(doc))
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def with_(doc: dict, **changes) -> dict:
    return {**doc, **changes}


def test_documented_import_example_is_valid() -> None:
    m = check(OVERLAY_EXAMPLE)
    assert m.job_type == "Import" and m.log_bucket == "jobfuzz-import" and m.log_prefix == ""
    assert m.return_address["postalCode"] == "98101" and m.buckets == ("jobfuzz-import",)
    assert m.warnings == ()


def test_export_is_valid_and_names_every_bucket() -> None:
    m = check(EXPORT, "Export")
    assert m.log_bucket == "logs" and set(m.buckets) == {"data", "logs"}


@pytest.mark.parametrize("text", ["INVALID MANIFEST", "- a\n- b\n", "a: [unclosed", "", "42"])
def test_malformed(text: str) -> None:
    err = fails(text)
    assert err.code == "MalformedManifestException"
    assert "Your manifest is not well-formed" in err.message


def test_parse_returns_mapping() -> None:
    assert parse_manifest("a: 1\n", "CreateJob") == {"a": 1}


def test_aws_cli_sample_with_flat_return_address_is_rejected() -> None:
    # D13: the aws-cli sample is not validly nested YAML; returnAddress comes out empty
    text = f"manifestVersion: 2.0;\ngenerator: Text editor\naccessKeyId: {KEY}\ndeviceId: 49382\n" \
           "returnAddress:\nname: Jane\n"
    err = fails(text)
    assert err.code == "InvalidManifestFieldException" and "manifestVersion" in err.message


@pytest.mark.parametrize("field", ["manifestVersion", "accessKeyId", "deviceId", "returnAddress", "bucket",
                                   "eraseDevice"])
def test_missing_import_fields(field: str) -> None:
    err = fails(without(IMPORT, field))
    assert err.code == "MissingManifestFieldException"
    assert f"Manifest.{field}" in err.message and "missing" in err.message


@pytest.mark.parametrize("field", ["fileSystem", "operations", "logBucket"])
def test_missing_export_fields(field: str) -> None:
    err = fails(without(EXPORT, field), "Export")
    assert err.code == "MissingManifestFieldException" and f"Manifest.{field}" in err.message


def test_missing_export_bucket_in_an_operation() -> None:
    err = fails(with_(EXPORT, operations=[{"prefix": "x"}]), "Export")
    assert err.code == "MissingManifestFieldException" and "operations[0].exportBucket" in err.message


@pytest.mark.parametrize("field,value,expected", [
    ("manifestVersion", 3.0, "2.0"),
    ("manifestVersion", "two", "2.0"),
    ("deviceId", "", "non-empty"),
    ("deviceId", ["a"], "non-empty"),
    ("eraseDevice", False, "yes"),
    ("eraseDevice", "maybe", "yes"),
    ("acl", "everyone-may-write", "private"),
    ("serviceLevel", "overnight", "standard"),
    ("notificationEmail", "not-an-email", "email"),
    ("contentTypes", ["text/plain"], "mapping"),
    ("logPrefix", "x" * 1010, "1024 bytes"),
    ("prefix", {"a": 1}, "a string"),
])
def test_invalid_import_fields(field: str, value, expected: str) -> None:
    err = fails(with_(IMPORT, **{field: value}))
    assert err.code == "InvalidManifestFieldException"
    assert f"Manifest.{field}" in err.message and expected in err.message


def test_log_prefix_at_the_limit_is_accepted() -> None:
    # logPrefix + "export-log-" + 5-character job id = 1024 bytes
    assert check(with_(IMPORT, logPrefix="x" * (1024 - 11 - 5))).log_prefix.startswith("x")


@pytest.mark.parametrize("acl", ["private", "public-read", "public-read-write", "authenticated-read"])
def test_every_documented_acl_is_accepted(acl: str) -> None:
    assert check(with_(IMPORT, acl=acl)).doc["acl"] == acl


def test_erase_device_as_the_word_yes_is_accepted() -> None:
    assert check(with_(IMPORT, eraseDevice="yes")).doc["eraseDevice"] == "yes"


def test_access_key_must_be_the_signing_key() -> None:
    err = fails(with_(IMPORT, accessKeyId="jobfuzz-other-key-id"))
    assert err.code == "InvalidAccessKeyIdException"
    assert KEY in err.message and "jobfuzz-other-key-id" in err.message


@pytest.mark.parametrize("field", ["name", "street1", "city", "stateOrProvince", "postalCode", "country",
                                   "phoneNumber"])
def test_return_address_subfields_are_required(field: str) -> None:
    err = fails(without(IMPORT, "returnAddress", field))
    assert err.code == "InvalidAddressException" and f"returnAddress.{field}" in err.message


def test_return_address_not_a_mapping_or_bad_subfield() -> None:
    assert fails(with_(IMPORT, returnAddress="somewhere")).code == "InvalidAddressException"
    bad = with_(IMPORT, returnAddress={**ADDRESS, "street2": ["x"]})
    err = fails(bad)
    assert err.code == "InvalidAddressException" and "returnAddress.street2" in err.message


@pytest.mark.parametrize("fs", ["FAT32", "ntfs", ""])
def test_bad_file_system(fs: str) -> None:
    err = fails(with_(EXPORT, fileSystem=fs), "Export")
    assert err.code == "InvalidFileSystemException" and "NTFS, EXT4" in err.message


def test_ext4_accepted() -> None:
    assert check(with_(EXPORT, fileSystem="EXT4"), "Export").doc["fileSystem"] == "EXT4"


@pytest.mark.parametrize("ops", [[], "data", [["x"]]])
def test_bad_export_operations(ops) -> None:
    assert fails(with_(EXPORT, operations=ops), "Export").code == "InvalidManifestFieldException"


def test_buckets_must_exist_when_the_emulator_lists_them() -> None:
    err = fails(IMPORT, buckets=frozenset({"other"}))
    assert err.code == "NoSuchBucketException" and "jobfuzz-import" in err.message
    assert check(IMPORT, buckets=frozenset({"jobfuzz-import"})).log_bucket == "jobfuzz-import"
    err = fails(with_(IMPORT, logBucket="logs"), buckets=frozenset({"jobfuzz-import"}))
    assert err.code == "NoSuchBucketException" and "'logs'" in err.message
    err = fails(EXPORT, "Export", buckets=frozenset({"logs"}))
    assert err.code == "NoSuchBucketException" and "'data'" in err.message


def test_incompatible_bucket_name_is_a_warning() -> None:
    m = check(with_(IMPORT, bucket="My_Bucket"))
    assert m.warnings and "My_Bucket" in m.warnings[0]


@pytest.mark.parametrize("country", ["Japan", "CA", "switzerland"])
def test_customs_required_outside_us_and_eu(country: str) -> None:
    doc = with_(IMPORT, returnAddress={**ADDRESS, "country": country})
    err = fails(doc)
    assert err.code == "MissingCustomsException" and "Manifest.customs" in err.message
    assert check(with_(doc, customs=CUSTOMS)).return_address["country"] == country
    err = fails(with_(doc, customs=without(CUSTOMS, "deviceValue")))
    assert err.code == "MissingCustomsException" and "customs.deviceValue" in err.message


@pytest.mark.parametrize("country", ["USA", "United States", "Germany", "IE", "Atlantis"])
def test_customs_not_required_for_us_eu_or_unknown(country: str) -> None:
    assert check(with_(IMPORT, returnAddress={**ADDRESS, "country": country})).doc.get("customs") is None


@pytest.mark.parametrize("customs,field", [
    ("lots", "customs"),
    ({**CUSTOMS, "encryptedData": "perhaps"}, "customs.encryptedData"),
    ({**CUSTOMS, "requiresExportLicense": 3}, "customs.requiresExportLicense"),
    ({**CUSTOMS, "deviceValue": "cheap"}, "customs.deviceValue"),
    ({**CUSTOMS, "deviceValue": -1}, "customs.deviceValue"),
    ({**CUSTOMS, "deviceType": ""}, "customs.deviceType"),
])
def test_invalid_customs(customs, field: str) -> None:
    err = fails(with_(IMPORT, customs=customs))
    assert err.code == "InvalidCustomsException" and f"Manifest.{field}" in err.message


def test_operation_name_is_in_the_message() -> None:
    assert fails(without(IMPORT, "bucket"), op="UpdateJob").message.startswith("UpdateJob: Manifest.bucket")


def laughs(depth: int, field: str = "returnAddress") -> str:
    """A manifest of a few hundred bytes whose ``field`` is an alias of aliases: 9**depth values
    when expanded (depth 9: 387 million)."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, depth):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join([*lines, f"manifestVersion: 2.0\naccessKeyId: {KEY}\n{field}: *l{depth - 1}\n"])


@pytest.mark.parametrize("field", ["returnAddress", "operations", "customs", "contentTypes", "bucket"])
def test_an_alias_of_a_collection_is_malformed_without_expanding_it(field: str) -> None:
    import tracemalloc

    text = laughs(6, field)  # 531,441 values expanded; small enough for a manifest walker that expands
    tracemalloc.start()
    try:
        err = fails(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.code == "MalformedManifestException"
    assert err.message.startswith("CreateJob: Your manifest is not well-formed: Manifest.")
    assert "alias" in err.message and len(err.message) < 300
    assert peak < 2**20, f"{peak} bytes allocated checking a {len(text)}-byte manifest"


def test_aliases_of_scalars_and_anchors_alone_are_plain_values() -> None:
    assert parse_manifest("a: &x Seattle\nb: *x\nc: &y [1, 2]\n", "CreateJob") == {
        "a": "Seattle", "b": "Seattle", "c": [1, 2]}


def test_a_self_referencing_alias_is_malformed() -> None:
    with pytest.raises(ServiceError) as info:
        parse_manifest("returnAddress: &a [*a]\n", "CreateJob")
    assert info.value.code == "MalformedManifestException" and "Manifest.returnAddress[0]" in info.value.message
