"""Drop-in names of other libraries over s3ml, so existing code moves by changing an import.

* :mod:`s3ml.compat.s3torchconnector` -- ``S3IterableDataset``, ``S3MapDataset``,
  ``S3Checkpoint``, ``S3ClientConfig``, ``S3ReaderConstructor``, ``S3Reader`` with
  s3torchconnector's signatures (imports torch).

boto3 habits need no module: s3ml's exceptions carry ``.response`` in botocore's shape
(``e.response["Error"]["Code"]``), and ``s3ml.Client(unsigned=True)`` is boto3's
``Config(signature_version=UNSIGNED)``.
"""

__all__: list = []  # submodules are imported explicitly (s3torchconnector imports torch)
