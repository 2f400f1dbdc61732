#pragma once
/// \file Umbrella header: everything a user of the s3ml client needs.

#include "s3ml/buffer.h"
#include "s3ml/client.h"
#include "s3ml/credentials.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/logging.h"
#include "s3ml/multipart.h"
#include "s3ml/objects.h"
#include "s3ml/options.h"
#include "s3ml/result.h"
#include "s3ml/retry.h"
#include "s3ml/status.h"
#include "s3ml/tagging.h"
#include "s3ml/transfer.h"
#include "s3ml/version.h"
#include "s3ml/versioning.h"
