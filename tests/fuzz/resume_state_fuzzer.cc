// The dataset reader's resume state (DatasetReader::Resume, src/dataset/reader.cc):
// JSON from a checkpoint file, so as untrusted as any input. The reader reads a fixed
// list of shards and never connects (nothing is fetched before Next()).
#include "fuzz_util.h"
#include "s3ml/client.h"
#include "s3ml/dataset/reader.h"

using namespace s3ml;

namespace {
Client MakeClient() {
  ClientOptions o = ClientOptions::ForEndpoint("http://127.0.0.1:9");
  o.credentials = Credentials{"AKID", "secret", "", std::nullopt, "fuzz"};
  o.disable_imds = true;
  auto c = Client::Create(o);
  if (!c.ok()) fuzz::Fail();
  return *c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Client client = MakeClient();
  std::vector<dataset::ShardInfo> shards;
  for (int i = 0; i < 4; ++i) shards.push_back({"bucket", "shard-" + std::to_string(i) + ".tar", 10, "", ""});
  dataset::ReaderOptions opts;
  opts.seed = 7;
  auto reader = dataset::DatasetReader::Create(client, dataset::Source::Shards(shards), opts);
  if (!reader.ok()) fuzz::Fail();
  // "$CONFIG" stands for the reader's configuration fingerprint, so that inputs get
  // past the fingerprint check however the fingerprint is computed.
  static const std::string fingerprint = [&] {
    const std::string fresh = (*reader)->State();
    const auto at = fresh.find("\"config\":\"") + 10;
    return fresh.substr(at, fresh.find('"', at) - at);
  }();
  std::string state(reinterpret_cast<const char*>(data), size);
  for (auto p = state.find("$CONFIG"); p != std::string::npos; p = state.find("$CONFIG", p + fingerprint.size()))
    state.replace(p, 7, fingerprint);
  Status st = (*reader)->Resume(state);
  if (st.ok()) (void)(*reader)->State();
  return 0;
}
