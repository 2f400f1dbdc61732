"""s3ml.torch.save / load: streamed checkpoints, bit-identical, versioning-aware."""

import pytest

from _binding_util import import_torch_or_skip

torch = import_torch_or_skip("the s3ml.torch checkpoint tests")

import s3ml
import s3ml.torch as st


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm1d(4)
        self.fc = torch.nn.Linear(4, 2)
        self.register_buffer("steps", torch.tensor(0, dtype=torch.int64))

    def forward(self, x):
        x = self.conv(x).mean(dim=(2, 3))
        return self.fc(self.bn(x))


@pytest.fixture()
def server():
    with s3ml.MockServer() as srv:
        c = srv.client()
        c.create_bucket("ckpt")
        c.create_bucket("versioned")
        c.put_bucket_versioning("versioned", True)
        yield srv


def _assert_same_state(a, b):
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        assert torch.equal(a[name], b[name]), name


def test_state_dict_round_trip_is_bit_identical(server):
    torch.manual_seed(0)
    model = TinyNet()
    model(torch.randn(5, 3, 8, 8))  # updates the BatchNorm running stats
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(5, 3, 8, 8)).sum().backward()
    opt.step()
    c = server.client()
    obj = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 1,
           "half": torch.randn(7, dtype=torch.float16), "nan": torch.tensor([float("nan"), -0.0])}
    st.save(obj, "s3://ckpt/run1/ckpt.pt", client=c)
    back = st.load("s3://ckpt/run1/ckpt.pt", client=c)
    _assert_same_state(obj["model"], back["model"])
    assert back["step"] == 1
    assert torch.equal(obj["half"], back["half"])
    # Bit-identical, including the NaN payload and the sign of zero.
    assert obj["nan"].numpy().tobytes() == back["nan"].numpy().tobytes()
    assert back["optimizer"]["state"][0]["exp_avg"].equal(obj["optimizer"]["state"][0]["exp_avg"])
    # A fresh model loads it.
    fresh = TinyNet()
    fresh.load_state_dict(back["model"])
    _assert_same_state(model.state_dict(), fresh.state_dict())


def test_large_checkpoint_streams_through_multipart_and_ranged_reads(server):
    c = server.client()
    big = {"w": torch.arange(3 * 1024 * 1024, dtype=torch.float32)}  # 12 MiB
    info = st.save(big, "s3://ckpt/big.pt", client=c, part_size=5 * 1024 * 1024,
                   metadata={"step": 100, "loss": 0.5})
    ops = server.stats()["requests_by_operation"]
    assert ops.get("UploadPart", 0) >= 3 and ops.get("CompleteMultipartUpload", 0) == 1
    assert ops.get("PutObject", 0) == 0
    assert info.size > 12 * 1024 * 1024
    head = c.head_object("ckpt", "big.pt")
    assert head.metadata == {"step": "100", "loss": "0.5"}
    gets_before = server.stats()["requests_by_operation"].get("GetObject", 0)
    back = st.load("s3://ckpt/big.pt", client=c, map_location="cpu")
    assert torch.equal(back["w"], big["w"])
    assert server.stats()["requests_by_operation"].get("GetObject", 0) - gets_before >= 2, "ranged GETs"


def test_versioned_save_and_load_a_given_version(server):
    c = server.client()
    v1 = st.save({"x": torch.tensor([1.0])}, "s3://versioned/m.pt", client=c, metadata={"step": 1})
    v2 = st.save({"x": torch.tensor([2.0])}, "s3://versioned/m.pt", client=c, metadata={"step": 2})
    assert v1.version_id and v2.version_id and v1.version_id != v2.version_id
    assert st.load("s3://versioned/m.pt", client=c)["x"].item() == 2.0
    assert st.load("s3://versioned/m.pt", client=c, version_id=v1.version_id)["x"].item() == 1.0


def test_failed_save_stores_nothing(server):
    c = server.client()

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle this")

    payload = {"w": torch.zeros(2 * 1024 * 1024), "bad": Unpicklable()}
    with pytest.raises(RuntimeError, match="cannot pickle"):
        st.save(payload, "s3://ckpt/broken.pt", client=c, part_size=5 * 1024 * 1024)
    with pytest.raises(s3ml.NoSuchKey):
        c.head_object("ckpt", "broken.pt")
    assert list(c.list_multipart_uploads("ckpt")) == []


def test_load_errors(server):
    c = server.client()
    with pytest.raises(s3ml.NoSuchKey):
        st.load("s3://ckpt/absent.pt", client=c)
    with pytest.raises(ValueError, match="s3://"):
        st.load("ckpt/absent.pt", client=c)
    with pytest.raises(TypeError, match="metadata"):
        st.save({}, "s3://ckpt/x.pt", client=c, metadata=[("a", "b")])
