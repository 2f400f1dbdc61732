"""Listing and bucket operations through boto3 against `s3ml serve`: ListBuckets pages
(MaxBuckets, ContinuationToken, Prefix, BucketRegion), Owner without DisplayName, and
lifecycle rules saved without an ID."""

import uuid

import pytest
from botocore.exceptions import ClientError


def test_list_buckets_pages_with_max_buckets_and_continuation_token(mock_s3):
    prefix = f"lbp-{uuid.uuid4().hex[:8]}-"
    names = [f"{prefix}{i}" for i in range(5)]
    for n in names:
        mock_s3.create_bucket(Bucket=n)
    try:
        # "MaxBuckets: Maximum number of buckets to be returned in response."
        seen, pages, token = [], 0, None
        while True:
            kwargs = {"MaxBuckets": 2, "Prefix": prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = mock_s3.list_buckets(**kwargs)
            pages += 1
            assert len(page["Buckets"]) <= 2 and page["Prefix"] == prefix
            seen += [b["Name"] for b in page["Buckets"]]
            token = page.get("ContinuationToken")
            if not token:
                break
            assert pages < 10
        assert seen == names and pages == 3
        paged = [b["Name"] for p in mock_s3.get_paginator("list_buckets").paginate(
            Prefix=prefix, PaginationConfig={"PageSize": 2}) for b in p["Buckets"]]
        assert paged == names
        assert all(b["BucketRegion"] == "us-east-1" for b in mock_s3.list_buckets(Prefix=prefix)["Buckets"])
        assert mock_s3.list_buckets(Prefix=prefix, BucketRegion="eu-west-1")["Buckets"] == []
        with pytest.raises(ClientError) as e:
            mock_s3.list_buckets(MaxBuckets=10001)
        assert e.value.response["Error"]["Code"] == "InvalidArgument"
    finally:
        for n in names:
            mock_s3.delete_bucket(Bucket=n)


def test_owner_has_an_id_and_no_display_name(mock_s3, mock_bucket):
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x")
    owner = mock_s3.list_buckets()["Owner"]
    assert owner["ID"] and "DisplayName" not in owner
    listed = mock_s3.list_objects_v2(Bucket=mock_bucket, FetchOwner=True)["Contents"][0]["Owner"]
    assert listed["ID"] and "DisplayName" not in listed


def test_lifecycle_rule_without_id_gets_one(mock_s3, mock_bucket):
    mock_s3.put_bucket_lifecycle_configuration(Bucket=mock_bucket, LifecycleConfiguration={"Rules": [
        {"Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}}]})
    rules = mock_s3.get_bucket_lifecycle_configuration(Bucket=mock_bucket)["Rules"]
    assert len(rules) == 1 and rules[0]["ID"]
    mock_s3.delete_bucket_lifecycle(Bucket=mock_bucket)
