"""s3ml.lightning.S3CheckpointIO: a Lightning Trainer saves to and resumes from s3://."""

import pytest

from _binding_util import import_torch_or_skip, unique_bucket

torch = import_torch_or_skip("the s3ml.lightning tests")
try:
    import lightning.pytorch as pl
except ImportError as exc:
    pytest.skip(f"lightning is not installed ({exc}): the Lightning tests run in the torch 2.x venv of make test "
                "(build/venv-torch2, tests/python/requirements-torch2.txt)", allow_module_level=True)

import s3ml  # noqa: E402
from s3ml.lightning import S3CheckpointIO  # noqa: E402


class Tiny(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    y = x.sum(dim=1, keepdim=True)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)


def _trainer(tmp_path, plugin, max_steps):
    return pl.Trainer(plugins=[plugin], accelerator="cpu", devices=1, max_steps=max_steps, max_epochs=-1,
                      logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, default_root_dir=str(tmp_path))


@pytest.fixture()
def server():
    with s3ml.MockServer() as srv:
        yield srv


def test_trainer_saves_to_s3_and_resumes_step_and_weights(server, tmp_path):
    bucket = unique_bucket("pl")
    c = server.client()
    c.create_bucket(bucket)
    uri = f"s3://{bucket}/run/last.ckpt"
    torch.manual_seed(0)
    model = Tiny()
    trainer = _trainer(tmp_path, S3CheckpointIO(client=c), max_steps=5)
    trainer.fit(model, _data())
    assert trainer.global_step == 5
    trainer.save_checkpoint(uri, storage_options={"metadata": {"step": trainer.global_step}})
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    info = s3ml.checkpoint.latest(c, uri)
    assert info.metadata.get("step") == "5" and info.size > 0

    # A fresh model and trainer resume from the S3 checkpoint: the step continues at 5
    # and the weights are the saved ones (checked before any further step is taken).
    torch.manual_seed(1)
    resumed = Tiny()
    seen = {}

    class Probe(pl.Callback):
        def on_train_start(self, trainer, pl_module):
            seen["step"] = trainer.global_step
            seen["weights"] = {k: v.clone() for k, v in pl_module.state_dict().items()}

    trainer2 = pl.Trainer(plugins=[S3CheckpointIO(client_kwargs=server.client_kwargs())], accelerator="cpu",
                          devices=1, max_steps=8, max_epochs=-1, logger=False, enable_checkpointing=False,
                          enable_progress_bar=False, enable_model_summary=False, default_root_dir=str(tmp_path),
                          callbacks=[Probe()])
    trainer2.fit(resumed, _data(), ckpt_path=uri)
    assert seen["step"] == 5
    for k in saved:
        assert torch.equal(seen["weights"][k], saved[k]), k
    assert trainer2.global_step == 8


def test_local_paths_still_go_to_files_and_remove_deletes_the_object(server, tmp_path):
    bucket = unique_bucket("pl")
    c = server.client()
    c.create_bucket(bucket)
    io = S3CheckpointIO(client=c)
    io.save_checkpoint({"x": torch.arange(3)}, str(tmp_path / "local.ckpt"))
    assert torch.equal(io.load_checkpoint(str(tmp_path / "local.ckpt"))["x"], torch.arange(3))
    io.save_checkpoint({"x": torch.arange(4)}, f"s3://{bucket}/a.ckpt")
    assert torch.equal(io.load_checkpoint(f"s3://{bucket}/a.ckpt")["x"], torch.arange(4))
    io.remove_checkpoint(f"s3://{bucket}/a.ckpt")
    assert server.object_keys(bucket) == []
    with pytest.raises(TypeError, match="storage_options"):
        io.save_checkpoint({"x": 1}, f"s3://{bucket}/b.ckpt", storage_options={"acl": "private"})
