"""Tabular loading with S3 Select: a CSV table in S3 is filtered and projected by the
server (S3 Select), and again by s3ml's local engine over a streamed GET (the fallback
used when a server does not offer Select), into numpy arrays; both must agree with a
filter computed in numpy on the original data.

Run: python examples/python/tabular_select.py
"""

import io

import numpy as np

import s3ml

SQL = ("SELECT s.id, CAST(s.x AS FLOAT), CAST(s.y AS FLOAT), s.label FROM S3Object s "
       "WHERE CAST(s.x AS FLOAT) > 0.5 AND s.label IN ('a', 'c')")


def to_arrays(chunks):
    """CSV records (bytes chunks as they arrive) -> (ids, features[N, 2], labels)."""
    text = b"".join(chunks).decode()
    if not text:
        return np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0, "<U1")
    rows = np.loadtxt(io.StringIO(text), delimiter=",", dtype=str, ndmin=2)
    return rows[:, 0].astype(np.int64), rows[:, 1:3].astype(np.float64), rows[:, 3]


def main() -> None:
    rng = np.random.default_rng(0)
    n = 5000
    ids = np.arange(n)
    x = rng.random(n).round(4)
    y = rng.normal(size=n).round(4)
    labels = rng.choice(["a", "b", "c"], size=n)
    csv = "id,x,y,label\n" + "".join(f"{i},{a},{b},{c}\n" for i, a, b, c in zip(ids, x, y, labels))

    with s3ml.MockServer() as server:
        s3 = server.client()
        s3.create_bucket("tables")
        s3.put_object("tables", "points.csv", csv.encode(), content_type="text/csv")
        print(f"uploaded s3://tables/points.csv: {n} rows, {len(csv)} bytes")

        stream = s3.select("tables", "points.csv", SQL, file_header_info="USE")
        server_ids, server_xy, server_labels = to_arrays(stream)
        print(f"S3 Select (server-side): {len(server_ids)} rows, stats {stream.stats()}")

        local = s3.select("tables", "points.csv", SQL, file_header_info="USE", local=True)
        local_ids, local_xy, local_labels = to_arrays(local)
        print(f"local engine (fallback): {len(local_ids)} rows, stats {local.stats()}")

    keep = (x > 0.5) & np.isin(labels, ["a", "c"])
    assert np.array_equal(server_ids, ids[keep]), "server-side Select differs from numpy"
    assert np.array_equal(local_ids, server_ids), "local fallback differs from server-side Select"
    assert np.allclose(server_xy, np.stack([x[keep], y[keep]], axis=1))
    assert np.array_equal(local_xy, server_xy) and np.array_equal(local_labels, server_labels)
    print(f"arrays agree: ids {server_ids.shape}, features {server_xy.shape}, "
          f"mean x {server_xy[:, 0].mean():.4f}")


if __name__ == "__main__":
    main()
