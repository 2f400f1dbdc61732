#pragma once
// A transfer progress bar drawn on stderr, for `s3ml cp`.

#include <chrono>
#include <cstdint>
#include <string>

namespace s3ml::cli {

/// True when stderr is a terminal (the only case a progress bar is drawn).
bool StderrIsTerminal();

/// Formats a byte count for humans: "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB".
std::string FormatBytes(std::uint64_t n);

/// Formats one progress line (without "\r" or padding), e.g.
/// "  4.0 MiB / 8.0 MiB (50%)  120.3 MiB/s  ETA 0:01  upload: big.bin". `total` 0 means
/// unknown (no percentage or ETA). Cut to `width` columns when width > 0.
std::string FormatProgressLine(const std::string& label, std::uint64_t done, std::uint64_t total,
                               std::chrono::steady_clock::duration elapsed, int width);

/// A single-line progress bar on stderr for one transfer: bytes done, percentage,
/// throughput and ETA. Draws only when enabled (the caller passes
/// `StderrIsTerminal() && !quiet`), at most every 100 ms, and erases its line when
/// finished so that the command's own output lines stay clean.
///
/// Thread safety: none; one transfer thread reports to it.
class ProgressBar {
 public:
  ProgressBar(std::string label, std::uint64_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  /// Sets the total size once it is known (0 = unknown).
  void SetTotal(std::uint64_t total) { total_ = total; }
  /// Reports `n` more bytes transferred.
  void Add(std::uint64_t n) { Update(done_ + n); }
  /// Reports the absolute number of bytes transferred (may go back when the body is re-read: checksum pass, retry).
  void Update(std::uint64_t done);
  /// Erases the bar (idempotent; the destructor calls it).
  void Finish();

 private:
  void Draw();

  std::string label_;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
  bool enabled_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;       // when the bar was made (first-draw delay)
  std::chrono::steady_clock::time_point rate_start_;  // start of the current pass over the body
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace s3ml::cli
