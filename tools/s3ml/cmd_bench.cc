// `s3ml bench read s3://bucket/prefix`: streams a dataset through the
// DatasetReader and prints throughput per epoch (see docs/benchmarks.md).
//
// One summary line per epoch on stdout (or one JSON object per epoch with
// --json); the samples are only counted, never written anywhere.

#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "progress.h"
#include "s3_uri.h"
#include "s3ml/dataset/reader.h"

namespace s3ml::cli {

namespace {

struct BenchReadOptions {
  std::string uri;
  int fetch_threads = 16;
  int max_in_flight = 16;
  std::string memory_budget = "256MiB";
  std::string part_size = "8MiB";
  std::string prefetch_ahead = "0";
  std::string format = "raw";
  int epochs = 1;
  bool json = false;
};

/// Parses "256MiB", "8M", "1.5GiB", "4096" (bytes). K/M/G/T and KiB/MiB/GiB/TiB
/// are binary multiples (as the aws CLI's chunk sizes); KB/MB/GB/TB decimal.
Result<std::uint64_t> ParseByteSize(const std::string& text) {
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    return Status(ErrorCategory::kInvalidArgument, "size '" + text + "' does not start with a number");
  }
  if (value < 0) return Status(ErrorCategory::kInvalidArgument, "size '" + text + "' is negative");
  std::string unit = text.substr(pos);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KIB") mult = 1024.0;
  else if (unit == "M" || unit == "MIB") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GIB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TIB") mult = 1024.0 * 1024 * 1024 * 1024;
  else if (unit == "KB") mult = 1e3;
  else if (unit == "MB") mult = 1e6;
  else if (unit == "GB") mult = 1e9;
  else if (unit == "TB") mult = 1e12;
  else return Status(ErrorCategory::kInvalidArgument, "size '" + text + "' has unknown unit '" + text.substr(pos) + "'");
  return static_cast<std::uint64_t>(value * mult);
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

int RunBenchRead(const GlobalOptions& g, const BenchReadOptions& o) {
  const std::string cmd = "bench read";
  if (auto uri = ParseS3Uri(o.uri); !uri.ok()) return Fail(cmd, uri.status());
  auto budget = ParseByteSize(o.memory_budget);
  if (!budget.ok()) return Fail(cmd, Status(ErrorCategory::kInvalidArgument, "--memory-budget: " + budget.status().message()));
  auto part = ParseByteSize(o.part_size);
  if (!part.ok()) return Fail(cmd, Status(ErrorCategory::kInvalidArgument, "--part-size: " + part.status().message()));
  auto ahead = ParseByteSize(o.prefetch_ahead);
  if (!ahead.ok()) return Fail(cmd, Status(ErrorCategory::kInvalidArgument, "--prefetch-ahead: " + ahead.status().message()));
  if (o.epochs < 1) return Fail(cmd, Status(ErrorCategory::kInvalidArgument, "--epochs must be >= 1"));

  dataset::ReaderOptions ro;
  ro.fetch_threads = o.fetch_threads;
  ro.max_in_flight = o.max_in_flight;
  ro.memory_budget = *budget;
  ro.part_size = *part;
  ro.prefetch_ahead = *ahead;
  if (o.format == "raw") ro.decoder = dataset::RawDecoder();
  else if (o.format == "tar") ro.decoder = dataset::TarDecoder();
  else if (o.format == "jsonl") ro.decoder = dataset::JsonLinesDecoder();
  else return Fail(cmd, Status(ErrorCategory::kInvalidArgument, "--format must be raw, tar or jsonl, not '" + o.format + "'"));

  auto client = MakeClient(g);
  if (!client.ok()) return Fail(cmd, client.status());
  auto reader = dataset::DatasetReader::Create(std::move(*client), dataset::Source::Prefix(o.uri), ro);
  if (!reader.ok()) {
    return Fail(cmd, InFlagTerms(reader.status(), {{"ReaderOptions.fetch_threads", "--fetch-threads"},
                                                   {"ReaderOptions.max_in_flight", "--max-in-flight"},
                                                   {"ReaderOptions.memory_budget", "--memory-budget"},
                                                   {"ReaderOptions.part_size", "--part-size"},
                                                   {"ReaderOptions.prefetch_ahead", "--prefetch-ahead"}}));
  }
  dataset::DatasetReader& r = **reader;

  dataset::ReaderMetrics prev = r.metrics();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    if (epoch > 0) r.SetEpoch(static_cast<std::uint64_t>(epoch));
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t samples = 0, sample_bytes = 0;
    for (;;) {
      auto next = r.Next();
      // The arguments were fine: whatever fails now (a corrupt shard, an empty prefix,
      // the server) is a runtime failure, exit 1, even when the reader calls it InvalidArgument.
      if (!next.ok()) return FailRunning(cmd, next.status());
      if (!next->has_value()) break;
      ++samples;
      for (const auto& f : (*next)->fields) sample_bytes += f.second.size();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const dataset::ReaderMetrics m = r.metrics();
    const std::uint64_t fetched = (m.bytes_fetched + m.bytes_from_cache) - (prev.bytes_fetched + prev.bytes_from_cache);
    const std::uint64_t requests = m.requests - prev.requests;
    const double stall = Seconds(m.stall_time - prev.stall_time);
    const std::uint64_t retries = m.retries - prev.retries;
    prev = m;
    const double mbps = secs > 0 ? static_cast<double>(fetched) / 1e6 / secs : 0;
    const double sps = secs > 0 ? static_cast<double>(samples) / secs : 0;
    if (o.json) {
      nlohmann::json j = {{"epoch", epoch},           {"samples", samples},
                          {"sample_bytes", sample_bytes}, {"bytes_fetched", fetched},
                          {"seconds", secs},          {"mb_per_s", mbps},
                          {"samples_per_s", sps},     {"stall_seconds", stall},
                          {"requests", requests},     {"retries", retries},
                          {"budget_high_water", m.budget_high_water}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("epoch %d: %" PRIu64 " samples, %s fetched in %.2f s: %.1f MB/s, %.0f samples/s, stall %.2f s, "
                  "%" PRIu64 " requests, %" PRIu64 " retries\n",
                  epoch, samples, FormatBytes(fetched).c_str(), secs, mbps, sps, stall, requests, retries);
    }
    std::fflush(stdout);
  }
  r.Close();
  return 0;
}

}  // namespace

void RegisterBench(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks against an S3 endpoint");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchReadOptions>();
  CLI::App* read = bench->add_subcommand("read", "Stream s3://bucket/prefix through the dataset reader and report throughput");
  read->add_option("uri", o->uri, "s3://bucket/prefix")->required();
  read->add_option("--fetch-threads", o->fetch_threads, "Fetch threads")->capture_default_str()->check(CLI::Range(1, 1024));
  read->add_option("--max-in-flight", o->max_in_flight, "Requests in flight")->capture_default_str()->check(CLI::Range(1, 1024));
  read->add_option("--memory-budget", o->memory_budget, "Prefetch byte budget (e.g. 256MiB)")->capture_default_str();
  read->add_option("--part-size", o->part_size, "Ranged-GET part size for large shards (e.g. 8MiB)")->capture_default_str();
  read->add_option("--prefetch-ahead", o->prefetch_ahead,
                   "Bytes fetched ahead of the consumer, within the budget (0: what keeps the requests in flight busy)")
      ->capture_default_str();
  read->add_option("--format", o->format, "Shard format: raw, tar or jsonl")->capture_default_str();
  read->add_option("--epochs", o->epochs, "Epochs to read")->capture_default_str();
  read->add_flag("--json", o->json, "One JSON object per epoch instead of a text line");
  read->callback([&global, o, on_selected] { on_selected([&global, o] { return RunBenchRead(global, *o); }); });
}

}  // namespace s3ml::cli
