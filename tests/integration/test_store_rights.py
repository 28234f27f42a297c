"""Test connection and doctor say what the bucket lacks: versioning, Object Lock."""

from __future__ import annotations

from s3_helpers import s3_target


def test_a_bucket_without_object_lock_or_versioning_is_named(s3_server):
    bucket = s3_server.make_bucket(object_lock=False)
    report = s3_target(s3_server, bucket).test_connection()
    assert report.ok  # calls can be delivered ...
    words = report.words()
    assert words.startswith("Connection works, but")  # ... but not as the organisation counts
    assert "no versioning" in words and "no Object Lock" in words
    assert words != "Connection works."


def test_a_bucket_with_object_lock_and_versioning_just_works(s3_server):
    bucket = s3_server.make_bucket(object_lock=True)  # Object Lock turns versioning on
    report = s3_target(s3_server, bucket).test_connection()
    assert report.ok and report.missing == () and report.words() == "Connection works."


def test_versioning_alone_still_misses_object_lock(s3_server):
    bucket = s3_server.make_bucket(object_lock=False)
    s3_server.client().put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    report = s3_target(s3_server, bucket).test_connection()
    assert len(report.missing) == 1 and "no Object Lock" in report.missing[0]
