"""s3ml.MockServer fault plans (docs/reliability.md, "Fault conformance"): create, inspect,
delete, and the x-s3ml-fault-plan / x-s3ml-fault headers on requests to the in-process server."""

import urllib.error
import urllib.request

import pytest

import s3ml


def _get(srv, path, headers):
    req = urllib.request.Request(f"{srv.endpoint_url}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def srv():
    with s3ml.MockServer(allow_anonymous=True) as server:
        client = server.client()
        client.create_bucket("plans")
        client.put_object("plans", "k", b"hello")
        yield server


def test_plan_instructions_are_consumed_in_order_and_reported(srv):
    plan = srv.create_fault_plan({"GetObject": ["return-503", "return-500-InternalError"]})
    assert isinstance(plan, str) and plan
    headers = {"x-s3ml-fault-plan": plan}
    assert _get(srv, "/plans/k", headers)[0] == 503
    status = srv.fault_plan(plan)
    assert [(f["operation"], f["instruction"]) for f in status["fired"]] == [("GetObject", "return-503")]
    assert status["remaining"] == {"GetObject": ["return-500-InternalError"]}
    assert status["completed"] is False
    assert _get(srv, "/plans/k", headers)[0] == 500
    assert _get(srv, "/plans/k", headers) == (200, b"hello")
    assert srv.fault_plan(plan)["completed"] is True
    assert srv.delete_fault_plan(plan) is True
    assert srv.delete_fault_plan(plan) is False
    with pytest.raises(ValueError, match=plan):
        srv.fault_plan(plan)
    assert _get(srv, "/plans/k", headers)[0] == 400  # a deleted plan is refused, not ignored


def test_a_malformed_instruction_is_a_value_error_naming_it(srv):
    with pytest.raises(ValueError, match="'explode'"):
        srv.create_fault_plan({"GetObject": ["return-503", "explode"]})
    with pytest.raises(ValueError, match="'GetObjects'"):
        srv.create_fault_plan({"GetObjects": ["return-503"]})
    with pytest.raises(TypeError):
        srv.create_fault_plan({"GetObject": "return-503"})


def test_the_fault_header_faults_one_request(srv):
    status, body = _get(srv, "/plans/k", {"x-s3ml-fault": "return-404-NoSuchKey"})
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body
    status, body = _get(srv, "/plans/k", {"x-s3ml-fault": "return-5O3"})
    assert status == 400 and b"return-5O3" in body
    assert _get(srv, "/plans/k", {}) == (200, b"hello")
