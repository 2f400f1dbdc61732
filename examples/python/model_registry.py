"""A model registry on a versioned bucket: every checkpoint of one key is a version,
with its step and loss as metadata. Lists the versions, loads the best by a metric,
and rolls back (makes an older version the latest again, history kept).

Run: python examples/python/model_registry.py
"""

import torch

import s3ml
import s3ml.checkpoint as registry
import s3ml.torch as st

URI = "s3://models/tiny-regressor/model.pt"


def main() -> None:
    torch.manual_seed(0)
    with s3ml.MockServer() as server:
        s3 = server.client()
        s3.create_bucket("models")
        s3.put_bucket_versioning("models", True)

        # Train a tiny regressor; save a checkpoint (a new version) every 25 steps.
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        true_w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
        saved = {}
        for step in range(1, 101):
            x = torch.randn(32, 4)
            loss = torch.nn.functional.mse_loss(model(x), x @ true_w.T)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 25 == 0:
                # A synthetic validation loss that rises again after step 50 (as when a
                # model starts to overfit): the latest checkpoint is not the best one.
                val = float(loss) + 0.1 * ((step - 50) / 25) ** 2
                info = st.save({"model": model.state_dict(), "step": step}, URI, client=s3,
                               metadata={"step": step, "loss": f"{val:.6f}"})
                saved[info.version_id] = (step, val, {k: v.clone() for k, v in model.state_dict().items()})
                print(f"saved step {step:3d} loss {val:.6f} as version {info.version_id}")

        versions = registry.list_versions(s3, URI)
        print(f"{len(versions)} versions (newest first):")
        for v in versions:
            print(f"  {v.version_id} step={v.metadata['step']} loss={v.metadata['loss']} latest={v.is_latest}")
        assert [int(v.metadata["step"]) for v in versions] == [100, 75, 50, 25]

        best = registry.best(s3, URI, "loss", higher_is_better=False)
        expected_best = min(saved, key=lambda vid: saved[vid][1])
        assert best.version_id == expected_best and best.metadata["step"] == "50"
        print(f"best by loss: step {best.metadata['step']} (version {best.version_id})")
        ckpt = st.load(URI, version_id=best.version_id, client=s3)
        for name, tensor in saved[best.version_id][2].items():
            assert torch.equal(ckpt["model"][name], tensor), name

        latest = registry.latest(s3, URI)
        assert latest.metadata["step"] == "100"
        rolled = registry.rollback(s3, URI, best.version_id)
        now = st.load(URI, client=s3)  # no version: the latest
        assert now["step"] == int(best.metadata["step"])
        assert registry.latest(s3, URI).version_id == rolled.version_id
        assert len(registry.list_versions(s3, URI)) == 5, "the rollback is a new version; history is kept"
        print(f"rolled back: latest is now step {now['step']} (new version {rolled.version_id}), "
              f"{len(registry.list_versions(s3, URI))} versions kept")


if __name__ == "__main__":
    main()
