"""pyarrow, pandas and Hugging Face datasets reading and writing s3ml:// through the fsspec
filesystem (pyarrow.fs.PyFileSystem(FSSpecHandler(fs))), against the mock."""

from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (tests/python/requirements.txt)")
pytest.importorskip("fsspec", reason="fsspec is not installed (tests/python/requirements.txt)")
import pyarrow.dataset as ds  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from s3ml.fsspec import S3mlFileSystem  # noqa: E402
from _binding_util import bucket, mock, s3  # noqa: E402,F401 (fixtures)


@pytest.fixture()
def options(mock):
    return {"endpoint_url": mock.endpoint_url, "key": mock.access_key, "secret": mock.secret_key,
            "client_kwargs": {"region_name": mock.region}}


@pytest.fixture()
def fs(options):
    return S3mlFileSystem(skip_instance_cache=True, **options)


@pytest.fixture()
def arrow_fs(fs):
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs))


def _table(n: int, offset: int = 0):
    return pa.table({"id": list(range(offset, offset + n)), "name": [f"row-{i}" for i in range(offset, offset + n)]})


def test_parquet_write_and_read_table_through_pyfilesystem(arrow_fs, s3, bucket):
    table = _table(1000)
    pq.write_table(table, f"{bucket}/t/one.parquet", filesystem=arrow_fs, row_group_size=100)
    assert s3.head_object(bucket, "t/one.parquet").object_size > 0
    back = pq.read_table(f"{bucket}/t/one.parquet", filesystem=arrow_fs)
    assert back.equals(table)
    cols = pq.read_table(f"{bucket}/t/one.parquet", filesystem=arrow_fs, columns=["name"])
    assert cols.column_names == ["name"] and cols.num_rows == 1000
    info = arrow_fs.get_file_info(f"{bucket}/t/one.parquet")
    assert info.type == pafs.FileType.File and info.size == s3.head_object(bucket, "t/one.parquet").object_size
    assert arrow_fs.get_file_info(f"{bucket}/t/missing.parquet").type == pafs.FileType.NotFound


def test_pyarrow_dataset_discovers_and_filters_a_directory_of_parquet_files(arrow_fs, bucket):
    for part in range(3):
        pq.write_table(_table(50, offset=part * 50), f"{bucket}/ds/part-{part}.parquet", filesystem=arrow_fs)
    dataset = ds.dataset(f"{bucket}/ds", format="parquet", filesystem=arrow_fs)
    assert sorted(f.rsplit("/", 1)[1] for f in dataset.files) == ["part-0.parquet", "part-1.parquet",
                                                                   "part-2.parquet"]
    assert dataset.count_rows() == 150
    picked = dataset.to_table(filter=ds.field("id") >= 140)
    assert sorted(picked.column("id").to_pylist()) == list(range(140, 150))


def test_pandas_csv_and_parquet_with_s3ml_urls_and_storage_options(options, bucket):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (tests/python/requirements.txt)")
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    frame.to_csv(f"s3ml://{bucket}/p/frame.csv", index=False, storage_options=options)
    assert pd.read_csv(f"s3ml://{bucket}/p/frame.csv", storage_options=options).equals(frame)
    frame.to_parquet(f"s3ml://{bucket}/p/frame.parquet", storage_options=options)
    assert pd.read_parquet(f"s3ml://{bucket}/p/frame.parquet", storage_options=options).equals(frame)
    with pytest.raises(FileNotFoundError):
        pd.read_csv(f"s3ml://{bucket}/p/missing.csv", storage_options=options)


def test_hf_datasets_load_dataset_reads_parquet_from_s3ml_urls(arrow_fs, options, bucket, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets", reason="HF datasets is not installed (tests/python/requirements.txt)")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pq.write_table(_table(20), f"{bucket}/hf/train.parquet", filesystem=arrow_fs)
    loaded = datasets.load_dataset("parquet", data_files=f"s3ml://{bucket}/hf/train.parquet",
                                   storage_options=options, cache_dir=str(tmp_path / "hf-cache"), split="train")
    assert loaded.num_rows == 20 and loaded[3] == {"id": 3, "name": "row-3"}


RAY_SCRIPT = """
import pyarrow as pa, pyarrow.fs as pafs, pyarrow.parquet as pq
import ray, s3ml
from s3ml.fsspec import S3mlFileSystem
with s3ml.MockServer() as m:
    m.client().create_bucket("raydata")
    fs = S3mlFileSystem(endpoint_url=m.endpoint_url, key=m.access_key, secret=m.secret_key,
                        client_kwargs={"region_name": m.region}, skip_instance_cache=True)
    arrow_fs = pafs.PyFileSystem(pafs.FSSpecHandler(fs))
    for p in range(2):
        pq.write_table(pa.table({"id": list(range(p * 10, p * 10 + 10))}), f"raydata/t/p{p}.parquet",
                       filesystem=arrow_fs)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        ds = ray.data.read_parquet("raydata/t/", filesystem=arrow_fs)
        print("rows", sorted(r["id"] for r in ds.take_all()))
    finally:
        ray.shutdown()
"""


def test_ray_data_read_parquet_through_the_pyarrow_filesystem(tmp_path):
    pytest.importorskip("ray", reason="ray is not installed (tests/python/requirements.txt)")
    import subprocess
    import sys
    # A fresh interpreter: ray starts (and shutdown() stops) its own worker processes, which
    # unpickle the filesystem and read from the mock over 127.0.0.1.
    proc = subprocess.run([sys.executable, "-c", RAY_SCRIPT], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"rows {list(range(20))}" in proc.stdout, proc.stdout
