"""boto3 against `s3ml serve`: bucket settings, ACLs, anonymous access and CORS.

Every operation of the area is called through boto3's own serializers and parsers:
Get/Put/DeleteBucketEncryption, Get/Put/DeleteBucketTagging,
Get/Put/DeleteBucketOwnershipControls, Get/Put/DeletePublicAccessBlock,
Get/PutBucketAcl, Get/PutObjectAcl, Get/Put/DeleteBucketCors, and the OPTIONS
preflight a browser sends (with urllib: boto3 has no call for it). Unsigned requests
come from a boto3 client with signature_version=UNSIGNED. The expected codes and
wording are the S3 API reference's (quoted in each test).
"""

import urllib.error
import urllib.request

import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from conftest import make_boto3_client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def _code(exc_info):
    return exc_info.value.response["Error"]["Code"], exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def anon(s3ml_serve):
    return make_boto3_client(s3ml_serve.url, signature_version=UNSIGNED)


def _enable_public_acls(s3, bucket):
    s3.put_bucket_ownership_controls(Bucket=bucket,
                                     OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.delete_public_access_block(Bucket=bucket)


def test_default_encryption_is_sse_s3_and_a_kms_default_applies_to_new_objects(mock_s3, mock_bucket):
    # GetBucketEncryption: "By default, all buckets have a default encryption configuration
    # that uses server-side encryption with Amazon S3 managed keys (SSE-S3)."
    rules = mock_s3.get_bucket_encryption(Bucket=mock_bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert mock_s3.put_object(Bucket=mock_bucket, Key="a", Body=b"x")["ServerSideEncryption"] == "AES256"

    mock_s3.put_bucket_encryption(Bucket=mock_bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/models"},
        "BucketKeyEnabled": True}]})
    rule = mock_s3.get_bucket_encryption(Bucket=mock_bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/models"}
    assert rule["BucketKeyEnabled"] is True
    put = mock_s3.put_object(Bucket=mock_bucket, Key="b", Body=b"x")
    assert put["ServerSideEncryption"] == "aws:kms"
    assert put["SSEKMSKeyId"].endswith(":alias/models")
    assert put["BucketKeyEnabled"] is True
    assert mock_s3.head_object(Bucket=mock_bucket, Key="b")["ServerSideEncryption"] == "aws:kms"
    copied = mock_s3.copy_object(Bucket=mock_bucket, Key="c", CopySource={"Bucket": mock_bucket, "Key": "a"})
    assert copied["ServerSideEncryption"] == "aws:kms"

    mock_s3.delete_bucket_encryption(Bucket=mock_bucket)
    rules = mock_s3.get_bucket_encryption(Bucket=mock_bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_bucket_encryption_refuses_a_kms_key_with_aes256(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_encryption(Bucket=mock_bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]})
    assert _code(e) == ("InvalidArgument", 400)


def test_bucket_tagging_round_trip_and_no_such_tag_set(mock_s3, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_tagging(Bucket=mock_bucket)
    assert _code(e) == ("NoSuchTagSet", 404)
    mock_s3.put_bucket_tagging(Bucket=mock_bucket, Tagging={"TagSet": [{"Key": "team", "Value": "ml"}]})
    assert mock_s3.get_bucket_tagging(Bucket=mock_bucket)["TagSet"] == [{"Key": "team", "Value": "ml"}]
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_tagging(Bucket=mock_bucket, Tagging={"TagSet": [
            {"Key": f"k{i}", "Value": "v"} for i in range(51)]})
    assert _code(e) == ("InvalidTag", 400)
    mock_s3.delete_bucket_tagging(Bucket=mock_bucket)
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_tagging(Bucket=mock_bucket)
    assert _code(e) == ("NoSuchTagSet", 404)


def test_ownership_controls_default_enforced_and_acls_refused(mock_s3, mock_bucket):
    got = mock_s3.get_bucket_ownership_controls(Bucket=mock_bucket)
    assert got["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # "Requests to set ACLs or update ACLs fail with a 400 error and return the
    # AccessControlListNotSupported error code."
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", ACL="public-read")
    assert _code(e) == ("AccessControlListNotSupported", 400)
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_acl(Bucket=mock_bucket, ACL="public-read")
    assert _code(e) == ("AccessControlListNotSupported", 400)
    # "Requests to read ACLs always return a response that shows full control for the bucket owner."
    acl = mock_s3.get_object_acl(Bucket=mock_bucket, Key="k")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]

    mock_s3.delete_bucket_ownership_controls(Bucket=mock_bucket)
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_ownership_controls(Bucket=mock_bucket)
    assert _code(e) == ("OwnershipControlsNotFoundError", 404)


def test_public_access_block_default_on_and_block_public_acls(mock_s3, mock_bucket):
    conf = mock_s3.get_public_access_block(Bucket=mock_bucket)["PublicAccessBlockConfiguration"]
    assert conf == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True}
    mock_s3.put_bucket_ownership_controls(Bucket=mock_bucket,
                                          OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", ACL="public-read")
    assert _code(e) == ("AccessDenied", 403)
    mock_s3.put_public_access_block(Bucket=mock_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    assert mock_s3.get_public_access_block(Bucket=mock_bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] \
        is False
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", ACL="public-read")
    mock_s3.delete_public_access_block(Bucket=mock_bucket)
    with pytest.raises(ClientError) as e:
        mock_s3.get_public_access_block(Bucket=mock_bucket)
    assert _code(e) == ("NoSuchPublicAccessBlockConfiguration", 404)


def test_object_acl_grants_anonymous_reads_exactly_where_given(mock_s3, anon, mock_bucket):
    _enable_public_acls(mock_s3, mock_bucket)
    mock_s3.put_object(Bucket=mock_bucket, Key="public", Body=b"open data", ACL="public-read")
    mock_s3.put_object(Bucket=mock_bucket, Key="private", Body=b"secret")
    acl = mock_s3.get_object_acl(Bucket=mock_bucket, Key="public")
    assert {(g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]} == {
        (None, "FULL_CONTROL"), (ALL_USERS, "READ")}
    assert anon.get_object(Bucket=mock_bucket, Key="public")["Body"].read() == b"open data"
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=mock_bucket, Key="private")
    assert _code(e) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as e:
        anon.list_objects_v2(Bucket=mock_bucket)
    assert _code(e) == ("AccessDenied", 403)

    # PutObjectAcl with an explicit grant list, then back to private.
    owner = acl["Owner"]
    mock_s3.put_object_acl(Bucket=mock_bucket, Key="private", AccessControlPolicy={
        "Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
    assert anon.get_object(Bucket=mock_bucket, Key="private")["Body"].read() == b"secret"
    mock_s3.put_object_acl(Bucket=mock_bucket, Key="private", ACL="private")
    with pytest.raises(ClientError) as e:
        anon.get_object(Bucket=mock_bucket, Key="private")
    assert _code(e) == ("AccessDenied", 403)


def test_bucket_acl_public_read_write_lets_anonymous_list_and_write(mock_s3, anon, mock_bucket):
    _enable_public_acls(mock_s3, mock_bucket)
    mock_s3.put_bucket_acl(Bucket=mock_bucket, ACL="public-read-write")
    grants = mock_s3.get_bucket_acl(Bucket=mock_bucket)["Grants"]
    assert sorted(g["Permission"] for g in grants) == ["FULL_CONTROL", "READ", "WRITE"]
    anon.put_object(Bucket=mock_bucket, Key="upload", Body=b"x")
    assert [o["Key"] for o in anon.list_objects_v2(Bucket=mock_bucket)["Contents"]] == ["upload"]
    mock_s3.put_bucket_acl(Bucket=mock_bucket, ACL="private")
    with pytest.raises(ClientError) as e:
        anon.list_objects_v2(Bucket=mock_bucket)
    assert _code(e) == ("AccessDenied", 403)


def test_bad_acls_are_400_not_501(mock_s3, mock_bucket):
    _enable_public_acls(mock_s3, mock_bucket)
    mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x")
    owner = mock_s3.get_bucket_acl(Bucket=mock_bucket)["Owner"]
    with pytest.raises(ClientError) as e:
        mock_s3.put_object_acl(Bucket=mock_bucket, Key="k", AccessControlPolicy={
            "Owner": owner, "Grants": [{"Grantee": {"Type": "Group", "URI": "http://example.com/all"},
                                        "Permission": "READ"}]})
    assert _code(e) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as e:
        mock_s3.put_object_acl(Bucket=mock_bucket, Key="k", GrantRead='emailAddress="x@example.com"')
    assert _code(e) == ("UnresolvableGrantByEmailAddress", 400)
    with pytest.raises(ClientError) as e:
        mock_s3.put_object(Bucket=mock_bucket, Key="k", Body=b"x", ACL="private", GrantRead=f'id="{owner["ID"]}"')
    assert _code(e) == ("InvalidRequest", 400)


CORS = {"CORSRules": [{"AllowedOrigins": ["https://notebook.example"], "AllowedMethods": ["GET", "HEAD"],
                       "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]}


def _preflight(url, origin, method, headers=None):
    req = urllib.request.Request(url, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": method, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


def test_cors_configuration_preflight_and_response_headers(mock_s3, s3ml_serve, mock_bucket):
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_cors(Bucket=mock_bucket)
    assert _code(e) == ("NoSuchCORSConfiguration", 404)
    mock_s3.put_bucket_cors(Bucket=mock_bucket, CORSConfiguration=CORS)
    rules = mock_s3.get_bucket_cors(Bucket=mock_bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://notebook.example"]
    assert rules[0]["AllowedMethods"] == ["GET", "HEAD"]
    assert rules[0]["MaxAgeSeconds"] == 600

    url = f"{s3ml_serve.url}/{mock_bucket}/shard-0.tar"
    status, headers = _preflight(url, "https://notebook.example", "GET", {"Access-Control-Request-Headers": "range"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://notebook.example"
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert headers["Access-Control-Allow-Headers"] == "range"
    assert headers["Access-Control-Max-Age"] == "600"
    status, _ = _preflight(url, "https://elsewhere.example", "GET")
    assert status == 403
    status, _ = _preflight(url, "https://notebook.example", "DELETE")
    assert status == 403

    mock_s3.put_object(Bucket=mock_bucket, Key="shard-0.tar", Body=b"x")
    got = mock_s3.get_object(Bucket=mock_bucket, Key="shard-0.tar")  # no Origin: no CORS headers
    assert "access-control-allow-origin" not in got["ResponseMetadata"]["HTTPHeaders"]

    with pytest.raises(ClientError) as e:
        mock_s3.put_bucket_cors(Bucket=mock_bucket, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})
    assert _code(e) == ("InvalidRequest", 400)
    mock_s3.delete_bucket_cors(Bucket=mock_bucket)
    with pytest.raises(ClientError) as e:
        mock_s3.get_bucket_cors(Bucket=mock_bucket)
    assert _code(e) == ("NoSuchCORSConfiguration", 404)
