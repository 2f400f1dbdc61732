"""PyTorch training loop over a WebDataset-style dataset in S3, against s3ml's in-process
mock (no network, no Docker):

1. starts s3ml.MockServer and uploads 8 tar shards of synthetic samples (16 float32
   features in "x.f32", a class label in "cls");
2. trains a tiny classifier for a few steps from s3ml.torch.S3IterableDataset through a
   DataLoader with 2 worker processes (each worker reads its own shards);
3. saves a checkpoint (model, optimizer, data-loader position) to the mock with
   s3ml.torch.save, loads it back with s3ml.torch.load and checks it is identical.

Run: python examples/python/pytorch_train.py
"""

import io
import tarfile

import torch

import s3ml
import s3ml.torch as st

FEATURES, CLASSES, SHARDS, PER_SHARD = 16, 3, 8, 64


def make_shard(shard: int, gen: torch.Generator) -> bytes:
    """A tar shard: sample k is "<shard>/<k>.x.f32" (raw float32) + "<shard>/<k>.cls"."""
    centers = torch.eye(CLASSES, FEATURES) * 3
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for k in range(PER_SHARD):
            label = int(torch.randint(CLASSES, (1,), generator=gen))
            x = centers[label] + torch.randn(FEATURES, generator=gen)
            for name, data in ((f"{shard:03d}/{k:04d}.x.f32", x.numpy().tobytes()),
                               (f"{shard:03d}/{k:04d}.cls", str(label).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


def decode(sample):
    """Runs in the DataLoader workers. sample["x.f32"] is an s3ml.Buffer viewing the shard
    (buffer protocol, no copy); bytearray() makes the one copy torch will own."""
    x = torch.frombuffer(bytearray(sample["x.f32"]), dtype=torch.float32)
    y = int(bytes(sample["cls"]))
    return x, y


def main() -> None:
    torch.manual_seed(0)
    with s3ml.MockServer() as server:
        s3 = server.client()
        s3.create_bucket("train")
        gen = torch.Generator().manual_seed(1)
        for s in range(SHARDS):
            s3.put_object("train", f"shards/shard-{s:04d}.tar", make_shard(s, gen))
        print(f"uploaded {SHARDS} shards x {PER_SHARD} samples to s3://train/shards/ at {server.endpoint_url}")

        dataset = st.S3IterableDataset("s3://train/shards/", format="tar", transform=decode,
                                       client=s3, shuffle=True, shuffle_buffer=128, seed=7)
        loader = st.DataLoader(dataset, batch_size=32, num_workers=2)
        model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 32), torch.nn.ReLU(), torch.nn.Linear(32, CLASSES))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()

        step = 0
        for epoch in range(2):
            dataset.set_epoch(epoch)
            seen, correct, total_loss = 0, 0, 0.0
            for x, y in loader:
                opt.zero_grad()
                logits = model(x)
                loss = loss_fn(logits, y)
                loss.backward()
                opt.step()
                step += 1
                seen += len(y)
                correct += int((logits.argmax(1) == y).sum())
                total_loss += float(loss) * len(y)
            assert seen == SHARDS * PER_SHARD, f"epoch {epoch} saw {seen} samples"
            print(f"epoch {epoch}: samples={seen} steps={step} loss={total_loss / seen:.4f} "
                  f"accuracy={correct / seen:.3f}")

        checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                      "data": loader.state_dict()}
        info = st.save(checkpoint, "s3://train/checkpoints/last.pt", client=s3,
                       metadata={"step": step, "epoch": 1})
        print(f"saved checkpoint s3://train/checkpoints/last.pt ({info.size} bytes)")

        restored = st.load("s3://train/checkpoints/last.pt", client=s3)
        for name, tensor in model.state_dict().items():
            assert torch.equal(tensor, restored["model"][name]), name
        assert restored["step"] == step and restored["data"] == checkpoint["data"]
        fresh = torch.nn.Sequential(torch.nn.Linear(FEATURES, 32), torch.nn.ReLU(), torch.nn.Linear(32, CLASSES))
        fresh.load_state_dict(restored["model"])
        probe = torch.randn(4, FEATURES)
        assert torch.equal(fresh(probe), model(probe))
        print("checkpoint round trip OK: every tensor identical")


if __name__ == "__main__":
    main()
