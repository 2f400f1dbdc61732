"""s3ml.torch.S3MapDataset: lazy listing and random access."""

import pickle

import pytest

from _binding_util import import_torch_or_skip

torch = import_torch_or_skip("the s3ml.torch map-dataset tests")
from torch.utils.data import DataLoader  # noqa: E402

import s3ml
import s3ml.torch as st

BUCKET = "mapdata"
N = 2500


@pytest.fixture(scope="module")
def server():
    with s3ml.MockServer() as srv:
        c = srv.client()
        c.create_bucket(BUCKET)
        for i in range(N):
            c.put_object(BUCKET, f"items/{i:05d}.bin", i.to_bytes(4, "little") * 4)
        c.put_object(BUCKET, "other/x", b"not in the prefix")
        yield srv


def _lists(server):
    return server.stats()["requests_by_operation"].get("ListObjectsV2", 0)


def _gets(server):
    return server.stats()["requests_by_operation"].get("GetObject", 0)


def test_lazy_listing_one_page_for_the_first_item(server):
    lists0 = _lists(server)
    requests0 = server.stats()["requests"]
    ds = st.S3MapDataset(f"s3://{BUCKET}/items/", client_kwargs=server.client_kwargs())
    assert server.stats()["requests"] == requests0, "construction must do no I/O"
    item = ds[0]
    assert _lists(server) - lists0 == 1, "ds[0] lists exactly one page"
    assert item == {"__key__": "items/00000.bin", "data": (0).to_bytes(4, "little") * 4}
    assert ds[999]["__key__"] == "items/00999.bin"
    assert _lists(server) - lists0 == 1, "keys of the first page are cached"
    assert ds[1500]["data"] == (1500).to_bytes(4, "little") * 4
    assert _lists(server) - lists0 == 2
    assert len(ds) == N
    assert _lists(server) - lists0 == 3, "len() lists the rest once"
    assert len(ds) == N and ds[-1]["__key__"] == f"items/{N - 1:05d}.bin"
    assert _lists(server) - lists0 == 3
    with pytest.raises(IndexError):
        ds[N]


def test_transform_receives_object_sample_zero_copy(server):
    def transform(obj):
        assert isinstance(obj, st.ObjectSample)
        return torch.frombuffer(bytearray(obj.data), dtype=torch.int32)

    ds = st.S3MapDataset(f"s3://{BUCKET}/items/", client_kwargs=server.client_kwargs(), transform=transform)
    assert torch.equal(ds[7], torch.full((4,), 7, dtype=torch.int32))


def test_dataloader_workers_shuffle_over_map_dataset(server):
    keys = [f"s3://{BUCKET}/items/{i:05d}.bin" for i in range(0, N, 50)]
    ds = st.S3MapDataset(keys, client_kwargs=server.client_kwargs(),
                         transform=lambda o: int.from_bytes(bytes(o.data)[:4], "little"))
    lists0 = _lists(server)
    values = [v for batch in DataLoader(ds, batch_size=8, shuffle=True, num_workers=2) for v in batch.tolist()]
    assert sorted(values) == list(range(0, N, 50))
    assert _lists(server) == lists0, "an explicit key list never lists"


def _key_of(obj):
    return obj.key


def test_workers_continue_listing_from_a_partially_listed_prefix(server):
    ds = st.S3MapDataset(f"s3://{BUCKET}/items/", client_kwargs=server.client_kwargs(), transform=_key_of)
    ds[10]  # one page listed in the parent
    lists0 = _lists(server)
    ds2 = pickle.loads(pickle.dumps(ds))  # what a spawned worker receives
    assert ds2[2400] == "items/02400.bin"
    assert _lists(server) - lists0 == 3, "the copy lists from the start, page by page"
    got = [k for batch in DataLoader(ds, batch_size=100, num_workers=2) for k in batch]
    assert got == [f"items/{i:05d}.bin" for i in range(N)]


def test_bad_arguments(server):
    with pytest.raises(ValueError, match="s3://"):
        st.S3MapDataset("bucket/prefix")
    with pytest.raises(TypeError):
        st.S3MapDataset(42)
    with pytest.raises(TypeError, match="transform"):
        st.S3MapDataset(f"s3://{BUCKET}/", transform="nope")


def test_client_arguments_given_directly(server):
    ds = st.S3MapDataset(f"s3://{BUCKET}/items/", **server.client_kwargs())
    assert ds[3]["__key__"] == "items/00003.bin"
    with pytest.raises(TypeError, match="bogus"):
        st.S3MapDataset(f"s3://{BUCKET}/items/", bogus=1)
    with pytest.raises(TypeError, match="either client"):
        st.S3MapDataset(f"s3://{BUCKET}/items/", client=server.client(), region="us-east-1")
