#pragma once
// A snapshot of environment variables: the one place s3ml reads the process
// environment. Everything else (credentials providers, profile lookup, client
// options) takes an Environment, so tests build one from a map and never touch
// the real environment.

#include <map>
#include <optional>
#include <string>

namespace s3ml {

/// Immutable snapshot of environment variables plus the user's home directory.
/// Thread safety: immutable after construction; safe to share.
class Environment {
 public:
  /// An empty environment (no variables, no home directory).
  Environment() = default;
  /// Snapshot of the current process environment, taken once here. The home
  /// directory is $HOME, else the password database entry of the current user.
  static Environment FromProcess();
  /// An environment made of exactly these variables. `home` overrides $HOME from `vars`.
  static Environment FromMap(std::map<std::string, std::string> vars, std::string home = {});

  /// The value when the variable is set (possibly empty), else nullopt.
  std::optional<std::string> Get(const std::string& name) const;
  /// The value when the variable is set and non-empty, else `def`.
  std::string GetOr(const std::string& name, const std::string& def = {}) const;
  /// True when the variable is set and non-empty.
  bool IsSet(const std::string& name) const;
  /// True when the variable is "true"/"1"/"yes"/"on" (case-insensitive).
  bool IsTrue(const std::string& name) const;
  /// The home directory ("" when unknown).
  const std::string& HomeDir() const { return home_; }
  /// Expands a leading "~" or "~/" with HomeDir().
  std::string ExpandUser(const std::string& path) const;
  /// All variables.
  const std::map<std::string, std::string>& vars() const { return vars_; }

 private:
  std::map<std::string, std::string> vars_;
  std::string home_;
};

}  // namespace s3ml
