#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace s3ml::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Short transfers finish before the first draw, so a fast `cp` never flickers.
constexpr auto kFirstDrawDelay = std::chrono::milliseconds(200);
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

int TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string FormatDuration(double seconds) {
  if (seconds < 0) seconds = 0;
  auto s = static_cast<unsigned long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string FormatBytes(std::uint64_t n) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) return std::to_string(n) + " B";
  double v = static_cast<double>(n) / 1024.0;
  std::size_t unit = 0;
  // Move up a unit once the value rounds to 1024 (the aws CLI's rule, so listings match).
  while (std::round(v) >= 1024.0 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string FormatProgressLine(const std::string& label, std::uint64_t done, std::uint64_t total,
                               Clock::duration elapsed, int width) {
  const double secs = std::chrono::duration<double>(elapsed).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  std::string line = FormatBytes(done);
  if (total > 0) {
    line += " / " + FormatBytes(total);
    const double pct = done >= total ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total);
    char buf[16];
    std::snprintf(buf, sizeof buf, " (%d%%)", static_cast<int>(pct));
    line += buf;
  }
  line += "  " + FormatBytes(static_cast<std::uint64_t>(rate)) + "/s";
  if (total > 0 && rate > 0 && done < total) {
    line += "  ETA " + FormatDuration(static_cast<double>(total - done) / rate);
  }
  line += "  " + label;
  if (width > 0 && line.size() > static_cast<std::size_t>(width)) line.resize(static_cast<std::size_t>(width));
  return line;
}

ProgressBar::ProgressBar(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), start_(Clock::now()), rate_start_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(std::uint64_t done) {
  const auto now = Clock::now();
  // Going back means the body is being read again (a checksum pass, then the send,
  // or a retry): restart the rate so it describes the current pass.
  if (done < done_) rate_start_ = now;
  done_ = done;
  if (!enabled_) return;
  if (now - start_ < kFirstDrawDelay) return;
  if (drawn_ && now - last_draw_ < kRedrawInterval && !(total_ > 0 && done_ >= total_)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  // One column less than the terminal so the cursor never wraps to a new line.
  const std::string line = FormatProgressLine(label_, done_, total_, Clock::now() - rate_start_, TerminalWidth() - 1);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  enabled_ = false;
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace s3ml::cli
